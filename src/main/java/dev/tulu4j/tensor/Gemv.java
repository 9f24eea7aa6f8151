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
public final class Gemv {
  /** Below this many matrix elements the call stays on one thread (waking a worker costs more). */
  private static final long PARALLEL_MIN_ELEMENTS = 1L << 15;

  /**
   * Dot form: rows at least this long are read four at a time sharing the loads of x; shorter rows
   * one at a time, which keeps the reads one sequential stream (measured on one thread: k = 576 rows
   * 6.3 vs 4.7 GFLOP per CPU-second one at a time; k = 9216 rows 8.4 vs 5.6 four at a time).
   */
  private static final int SHARED_X_MIN_K = 1024;

  /**
   * Weight rows read at once by {@link #dotRows}, from as many places of the chunk. One thread
   * summing 1 GiB on this Zen 5 read 25 GB/s per CPU-second as one sequential stream and 39–40 as
   * four streams a quarter of the range apart (36 with the four a quarter of each 32 KiB block
   * apart): more misses in flight for the L2 prefetchers (docs/PERFORMANCE.md, "Session 12: decode
   * b1 and the read floor").
   */
  static final int STREAMS = 4;

  private Gemv() {}

  /**
   * Dot form over rows {@code [j0, j1)}: {@code c[cOff+j] = dot(x, W row j) (+ beta·c[cOff+j])}, W row
   * j at {@code w[wOff + j·ldw ..]}, each output exactly {@link VectorMath#dot}'s chain (the same
   * bits), but {@link #STREAMS} rows a quarter of the range apart are read in one pass, so the
   * matrix is read as four memory streams instead of one. The batch-1 decode product.
   */
  public static void dotRows(int k, int j0, int j1, float[] x, int xOff, float[] w, int wOff, int ldw,
      float beta, float[] c, int cOff) {
    int q = (j1 - j0) / STREAMS;
    float[] red = new float[4 * L];
    for (int i = 0; i < q; i++) {
      int j = j0 + i;
      dot4Streams(k, x, xOff, w, wOff + j * ldw, wOff + (j + q) * ldw, wOff + (j + 2 * q) * ldw,
          wOff + (j + 3 * q) * ldw, red);
      put(c, cOff + j, red[0], beta);
      put(c, cOff + j + q, red[1], beta);
      put(c, cOff + j + 2 * q, red[2], beta);
      put(c, cOff + j + 3 * q, red[3], beta);
    }
    for (int j = j0 + STREAMS * q; j < j1; j++) put(c, cOff + j, VectorMath.dot(x, xOff, w, wOff + j * ldw, k), beta);
  }

  private static void put(float[] c, int ci, float v, float beta) {
    c[ci] = beta == 0f ? v : v + beta * c[ci];
  }

  /**
   * Four {@link VectorMath#dot}s of x with the rows at ra..rd, each with its own four accumulators in
   * dot's order; the four results go to {@code red[0..3]} ({@code red} holds 4·L floats: the vectors
   * are summed from memory by {@link VectorMath#sumStored}, the same tree as dot's {@code sum}, so no
   * vector is boxed if C2 does not inline a call).
   */
  private static void dot4Streams(int k, float[] x, int xOff, float[] w, int ra, int rb, int rc, int rd, float[] red) {
    FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
    FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
    FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0;
    FloatVector d0 = a0, d1 = a0, d2 = a0, d3 = a0;
    int i = 0;
    for (; i <= k - 4 * L; i += 4 * L) {
      FloatVector x0 = FloatVector.fromArray(S, x, xOff + i);
      FloatVector x1 = FloatVector.fromArray(S, x, xOff + i + L);
      FloatVector x2 = FloatVector.fromArray(S, x, xOff + i + 2 * L);
      FloatVector x3 = FloatVector.fromArray(S, x, xOff + i + 3 * L);
      a0 = x0.fma(FloatVector.fromArray(S, w, ra + i), a0);
      b0 = x0.fma(FloatVector.fromArray(S, w, rb + i), b0);
      c0 = x0.fma(FloatVector.fromArray(S, w, rc + i), c0);
      d0 = x0.fma(FloatVector.fromArray(S, w, rd + i), d0);
      a1 = x1.fma(FloatVector.fromArray(S, w, ra + i + L), a1);
      b1 = x1.fma(FloatVector.fromArray(S, w, rb + i + L), b1);
      c1 = x1.fma(FloatVector.fromArray(S, w, rc + i + L), c1);
      d1 = x1.fma(FloatVector.fromArray(S, w, rd + i + L), d1);
      a2 = x2.fma(FloatVector.fromArray(S, w, ra + i + 2 * L), a2);
      b2 = x2.fma(FloatVector.fromArray(S, w, rb + i + 2 * L), b2);
      c2 = x2.fma(FloatVector.fromArray(S, w, rc + i + 2 * L), c2);
      d2 = x2.fma(FloatVector.fromArray(S, w, rd + i + 2 * L), d2);
      a3 = x3.fma(FloatVector.fromArray(S, w, ra + i + 3 * L), a3);
      b3 = x3.fma(FloatVector.fromArray(S, w, rb + i + 3 * L), b3);
      c3 = x3.fma(FloatVector.fromArray(S, w, rc + i + 3 * L), c3);
      d3 = x3.fma(FloatVector.fromArray(S, w, rd + i + 3 * L), d3);
    }
    for (; i <= k - L; i += L) {
      FloatVector x0 = FloatVector.fromArray(S, x, xOff + i);
      a0 = x0.fma(FloatVector.fromArray(S, w, ra + i), a0);
      b0 = x0.fma(FloatVector.fromArray(S, w, rb + i), b0);
      c0 = x0.fma(FloatVector.fromArray(S, w, rc + i), c0);
      d0 = x0.fma(FloatVector.fromArray(S, w, rd + i), d0);
    }
    // dot: sum(s0.add(s1).add(s2.add(s3))), then the scalar tail in order
    a0.add(a1).add(a2.add(a3)).intoArray(red, 0);
    b0.add(b1).add(b2.add(b3)).intoArray(red, L);
    c0.add(c1).add(c2.add(c3)).intoArray(red, 2 * L);
    d0.add(d1).add(d2.add(d3)).intoArray(red, 3 * L);
    float sa = VectorMath.sumStored(red, 0), sb = VectorMath.sumStored(red, L);
    float sc = VectorMath.sumStored(red, 2 * L), sd = VectorMath.sumStored(red, 3 * L);
    for (int p = i; p < k; p++) {
      sa += x[xOff + p] * w[ra + p];
      sb += x[xOff + p] * w[rb + p];
      sc += x[xOff + p] * w[rc + p];
      sd += x[xOff + p] * w[rd + p];
    }
    red[0] = sa;
    red[1] = sb;
    red[2] = sc;
    red[3] = sd;
  }

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
      if (j < j1) dotRows(k, j, j1, x, x0, mat, mOff, ldm, 0f, acc, -j0); // VectorMath.dot per row, four streams
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
