package dev.tulu4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.tensor.Gemm;
import dev.tulu4j.tensor.Parallel;
import dev.tulu4j.tensor.VectorGemm;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The attention blocks on a {@link VectorGemm} (products with B read in place, the score products on
 * keys transposed once per task) give the same bits as the same blocks through the plain
 * {@link Gemm#sgemm} calls of that GEMM (what they ran before; reached here through a wrapper that
 * keeps the interface's defaults for {@code sgemmInPlaceB} and {@code transposedBSameBits}): forward output and log-sum-exp, and dQ, dK, dV, on the bench shapes'
 * head dims (32 tiny, 64 SmolLM2), a head dim the scores give to {@code FewRowsGemm} (128), edges
 * (one-row last block, odd head dim, masked columns) and packed rows (segment starts inside a block).
 */
class BlockAttentionBitsTest {
  private static final ModelParallel P = ModelParallel.common();

  private static float[] randn(Random r, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
    return a;
  }

  private static void sameBits(float[] got, float[] want, String what) {
    assertThat(got.length).isEqualTo(want.length);
    for (int i = 0; i < got.length; i++) {
      if (Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(want[i])) {
        throw new AssertionError(what + "[" + i + "]: " + got[i] + " vs " + want[i] + " (plain sgemm)");
      }
    }
  }

  @ParameterizedTest(name = "B{0} T{1} H{2} Hkv{3} D{4} packed={5}")
  @CsvSource({
      "2, 256, 4, 4, 32, false", // the tiny model's attention (D 32), full 64-row blocks
      "1, 256, 3, 1, 64, true",  // SmolLM2's head dim, GQA, segment starts
      "2, 129, 2, 2, 32, true",  // a one-row last block (sgemm's matrix-vector route), packed rows
      "1, 100, 2, 1, 33, true",  // odd head dim: 32 + one masked column
      "1, 90, 2, 2, 128, false", // scores on FewRowsGemm (not transposed), the rest in place
      "1, 70, 2, 2, 16, true",   // one vector of head dim
      "1, 133, 2, 1, 32, true",  // a 128-key tile (padded row stride) with T not a multiple of 128
      "2, 192, 9, 3, 64, true",  // SmolLM2-135M's heads: three kv groups of three, forward tasks per (row, kv head)
  })
  void sameBitsAsThePlainGemmCalls(int b, int t, int heads, int kvh, int d, boolean packed) {
    Random r = new Random(b * 1000L + t * 10L + d);
    int qw = heads * d, kw = kvh * d, n = b * t;
    float[] q = randn(r, n * qw), k = randn(r, n * kw), v = randn(r, n * kw), dout = randn(r, n * qw);
    int[] start = new int[n];
    if (packed) {
      for (int bb = 0; bb < b; bb++) // segments of 37, 50, rest: starts fall inside query blocks
        for (int i = 0; i < t; i++) start[bb * t + i] = i < 37 ? 0 : i < 87 ? 37 : 87;
    }
    VectorGemm vector = new VectorGemm(Parallel.create(2)).onCallingThread();
    Gemm plain = new Gemm() {
      @Override
      public void sgemm(boolean transA, boolean transB, int m, int nn, int kk, float alpha, float[] a, int aOff, int lda,
          float[] bb, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        vector.sgemm(transA, transB, m, nn, kk, alpha, a, aOff, lda, bb, bOff, ldb, beta, c, cOff, ldc);
      }

      @Override
      public String name() {
        return "plain";
      }
    };
    float[][] got = run(vector, q, k, v, dout, b, t, heads, kvh, d, start);
    float[][] want = run(plain, q, k, v, dout, b, t, heads, kvh, d, start);
    String[] names = {"out", "lse", "dq", "dk", "dv"};
    for (int i = 0; i < names.length; i++) sameBits(got[i], want[i], names[i]);
  }

  /**
   * Where the score tiles and the transposed keys and values start against the cache lines (on a
   * line, as the default path places them, or 1..15 floats past one, as the thread's scratch array
   * happened to lie before session 13) changes no bit of the output, the log-sum-exp or the gradients.
   */
  @ParameterizedTest(name = "B{0} T{1} H{2} Hkv{3} D{4} packed={5}")
  @CsvSource({
      "2, 256, 4, 4, 32, false",
      "1, 133, 2, 1, 32, true",
      "1, 100, 2, 1, 33, true",
      "1, 90, 2, 2, 128, false",
  })
  void tilePlacementChangesNoBits(int b, int t, int heads, int kvh, int d, boolean packed) {
    Random r = new Random(7 + t + d);
    int qw = heads * d, kw = kvh * d, n = b * t;
    float[] q = randn(r, n * qw), k = randn(r, n * kw), v = randn(r, n * kw), dout = randn(r, n * qw);
    int[] start = new int[n];
    if (packed) {
      for (int bb = 0; bb < b; bb++)
        for (int i = 0; i < t; i++) start[bb * t + i] = i < 37 ? 0 : i < 87 ? 37 : 87;
    }
    VectorGemm vector = new VectorGemm(Parallel.create(2)).onCallingThread();
    String[] names = {"out", "lse", "dq", "dk", "dv"};
    try {
      float[][] want = run(vector, q, k, v, dout, b, t, heads, kvh, d, start);
      for (int shift : new int[] {1, 4, 9, 15}) {
        BlockAttention.probeShift = shift;
        float[][] got = run(vector, q, k, v, dout, b, t, heads, kvh, d, start);
        for (int i = 0; i < names.length; i++) sameBits(got[i], want[i], names[i] + " at shift " + shift);
      }
    } finally {
      BlockAttention.probeShift = 0;
    }
  }

  private static float[][] run(Gemm gemm, float[] q, float[] k, float[] v, float[] dout, int b, int t, int heads, int kvh,
      int d, int[] start) {
    int n = b * t;
    float[] out = new float[n * heads * d], lse = new float[n * heads];
    Attention.forward(P, gemm, q, k, v, out, lse, b, t, heads, kvh, d, start);
    float[] dq = new float[n * heads * d], dk = new float[n * kvh * d], dv = new float[n * kvh * d];
    Attention.backward(P, gemm, q, k, v, out, lse, dout, dq, dk, dv, b, t, heads, kvh, d, start);
    return new float[][] {out, lse, dq, dk, dv};
  }

  /**
   * softmaxGrad (session 11: whole vectors and tail in one masked loop) against the code before
   * session 10: unmasked whole vectors, then the scalar tail (both copied here).
   */
  @org.junit.jupiter.api.Test
  void softmaxGradTailSameBitsAsTheScalarTail() {
    Random r = new Random(9);
    int lanes = dev.tulu4j.tensor.VectorMath.L;
    for (int n = 0; n <= 3 * lanes + 1; n++) {
      for (int off : new int[] {0, 5}) {
        float[] p = new float[off + n + lanes], ds = new float[p.length];
        for (int i = 0; i < p.length; i++) {
          p[i] = (float) (r.nextGaussian() * 6);
          ds[i] = (float) r.nextGaussian();
        }
        float ls = 3.7f, di = 0.3f, scale = 0.17677669f;
        float[] pw = p.clone(), dw = ds.clone();
        int bound = dev.tulu4j.tensor.VectorMath.S.loopBound(n);
        for (int j = 0; j < bound; j += lanes) { // the whole vectors before session 11 (no mask)
          jdk.incubator.vector.FloatVector pv = dev.tulu4j.tensor.VectorExp.exp(
              jdk.incubator.vector.FloatVector.fromArray(dev.tulu4j.tensor.VectorMath.S, pw, off + j).sub(ls));
          pv.intoArray(pw, off + j);
          pv.mul(jdk.incubator.vector.FloatVector.fromArray(dev.tulu4j.tensor.VectorMath.S, dw, off + j).sub(di))
              .mul(scale).intoArray(dw, off + j);
        }
        for (int j = bound; j < n; j++) { // the scalar tail before session 10
          float pj = dev.tulu4j.tensor.VectorExp.exp(pw[off + j] - ls);
          pw[off + j] = pj;
          dw[off + j] = pj * (dw[off + j] - di) * scale;
        }
        BlockAttention.softmaxGrad(p, ds, off, n, ls, di, scale);
        sameBits(p, pw, "p n=" + n);
        sameBits(ds, dw, "ds n=" + n);
      }
    }
  }

  /**
   * The forward's softmax rows two at a time (session 12) against one at a time (main {@code 7f4b4bc},
   * {@link ElementwiseBefore#softmaxRows}): P, the masked zeros and the log-sum-exp, raw bits, for full
   * and odd row counts, every query block of T 256 and 133, with and without segment starts.
   */
  @org.junit.jupiter.api.Test
  void softmaxRowsInPairsSameBitsAsOneAtATime() {
    Random r = new Random(12);
    int heads = 3, h = 1, lanesN = dev.tulu4j.tensor.VectorMath.L;
    for (int t : new int[] {256, 133}) {
      for (boolean packed : new boolean[] {false, true}) {
        int[] start = new int[2 * t];
        if (packed) for (int i = 0; i < 2 * t; i++) start[i] = i % t < 37 ? 0 : i % t < 87 ? 37 : 87;
        for (int t0 = 0; t0 < t; t0 += BlockAttention.QB) {
          int rows = Math.min(BlockAttention.QB, t - t0), r0 = t + t0; // second sequence of the batch
          int ks = Integer.MAX_VALUE;
          for (int i = 0; i < rows; i++) ks = Math.min(ks, start[r0 + i]);
          int nk = t0 + rows - ks, ld = BlockAttention.padded(nk);
          float[] s = new float[rows * ld];
          for (int i = 0; i < s.length; i++) s[i] = (float) (r.nextGaussian() * (1 + r.nextInt(20)));
          float[] want = s.clone(), lseWant = new float[2 * t * heads], lse = new float[2 * t * heads];
          ElementwiseBefore.softmaxRows(want, ld, rows, r0, t0, ks, nk, start, lseWant, heads, h, new float[lanesN]);
          BlockAttention.softmaxRows(s, ld, rows, r0, t0, ks, nk, start, lse, heads, h, new float[lanesN]);
          sameBits(s, want, "P t=" + t + " t0=" + t0 + " packed=" + packed);
          sameBits(lse, lseWant, "lse t=" + t + " t0=" + t0 + " packed=" + packed);
        }
      }
    }
  }
}
