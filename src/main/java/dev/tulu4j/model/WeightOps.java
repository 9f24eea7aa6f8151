package dev.tulu4j.model;

import dev.tulu4j.tensor.Bf16;
import dev.tulu4j.tensor.Gemm;

/**
 * The products and gathers that read a weight {@link Parameter}, in whichever dtype it is held:
 * fp32 {@code data} goes to {@link Gemm#sgemm} exactly as before, bf16 bits to
 * {@link Gemm#sgemmBf16B} (widened inside the kernel). One place, so the layers never branch on
 * the dtype themselves.
 */
final class WeightOps {
  private WeightOps() {}

  /** {@code c = alpha · a·Wᵀ + beta · c}: a (m, k) rows of stride lda, W (n, k), c (m, n) rows of stride ldc. */
  static void mulT(Gemm g, int m, int n, int k, float alpha, float[] a, int aOff, int lda, Parameter w,
      float beta, float[] c, int cOff, int ldc) {
    if (w.isBf16()) g.sgemmBf16B(false, true, m, n, k, alpha, a, aOff, lda, w.bf16(), 0, k, beta, c, cOff, ldc);
    else g.sgemm(false, true, m, n, k, alpha, a, aOff, lda, w.data(), 0, k, beta, c, cOff, ldc);
  }

  /** {@code c = alpha · a·W + beta · c}: a (m, k), W (k, n), c (m, n); the input gradient {@code dx = dy·W}. */
  static void mul(Gemm g, int m, int n, int k, float alpha, float[] a, int aOff, int lda, Parameter w,
      float beta, float[] c, int cOff, int ldc) {
    if (w.isBf16()) g.sgemmBf16B(false, false, m, n, k, alpha, a, aOff, lda, w.bf16(), 0, n, beta, c, cOff, ldc);
    else g.sgemm(false, false, m, n, k, alpha, a, aOff, lda, w.data(), 0, n, beta, c, cOff, ldc);
  }

  /** Row r of a (rows, cols) weight into {@code dst[off .. off + cols)} (an embedding lookup). */
  static void row(Parameter w, int r, int cols, float[] dst, int off) {
    if (w.isBf16()) Bf16.widen(w.bf16(), r * cols, dst, off, cols);
    else System.arraycopy(w.data(), r * cols, dst, off, cols);
  }
}
