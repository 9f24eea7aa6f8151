package dev.tulu4j.tensor;

/**
 * Argument checks shared by the GEMM backends, so a bad call fails with a message naming the
 * argument instead of an index error deep in a worker thread (or, for a native backend, memory
 * corruption). Rules follow the reference BLAS {@code SGEMM} checks, row-major.
 */
final class GemmArgs {
  private GemmArgs() {}

  static void check(boolean transA, boolean transB, int m, int n, int k,
      float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
    check(transA, transB, m, n, k, a, aOff, lda, b == null ? -1 : b.length, bOff, ldb, c, cOff, ldc);
  }

  /** {@link #check} with B held as bf16 bits ({@link Gemm#sgemmBf16B}). */
  static void checkBf16(boolean transA, boolean transB, int m, int n, int k,
      float[] a, int aOff, int lda, short[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
    check(transA, transB, m, n, k, a, aOff, lda, b == null ? -1 : b.length, bOff, ldb, c, cOff, ldc);
  }

  /** Columns per block of {@link Gemm#sgemmBf16B}'s default: a power of two, at most 1024, at least 64. */
  static int bf16BlockColumns(int n, int k) {
    int nb = Integer.highestOneBit(Math.max(1, Gemm.BF16_BLOCK_FLOATS / Math.max(1, k)));
    return Math.min(Math.max(1, n), Math.max(64, Math.min(1024, nb)));
  }

  /** The checks with B given by its length (-1: null). */
  private static void check(boolean transA, boolean transB, int m, int n, int k,
      float[] a, int aOff, int lda, int bLength, int bOff, int ldb, float[] c, int cOff, int ldc) {
    if (m < 0 || n < 0 || k < 0) {
      throw new IllegalArgumentException(
          "sgemm: dimensions must be >= 0, got m=" + m + " n=" + n + " k=" + k);
    }
    // stored shapes (row-major): A is [m,k] or, transposed, [k,m]; B is [k,n] or [n,k]; C is [m,n]
    int aRows = transA ? k : m;
    int aCols = transA ? m : k;
    int bRows = transB ? n : k;
    int bCols = transB ? k : n;
    if (m > 0 && n > 0) {
      matrix("C", c == null ? -1 : c.length, cOff, ldc, m, n, "n");
    }
    if (m > 0 && n > 0 && k > 0) {
      matrix("A", a == null ? -1 : a.length, aOff, lda, aRows, aCols, transA ? "m (A is transposed)" : "k");
      matrix("B", bLength, bOff, ldb, bRows, bCols, transB ? "k (B is transposed)" : "n");
    }
  }

  private static void matrix(String name, int length, int off, int ld, int rows, int cols,
      String colName) {
    if (length < 0) {
      throw new IllegalArgumentException("sgemm: " + name + " is null");
    }
    if (ld < Math.max(1, cols)) {
      throw new IllegalArgumentException("sgemm: ld" + name.toLowerCase() + "=" + ld
          + " is smaller than the stored row width " + colName + "=" + cols);
    }
    long need = (long) off + (long) (rows - 1) * ld + cols;
    if (off < 0 || need > length) {
      throw new IllegalArgumentException("sgemm: " + name + " is stored " + rows + "x" + cols
          + " with offset " + off + " and ld " + ld + ", which needs " + need
          + " elements, but the array has " + length);
    }
  }

  /**
   * Handles the products with nothing to multiply (an empty C, k = 0 or alpha = 0: C = beta·C,
   * with beta 1 leaving C untouched); returns true when the caller has nothing left to do.
   */
  static boolean trivial(int m, int n, int k, float alpha, float beta, float[] c, int cOff, int ldc) {
    if (m == 0 || n == 0) return true;
    if (k != 0 && alpha != 0f) return false;
    if (beta == 0f) {
      for (int i = 0; i < m; i++) java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f); // old C ignored, even NaN
    } else if (beta != 1f) {
      for (int i = 0; i < m; i++) VectorMath.scale(n, beta, c, cOff + i * ldc);
    }
    return true;
  }
}
