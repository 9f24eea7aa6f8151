package dev.tulu4j.tensor;

import static dev.tulu4j.tensor.VectorMath.L;
import static dev.tulu4j.tensor.VectorMath.S;

import jdk.incubator.vector.FloatVector;

/**
 * {@code C[m,n] = alpha · op(A)[m,k] · Wᵀ + beta · C} for a few rows ({@code 2 ≤ m ≤ 64}) with W stored
 * {@code [n, k]}: the forward {@code y = x·Wᵀ} of batched decoding. Like {@link Gemv} it is
 * bandwidth-bound, so instead of packing W (which would read it, write a copy and read that again)
 * it streams W from memory once, in blocks of rows that stay in cache while every group of four
 * rows of A passes; outputs are split over the threads in contiguous chunks.
 *
 * <p>The inner kernel is a register tile of four stored W rows times four rows of A (16 vector
 * accumulators, 8 loads per 16 FMAs, one horizontal sum per output at the end); leftover rows of A
 * use a 1 × 4 tile, and a single row of A unrolled dot products, two W rows at a time, each W vector
 * put together from the two cache lines it straddles ({@link #dotLines2}: batch-1 decode streams W
 * from memory 1.3–1.45× faster than with one row and loads wherever the rows start; same bits).
 * {@link #columns} exposes one column block of the product on the calling thread, for callers that
 * split the columns over their own threads (the fused decode step).
 */
public final class FewRowsGemm {
  /**
   * Larger m goes to the packed kernel, whose packing cost is then spread over enough rows. Measured
   * per CPU-second on the tiny model's decode shapes (k, n in 256/768), one thread: m = 16: 11 GF
   * packed vs 38 here; m = 32: 20 vs 43; m = 64: 32 vs 43 (docs/PERFORMANCE.md).
   */
  public static final int MAX_M = 64;

  private static final long PARALLEL_MIN_ELEMENTS = 1L << 15;

  /** Columns per W block: 4 stored rows of up to 4096 floats stay in L1 while every row group passes. */
  private static final int BLOCK_FLOATS = 16384;

  private FewRowsGemm() {}

  static void run(Parallel par, boolean transA, int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, float[] w, int wOff, int ldw,
      float beta, float[] c, int cOff, int ldc) {
    // op(A) rows copied contiguous and scaled by alpha: x[i·k + p] (m·k floats, small next to W)
    float[] x = new float[m * k];
    for (int i = 0; i < m; i++) {
      for (int p = 0; p < k; p++) {
        x[i * k + p] = alpha * (transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p]);
      }
    }
    int chunks = (long) k * n < PARALLEL_MIN_ELEMENTS ? 1 : Math.min(par.threads(), Math.max(1, n / 4));
    if (chunks == 1) {
      columns(m, k, 0, n, x, 0, k, w, wOff, ldw, beta, c, cOff, ldc);
      return;
    }
    par.parallelFor(chunks, t -> columns(m, k, Parallel.split(n, chunks, t), Parallel.split(n, chunks, t + 1),
        x, 0, k, w, wOff, ldw, beta, c, cOff, ldc));
  }

  /**
   * Columns {@code [j0, j1)} of {@code C = X·Wᵀ + beta·C} on the calling thread:
   * {@code C[i, j] = Σ_p x[xOff + i·ldx + p] · w[wOff + j·ldw + p] + beta · C[i, j]} for
   * {@code i < m}, W stored {@code [n, k]} (a linear layer's weight). With {@code beta == 0} C is
   * overwritten (NaN in it is ignored).
   */
  public static void columns(int m, int k, int j0, int j1, float[] x, int xOff, int ldx,
      float[] w, int wOff, int ldw, float beta, float[] c, int cOff, int ldc) {
    // W in blocks of about 64 KiB: a block is read from memory once and reused from L1/L2 by every
    // group of four x rows, so a W larger than the caches (an LM head) streams once per call
    int jb = Math.max(4, BLOCK_FLOATS / Math.max(1, k) / 4 * 4);
    // the 4 × 4 tile's accumulators, summed from memory (VectorMath.sumStored); fewer rows never use
    // it, and at one row (batch-1 decode, ~74 calls a tiny step) it was most of a step's allocation
    float[] red = m >= 4 ? new float[16 * L] : null;
    // one row: where W's first cache line starts, so each row's vectors can be read line by line
    int wLead = m == 1 && lineLoads && CacheLines.known() ? CacheLines.lead(w) : -1;
    if (wLead >= 0) {
      rowLines(k, j0, j1, x, xOff, w, wOff, ldw, wLead, beta, c, cOff);
      return;
    }
    for (int jBlock = j0; jBlock < j1; jBlock += jb) {
      int jEnd = Math.min(j1, jBlock + jb);
      int i = 0;
      for (; i + 4 <= m; i += 4) {
        int j = jBlock;
        for (; j + 4 <= jEnd; j += 4) {
          tile4x4(k, x, xOff + i * ldx, ldx, w, wOff + j * ldw, ldw, beta, c, cOff + i * ldc + j, ldc, red);
        }
        for (; j < jEnd; j++) {
          for (int r = 0; r < 4; r++) {
            one(k, x, xOff + (i + r) * ldx, w, wOff + j * ldw, beta, c, cOff + (i + r) * ldc + j);
          }
        }
      }
      if (m == 1) {
        // one row of x with the line loads off (or addresses unknown): one stored row at a time, four
        // vectors per step (VectorMath.dot) streams W from memory faster than a 1 × 4 tile (LM head
        // 49152 × 576, one thread, shared machine: 8.6 vs 5.2 GB/s; from L2 it is 61 vs 71 GB/s)
        for (int j = jBlock; j < jEnd; j++) {
          put(c, cOff + j, VectorMath.dot(x, xOff, w, wOff + j * ldw, k), beta);
        }
        continue;
      }
      for (; i < m; i++) {
        int j = jBlock;
        for (; j + 4 <= jEnd; j += 4) {
          tile1x4(k, x, xOff + i * ldx, w, wOff + j * ldw, ldw, beta, c, cOff + i * ldc + j);
        }
        for (; j < jEnd; j++) {
          one(k, x, xOff + i * ldx, w, wOff + j * ldw, beta, c, cOff + i * ldc + j);
        }
      }
    }
  }

  /**
   * When set, one-row products read each W row with loads that start on cache lines ({@link #dotLines});
   * when cleared, with {@link VectorMath#dot}'s loads wherever the row starts (same bits). For tests
   * and measurements; change it only while no product runs.
   */
  public static boolean lineLoads = true;

  /**
   * When set (and {@link #lineLoads}), one-row products read two W rows half the column range apart
   * in one loop (two memory streams per thread instead of one; each row's dot product is the same
   * chain). For tests and measurements; change it only while no product runs.
   */
  public static boolean pairedRows = true;

  /**
   * Columns [j0, j1) of one x row times W with line loads: rows j and j + h (h half the range) in
   * one loop while both fit ({@link #dotLines2}), the rest alone ({@link #dotLines}).
   */
  private static void rowLines(int k, int j0, int j1, float[] x, int xOff, float[] w, int wOff, int ldw, int wLead,
      float beta, float[] c, int cOff) {
    int h = pairedRows ? (j1 - j0) / 2 : 0;
    for (int j = j0; j < j0 + h; j++) {
      int ra = wOff + j * ldw, rb = ra + h * ldw;
      dotLines2(x, xOff, w, ra, (ra - wLead) & (L - 1), rb, (rb - wLead) & (L - 1), k, c, cOff + j, cOff + j + h, beta);
    }
    for (int j = j0 + 2 * h; j < j1; j++) {
      int r = wOff + j * ldw;
      put(c, cOff + j, dotLines(x, xOff, w, r, k, (r - wLead) & (L - 1)), beta);
    }
  }

  /**
   * {@link #dotLines} of two W rows (at yA and yB, line offsets offA and offB) in one loop, so two
   * streams of lines are in flight; each result is the same chain of the same FMAs as alone, so the
   * same bits. Falls back to two {@code dotLines} calls when either row sits on a line or would read
   * past the array.
   */
  static void dotLines2(float[] x, int xOff, float[] y, int yA, int offA, int yB, int offB, int n, float[] c, int ca, int cb,
      float beta) {
    int a = yA - offA, b = yB - offB;
    int n4 = n / (4 * L) * (4 * L);
    if (offA == 0 || offB == 0 || a < 0 || b < 0 || n4 == 0 || a + n4 + L > y.length || b + n4 + L > y.length) {
      put(c, ca, dotLines(x, xOff, y, yA, n, offA), beta);
      put(c, cb, dotLines(x, xOff, y, yB, n, offB), beta);
      return;
    }
    FloatVector ia = LINE_INDEX[offA], ib = LINE_INDEX[offB];
    FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0, t0 = s0, t1 = s0, t2 = s0, t3 = s0;
    FloatVector pa = FloatVector.fromArray(S, y, a), pb = FloatVector.fromArray(S, y, b);
    int i = 0;
    for (; i < n4; i += 4 * L) {
      FloatVector x0 = FloatVector.fromArray(S, x, xOff + i);
      FloatVector a1 = FloatVector.fromArray(S, y, a + i + L), b1 = FloatVector.fromArray(S, y, b + i + L);
      s0 = x0.fma(ia.selectFrom(pa, a1), s0);
      t0 = x0.fma(ib.selectFrom(pb, b1), t0);
      FloatVector x1 = FloatVector.fromArray(S, x, xOff + i + L);
      FloatVector a2 = FloatVector.fromArray(S, y, a + i + 2 * L), b2 = FloatVector.fromArray(S, y, b + i + 2 * L);
      s1 = x1.fma(ia.selectFrom(a1, a2), s1);
      t1 = x1.fma(ib.selectFrom(b1, b2), t1);
      FloatVector x2 = FloatVector.fromArray(S, x, xOff + i + 2 * L);
      FloatVector a3 = FloatVector.fromArray(S, y, a + i + 3 * L), b3 = FloatVector.fromArray(S, y, b + i + 3 * L);
      s2 = x2.fma(ia.selectFrom(a2, a3), s2);
      t2 = x2.fma(ib.selectFrom(b2, b3), t2);
      FloatVector x3 = FloatVector.fromArray(S, x, xOff + i + 3 * L);
      FloatVector a4 = FloatVector.fromArray(S, y, a + i + 4 * L), b4 = FloatVector.fromArray(S, y, b + i + 4 * L);
      s3 = x3.fma(ia.selectFrom(a3, a4), s3);
      t3 = x3.fma(ib.selectFrom(b3, b4), t3);
      pa = a4;
      pb = b4;
    }
    // the rest exactly as VectorMath.dot's, row by row
    for (; i <= n - L; i += L) {
      FloatVector xv = FloatVector.fromArray(S, x, xOff + i);
      s0 = xv.fma(FloatVector.fromArray(S, y, yA + i), s0);
      t0 = xv.fma(FloatVector.fromArray(S, y, yB + i), t0);
    }
    float sa = VectorMath.sum(s0.add(s1).add(s2.add(s3)));
    float sb = VectorMath.sum(t0.add(t1).add(t2.add(t3)));
    for (; i < n; i++) {
      sa += x[xOff + i] * y[yA + i];
      sb += x[xOff + i] * y[yB + i];
    }
    put(c, ca, sa, beta);
    put(c, cb, sb, beta);
  }

  /** Per line offset 0..15 of a W row, the lane indexes {@code off .. off+15} into two adjacent lines. */
  private static final FloatVector[] LINE_INDEX = new FloatVector[L];

  static {
    for (int off = 0; off < L; off++) {
      float[] idx = new float[L];
      for (int i = 0; i < L; i++) idx[i] = off + i;
      LINE_INDEX[off] = FloatVector.fromArray(S, idx, 0);
    }
  }

  /**
   * {@link VectorMath#dot}{@code (x, xOff, y, yOff, n)} with the same bits — the same lanes in the same
   * four accumulators, the same FMAs in the same order — but y's vectors read as whole cache lines:
   * {@code off} is how far y's element {@code yOff} sits past a line start, and each vector of
   * {@code y[yOff + i ..]} is put together ({@code selectFrom}, one two-table permute) from the two
   * line loads it straddles, so every line is loaded once instead of every vector twice. On the Zen 5
   * a 512-bit load across two lines costs about two loads; in the batch-1 decode step W's rows start
   * anywhere in a line (a row of 576 floats is 36 lines), and x is already on a line. Falls back to
   * {@code dot} when y already sits on a line or the first or last line would leave the array.
   */
  static float dotLines(float[] x, int xOff, float[] y, int yOff, int n, int off) {
    int a = yOff - off; // the line the row's first vector starts in
    int n4 = n / (4 * L) * (4 * L);
    if (off == 0 || a < 0 || n4 == 0 || a + n4 + L > y.length) return VectorMath.dot(x, xOff, y, yOff, n);
    FloatVector idx = LINE_INDEX[off];
    FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
    FloatVector line = FloatVector.fromArray(S, y, a);
    int i = 0;
    for (; i < n4; i += 4 * L) {
      FloatVector l1 = FloatVector.fromArray(S, y, a + i + L);
      FloatVector l2 = FloatVector.fromArray(S, y, a + i + 2 * L);
      FloatVector l3 = FloatVector.fromArray(S, y, a + i + 3 * L);
      FloatVector l4 = FloatVector.fromArray(S, y, a + i + 4 * L);
      s0 = FloatVector.fromArray(S, x, xOff + i).fma(idx.selectFrom(line, l1), s0);
      s1 = FloatVector.fromArray(S, x, xOff + i + L).fma(idx.selectFrom(l1, l2), s1);
      s2 = FloatVector.fromArray(S, x, xOff + i + 2 * L).fma(idx.selectFrom(l2, l3), s2);
      s3 = FloatVector.fromArray(S, x, xOff + i + 3 * L).fma(idx.selectFrom(l3, l4), s3);
      line = l4;
    }
    // the rest exactly as VectorMath.dot's
    for (; i <= n - L; i += L) {
      s0 = FloatVector.fromArray(S, x, xOff + i).fma(FloatVector.fromArray(S, y, yOff + i), s0);
    }
    float sum = VectorMath.sum(s0.add(s1).add(s2.add(s3)));
    for (; i < n; i++) {
      sum += x[xOff + i] * y[yOff + i];
    }
    return sum;
  }

  private static void put(float[] c, int ci, float v, float beta) {
    c[ci] = beta == 0f ? v : v + beta * c[ci];
  }

  /** Four x rows (stride ldx) times four W rows (stride ldw): 16 outputs at c[ci + r·ldc + s]. */
  private static void tile4x4(int k, float[] x, int xa, int ldx, float[] w, int wa, int ldw, float beta,
      float[] c, int ci, int ldc, float[] red) {
    FloatVector a00 = FloatVector.zero(S), a01 = a00, a02 = a00, a03 = a00;
    FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
    FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
    FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
    int xb = xa + ldx, xc = xb + ldx, xd = xc + ldx;
    int wb = wa + ldw, wc = wb + ldw, wd = wc + ldw;
    int p = 0;
    for (; p <= k - L; p += L) {
      FloatVector x0 = FloatVector.fromArray(S, x, xa + p);
      FloatVector x1 = FloatVector.fromArray(S, x, xb + p);
      FloatVector x2 = FloatVector.fromArray(S, x, xc + p);
      FloatVector x3 = FloatVector.fromArray(S, x, xd + p);
      FloatVector v = FloatVector.fromArray(S, w, wa + p);
      a00 = x0.fma(v, a00);
      a10 = x1.fma(v, a10);
      a20 = x2.fma(v, a20);
      a30 = x3.fma(v, a30);
      v = FloatVector.fromArray(S, w, wb + p);
      a01 = x0.fma(v, a01);
      a11 = x1.fma(v, a11);
      a21 = x2.fma(v, a21);
      a31 = x3.fma(v, a31);
      v = FloatVector.fromArray(S, w, wc + p);
      a02 = x0.fma(v, a02);
      a12 = x1.fma(v, a12);
      a22 = x2.fma(v, a22);
      a32 = x3.fma(v, a32);
      v = FloatVector.fromArray(S, w, wd + p);
      a03 = x0.fma(v, a03);
      a13 = x1.fma(v, a13);
      a23 = x2.fma(v, a23);
      a33 = x3.fma(v, a33);
    }
    // sixteen inlined VectorMath.sum trees exceed C2's inlining budget (12 of them stayed calls and
    // boxed their vectors): the same trees in scalar adds from memory, the same bits
    a00.intoArray(red, 0);
    a01.intoArray(red, L);
    a02.intoArray(red, 2 * L);
    a03.intoArray(red, 3 * L);
    a10.intoArray(red, 4 * L);
    a11.intoArray(red, 5 * L);
    a12.intoArray(red, 6 * L);
    a13.intoArray(red, 7 * L);
    a20.intoArray(red, 8 * L);
    a21.intoArray(red, 9 * L);
    a22.intoArray(red, 10 * L);
    a23.intoArray(red, 11 * L);
    a30.intoArray(red, 12 * L);
    a31.intoArray(red, 13 * L);
    a32.intoArray(red, 14 * L);
    a33.intoArray(red, 15 * L);
    float s00 = VectorMath.sumStored(red, 0), s01 = VectorMath.sumStored(red, L);
    float s02 = VectorMath.sumStored(red, 2 * L), s03 = VectorMath.sumStored(red, 3 * L);
    float s10 = VectorMath.sumStored(red, 4 * L), s11 = VectorMath.sumStored(red, 5 * L);
    float s12 = VectorMath.sumStored(red, 6 * L), s13 = VectorMath.sumStored(red, 7 * L);
    float s20 = VectorMath.sumStored(red, 8 * L), s21 = VectorMath.sumStored(red, 9 * L);
    float s22 = VectorMath.sumStored(red, 10 * L), s23 = VectorMath.sumStored(red, 11 * L);
    float s30 = VectorMath.sumStored(red, 12 * L), s31 = VectorMath.sumStored(red, 13 * L);
    float s32 = VectorMath.sumStored(red, 14 * L), s33 = VectorMath.sumStored(red, 15 * L);
    for (; p < k; p++) {
      float x0 = x[xa + p], x1 = x[xb + p], x2 = x[xc + p], x3 = x[xd + p];
      float v0 = w[wa + p], v1 = w[wb + p], v2 = w[wc + p], v3 = w[wd + p];
      s00 += x0 * v0; s01 += x0 * v1; s02 += x0 * v2; s03 += x0 * v3;
      s10 += x1 * v0; s11 += x1 * v1; s12 += x1 * v2; s13 += x1 * v3;
      s20 += x2 * v0; s21 += x2 * v1; s22 += x2 * v2; s23 += x2 * v3;
      s30 += x3 * v0; s31 += x3 * v1; s32 += x3 * v2; s33 += x3 * v3;
    }
    put(c, ci, s00, beta); put(c, ci + 1, s01, beta); put(c, ci + 2, s02, beta); put(c, ci + 3, s03, beta);
    ci += ldc;
    put(c, ci, s10, beta); put(c, ci + 1, s11, beta); put(c, ci + 2, s12, beta); put(c, ci + 3, s13, beta);
    ci += ldc;
    put(c, ci, s20, beta); put(c, ci + 1, s21, beta); put(c, ci + 2, s22, beta); put(c, ci + 3, s23, beta);
    ci += ldc;
    put(c, ci, s30, beta); put(c, ci + 1, s31, beta); put(c, ci + 2, s32, beta); put(c, ci + 3, s33, beta);
  }

  /** One x row times four W rows (stride ldw): 4 outputs at c[ci + s]. */
  private static void tile1x4(int k, float[] x, int xa, float[] w, int wa, int ldw, float beta, float[] c, int ci) {
    FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
    int wb = wa + ldw, wc = wb + ldw, wd = wc + ldw;
    int p = 0;
    for (; p <= k - L; p += L) {
      FloatVector x0 = FloatVector.fromArray(S, x, xa + p);
      a0 = x0.fma(FloatVector.fromArray(S, w, wa + p), a0);
      a1 = x0.fma(FloatVector.fromArray(S, w, wb + p), a1);
      a2 = x0.fma(FloatVector.fromArray(S, w, wc + p), a2);
      a3 = x0.fma(FloatVector.fromArray(S, w, wd + p), a3);
    }
    float s0 = VectorMath.sum(a0), s1 = VectorMath.sum(a1);
    float s2 = VectorMath.sum(a2), s3 = VectorMath.sum(a3);
    for (; p < k; p++) {
      float x0 = x[xa + p];
      s0 += x0 * w[wa + p];
      s1 += x0 * w[wb + p];
      s2 += x0 * w[wc + p];
      s3 += x0 * w[wd + p];
    }
    put(c, ci, s0, beta);
    put(c, ci + 1, s1, beta);
    put(c, ci + 2, s2, beta);
    put(c, ci + 3, s3, beta);
  }

  /** One output: c[ci] = x row · W row (+ beta·c[ci]). */
  private static void one(int k, float[] x, int xa, float[] w, int wa, float beta, float[] c, int ci) {
    FloatVector a = FloatVector.zero(S);
    int p = 0;
    for (; p <= k - L; p += L) {
      a = FloatVector.fromArray(S, x, xa + p).fma(FloatVector.fromArray(S, w, wa + p), a);
    }
    float s = VectorMath.sum(a);
    for (; p < k; p++) {
      s += x[xa + p] * w[wa + p];
    }
    put(c, ci, s, beta);
  }
}
