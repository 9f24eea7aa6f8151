package dev.tulu4j.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link DecodeGemm} (rows of x in the vector lanes) against a scalar double-precision reference on
 * odd shapes: row counts that fill one, two or three vectors partly (the 2 × 6 and 1 × 8 tiles and
 * their one-column tails), column blocks that start and end anywhere, all three output modes; cells
 * outside the block and padding rows must stay untouched.
 */
class DecodeGemmTest {

  @Test
  void everyModeMatchesTheScalarReferenceOnOddShapes() {
    SplittableRandom rnd = new SplittableRandom(7);
    int l = DecodeGemm.L;
    int[] ms = {1, 8, l - 1, l, l + 3, 2 * l, 2 * l + 1, 3 * l + 5, 64};
    int[][] nk = {{37, 19}, {13, 64}, {50, 3}, {24, 256}, {19, 300}}; // k 300: the tile without read-ahead
    for (int m : ms) {
      for (int[] s : nk) {
        int n = s[0], k = s[1], mp = DecodeGemm.padded(m);
        float[] x = new float[m * k];
        float[] xt = new float[k * mp];
        for (int i = 0; i < m; i++)
          for (int p = 0; p < k; p++) xt[p * mp + i] = x[i * k + p] = (float) (rnd.nextDouble() * 2 - 1);
        for (int i = m; i < mp; i++) for (int p = 0; p < k; p++) xt[p * mp + i] = 1e30f; // padding: never stored
        float[] w = new float[n * k];
        for (int i = 0; i < w.length; i++) w[i] = (float) (rnd.nextDouble() * 2 - 1);
        double[] want = new double[m * n];
        for (int i = 0; i < m; i++)
          for (int j = 0; j < n; j++) {
            double a = 0;
            for (int p = 0; p < k; p++) a += (double) x[i * k + p] * w[j * k + p];
            want[i * n + j] = a;
          }
        int j0 = Math.min(n, 3), j1 = n - 1;
        String what = "m " + m + " n " + n + " k " + k;
        float tol = 1e-5f * k;
        // ROWS_SET into a wider matrix (ldc n + 5, offset 2)
        int ldc = n + 5;
        float[] c = new float[2 + m * ldc + 4];
        Arrays.fill(c, 9f);
        float[] tmp = new float[l + 1];
        DecodeGemm.columns(m, mp, k, j0, j1, xt, w, k, DecodeGemm.Mode.ROWS_SET, c, 2, ldc, tmp);
        for (int i = 0; i < m; i++)
          for (int j = 0; j < ldc; j++) {
            float got = c[2 + i * ldc + j];
            if (j >= j0 && j < j1) assertThat((double) got).as(what + " set [%d,%d]", i, j).isCloseTo(want[i * n + j], org.assertj.core.data.Offset.offset((double) tol));
            else assertThat(got).as(what + " outside [%d,%d]", i, j).isEqualTo(9f);
          }
        assertThat(c[0]).isEqualTo(9f);
        assertThat(c[c.length - 1]).isEqualTo(9f);
        // ROWS_ADD adds onto what is there
        DecodeGemm.columns(m, mp, k, j0, j1, xt, w, k, DecodeGemm.Mode.ROWS_ADD, c, 2, ldc, tmp);
        for (int i = 0; i < m; i++)
          for (int j = j0; j < j1; j++)
            assertThat((double) c[2 + i * ldc + j]).as(what + " add [%d,%d]", i, j)
                .isCloseTo(2 * want[i * n + j], org.assertj.core.data.Offset.offset(2.0 * tol));
        // T_SET: (n, mp), columns outside the block untouched
        float[] ct = new float[n * mp];
        Arrays.fill(ct, 9f);
        DecodeGemm.columns(m, mp, k, j0, j1, xt, w, k, DecodeGemm.Mode.TRANSPOSED, ct, 0, 0, tmp);
        for (int j = 0; j < n; j++)
          for (int i = 0; i < m; i++) {
            float got = ct[j * mp + i];
            if (j >= j0 && j < j1) assertThat((double) got).as(what + " T [%d,%d]", i, j).isCloseTo(want[i * n + j], org.assertj.core.data.Offset.offset((double) tol));
            else assertThat(got).as(what + " T outside [%d,%d]", i, j).isEqualTo(9f);
          }
      }
    }
  }

  /** The row-major few-rows kernel ({@link DecodeGemm#rows}) on 1 to 7 rows, odd k and column ranges, set and add. */
  @Test
  void rowsKernelMatchesTheScalarReference() {
    SplittableRandom rnd = new SplittableRandom(11);
    for (int m = 1; m <= 7; m++) {
      for (int[] s : new int[][] {{37, 19}, {13, 64}, {9, 3}, {24, 256}}) {
        int n = s[0], k = s[1], ldx = k + 3, ldc = n + 2;
        float[] x = new float[1 + m * ldx];
        for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextDouble() * 2 - 1);
        float[] w = new float[n * k];
        for (int i = 0; i < w.length; i++) w[i] = (float) (rnd.nextDouble() * 2 - 1);
        int j0 = Math.min(n, 2), j1 = n - 1;
        float[] c = new float[m * ldc + 1];
        Arrays.fill(c, 5f);
        DecodeGemm.rows(m, k, j0, j1, x, 1, ldx, w, k, DecodeGemm.Mode.ROWS_SET, c, 1, ldc);
        float[] add = c.clone();
        DecodeGemm.rows(m, k, j0, j1, x, 1, ldx, w, k, DecodeGemm.Mode.ROWS_ADD, add, 1, ldc);
        assertThat(c[0]).isEqualTo(5f);
        for (int i = 0; i < m; i++)
          for (int j = 0; j < ldc && 1 + i * ldc + j < c.length; j++) {
            float got = c[1 + i * ldc + j];
            String what = "m " + m + " n " + n + " k " + k + " [" + i + "," + j + "]";
            if (j < j0 || j >= j1) {
              assertThat(got).as(what + " outside").isEqualTo(5f);
              continue;
            }
            double want = 0;
            for (int p = 0; p < k; p++) want += (double) x[1 + i * ldx + p] * w[j * k + p];
            assertThat((double) got).as(what).isCloseTo(want, org.assertj.core.data.Offset.offset(1e-5 * k));
            assertThat(add[1 + i * ldc + j]).as(what + " add").isEqualTo(got + got);
          }
      }
    }
  }

  /** Each output is one FMA chain over p in order: the bits equal a scalar Math.fma loop. */
  @Test
  void eachOutputIsTheInOrderFmaChain() {
    SplittableRandom rnd = new SplittableRandom(3);
    int m = 2 * DecodeGemm.L + 3, n = 15, k = 77, mp = DecodeGemm.padded(m);
    float[] xt = new float[k * mp];
    float[] w = new float[n * k];
    for (int i = 0; i < xt.length; i++) xt[i] = (float) rnd.nextGaussian();
    for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian();
    float[] c = new float[m * n];
    DecodeGemm.columns(m, mp, k, 0, n, xt, w, k, DecodeGemm.Mode.ROWS_SET, c, 0, n, new float[DecodeGemm.L + 1]);
    for (int i = 0; i < m; i++)
      for (int j = 0; j < n; j++) {
        float a = 0f;
        for (int p = 0; p < k; p++) a = Math.fma(xt[p * mp + i], w[j * k + p], a);
        assertThat(c[i * n + j]).as("[%d,%d]", i, j).isEqualTo(a);
      }
  }

  /**
   * The grouped row-major stores (tmp of {@link DecodeGemm#tmpFloats}: each group of columns computed
   * transposed, then copied out row by row) write the same bits as the per-accumulator strided stores
   * (a tmp of L + 1), set and add, at the decode step's row counts; cells outside the block untouched.
   */
  @Test
  void groupedRowStoresWriteTheSameBitsAsStridedStores() {
    SplittableRandom rnd = new SplittableRandom(11);
    int[] ms = {8, 9, 17, 32, 33, 64};
    int[][] nk = {{2048, 256}, {77, 256}, {29, 300}, {50, 19}};
    for (int m : ms)
      for (int[] s : nk)
        for (DecodeGemm.Mode mode : new DecodeGemm.Mode[] {DecodeGemm.Mode.ROWS_SET, DecodeGemm.Mode.ROWS_ADD}) {
          int n = s[0], k = s[1], mp = DecodeGemm.padded(m), ldc = n + 5;
          float[] xt = new float[k * mp];
          float[] w = new float[n * k];
          for (int i = 0; i < xt.length; i++) xt[i] = (float) rnd.nextGaussian();
          for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian();
          float[] old = new float[3 + m * ldc];
          for (int i = 0; i < old.length; i++) old[i] = (float) rnd.nextGaussian();
          float[] grouped = old.clone();
          int j0 = 5, j1 = n - 2;
          DecodeGemm.columns(m, mp, k, j0, j1, xt, w, k, mode, old, 3, ldc, new float[DecodeGemm.L + 1]);
          DecodeGemm.columns(m, mp, k, j0, j1, xt, w, k, mode, grouped, 3, ldc, new float[DecodeGemm.tmpFloats(mp)]);
          for (int i = 0; i < old.length; i++)
            assertThat(Float.floatToRawIntBits(grouped[i])).as("m %d n %d k %d %s [%d]", m, n, k, mode, i)
                .isEqualTo(Float.floatToRawIntBits(old[i]));
        }
  }

  /**
   * The 2 × 8 tile (default up to depth {@link DecodeGemm#READ_AHEAD_MAX_K}) against session 8's 2 × 6
   * tile: the same bits in every mode, with strided and grouped row stores, at the decode row counts.
   */
  @Test
  void eightColumnTileWritesTheBitsOfTheSixColumnTile() {
    int[][] nk = {{768, 256}, {2048, 256}, {77, 64}, {50, 300}};
    assertDefaultTileHasSixColumnBits(new SplittableRandom(12), new int[] {8, 17, 32, 33, 64}, nk, 3);
  }

  /**
   * The default tile ({@link DecodeTouchTiles}' 2 × 6 at every depth, in blocks of
   * {@link DecodeTouchTiles#TOUCH_BLOCK} depths, each block touching its W lines first) against session
   * 8's tiles: raw bits in every mode, with strided and grouped row stores,
   * at depths that are and are not multiples of the block (the models' 256, 576 and 1536 among them),
   * column ranges with remainders of the eight- and six-column tiles, and 32 / 17 / 64 rows.
   */
  @Test
  void touchingSixColumnTileWritesTheBitsOfTheSessionEightTile() {
    int[][] nk = {{64, 576}, {40, 1536}, {29, 257}, {31, 591}, {13, 768}, {20, 303}, {45, 256}, {39, 250}, {27, 100}, {22, 7}};
    assertDefaultTileHasSixColumnBits(new SplittableRandom(15), new int[] {32, 17, 64}, nk, 1);
  }

  /**
   * {@code DecodeGemm.columns} with the default tiles ({@code eight}) against session 8's 2 × 6 tile only,
   * columns [j0, n − 1), raw bits, in every mode, with strided ({@code tmp} of L + 1) and grouped row stores.
   */
  private static void assertDefaultTileHasSixColumnBits(SplittableRandom rnd, int[] ms, int[][] nk, int j0) {
    for (int m : ms)
      for (int[] s : nk)
        for (DecodeGemm.Mode mode : DecodeGemm.Mode.values())
          for (boolean grouped : new boolean[] {false, true}) {
            int n = s[0], k = s[1], mp = DecodeGemm.padded(m), ldc = n + 3;
            float[] xt = new float[k * mp];
            float[] w = new float[n * k];
            for (int i = 0; i < xt.length; i++) xt[i] = (float) rnd.nextGaussian();
            for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian();
            float[] six = new float[mode == DecodeGemm.Mode.TRANSPOSED ? n * mp : 2 + m * ldc];
            for (int i = 0; i < six.length; i++) six[i] = (float) rnd.nextGaussian();
            float[] dflt = six.clone();
            int j1 = n - 1, tmp = grouped ? DecodeGemm.tmpFloats(mp) : DecodeGemm.L + 1;
            DecodeGemm.columns(false, m, mp, k, j0, j1, xt, w, k, mode, six, 2, ldc, new float[tmp]);
            DecodeGemm.columns(true, m, mp, k, j0, j1, xt, w, k, mode, dflt, 2, ldc, new float[tmp]);
            for (int i = 0; i < six.length; i++)
              assertThat(Float.floatToRawIntBits(dflt[i])).as("m %d n %d k %d %s grouped %s [%d]", m, n, k, mode, grouped, i)
                  .isEqualTo(Float.floatToRawIntBits(six[i]));
          }
  }
}
