package dev.tulu4j.tensor;

import static dev.tulu4j.tensor.VectorMath.L;
import static dev.tulu4j.tensor.VectorMath.S;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * Register tiles for small products whose B is read where it lies, row-major {@code [k, ldb]}, no
 * packing: the attention blocks' products ({@link VectorGemm#sgemmInPlaceB}). Row {@code r} of op(A)
 * at depth {@code p} is {@code a[ai + r·rs + p·ps]}: {@code rs = lda, ps = 1} for A as stored,
 * {@code rs = 1, ps = lda} for Aᵀ. Rows past {@code rows} repeat the last valid row (never stored).
 *
 * <p>Each output is one FMA chain over {@code p = 0 .. kcb−1} from zero, then
 * {@code C = alpha·acc + beta·C} ({@link GemmKernels#update}): the same operations in the same order
 * as the packed kernels of {@link VectorGemm}, so the results are the same bits. Three widths:
 * {@link #w4} 6 rows × 4 vectors (24 accumulators, the blocked kernel's tile), {@link #w2} 8 rows × 2
 * vectors (16; head dim 32), {@link #w1} 8 rows × 1 vector, masked at the right edge. Full tiles of
 * the two wide ones take {@code full4Rows}/{@code full4Cols}/{@code full2Rows}/{@code full2Cols}: A
 * and B at constant offsets from one index per depth step (C2 hoists or merges their bounds checks;
 * a variable depth stride in the general kernels keeps one check per load) and C written from the
 * registers, with the same formula as the update.
 *
 * <p>Over 600 lines of near-repeats on purpose: a register tile must name every accumulator (an array
 * of vectors is not scalar-replaced by C2 and boxes), and the row-major and transposed-A variants
 * differ only in their A offsets, which must be constants per depth step for C2 to hoist the bounds
 * checks. The full tiles write C from the registers instead of parking them in a tile for
 * {@link GemmKernels#update}, which is what made them faster (same formula, same bits).
 */
final class InPlaceKernels {
  private InPlaceKernels() {}

  /** Probes only (measuring {@link InPlaceRows4} against what it replaced in one JVM): four last rows through {@link #w4}. */
  static boolean probeSixRowRemainder = false;

  /** Scratch the tiles park their accumulators in before the C update. */
  static final int TILE = 8 * 4 * L;

  private static int row(int ai, int rs, int r, int rows) {
    return ai + Math.min(r, rows - 1) * rs;
  }

  /** 6 rows × 64 columns (4 full vectors of B). */
  static void w4(int kcb, float[] a, int ai, int rs, int ps, float[] b, int bi, int ldb, float[] c, int ci, int ldc,
      int rows, float alpha, float beta, float[] tile) {
    int a0 = ai, a1 = row(ai, rs, 1, rows), a2 = row(ai, rs, 2, rows), a3 = row(ai, rs, 3, rows);
    int a4 = row(ai, rs, 4, rows), a5 = row(ai, rs, 5, rows);
    FloatVector z = FloatVector.zero(S);
    FloatVector c00 = z, c01 = z, c02 = z, c03 = z;
    FloatVector c10 = z, c11 = z, c12 = z, c13 = z;
    FloatVector c20 = z, c21 = z, c22 = z, c23 = z;
    FloatVector c30 = z, c31 = z, c32 = z, c33 = z;
    FloatVector c40 = z, c41 = z, c42 = z, c43 = z;
    FloatVector c50 = z, c51 = z, c52 = z, c53 = z;
    for (int p = 0; p < kcb; p++) {
      int bp = bi + p * ldb;
      int ap = p * ps;
      FloatVector b0 = FloatVector.fromArray(S, b, bp);
      FloatVector b1 = FloatVector.fromArray(S, b, bp + L);
      FloatVector b2 = FloatVector.fromArray(S, b, bp + 2 * L);
      FloatVector b3 = FloatVector.fromArray(S, b, bp + 3 * L);
      FloatVector av = FloatVector.broadcast(S, a[a0 + ap]);
      c00 = b0.fma(av, c00);
      c01 = b1.fma(av, c01);
      c02 = b2.fma(av, c02);
      c03 = b3.fma(av, c03);
      av = FloatVector.broadcast(S, a[a1 + ap]);
      c10 = b0.fma(av, c10);
      c11 = b1.fma(av, c11);
      c12 = b2.fma(av, c12);
      c13 = b3.fma(av, c13);
      av = FloatVector.broadcast(S, a[a2 + ap]);
      c20 = b0.fma(av, c20);
      c21 = b1.fma(av, c21);
      c22 = b2.fma(av, c22);
      c23 = b3.fma(av, c23);
      av = FloatVector.broadcast(S, a[a3 + ap]);
      c30 = b0.fma(av, c30);
      c31 = b1.fma(av, c31);
      c32 = b2.fma(av, c32);
      c33 = b3.fma(av, c33);
      av = FloatVector.broadcast(S, a[a4 + ap]);
      c40 = b0.fma(av, c40);
      c41 = b1.fma(av, c41);
      c42 = b2.fma(av, c42);
      c43 = b3.fma(av, c43);
      av = FloatVector.broadcast(S, a[a5 + ap]);
      c50 = b0.fma(av, c50);
      c51 = b1.fma(av, c51);
      c52 = b2.fma(av, c52);
      c53 = b3.fma(av, c53);
    }
    int w = 4 * L;
    c00.intoArray(tile, 0);
    c01.intoArray(tile, L);
    c02.intoArray(tile, 2 * L);
    c03.intoArray(tile, 3 * L);
    c10.intoArray(tile, w);
    c11.intoArray(tile, w + L);
    c12.intoArray(tile, w + 2 * L);
    c13.intoArray(tile, w + 3 * L);
    c20.intoArray(tile, 2 * w);
    c21.intoArray(tile, 2 * w + L);
    c22.intoArray(tile, 2 * w + 2 * L);
    c23.intoArray(tile, 2 * w + 3 * L);
    c30.intoArray(tile, 3 * w);
    c31.intoArray(tile, 3 * w + L);
    c32.intoArray(tile, 3 * w + 2 * L);
    c33.intoArray(tile, 3 * w + 3 * L);
    c40.intoArray(tile, 4 * w);
    c41.intoArray(tile, 4 * w + L);
    c42.intoArray(tile, 4 * w + 2 * L);
    c43.intoArray(tile, 4 * w + 3 * L);
    c50.intoArray(tile, 5 * w);
    c51.intoArray(tile, 5 * w + L);
    c52.intoArray(tile, 5 * w + 2 * L);
    c53.intoArray(tile, 5 * w + 3 * L);
    GemmKernels.update(tile, w, c, ci, ldc, rows, w, alpha, beta);
  }

  /** 8 rows × 32 columns (2 full vectors of B). */
  static void w2(int kcb, float[] a, int ai, int rs, int ps, float[] b, int bi, int ldb, float[] c, int ci, int ldc,
      int rows, float alpha, float beta, float[] tile) {
    int a0 = ai, a1 = row(ai, rs, 1, rows), a2 = row(ai, rs, 2, rows), a3 = row(ai, rs, 3, rows);
    int a4 = row(ai, rs, 4, rows), a5 = row(ai, rs, 5, rows), a6 = row(ai, rs, 6, rows), a7 = row(ai, rs, 7, rows);
    FloatVector z = FloatVector.zero(S);
    FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
    FloatVector c40 = z, c41 = z, c50 = z, c51 = z, c60 = z, c61 = z, c70 = z, c71 = z;
    for (int p = 0; p < kcb; p++) {
      int bp = bi + p * ldb;
      int ap = p * ps;
      FloatVector b0 = FloatVector.fromArray(S, b, bp);
      FloatVector b1 = FloatVector.fromArray(S, b, bp + L);
      FloatVector av = FloatVector.broadcast(S, a[a0 + ap]);
      c00 = b0.fma(av, c00);
      c01 = b1.fma(av, c01);
      av = FloatVector.broadcast(S, a[a1 + ap]);
      c10 = b0.fma(av, c10);
      c11 = b1.fma(av, c11);
      av = FloatVector.broadcast(S, a[a2 + ap]);
      c20 = b0.fma(av, c20);
      c21 = b1.fma(av, c21);
      av = FloatVector.broadcast(S, a[a3 + ap]);
      c30 = b0.fma(av, c30);
      c31 = b1.fma(av, c31);
      av = FloatVector.broadcast(S, a[a4 + ap]);
      c40 = b0.fma(av, c40);
      c41 = b1.fma(av, c41);
      av = FloatVector.broadcast(S, a[a5 + ap]);
      c50 = b0.fma(av, c50);
      c51 = b1.fma(av, c51);
      av = FloatVector.broadcast(S, a[a6 + ap]);
      c60 = b0.fma(av, c60);
      c61 = b1.fma(av, c61);
      av = FloatVector.broadcast(S, a[a7 + ap]);
      c70 = b0.fma(av, c70);
      c71 = b1.fma(av, c71);
    }
    int w = 2 * L;
    c00.intoArray(tile, 0);
    c01.intoArray(tile, L);
    c10.intoArray(tile, w);
    c11.intoArray(tile, w + L);
    c20.intoArray(tile, 2 * w);
    c21.intoArray(tile, 2 * w + L);
    c30.intoArray(tile, 3 * w);
    c31.intoArray(tile, 3 * w + L);
    c40.intoArray(tile, 4 * w);
    c41.intoArray(tile, 4 * w + L);
    c50.intoArray(tile, 5 * w);
    c51.intoArray(tile, 5 * w + L);
    c60.intoArray(tile, 6 * w);
    c61.intoArray(tile, 6 * w + L);
    c70.intoArray(tile, 7 * w);
    c71.intoArray(tile, 7 * w + L);
    GemmKernels.update(tile, w, c, ci, ldc, rows, w, alpha, beta);
  }

  /** 8 rows × {@code cols ≤ L} columns: one vector of B, masked when {@code cols < L}. */
  static void w1(int kcb, float[] a, int ai, int rs, int ps, float[] b, int bi, int ldb, float[] c, int ci, int ldc,
      int rows, int cols, float alpha, float beta, float[] tile) {
    int a0 = ai, a1 = row(ai, rs, 1, rows), a2 = row(ai, rs, 2, rows), a3 = row(ai, rs, 3, rows);
    int a4 = row(ai, rs, 4, rows), a5 = row(ai, rs, 5, rows), a6 = row(ai, rs, 6, rows), a7 = row(ai, rs, 7, rows);
    VectorMask<Float> mk = S.indexInRange(0, cols);
    FloatVector z = FloatVector.zero(S);
    FloatVector c0 = z, c1 = z, c2 = z, c3 = z, c4 = z, c5 = z, c6 = z, c7 = z;
    for (int p = 0; p < kcb; p++) {
      int ap = p * ps;
      FloatVector b0 = FloatVector.fromArray(S, b, bi + p * ldb, mk);
      c0 = b0.fma(FloatVector.broadcast(S, a[a0 + ap]), c0);
      c1 = b0.fma(FloatVector.broadcast(S, a[a1 + ap]), c1);
      c2 = b0.fma(FloatVector.broadcast(S, a[a2 + ap]), c2);
      c3 = b0.fma(FloatVector.broadcast(S, a[a3 + ap]), c3);
      c4 = b0.fma(FloatVector.broadcast(S, a[a4 + ap]), c4);
      c5 = b0.fma(FloatVector.broadcast(S, a[a5 + ap]), c5);
      c6 = b0.fma(FloatVector.broadcast(S, a[a6 + ap]), c6);
      c7 = b0.fma(FloatVector.broadcast(S, a[a7 + ap]), c7);
    }
    c0.intoArray(tile, 0);
    c1.intoArray(tile, L);
    c2.intoArray(tile, 2 * L);
    c3.intoArray(tile, 3 * L);
    c4.intoArray(tile, 4 * L);
    c5.intoArray(tile, 5 * L);
    c6.intoArray(tile, 6 * L);
    c7.intoArray(tile, 7 * L);
    GemmKernels.update(tile, L, c, ci, ldc, rows, cols, alpha, beta);
  }

  /** {@link #w4} for a full tile of A as stored (depth stride 1, so C2 hoists A's bounds checks), C written from the registers. */

  static void full4Rows(int kcb, float[] a, int ai, int lda, float[] b, int bi, int ldb, float[] c, int ci, int ldc,
      float alpha, float beta) {
    int a0 = ai + 0 * lda; int a1 = ai + 1 * lda; int a2 = ai + 2 * lda; int a3 = ai + 3 * lda; int a4 = ai + 4 * lda; int a5 = ai + 5 * lda;
    FloatVector z = FloatVector.zero(S);
    FloatVector c00 = z, c01 = z, c02 = z, c03 = z;
    FloatVector c10 = z, c11 = z, c12 = z, c13 = z;
    FloatVector c20 = z, c21 = z, c22 = z, c23 = z;
    FloatVector c30 = z, c31 = z, c32 = z, c33 = z;
    FloatVector c40 = z, c41 = z, c42 = z, c43 = z;
    FloatVector c50 = z, c51 = z, c52 = z, c53 = z;
    for (int p = 0; p < kcb; p++) {
      int bp = bi + p * ldb;
      FloatVector b0 = FloatVector.fromArray(S, b, bp);
      FloatVector b1 = FloatVector.fromArray(S, b, bp + L);
      FloatVector b2 = FloatVector.fromArray(S, b, bp + 2 * L);
      FloatVector b3 = FloatVector.fromArray(S, b, bp + 3 * L);
      FloatVector av = FloatVector.broadcast(S, a[a0 + p]);
      c00 = b0.fma(av, c00);
      c01 = b1.fma(av, c01);
      c02 = b2.fma(av, c02);
      c03 = b3.fma(av, c03);
      av = FloatVector.broadcast(S, a[a1 + p]);
      c10 = b0.fma(av, c10);
      c11 = b1.fma(av, c11);
      c12 = b2.fma(av, c12);
      c13 = b3.fma(av, c13);
      av = FloatVector.broadcast(S, a[a2 + p]);
      c20 = b0.fma(av, c20);
      c21 = b1.fma(av, c21);
      c22 = b2.fma(av, c22);
      c23 = b3.fma(av, c23);
      av = FloatVector.broadcast(S, a[a3 + p]);
      c30 = b0.fma(av, c30);
      c31 = b1.fma(av, c31);
      c32 = b2.fma(av, c32);
      c33 = b3.fma(av, c33);
      av = FloatVector.broadcast(S, a[a4 + p]);
      c40 = b0.fma(av, c40);
      c41 = b1.fma(av, c41);
      c42 = b2.fma(av, c42);
      c43 = b3.fma(av, c43);
      av = FloatVector.broadcast(S, a[a5 + p]);
      c50 = b0.fma(av, c50);
      c51 = b1.fma(av, c51);
      c52 = b2.fma(av, c52);
      c53 = b3.fma(av, c53);
    }
    FloatVector al = FloatVector.broadcast(S, alpha);
    if (beta == 0f) {
      int o0 = ci;
      c00.mul(al).intoArray(c, o0);
      c01.mul(al).intoArray(c, o0 + L);
      c02.mul(al).intoArray(c, o0 + 2 * L);
      c03.mul(al).intoArray(c, o0 + 3 * L);
      int o1 = ci + 1 * ldc;
      c10.mul(al).intoArray(c, o1);
      c11.mul(al).intoArray(c, o1 + L);
      c12.mul(al).intoArray(c, o1 + 2 * L);
      c13.mul(al).intoArray(c, o1 + 3 * L);
      int o2 = ci + 2 * ldc;
      c20.mul(al).intoArray(c, o2);
      c21.mul(al).intoArray(c, o2 + L);
      c22.mul(al).intoArray(c, o2 + 2 * L);
      c23.mul(al).intoArray(c, o2 + 3 * L);
      int o3 = ci + 3 * ldc;
      c30.mul(al).intoArray(c, o3);
      c31.mul(al).intoArray(c, o3 + L);
      c32.mul(al).intoArray(c, o3 + 2 * L);
      c33.mul(al).intoArray(c, o3 + 3 * L);
      int o4 = ci + 4 * ldc;
      c40.mul(al).intoArray(c, o4);
      c41.mul(al).intoArray(c, o4 + L);
      c42.mul(al).intoArray(c, o4 + 2 * L);
      c43.mul(al).intoArray(c, o4 + 3 * L);
      int o5 = ci + 5 * ldc;
      c50.mul(al).intoArray(c, o5);
      c51.mul(al).intoArray(c, o5 + L);
      c52.mul(al).intoArray(c, o5 + 2 * L);
      c53.mul(al).intoArray(c, o5 + 3 * L);
    } else {
      FloatVector be = FloatVector.broadcast(S, beta);
      int o0 = ci;
      FloatVector.fromArray(S, c, o0).mul(be).add(c00.mul(al)).intoArray(c, o0);
      FloatVector.fromArray(S, c, o0 + L).mul(be).add(c01.mul(al)).intoArray(c, o0 + L);
      FloatVector.fromArray(S, c, o0 + 2 * L).mul(be).add(c02.mul(al)).intoArray(c, o0 + 2 * L);
      FloatVector.fromArray(S, c, o0 + 3 * L).mul(be).add(c03.mul(al)).intoArray(c, o0 + 3 * L);
      int o1 = ci + 1 * ldc;
      FloatVector.fromArray(S, c, o1).mul(be).add(c10.mul(al)).intoArray(c, o1);
      FloatVector.fromArray(S, c, o1 + L).mul(be).add(c11.mul(al)).intoArray(c, o1 + L);
      FloatVector.fromArray(S, c, o1 + 2 * L).mul(be).add(c12.mul(al)).intoArray(c, o1 + 2 * L);
      FloatVector.fromArray(S, c, o1 + 3 * L).mul(be).add(c13.mul(al)).intoArray(c, o1 + 3 * L);
      int o2 = ci + 2 * ldc;
      FloatVector.fromArray(S, c, o2).mul(be).add(c20.mul(al)).intoArray(c, o2);
      FloatVector.fromArray(S, c, o2 + L).mul(be).add(c21.mul(al)).intoArray(c, o2 + L);
      FloatVector.fromArray(S, c, o2 + 2 * L).mul(be).add(c22.mul(al)).intoArray(c, o2 + 2 * L);
      FloatVector.fromArray(S, c, o2 + 3 * L).mul(be).add(c23.mul(al)).intoArray(c, o2 + 3 * L);
      int o3 = ci + 3 * ldc;
      FloatVector.fromArray(S, c, o3).mul(be).add(c30.mul(al)).intoArray(c, o3);
      FloatVector.fromArray(S, c, o3 + L).mul(be).add(c31.mul(al)).intoArray(c, o3 + L);
      FloatVector.fromArray(S, c, o3 + 2 * L).mul(be).add(c32.mul(al)).intoArray(c, o3 + 2 * L);
      FloatVector.fromArray(S, c, o3 + 3 * L).mul(be).add(c33.mul(al)).intoArray(c, o3 + 3 * L);
      int o4 = ci + 4 * ldc;
      FloatVector.fromArray(S, c, o4).mul(be).add(c40.mul(al)).intoArray(c, o4);
      FloatVector.fromArray(S, c, o4 + L).mul(be).add(c41.mul(al)).intoArray(c, o4 + L);
      FloatVector.fromArray(S, c, o4 + 2 * L).mul(be).add(c42.mul(al)).intoArray(c, o4 + 2 * L);
      FloatVector.fromArray(S, c, o4 + 3 * L).mul(be).add(c43.mul(al)).intoArray(c, o4 + 3 * L);
      int o5 = ci + 5 * ldc;
      FloatVector.fromArray(S, c, o5).mul(be).add(c50.mul(al)).intoArray(c, o5);
      FloatVector.fromArray(S, c, o5 + L).mul(be).add(c51.mul(al)).intoArray(c, o5 + L);
      FloatVector.fromArray(S, c, o5 + 2 * L).mul(be).add(c52.mul(al)).intoArray(c, o5 + 2 * L);
      FloatVector.fromArray(S, c, o5 + 3 * L).mul(be).add(c53.mul(al)).intoArray(c, o5 + 3 * L);
    }
  }

  /** {@link #w4} for a full tile of Aᵀ (six neighbouring values of one stored row per step), C written from the registers. */

  static void full4Cols(int kcb, float[] a, int ai, int lda, float[] b, int bi, int ldb, float[] c, int ci, int ldc,
      float alpha, float beta) {
    FloatVector z = FloatVector.zero(S);
    FloatVector c00 = z, c01 = z, c02 = z, c03 = z;
    FloatVector c10 = z, c11 = z, c12 = z, c13 = z;
    FloatVector c20 = z, c21 = z, c22 = z, c23 = z;
    FloatVector c30 = z, c31 = z, c32 = z, c33 = z;
    FloatVector c40 = z, c41 = z, c42 = z, c43 = z;
    FloatVector c50 = z, c51 = z, c52 = z, c53 = z;
    for (int p = 0; p < kcb; p++) {
      int bp = bi + p * ldb;
      int ap = ai + p * lda;
      FloatVector b0 = FloatVector.fromArray(S, b, bp);
      FloatVector b1 = FloatVector.fromArray(S, b, bp + L);
      FloatVector b2 = FloatVector.fromArray(S, b, bp + 2 * L);
      FloatVector b3 = FloatVector.fromArray(S, b, bp + 3 * L);
      FloatVector av = FloatVector.broadcast(S, a[ap]);
      c00 = b0.fma(av, c00);
      c01 = b1.fma(av, c01);
      c02 = b2.fma(av, c02);
      c03 = b3.fma(av, c03);
      av = FloatVector.broadcast(S, a[ap + 1]);
      c10 = b0.fma(av, c10);
      c11 = b1.fma(av, c11);
      c12 = b2.fma(av, c12);
      c13 = b3.fma(av, c13);
      av = FloatVector.broadcast(S, a[ap + 2]);
      c20 = b0.fma(av, c20);
      c21 = b1.fma(av, c21);
      c22 = b2.fma(av, c22);
      c23 = b3.fma(av, c23);
      av = FloatVector.broadcast(S, a[ap + 3]);
      c30 = b0.fma(av, c30);
      c31 = b1.fma(av, c31);
      c32 = b2.fma(av, c32);
      c33 = b3.fma(av, c33);
      av = FloatVector.broadcast(S, a[ap + 4]);
      c40 = b0.fma(av, c40);
      c41 = b1.fma(av, c41);
      c42 = b2.fma(av, c42);
      c43 = b3.fma(av, c43);
      av = FloatVector.broadcast(S, a[ap + 5]);
      c50 = b0.fma(av, c50);
      c51 = b1.fma(av, c51);
      c52 = b2.fma(av, c52);
      c53 = b3.fma(av, c53);
    }
    FloatVector al = FloatVector.broadcast(S, alpha);
    if (beta == 0f) {
      int o0 = ci;
      c00.mul(al).intoArray(c, o0);
      c01.mul(al).intoArray(c, o0 + L);
      c02.mul(al).intoArray(c, o0 + 2 * L);
      c03.mul(al).intoArray(c, o0 + 3 * L);
      int o1 = ci + 1 * ldc;
      c10.mul(al).intoArray(c, o1);
      c11.mul(al).intoArray(c, o1 + L);
      c12.mul(al).intoArray(c, o1 + 2 * L);
      c13.mul(al).intoArray(c, o1 + 3 * L);
      int o2 = ci + 2 * ldc;
      c20.mul(al).intoArray(c, o2);
      c21.mul(al).intoArray(c, o2 + L);
      c22.mul(al).intoArray(c, o2 + 2 * L);
      c23.mul(al).intoArray(c, o2 + 3 * L);
      int o3 = ci + 3 * ldc;
      c30.mul(al).intoArray(c, o3);
      c31.mul(al).intoArray(c, o3 + L);
      c32.mul(al).intoArray(c, o3 + 2 * L);
      c33.mul(al).intoArray(c, o3 + 3 * L);
      int o4 = ci + 4 * ldc;
      c40.mul(al).intoArray(c, o4);
      c41.mul(al).intoArray(c, o4 + L);
      c42.mul(al).intoArray(c, o4 + 2 * L);
      c43.mul(al).intoArray(c, o4 + 3 * L);
      int o5 = ci + 5 * ldc;
      c50.mul(al).intoArray(c, o5);
      c51.mul(al).intoArray(c, o5 + L);
      c52.mul(al).intoArray(c, o5 + 2 * L);
      c53.mul(al).intoArray(c, o5 + 3 * L);
    } else {
      FloatVector be = FloatVector.broadcast(S, beta);
      int o0 = ci;
      FloatVector.fromArray(S, c, o0).mul(be).add(c00.mul(al)).intoArray(c, o0);
      FloatVector.fromArray(S, c, o0 + L).mul(be).add(c01.mul(al)).intoArray(c, o0 + L);
      FloatVector.fromArray(S, c, o0 + 2 * L).mul(be).add(c02.mul(al)).intoArray(c, o0 + 2 * L);
      FloatVector.fromArray(S, c, o0 + 3 * L).mul(be).add(c03.mul(al)).intoArray(c, o0 + 3 * L);
      int o1 = ci + 1 * ldc;
      FloatVector.fromArray(S, c, o1).mul(be).add(c10.mul(al)).intoArray(c, o1);
      FloatVector.fromArray(S, c, o1 + L).mul(be).add(c11.mul(al)).intoArray(c, o1 + L);
      FloatVector.fromArray(S, c, o1 + 2 * L).mul(be).add(c12.mul(al)).intoArray(c, o1 + 2 * L);
      FloatVector.fromArray(S, c, o1 + 3 * L).mul(be).add(c13.mul(al)).intoArray(c, o1 + 3 * L);
      int o2 = ci + 2 * ldc;
      FloatVector.fromArray(S, c, o2).mul(be).add(c20.mul(al)).intoArray(c, o2);
      FloatVector.fromArray(S, c, o2 + L).mul(be).add(c21.mul(al)).intoArray(c, o2 + L);
      FloatVector.fromArray(S, c, o2 + 2 * L).mul(be).add(c22.mul(al)).intoArray(c, o2 + 2 * L);
      FloatVector.fromArray(S, c, o2 + 3 * L).mul(be).add(c23.mul(al)).intoArray(c, o2 + 3 * L);
      int o3 = ci + 3 * ldc;
      FloatVector.fromArray(S, c, o3).mul(be).add(c30.mul(al)).intoArray(c, o3);
      FloatVector.fromArray(S, c, o3 + L).mul(be).add(c31.mul(al)).intoArray(c, o3 + L);
      FloatVector.fromArray(S, c, o3 + 2 * L).mul(be).add(c32.mul(al)).intoArray(c, o3 + 2 * L);
      FloatVector.fromArray(S, c, o3 + 3 * L).mul(be).add(c33.mul(al)).intoArray(c, o3 + 3 * L);
      int o4 = ci + 4 * ldc;
      FloatVector.fromArray(S, c, o4).mul(be).add(c40.mul(al)).intoArray(c, o4);
      FloatVector.fromArray(S, c, o4 + L).mul(be).add(c41.mul(al)).intoArray(c, o4 + L);
      FloatVector.fromArray(S, c, o4 + 2 * L).mul(be).add(c42.mul(al)).intoArray(c, o4 + 2 * L);
      FloatVector.fromArray(S, c, o4 + 3 * L).mul(be).add(c43.mul(al)).intoArray(c, o4 + 3 * L);
      int o5 = ci + 5 * ldc;
      FloatVector.fromArray(S, c, o5).mul(be).add(c50.mul(al)).intoArray(c, o5);
      FloatVector.fromArray(S, c, o5 + L).mul(be).add(c51.mul(al)).intoArray(c, o5 + L);
      FloatVector.fromArray(S, c, o5 + 2 * L).mul(be).add(c52.mul(al)).intoArray(c, o5 + 2 * L);
      FloatVector.fromArray(S, c, o5 + 3 * L).mul(be).add(c53.mul(al)).intoArray(c, o5 + 3 * L);
    }
  }

  /** {@link #w2} for a full tile of A as stored, C written from the registers. */

  static void full2Rows(int kcb, float[] a, int ai, int lda, float[] b, int bi, int ldb, float[] c, int ci, int ldc,
      float alpha, float beta) {
    int a0 = ai + 0 * lda; int a1 = ai + 1 * lda; int a2 = ai + 2 * lda; int a3 = ai + 3 * lda; int a4 = ai + 4 * lda; int a5 = ai + 5 * lda; int a6 = ai + 6 * lda; int a7 = ai + 7 * lda;
    FloatVector z = FloatVector.zero(S);
    FloatVector c00 = z, c01 = z;
    FloatVector c10 = z, c11 = z;
    FloatVector c20 = z, c21 = z;
    FloatVector c30 = z, c31 = z;
    FloatVector c40 = z, c41 = z;
    FloatVector c50 = z, c51 = z;
    FloatVector c60 = z, c61 = z;
    FloatVector c70 = z, c71 = z;
    for (int p = 0; p < kcb; p++) {
      int bp = bi + p * ldb;
      FloatVector b0 = FloatVector.fromArray(S, b, bp);
      FloatVector b1 = FloatVector.fromArray(S, b, bp + L);
      FloatVector av = FloatVector.broadcast(S, a[a0 + p]);
      c00 = b0.fma(av, c00);
      c01 = b1.fma(av, c01);
      av = FloatVector.broadcast(S, a[a1 + p]);
      c10 = b0.fma(av, c10);
      c11 = b1.fma(av, c11);
      av = FloatVector.broadcast(S, a[a2 + p]);
      c20 = b0.fma(av, c20);
      c21 = b1.fma(av, c21);
      av = FloatVector.broadcast(S, a[a3 + p]);
      c30 = b0.fma(av, c30);
      c31 = b1.fma(av, c31);
      av = FloatVector.broadcast(S, a[a4 + p]);
      c40 = b0.fma(av, c40);
      c41 = b1.fma(av, c41);
      av = FloatVector.broadcast(S, a[a5 + p]);
      c50 = b0.fma(av, c50);
      c51 = b1.fma(av, c51);
      av = FloatVector.broadcast(S, a[a6 + p]);
      c60 = b0.fma(av, c60);
      c61 = b1.fma(av, c61);
      av = FloatVector.broadcast(S, a[a7 + p]);
      c70 = b0.fma(av, c70);
      c71 = b1.fma(av, c71);
    }
    FloatVector al = FloatVector.broadcast(S, alpha);
    if (beta == 0f) {
      int o0 = ci;
      c00.mul(al).intoArray(c, o0);
      c01.mul(al).intoArray(c, o0 + L);
      int o1 = ci + 1 * ldc;
      c10.mul(al).intoArray(c, o1);
      c11.mul(al).intoArray(c, o1 + L);
      int o2 = ci + 2 * ldc;
      c20.mul(al).intoArray(c, o2);
      c21.mul(al).intoArray(c, o2 + L);
      int o3 = ci + 3 * ldc;
      c30.mul(al).intoArray(c, o3);
      c31.mul(al).intoArray(c, o3 + L);
      int o4 = ci + 4 * ldc;
      c40.mul(al).intoArray(c, o4);
      c41.mul(al).intoArray(c, o4 + L);
      int o5 = ci + 5 * ldc;
      c50.mul(al).intoArray(c, o5);
      c51.mul(al).intoArray(c, o5 + L);
      int o6 = ci + 6 * ldc;
      c60.mul(al).intoArray(c, o6);
      c61.mul(al).intoArray(c, o6 + L);
      int o7 = ci + 7 * ldc;
      c70.mul(al).intoArray(c, o7);
      c71.mul(al).intoArray(c, o7 + L);
    } else {
      FloatVector be = FloatVector.broadcast(S, beta);
      int o0 = ci;
      FloatVector.fromArray(S, c, o0).mul(be).add(c00.mul(al)).intoArray(c, o0);
      FloatVector.fromArray(S, c, o0 + L).mul(be).add(c01.mul(al)).intoArray(c, o0 + L);
      int o1 = ci + 1 * ldc;
      FloatVector.fromArray(S, c, o1).mul(be).add(c10.mul(al)).intoArray(c, o1);
      FloatVector.fromArray(S, c, o1 + L).mul(be).add(c11.mul(al)).intoArray(c, o1 + L);
      int o2 = ci + 2 * ldc;
      FloatVector.fromArray(S, c, o2).mul(be).add(c20.mul(al)).intoArray(c, o2);
      FloatVector.fromArray(S, c, o2 + L).mul(be).add(c21.mul(al)).intoArray(c, o2 + L);
      int o3 = ci + 3 * ldc;
      FloatVector.fromArray(S, c, o3).mul(be).add(c30.mul(al)).intoArray(c, o3);
      FloatVector.fromArray(S, c, o3 + L).mul(be).add(c31.mul(al)).intoArray(c, o3 + L);
      int o4 = ci + 4 * ldc;
      FloatVector.fromArray(S, c, o4).mul(be).add(c40.mul(al)).intoArray(c, o4);
      FloatVector.fromArray(S, c, o4 + L).mul(be).add(c41.mul(al)).intoArray(c, o4 + L);
      int o5 = ci + 5 * ldc;
      FloatVector.fromArray(S, c, o5).mul(be).add(c50.mul(al)).intoArray(c, o5);
      FloatVector.fromArray(S, c, o5 + L).mul(be).add(c51.mul(al)).intoArray(c, o5 + L);
      int o6 = ci + 6 * ldc;
      FloatVector.fromArray(S, c, o6).mul(be).add(c60.mul(al)).intoArray(c, o6);
      FloatVector.fromArray(S, c, o6 + L).mul(be).add(c61.mul(al)).intoArray(c, o6 + L);
      int o7 = ci + 7 * ldc;
      FloatVector.fromArray(S, c, o7).mul(be).add(c70.mul(al)).intoArray(c, o7);
      FloatVector.fromArray(S, c, o7 + L).mul(be).add(c71.mul(al)).intoArray(c, o7 + L);
    }
  }

  /** {@link #w2} for a full tile of Aᵀ, C written from the registers. */

  static void full2Cols(int kcb, float[] a, int ai, int lda, float[] b, int bi, int ldb, float[] c, int ci, int ldc,
      float alpha, float beta) {
    FloatVector z = FloatVector.zero(S);
    FloatVector c00 = z, c01 = z;
    FloatVector c10 = z, c11 = z;
    FloatVector c20 = z, c21 = z;
    FloatVector c30 = z, c31 = z;
    FloatVector c40 = z, c41 = z;
    FloatVector c50 = z, c51 = z;
    FloatVector c60 = z, c61 = z;
    FloatVector c70 = z, c71 = z;
    for (int p = 0; p < kcb; p++) {
      int bp = bi + p * ldb;
      int ap = ai + p * lda;
      FloatVector b0 = FloatVector.fromArray(S, b, bp);
      FloatVector b1 = FloatVector.fromArray(S, b, bp + L);
      FloatVector av = FloatVector.broadcast(S, a[ap]);
      c00 = b0.fma(av, c00);
      c01 = b1.fma(av, c01);
      av = FloatVector.broadcast(S, a[ap + 1]);
      c10 = b0.fma(av, c10);
      c11 = b1.fma(av, c11);
      av = FloatVector.broadcast(S, a[ap + 2]);
      c20 = b0.fma(av, c20);
      c21 = b1.fma(av, c21);
      av = FloatVector.broadcast(S, a[ap + 3]);
      c30 = b0.fma(av, c30);
      c31 = b1.fma(av, c31);
      av = FloatVector.broadcast(S, a[ap + 4]);
      c40 = b0.fma(av, c40);
      c41 = b1.fma(av, c41);
      av = FloatVector.broadcast(S, a[ap + 5]);
      c50 = b0.fma(av, c50);
      c51 = b1.fma(av, c51);
      av = FloatVector.broadcast(S, a[ap + 6]);
      c60 = b0.fma(av, c60);
      c61 = b1.fma(av, c61);
      av = FloatVector.broadcast(S, a[ap + 7]);
      c70 = b0.fma(av, c70);
      c71 = b1.fma(av, c71);
    }
    FloatVector al = FloatVector.broadcast(S, alpha);
    if (beta == 0f) {
      int o0 = ci;
      c00.mul(al).intoArray(c, o0);
      c01.mul(al).intoArray(c, o0 + L);
      int o1 = ci + 1 * ldc;
      c10.mul(al).intoArray(c, o1);
      c11.mul(al).intoArray(c, o1 + L);
      int o2 = ci + 2 * ldc;
      c20.mul(al).intoArray(c, o2);
      c21.mul(al).intoArray(c, o2 + L);
      int o3 = ci + 3 * ldc;
      c30.mul(al).intoArray(c, o3);
      c31.mul(al).intoArray(c, o3 + L);
      int o4 = ci + 4 * ldc;
      c40.mul(al).intoArray(c, o4);
      c41.mul(al).intoArray(c, o4 + L);
      int o5 = ci + 5 * ldc;
      c50.mul(al).intoArray(c, o5);
      c51.mul(al).intoArray(c, o5 + L);
      int o6 = ci + 6 * ldc;
      c60.mul(al).intoArray(c, o6);
      c61.mul(al).intoArray(c, o6 + L);
      int o7 = ci + 7 * ldc;
      c70.mul(al).intoArray(c, o7);
      c71.mul(al).intoArray(c, o7 + L);
    } else {
      FloatVector be = FloatVector.broadcast(S, beta);
      int o0 = ci;
      FloatVector.fromArray(S, c, o0).mul(be).add(c00.mul(al)).intoArray(c, o0);
      FloatVector.fromArray(S, c, o0 + L).mul(be).add(c01.mul(al)).intoArray(c, o0 + L);
      int o1 = ci + 1 * ldc;
      FloatVector.fromArray(S, c, o1).mul(be).add(c10.mul(al)).intoArray(c, o1);
      FloatVector.fromArray(S, c, o1 + L).mul(be).add(c11.mul(al)).intoArray(c, o1 + L);
      int o2 = ci + 2 * ldc;
      FloatVector.fromArray(S, c, o2).mul(be).add(c20.mul(al)).intoArray(c, o2);
      FloatVector.fromArray(S, c, o2 + L).mul(be).add(c21.mul(al)).intoArray(c, o2 + L);
      int o3 = ci + 3 * ldc;
      FloatVector.fromArray(S, c, o3).mul(be).add(c30.mul(al)).intoArray(c, o3);
      FloatVector.fromArray(S, c, o3 + L).mul(be).add(c31.mul(al)).intoArray(c, o3 + L);
      int o4 = ci + 4 * ldc;
      FloatVector.fromArray(S, c, o4).mul(be).add(c40.mul(al)).intoArray(c, o4);
      FloatVector.fromArray(S, c, o4 + L).mul(be).add(c41.mul(al)).intoArray(c, o4 + L);
      int o5 = ci + 5 * ldc;
      FloatVector.fromArray(S, c, o5).mul(be).add(c50.mul(al)).intoArray(c, o5);
      FloatVector.fromArray(S, c, o5 + L).mul(be).add(c51.mul(al)).intoArray(c, o5 + L);
      int o6 = ci + 6 * ldc;
      FloatVector.fromArray(S, c, o6).mul(be).add(c60.mul(al)).intoArray(c, o6);
      FloatVector.fromArray(S, c, o6 + L).mul(be).add(c61.mul(al)).intoArray(c, o6 + L);
      int o7 = ci + 7 * ldc;
      FloatVector.fromArray(S, c, o7).mul(be).add(c70.mul(al)).intoArray(c, o7);
      FloatVector.fromArray(S, c, o7 + L).mul(be).add(c71.mul(al)).intoArray(c, o7 + L);
    }
  }

  /**
   * {@code C[m, n] = alpha · op(A)[m, kcb] · B[kcb, n] + beta · C} on the calling thread, one depth
   * block: column strips of 64 (6-row tiles, four last rows in {@link InPlaceRows4}), then 32 (8-row
   * tiles), then 16 and the masked rest.
   */
  static void block(int m, int n, int kcb, float alpha, float[] a, int ai, int rs, int ps, float[] b, int bi, int ldb,
      float beta, float[] c, int ci, int ldc, float[] tile) {
    boolean cols = ps != 1; // Aᵀ: its depth stride is lda ≥ m ≥ 2 (one row goes to sgemm)
    int lda = cols ? ps : rs;
    int j = 0;
    for (; j + 4 * L <= n; j += 4 * L) {
      int i = 0;
      for (; i + 6 <= m; i += 6) {
        if (cols) full4Cols(kcb, a, ai + i, lda, b, bi + j, ldb, c, ci + i * ldc + j, ldc, alpha, beta);
        else full4Rows(kcb, a, ai + i * lda, lda, b, bi + j, ldb, c, ci + i * ldc + j, ldc, alpha, beta);
      }
      if (m - i == 4 && !probeSixRowRemainder) {
        if (cols) InPlaceRows4.cols(kcb, a, ai + i, lda, b, bi + j, ldb, c, ci + i * ldc + j, ldc, alpha, beta);
        else InPlaceRows4.rows(kcb, a, ai + i * lda, lda, b, bi + j, ldb, c, ci + i * ldc + j, ldc, alpha, beta);
      } else if (i < m) {
        w4(kcb, a, ai + i * rs, rs, ps, b, bi + j, ldb, c, ci + i * ldc + j, ldc, m - i, alpha, beta, tile);
      }
    }
    for (; j + 2 * L <= n; j += 2 * L) {
      int i = 0;
      for (; i + 8 <= m; i += 8) {
        if (cols) full2Cols(kcb, a, ai + i, lda, b, bi + j, ldb, c, ci + i * ldc + j, ldc, alpha, beta);
        else full2Rows(kcb, a, ai + i * lda, lda, b, bi + j, ldb, c, ci + i * ldc + j, ldc, alpha, beta);
      }
      if (i < m) w2(kcb, a, ai + i * rs, rs, ps, b, bi + j, ldb, c, ci + i * ldc + j, ldc, m - i, alpha, beta, tile);
    }
    for (; j < n; j += L) {
      int cw = Math.min(L, n - j);
      for (int i = 0; i < m; i += 8) {
        w1(kcb, a, ai + i * rs, rs, ps, b, bi + j, ldb, c, ci + i * ldc + j, ldc, Math.min(8, m - i), cw, alpha, beta,
            tile);
      }
    }
  }
}
