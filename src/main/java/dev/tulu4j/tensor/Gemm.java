package dev.tulu4j.tensor;

/**
 * Single-precision matrix multiply, the one interface every GEMM backend implements (Vector API,
 * OpenBLAS, later a GPU). Row-major, BLAS semantics:
 *
 * <pre>C[m,n] = alpha · op(A)[m,k] · op(B)[k,n] + beta · C[m,n]</pre>
 *
 * where {@code op(X)} is X or Xᵀ. {@code lda}, {@code ldb}, {@code ldc} are the row strides of the
 * arrays as stored (so for {@code transA} A is stored {@code [k, lda]}). With {@code beta == 0} C is
 * overwritten and its old contents (even NaN) are ignored.
 *
 * <p>The model needs three shapes: forward {@code y = x·Wᵀ} (transB, W stored {@code [out,in]}),
 * input gradient {@code dx = dy·W}, and weight gradient {@code dW += dyᵀ·x} (transA, beta 1).
 */
public interface Gemm {

  void sgemm(boolean transA, boolean transB, int m, int n, int k,
      float alpha, float[] a, int aOff, int lda,
      float[] b, int bOff, int ldb,
      float beta, float[] c, int cOff, int ldc);

  /** A short name for reports ("vector", "openblas", "naive"). */
  String name();

  /**
   * This GEMM confined to the calling thread, for kernels whose own tasks already are the parallel
   * loop (the attention's per-(row, head, query block) products): a GEMM that fanned out again
   * would only queue for the same cores. The default is this GEMM (it has no threads of its own).
   */
  default Gemm onCallingThread() {
    return this;
  }
}
