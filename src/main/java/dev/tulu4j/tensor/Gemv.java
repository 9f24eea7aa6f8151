package dev.tulu4j.tensor;

import static dev.tulu4j.tensor.VectorMath.L;
import static dev.tulu4j.tensor.VectorMath.S;

import jdk.incubator.vector.FloatVector;

/**
 * Matrix-vector product, the GEMM fast path for {@code m == 1} (batch-1 decode) and {@code n == 1}.
 * It is bandwidth-bound: the matrix is streamed once, row by row, and the outputs are split over
 * the threads in contiguous chunks.
 *
 * <pre>y[j·incy] = alpha · Σ_p x[p·incx] · M(p, j) + beta · y[j·incy],   j < n, p < k</pre>
 *
 * <p>In <b>dot form</b> {@code M(p,j) = mat[mOff + j·ldm + p]} (each output is a dot product with one
 * stored row: the forward {@code y = x·Wᵀ} with W stored [out, in]); in <b>axpy form</b>
 * {@code M(p,j) = mat[mOff + p·ldm + j]} (each stored row is scaled and added: {@code dx = dy·W}).
 */
final class Gemv {
  /** Below this many matrix elements the call stays on one thread (waking a worker costs more). */
  private static final long PARALLEL_MIN_ELEMENTS = 1L << 15;

  /**
   * Dot form: rows at least this long are read four at a time sharing the loads of x; shorter rows
   * one at a time, which keeps the reads one sequential stream (measured on one thread: k = 576 rows
   * 6.3 vs 4.7 GFLOP per CPU-second one at a time; k = 9216 rows 8.4 vs 5.6 four at a time).
   */
  private static final int SHARED_X_MIN_K = 1024;

  private Gemv() {}

  static void gemv(Parallel par, boolean dotForm, int k, int n, float alpha,
      float[] x, int xOff, int incx, float[] mat, int mOff, int ldm,
      float beta, float[] y, int yOff, int incy) {
    float[] xs = x;
    int xs0 = xOff;
    if (incx != 1) {
      xs = new float[k];
      for (int p = 0; p < k; p++) {
        xs[p] = x[xOff + p * incx];
      }
      xs0 = 0;
    }
    final float[] xv = xs;
    final int x0 = xs0;
    int grain = dotForm ? 4 : L;
    int chunks = (long) k * n < PARALLEL_MIN_ELEMENTS ? 1 : Math.min(par.threads(), Math.max(1, n / grain));
    if (chunks == 1) {
      chunk(dotForm, k, 0, n, alpha, xv, x0, mat, mOff, ldm, beta, y, yOff, incy);
      return;
    }
    final int units = (n + grain - 1) / grain;
    par.parallelFor(chunks, t -> {
      int j0 = Math.min(n, Parallel.split(units, chunks, t) * grain);
      int j1 = Math.min(n, Parallel.split(units, chunks, t + 1) * grain);
      chunk(dotForm, k, j0, j1, alpha, xv, x0, mat, mOff, ldm, beta, y, yOff, incy);
    });
  }

  private static void chunk(boolean dotForm, int k, int j0, int j1, float alpha,
      float[] x, int x0, float[] mat, int mOff, int ldm, float beta, float[] y, int yOff, int incy) {
    if (j1 <= j0) {
      return;
    }
    float[] acc = new float[j1 - j0];
    if (dotForm) {
      int j = j0;
      for (; k >= SHARED_X_MIN_K && j + 4 <= j1; j += 4) {
        int r = mOff + j * ldm;
        VectorMath.dot4(x, x0, mat, r, r + ldm, r + 2 * ldm, r + 3 * ldm, k, acc, j - j0);
      }
      for (; j < j1; j++) {
        acc[j - j0] = VectorMath.dot(x, x0, mat, mOff + j * ldm, k);
      }
    } else {
      axpyRows(k, j0, j1, x, x0, mat, mOff, ldm, acc);
    }
    for (int j = j0; j < j1; j++) {
      int yi = yOff + j * incy;
      y[yi] = beta == 0f ? alpha * acc[j - j0] : alpha * acc[j - j0] + beta * y[yi];
    }
  }

  /** {@code acc[j-j0] = Σ_p x[p]·mat[p·ldm + j]}, four stored rows per pass over {@code acc}. */
  private static void axpyRows(int k, int j0, int j1, float[] x, int x0, float[] mat, int mOff,
      int ldm, float[] acc) {
    int w = j1 - j0;
    int wv = w - w % L;
    int p = 0;
    for (; p + 4 <= k; p += 4) {
      float a0 = x[x0 + p];
      float a1 = x[x0 + p + 1];
      float a2 = x[x0 + p + 2];
      float a3 = x[x0 + p + 3];
      FloatVector v0 = FloatVector.broadcast(S, a0);
      FloatVector v1 = FloatVector.broadcast(S, a1);
      FloatVector v2 = FloatVector.broadcast(S, a2);
      FloatVector v3 = FloatVector.broadcast(S, a3);
      int r0 = mOff + p * ldm + j0;
      int r1 = r0 + ldm;
      int r2 = r1 + ldm;
      int r3 = r2 + ldm;
      int j = 0;
      for (; j < wv; j += L) {
        FloatVector s = FloatVector.fromArray(S, acc, j);
        s = FloatVector.fromArray(S, mat, r0 + j).fma(v0, s);
        s = FloatVector.fromArray(S, mat, r1 + j).fma(v1, s);
        s = FloatVector.fromArray(S, mat, r2 + j).fma(v2, s);
        s = FloatVector.fromArray(S, mat, r3 + j).fma(v3, s);
        s.intoArray(acc, j);
      }
      for (; j < w; j++) {
        acc[j] += a0 * mat[r0 + j] + a1 * mat[r1 + j] + a2 * mat[r2 + j] + a3 * mat[r3 + j];
      }
    }
    for (; p < k; p++) {
      VectorMath.axpy(w, x[x0 + p], mat, mOff + p * ldm + j0, acc, 0);
    }
  }
}
