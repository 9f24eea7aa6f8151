package dev.tulu4j.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link Gemv#dotRows} (four W rows far apart per pass, the batch-1 decode product) against the
 * path it replaced, one {@link VectorMath#dot} per row with the same beta: raw bits equal for every
 * output, row counts below, at and around multiples of the four streams, depths with and without
 * the vector and 4-vector tails (the model depths 256 and 576 among them), offsets and a padded ldw;
 * outputs outside the range must come back untouched.
 */
class GemvStreamsBitsTest {

  @Test
  void fourStreamsKeepEachRowsDotBits() {
    SplittableRandom rnd = new SplittableRandom(22);
    for (int k : new int[] {1, 15, 16, 17, 63, 64, 65, 100, 256, 576}) {
      for (int[] range : new int[][] {{0, 1}, {0, 3}, {0, 4}, {1, 9}, {2, 13}, {0, 64}, {5, 70}, {7, 7}}) {
        for (float beta : new float[] {0f, 1f}) {
          int n = 72, ldw = k + 5, xOff = 3, wOff = 2, cOff = 1;
          float[] x = random(rnd, xOff + k);
          float[] w = random(rnd, wOff + n * ldw);
          float[] c = random(rnd, cOff + n + 2);
          float[] want = c.clone();
          for (int j = range[0]; j < range[1]; j++) {
            float v = VectorMath.dot(x, xOff, w, wOff + j * ldw, k);
            want[cOff + j] = beta == 0f ? v : v + beta * want[cOff + j];
          }
          Gemv.dotRows(k, range[0], range[1], x, xOff, w, wOff, ldw, beta, c, cOff);
          for (int i = 0; i < c.length; i++) {
            assertThat(Float.floatToRawIntBits(c[i]))
                .as("k=%d rows=[%d,%d) beta=%s index %d: %s vs %s", k, range[0], range[1], beta, i, c[i], want[i])
                .isEqualTo(Float.floatToRawIntBits(want[i]));
          }
        }
      }
    }
  }

  private static float[] random(SplittableRandom rnd, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = (float) (rnd.nextDouble() * 2 - 1);
    return a;
  }
}
