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

  /**
   * {@link #sgemm} with B held as bfloat16 bits ({@link Bf16}): a frozen weight kept in its
   * checkpoint dtype. {@code op(B)} is widened to fp32 exactly, so the result equals {@code sgemm}
   * over the widened B whenever the backend runs the same arithmetic (the Java kernels do, bit for
   * bit; the tests compare them). The model needs {@code transB} for the forward {@code y = x·Wᵀ}
   * and not-{@code transB} for a frozen weight's input gradient {@code dx = dy·W}.
   *
   * <p>The default widens blocks of output columns of op(B) (at most {@link #BF16_BLOCK_FLOATS}
   * floats each, a power-of-two number of columns, so the Java kernels' column tiles and panels fall
   * where they fall for the whole product) into a temporary and calls {@link #sgemm} on each; any
   * backend is correct with it, and a backend may widen inside its own packing instead
   * ({@link VectorGemm} does).
   */
  default void sgemmBf16B(boolean transA, boolean transB, int m, int n, int k,
      float alpha, float[] a, int aOff, int lda,
      short[] b, int bOff, int ldb,
      float beta, float[] c, int cOff, int ldc) {
    GemmArgs.checkBf16(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
    if (GemmArgs.trivial(m, n, k, alpha, beta, c, cOff, ldc)) return;
    int nb = GemmArgs.bf16BlockColumns(n, k);
    float[] wide = new float[nb * k];
    for (int j0 = 0; j0 < n; j0 += nb) {
      int w = Math.min(nb, n - j0);
      if (transB) {
        Bf16.widenRows(b, bOff, ldb, j0, j0 + w, k, wide); // op(B) columns j0.. = stored rows, (w, k)
        sgemm(transA, true, m, w, k, alpha, a, aOff, lda, wide, 0, k, beta, c, cOff + j0, ldc);
      } else {
        for (int p = 0; p < k; p++) Bf16.widen(b, bOff + p * ldb + j0, wide, p * w, w); // (k, w)
        sgemm(transA, false, m, w, k, alpha, a, aOff, lda, wide, 0, w, beta, c, cOff + j0, ldc);
      }
    }
  }

  /**
   * {@link #sgemm} with B not transposed, for small products on the calling thread (the attention
   * blocks'): same arguments and result as {@code sgemm(transA, false, ...)}. A backend may read B in
   * place here instead of packing it ({@link VectorGemm} does, with the same bits as its
   * {@code sgemm}); the default is {@code sgemm}.
   */
  default void sgemmInPlaceB(boolean transA, int m, int n, int k,
      float alpha, float[] a, int aOff, int lda,
      float[] b, int bOff, int ldb,
      float beta, float[] c, int cOff, int ldc) {
    sgemm(transA, false, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
  }

  /**
   * Whether {@code sgemm(false, true, m, n, k, ...)} gives the same bits as {@link #sgemmInPlaceB}
   * (A as stored) on a transposed copy of B, so that a caller may transpose B once and reuse it
   * (the attention's scores {@code Q·Kᵀ}). The default: false.
   */
  default boolean transposedBSameBits(int m, int n, int k) {
    return false;
  }

  /** Most floats the default {@link #sgemmBf16B} widens at once (4 MiB). */
  int BF16_BLOCK_FLOATS = 1 << 20;

  /**
   * B of several products {@link #sgemmPacked} (op(B) is {@code k × n}), prepared once: the LM
   * head's weight for each row chunk of a batch. {@code b} must not change while the result is in
   * use. The default keeps B as it is; {@link VectorGemm} packs its panels once (when
   * {@code maxFloats} allows), so the products skip their own packing of B.
   */
  default PackedB packB(boolean transB, int n, int k, float[] b, int bOff, int ldb, long maxFloats) {
    return PackedB.unpacked(transB, n, k, b, bOff, ldb);
  }

  /**
   * {@code C = alpha·A·op(B) + beta·C} with op(B) from {@link #packB}: the same bits as
   * {@link #sgemm} on the B it holds (the default calls exactly that).
   */
  default void sgemmPacked(int m, float alpha, float[] a, int aOff, int lda, PackedB b,
      float beta, float[] c, int cOff, int ldc) {
    sgemm(false, b.transB, m, b.n, b.k, alpha, a, aOff, lda, b.b, b.bOff, b.ldb, beta, c, cOff, ldc);
  }

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
