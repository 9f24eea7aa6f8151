package dev.tulu4j.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link FewRowsGemm#columns}, the column-block entry the fused decode step calls, against
 * {@link NaiveGemm}: row counts around the 4-row tile, depths around the vector width, column
 * ranges that start and end off the 4-column tile, strided x and C, beta 0 (NaN in C ignored) and 1;
 * columns outside the range and C's padding must come back untouched.
 */
class FewRowsGemmTest {

  @Test
  void columnBlocksMatchNaive() {
    SplittableRandom rnd = new SplittableRandom(5);
    for (int m : new int[] {1, 2, 3, 4, 5, 8, 13, 32, 64}) {
      for (int k : new int[] {1, 7, 16, 17, 33, 256}) {
        for (int[] range : new int[][] {{0, 12}, {3, 11}, {5, 6}, {0, 1}, {4, 4}}) {
          for (float beta : new float[] {0f, 1f}) {
            int n = 12, ldx = k + 3, ldw = k + 1, ldc = n + 2, xOff = 2, wOff = 1, cOff = 3;
            float[] x = random(rnd, xOff + m * ldx);
            float[] w = random(rnd, wOff + n * ldw);
            float[] c = random(rnd, cOff + m * ldc + 2);
            float[] want = c.clone();
            if (beta == 0f) for (int i = 0; i < m; i++) for (int j = range[0]; j < range[1]; j++) c[cOff + i * ldc + j] = Float.NaN;
            new NaiveGemm().sgemm(false, true, m, range[1] - range[0], k, 1f, x, xOff, ldx, w, wOff + range[0] * ldw, ldw,
                beta, want, cOff + range[0], ldc);
            FewRowsGemm.columns(m, k, range[0], range[1], x, xOff, ldx, w, wOff, ldw, beta, c, cOff, ldc);
            for (int i = 0; i < c.length; i++) {
              assertThat(c[i]).as("m=%d k=%d cols=[%d,%d) beta=%s index %d", m, k, range[0], range[1], beta, i)
                  .isCloseTo(want[i], org.assertj.core.data.Offset.offset(1e-4f * (1 + Math.abs(want[i]))));
            }
          }
        }
      }
    }
  }

  private static float[] random(SplittableRandom rnd, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = (float) (rnd.nextDouble() - 0.5);
    return a;
  }
}
