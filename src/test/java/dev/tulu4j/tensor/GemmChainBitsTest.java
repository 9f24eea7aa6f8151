package dev.tulu4j.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The blocked GEMM's results are fixed by each output's summation alone: per depth block of
 * {@link VectorGemm#depthBlock} one FMA chain over p in order from 0, then {@code C = beta·C + alpha·acc}
 * as two products and a sum ({@code alpha·acc} alone when beta is 0), beta on the first block and 1
 * after. A scalar loop written that way must give the same bits for every loop order and thread split
 * the blocked kernel may use: odd shapes (m, n, k not multiples of the tile or of kc, several column
 * blocks), NN/NT/TN/TT, 1 and 2 threads, the own-panel, row and panel splits, and bf16 B. A faster
 * kernel that keeps the results must keep this test green (session 11 tried depth grouping,
 * pack-ahead and panel tasks against it: branch {@code s11-gemm}, docs/PERFORMANCE.md).
 */
class GemmChainBitsTest {

  /** The chain of main d1cbafb's kernels, element by element. */
  static void reference(boolean ta, boolean tb, int m, int n, int k, float alpha, float[] a, int lda,
      float[] b, int ldb, float beta, float[] c, int ldc, int kc) {
    int step = VectorGemm.depthBlock(k, kc);
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        float cij = c[i * ldc + j];
        for (int p0 = 0; p0 < k; p0 += step) {
          float acc = 0f;
          for (int p = p0; p < Math.min(k, p0 + step); p++) {
            float av = ta ? a[p * lda + i] : a[i * lda + p];
            float bv = tb ? b[j * ldb + p] : b[p * ldb + j];
            acc = Math.fma(bv, av, acc);
          }
          float be = p0 == 0 ? beta : 1f;
          cij = be == 0f ? acc * alpha : cij * be + acc * alpha;
        }
        c[i * ldc + j] = cij;
      }
    }
  }

  static float[] random(SplittableRandom rnd, int size) {
    float[] x = new float[size];
    for (int i = 0; i < size; i++) x[i] = (float) (rnd.nextDouble() - 0.5);
    return x;
  }

  static void assertSameBits(float[] got, float[] want, String what) {
    for (int i = 0; i < want.length; i++) {
      if (Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(want[i])) {
        throw new AssertionError(what + ": element " + i + " is " + got[i] + ", the chain gives " + want[i]);
      }
    }
  }

  @Test
  void everySplitGivesTheChainBits() {
    SplittableRandom rnd = new SplittableRandom(23);
    // {m, n, k}: own panels (n = 9 full panels + narrow), the row split (few panels, many rows), the
    // panel split (few rows), two column blocks (n > nc), k of one, two and three depth blocks
    int[][] shapes = {{97, 16 * 37 + 5, 1100}, {131, 203, 1030}, {7, 700, 1300}, {70, 1100, 613}, {65, 130, 90}};
    try (Parallel two = Parallel.create(2)) {
      for (int[] sh : shapes) {
        int m = sh[0], n = sh[1], k = sh[2];
        float[] a = random(rnd, m * k), b = random(rnd, k * n), c0 = random(rnd, m * n);
        for (int t = 0; t < 4; t++) {
          boolean ta = (t & 2) != 0, tb = (t & 1) != 0;
          if (tb && m <= FewRowsGemm.MAX_M && k >= VectorGemm.FEW_ROWS_MIN_K) {
            continue; // batched decode's few-rows kernel, not the blocked one
          }
          for (float beta : new float[] {0f, 0.5f}) {
            float alpha = 1.25f;
            float[] want = c0.clone();
            reference(ta, tb, m, n, k, alpha, a, ta ? m : k, b, tb ? k : n, beta, want, n, 512);
            for (Parallel par : new Parallel[] {Parallel.serial(), two}) {
              float[] got = c0.clone();
              new VectorGemm(par).sgemm(ta, tb, m, n, k, alpha, a, 0, ta ? m : k, b, 0, tb ? k : n, beta, got, 0, n);
              assertSameBits(got, want, String.format("%dx%dx%d ta %s tb %s beta %s threads %d", m, n, k, ta, tb,
                  beta, par.threads()));
            }
          }
        }
      }
    }
  }

  /**
   * {@link Gemm#sgemmPacked} over B packed once ({@link VectorGemm#packB}, the LM head's route) gives
   * the chain's bits, as plain {@code sgemm} does, for B transposed or not, row counts that take the
   * blocked kernel, the few-rows kernel and one row, several column and depth blocks, a small
   * blocking, 1 and 2 threads; and a B over the size limit or packed by another blocking is read as given.
   */
  @Test
  void packedBGivesTheChainBits() {
    SplittableRandom rnd = new SplittableRandom(41);
    int n = 16 * 70 + 9, k = 1100;
    float[] b = random(rnd, k * n);
    try (Parallel two = Parallel.create(2)) {
      for (Parallel par : new Parallel[] {Parallel.serial(), two}) {
        for (VectorGemm.Blocking blk : new VectorGemm.Blocking[] {VectorGemm.Blocking.defaults(), new VectorGemm.Blocking(12, 200, 128)}) {
          VectorGemm g = new VectorGemm(par, blk);
          for (boolean tb : new boolean[] {true, false}) {
            PackedB pb = g.packB(tb, n, k, b, 0, tb ? k : n, Long.MAX_VALUE);
            assertThat(pb.packed()).isTrue();
            PackedB small = g.packB(tb, n, k, b, 0, tb ? k : n, 1000);
            assertThat(small.packed()).isFalse();
            PackedB other = new VectorGemm(par, new VectorGemm.Blocking(6, 300, 256)).packB(tb, n, k, b, 0, tb ? k : n, Long.MAX_VALUE);
            for (int m : new int[] {256, 97, 30, 1}) {
              float[] a = random(rnd, m * k), c0 = random(rnd, m * n);
              for (float beta : new float[] {0f, 1f}) {
                float[] want = c0.clone();
                g.sgemm(false, tb, m, n, k, 0.75f, a, 0, k, b, 0, tb ? k : n, beta, want, 0, n);
                if (m > FewRowsGemm.MAX_M || (!tb && m > 1)) { // the blocked kernel (not Gemv, not few rows)
                  float[] ref = c0.clone();
                  reference(false, tb, m, n, k, 0.75f, a, k, b, tb ? k : n, beta, ref, n, blk.kc());
                  assertSameBits(want, ref, String.format("sgemm vs chain m %d tb %s beta %s threads %d kc %d", m, tb, beta, par.threads(), blk.kc()));
                }
                for (PackedB p : new PackedB[] {pb, small, other}) {
                  float[] got = c0.clone();
                  g.sgemmPacked(m, 0.75f, a, 0, k, p, beta, got, 0, n);
                  assertSameBits(got, want, String.format("packed B %dx%dx%d tb %s beta %s threads %d kc %d packed %s",
                      m, n, k, tb, beta, par.threads(), blk.kc(), p.packed()));
                }
              }
            }
          }
        }
      }
    }
  }

  @Test
  void smallBlockingAndBf16BGiveTheChainBits() {
    SplittableRandom rnd = new SplittableRandom(29);
    int m = 100, n = 300, k = 777;
    float[] a = random(rnd, m * k), c0 = random(rnd, m * n);
    short[] bh = new short[n * k];
    for (int i = 0; i < bh.length; i++) bh[i] = (short) (Float.floatToRawIntBits((float) (rnd.nextDouble() - 0.5)) >>> 16);
    float[] bw = Bf16.widen(bh);
    try (Parallel two = Parallel.create(2)) {
      for (Parallel par : new Parallel[] {Parallel.serial(), two}) {
        // a small blocking: several row blocks, column blocks and depth blocks of kc 200
        float[] want = c0.clone();
        reference(false, true, m, n, k, 1f, a, k, bw, k, 1f, want, n, 200);
        float[] got = c0.clone();
        new VectorGemm(par, new VectorGemm.Blocking(12, 200, 128)).sgemm(false, true, m, n, k, 1f, a, 0, k, bw, 0, k, 1f, got, 0, n);
        assertSameBits(got, want, "blocking 12/200/128, threads " + par.threads());
        want = c0.clone();
        reference(false, true, m, n, k, 1f, a, k, bw, k, 0f, want, n, 512);
        got = c0.clone();
        new VectorGemm(par).sgemmBf16B(false, true, m, n, k, 1f, a, 0, k, bh, 0, k, 0f, got, 0, n);
        assertSameBits(got, want, "bf16 B, threads " + par.threads());
      }
    }
  }
}
