package dev.tulu4j.tensor;

import static dev.tulu4j.tensor.VectorMath.L;
import static dev.tulu4j.tensor.VectorMath.S;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * {@code C[m,n] = alpha · op(A)[m,k] · Wᵀ + beta · C} for a few rows ({@code 2 ≤ m ≤ 64}) with W stored
 * {@code [n, k]}: the forward {@code y = x·Wᵀ} of batched decoding. Like {@link Gemv} it is
 * bandwidth-bound, so instead of packing W (which would read it, write a copy and read that again)
 * it streams W from memory once, in blocks of rows that stay in cache while every group of four
 * rows of A passes (four dot products per load of W); outputs are split over the threads in
 * contiguous chunks.
 */
final class FewRowsGemm {
  /**
   * Larger m goes to the packed kernel, whose packing cost is then spread over enough rows. Measured
   * per CPU-second on the tiny model's decode shapes (k, n in 256/768), one thread: m = 16: 11 GF
   * packed vs 38 here; m = 32: 20 vs 43; m = 64: 32 vs 43 (docs/PERFORMANCE.md).
   */
  static final int MAX_M = 64;

  private static final long PARALLEL_MIN_ELEMENTS = 1L << 15;

  private FewRowsGemm() {}

  static void run(Parallel par, boolean transA, int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, float[] w, int wOff, int ldw,
      float beta, float[] c, int cOff, int ldc) {
    // op(A) rows copied contiguous: x[i·k + p] (m·k floats, small next to W)
    float[] x = new float[m * k];
    for (int i = 0; i < m; i++) {
      for (int p = 0; p < k; p++) {
        x[i * k + p] = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
      }
    }
    int chunks = (long) k * n < PARALLEL_MIN_ELEMENTS ? 1 : Math.min(par.threads(), Math.max(1, n / 4));
    if (chunks == 1) {
      chunk(m, k, 0, n, alpha, x, w, wOff, ldw, beta, c, cOff, ldc);
      return;
    }
    par.parallelFor(chunks, t -> chunk(m, k, Parallel.split(n, chunks, t), Parallel.split(n, chunks, t + 1),
        alpha, x, w, wOff, ldw, beta, c, cOff, ldc));
  }

  private static void chunk(int m, int k, int j0, int j1, float alpha, float[] x,
      float[] w, int wOff, int ldw, float beta, float[] c, int cOff, int ldc) {
    float[] s = new float[4];
    // W in blocks of about 16 KiB of rows: a block is read from memory once and reused from L1/L2
    // by every group of four x rows (four x rows + the block stay in L1), so a W larger than the
    // caches (an LM head) streams once instead of once per group
    int jb = Math.max(1, 4096 / k);
    for (int jBlock = j0; jBlock < j1; jBlock += jb) {
      int jEnd = Math.min(j1, jBlock + jb);
      for (int i0 = 0; i0 < m; i0 += 4) {
        int rows = Math.min(4, m - i0);
        // missing rows of the last group repeat row i0; their sums are discarded
        int x0 = i0 * k;
        int x1 = (rows > 1 ? i0 + 1 : i0) * k;
        int x2 = (rows > 2 ? i0 + 2 : i0) * k;
        int x3 = (rows > 3 ? i0 + 3 : i0) * k;
        for (int j = jBlock; j < jEnd; j++) {
          dots(x, x0, x1, x2, x3, w, wOff + j * ldw, k, s);
          for (int r = 0; r < rows; r++) {
            int ci = cOff + (i0 + r) * ldc + j;
            c[ci] = beta == 0f ? alpha * s[r] : alpha * s[r] + beta * c[ci];
          }
        }
      }
    }
  }

  /** Four dot products of one stored W row with four x rows, sharing the loads of W. */
  private static void dots(float[] x, int x0, int x1, int x2, int x3, float[] w, int wr, int k,
      float[] out) {
    FloatVector s0 = FloatVector.zero(S);
    FloatVector s1 = s0, s2 = s0, s3 = s0;
    int p = 0;
    for (; p <= k - L; p += L) {
      FloatVector wv = FloatVector.fromArray(S, w, wr + p);
      s0 = FloatVector.fromArray(S, x, x0 + p).fma(wv, s0);
      s1 = FloatVector.fromArray(S, x, x1 + p).fma(wv, s1);
      s2 = FloatVector.fromArray(S, x, x2 + p).fma(wv, s2);
      s3 = FloatVector.fromArray(S, x, x3 + p).fma(wv, s3);
    }
    float r0 = VectorMath.sum(s0);
    float r1 = VectorMath.sum(s1);
    float r2 = VectorMath.sum(s2);
    float r3 = VectorMath.sum(s3);
    for (; p < k; p++) {
      float wv = w[wr + p];
      r0 += x[x0 + p] * wv;
      r1 += x[x1 + p] * wv;
      r2 += x[x2 + p] * wv;
      r3 += x[x3 + p] * wv;
    }
    out[0] = r0;
    out[1] = r1;
    out[2] = r2;
    out[3] = r3;
  }
}
