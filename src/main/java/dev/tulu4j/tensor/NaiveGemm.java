package dev.tulu4j.tensor;

/**
 * The scalar reference GEMM: a plain triple loop with a double accumulator. Every fast backend is
 * tested against it; it is far too slow for anything else.
 */
public final class NaiveGemm implements Gemm {

  @Override
  public void sgemm(boolean transA, boolean transB, int m, int n, int k,
      float alpha, float[] a, int aOff, int lda,
      float[] b, int bOff, int ldb,
      float beta, float[] c, int cOff, int ldc) {
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double acc = 0;
        for (int p = 0; p < k; p++) {
          float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
          float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
          acc += (double) av * bv;
        }
        int ci = cOff + i * ldc + j;
        c[ci] = (float) (alpha * acc + (beta == 0 ? 0 : beta * c[ci]));
      }
    }
  }

  /** The same triple loop, each B element widened from bf16 where it is read. */
  @Override
  public void sgemmBf16B(boolean transA, boolean transB, int m, int n, int k,
      float alpha, float[] a, int aOff, int lda,
      short[] b, int bOff, int ldb,
      float beta, float[] c, int cOff, int ldc) {
    GemmArgs.checkBf16(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double acc = 0;
        for (int p = 0; p < k; p++) {
          float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
          float bv = Bf16.widen(transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j]);
          acc += (double) av * bv;
        }
        int ci = cOff + i * ldc + j;
        c[ci] = (float) (alpha * acc + (beta == 0 ? 0 : beta * c[ci]));
      }
    }
  }

  @Override
  public String name() {
    return "naive";
  }
}
