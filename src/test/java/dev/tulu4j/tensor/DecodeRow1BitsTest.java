package dev.tulu4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * {@link DecodeGemm#row1} (the decode step's batch-1 products, read from line boundaries) against
 * the path it replaced, {@code FewRowsGemm.columns(1, ..)} with beta 0 / 1 over
 * {@code VectorMath.dot}, copied here as it was at main 9975aaa: raw float bits equal for every
 * offset 0..15 of W and of x inside padded arrays (so every line offset of the rows and of x,
 * wherever the arrays themselves landed), depths that take the shifted kernel (256, 576, 768, 1536)
 * and ones that do not (80, 100), a row stride longer than the depth, a column subrange, both row
 * modes. The padding around W holds NaN and infinities: a lane of a neighbouring row that leaked
 * into a sum would show. A deliberately reordered reference must differ, so the comparison can fail.
 */
class DecodeRow1BitsTest {
  private static final int LINE = CacheLines.FLOATS;

  @Test
  void sameBitsAsTheOneRowFewRowsPathAtEveryOffset() {
    SplittableRandom rnd = new SplittableRandom(13);
    int[][] shapes = {{256, 256, 7}, {576, 576, 6}, {768, 768, 5}, {1536, 1536, 3}, {256, 272, 5}, {576, 592, 4},
        {80, 80, 9}, {100, 100, 9}, {256, 259, 5}};
    long compared = 0;
    for (int[] sh : shapes) {
      int k = sh[0], ldw = sh[1], n = sh[2];
      for (int wo = 0; wo < LINE; wo++) {
        float[] w = new float[wo + n * ldw + 2 * LINE];
        java.util.Arrays.fill(w, Float.NaN);
        for (int i = 0; i < wo; i++) w[i] = (i & 1) == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
        for (int j = 0; j < n; j++) for (int p = 0; p < k; p++) w[wo + j * ldw + p] = value(rnd);
        for (int xo = 0; xo < LINE; xo++) {
          float[] x = new float[xo + k + LINE];
          java.util.Arrays.fill(x, Float.NaN);
          for (int p = 0; p < k; p++) x[xo + p] = value(rnd);
          float[] xs = new float[k + 2 * LINE];
          for (DecodeGemm.Mode mode : new DecodeGemm.Mode[] {DecodeGemm.Mode.ROWS_SET, DecodeGemm.Mode.ROWS_ADD}) {
            int j0 = (wo + xo) % 2, j1 = n - (xo % 2);
            int cOff = 3;
            float[] c = new float[cOff + n + 2], ref = new float[c.length];
            for (int i = 0; i < c.length; i++) c[i] = ref[i] = value(rnd);
            DecodeGemm.row1(k, j0, j1, x, xo, w, wo, ldw, mode, c, cOff, xs);
            oldColumns1(k, j0, j1, x, xo, w, wo, ldw, mode == DecodeGemm.Mode.ROWS_ADD ? 1f : 0f, ref, cOff);
            for (int i = 0; i < c.length; i++) {
              assertEquals(Float.floatToRawIntBits(ref[i]), Float.floatToRawIntBits(c[i]),
                  "k " + k + " ldw " + ldw + " w offset " + wo + " x offset " + xo + " " + mode + " out " + i);
            }
            compared += j1 - j0;
          }
        }
      }
    }
    assertTrue(compared > 1000);
  }

  @Test
  void aReorderedSumIsCaught() {
    // the same products summed s0 + s1 + s2 + s3 left to right instead of (s0 + s1) + (s2 + s3)
    SplittableRandom rnd = new SplittableRandom(5);
    int k = 576, n = 64, differ = 0;
    float[] w = new float[n * k], x = new float[k], xs = new float[k + 2 * LINE];
    for (int i = 0; i < w.length; i++) w[i] = value(rnd);
    for (int i = 0; i < k; i++) x[i] = value(rnd);
    float[] c = new float[n];
    DecodeGemm.row1(k, 0, n, x, 0, w, 0, k, DecodeGemm.Mode.ROWS_SET, c, 0, xs);
    for (int j = 0; j < n; j++) {
      if (Float.floatToRawIntBits(c[j]) != Float.floatToRawIntBits(reorderedDot(x, 0, w, j * k, k))) differ++;
    }
    assertTrue(differ > 0, "a reordered sum gave the same bits in every row: the comparison could not fail");
  }

  @Test
  void transposedIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> DecodeGemm.row1(256, 0, 1, new float[256], 0, new float[256], 0,
        256, DecodeGemm.Mode.TRANSPOSED, new float[1], 0, new float[256 + 2 * LINE]));
  }

  private static float value(SplittableRandom rnd) {
    // mixed magnitudes and signs, so that the order of additions shows in the low bits
    return (float) ((rnd.nextDouble() - 0.5) * Math.scalb(1.0, rnd.nextInt(-6, 7)));
  }

  // ---- the old path, as at main 9975aaa: FewRowsGemm.columns with m == 1, put, VectorMath.dot ----

  private static void oldColumns1(int k, int j0, int j1, float[] x, int xOff, float[] w, int wOff, int ldw, float beta,
      float[] c, int cOff) {
    for (int j = j0; j < j1; j++) oldPut(c, cOff + j, oldDot(x, xOff, w, wOff + j * ldw, k), beta);
  }

  private static void oldPut(float[] c, int ci, float v, float beta) {
    c[ci] = beta == 0f ? v : v + beta * c[ci];
  }

  private static float oldDot(float[] x, int xOff, float[] y, int yOff, int n) {
    var s = VectorMath.S;
    int l = VectorMath.L;
    FloatVector s0 = FloatVector.zero(s), s1 = FloatVector.zero(s), s2 = FloatVector.zero(s), s3 = FloatVector.zero(s);
    int i = 0;
    for (; i <= n - 4 * l; i += 4 * l) {
      s0 = FloatVector.fromArray(s, x, xOff + i).fma(FloatVector.fromArray(s, y, yOff + i), s0);
      s1 = FloatVector.fromArray(s, x, xOff + i + l).fma(FloatVector.fromArray(s, y, yOff + i + l), s1);
      s2 = FloatVector.fromArray(s, x, xOff + i + 2 * l).fma(FloatVector.fromArray(s, y, yOff + i + 2 * l), s2);
      s3 = FloatVector.fromArray(s, x, xOff + i + 3 * l).fma(FloatVector.fromArray(s, y, yOff + i + 3 * l), s3);
    }
    for (; i <= n - l; i += l) s0 = FloatVector.fromArray(s, x, xOff + i).fma(FloatVector.fromArray(s, y, yOff + i), s0);
    float sum = VectorMath.sum(s0.add(s1).add(s2.add(s3)));
    for (; i < n; i++) sum += x[xOff + i] * y[yOff + i];
    return sum;
  }

  private static float reorderedDot(float[] x, int xOff, float[] y, int yOff, int n) {
    var s = VectorMath.S;
    int l = VectorMath.L;
    FloatVector s0 = FloatVector.zero(s), s1 = s0, s2 = s0, s3 = s0;
    int i = 0;
    for (; i <= n - 4 * l; i += 4 * l) {
      s0 = FloatVector.fromArray(s, x, xOff + i).fma(FloatVector.fromArray(s, y, yOff + i), s0);
      s1 = FloatVector.fromArray(s, x, xOff + i + l).fma(FloatVector.fromArray(s, y, yOff + i + l), s1);
      s2 = FloatVector.fromArray(s, x, xOff + i + 2 * l).fma(FloatVector.fromArray(s, y, yOff + i + 2 * l), s2);
      s3 = FloatVector.fromArray(s, x, xOff + i + 3 * l).fma(FloatVector.fromArray(s, y, yOff + i + 3 * l), s3);
    }
    float sum = VectorMath.sum(s0.add(s1).add(s2).add(s3));
    for (; i < n; i++) sum += x[xOff + i] * y[yOff + i];
    return sum;
  }
}
