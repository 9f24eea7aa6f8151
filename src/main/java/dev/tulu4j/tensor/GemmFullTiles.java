package dev.tulu4j.tensor;

import static dev.tulu4j.tensor.GemmPack.NR;
import static dev.tulu4j.tensor.VectorMath.L;
import static dev.tulu4j.tensor.VectorMath.S;

import jdk.incubator.vector.FloatVector;

/**
 * The weight products' full register tiles (6 rows × 64 columns, A read in place) with C written
 * straight from the 24 accumulators: {@link GemmKernels#wideRows} and {@link GemmKernels#wideCols}
 * park every tile in a scratch array and then run {@link GemmKernels#update}'s row loop, which also
 * serves ragged edges. Here each accumulator goes through the same formula as the update
 * ({@code alpha·acc} with {@code beta == 0}, else {@code beta·C + alpha·acc}), after the same FMA
 * chain over the depth block, so the results are the same bits (GemmFullTilesTest); the in-place
 * attention tiles ({@link InPlaceKernels}'s {@code full4Rows}) made the same change earlier.
 *
 * <p>Two near-repeats on purpose: a register tile must name every accumulator, and the row-major
 * and transposed-A variants differ only in their A offsets, which must be constants per depth step
 * for C2 to hoist the bounds checks.
 */
final class GemmFullTiles {
  private GemmFullTiles() {}

  /** {@link GemmKernels#wideRows} on a full tile with {@code beta == 0}: {@code C = alpha·acc}. */
  static void storeRows(int kcb, float[] a, int ai, int lda, float[] bp, int bi, float[] c, int ci, int ldc,
      float alpha) {
    int a0 = ai, a1 = ai + lda, a2 = ai + 2 * lda, a3 = ai + 3 * lda, a4 = ai + 4 * lda, a5 = ai + 5 * lda;
    FloatVector z = FloatVector.zero(S);
    FloatVector c00 = z, c01 = z, c02 = z, c03 = z;
    FloatVector c10 = z, c11 = z, c12 = z, c13 = z;
    FloatVector c20 = z, c21 = z, c22 = z, c23 = z;
    FloatVector c30 = z, c31 = z, c32 = z, c33 = z;
    FloatVector c40 = z, c41 = z, c42 = z, c43 = z;
    FloatVector c50 = z, c51 = z, c52 = z, c53 = z;
    for (int p = 0; p < kcb; p++) {
      int b = bi + p * NR;
      FloatVector b0 = FloatVector.fromArray(S, bp, b);
      FloatVector b1 = FloatVector.fromArray(S, bp, b + L);
      FloatVector b2 = FloatVector.fromArray(S, bp, b + 2 * L);
      FloatVector b3 = FloatVector.fromArray(S, bp, b + 3 * L);
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
    int o0 = ci + 0 * ldc;
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
  }

  /** {@link GemmKernels#wideRows} on a full tile with {@code beta != 0}: {@code C = beta·C + alpha·acc}. */
  static void updateRows(int kcb, float[] a, int ai, int lda, float[] bp, int bi, float[] c, int ci, int ldc,
      float alpha, float beta) {
    int a0 = ai, a1 = ai + lda, a2 = ai + 2 * lda, a3 = ai + 3 * lda, a4 = ai + 4 * lda, a5 = ai + 5 * lda;
    FloatVector z = FloatVector.zero(S);
    FloatVector c00 = z, c01 = z, c02 = z, c03 = z;
    FloatVector c10 = z, c11 = z, c12 = z, c13 = z;
    FloatVector c20 = z, c21 = z, c22 = z, c23 = z;
    FloatVector c30 = z, c31 = z, c32 = z, c33 = z;
    FloatVector c40 = z, c41 = z, c42 = z, c43 = z;
    FloatVector c50 = z, c51 = z, c52 = z, c53 = z;
    for (int p = 0; p < kcb; p++) {
      int b = bi + p * NR;
      FloatVector b0 = FloatVector.fromArray(S, bp, b);
      FloatVector b1 = FloatVector.fromArray(S, bp, b + L);
      FloatVector b2 = FloatVector.fromArray(S, bp, b + 2 * L);
      FloatVector b3 = FloatVector.fromArray(S, bp, b + 3 * L);
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
    FloatVector be = FloatVector.broadcast(S, beta);
    int o0 = ci + 0 * ldc;
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

  /** {@link GemmKernels#wideCols} on a full tile with {@code beta == 0}. */
  static void storeCols(int kcb, float[] a, int ai, int lda, float[] bp, int bi, float[] c, int ci, int ldc,
      float alpha) {
    int a0 = ai, a1 = ai + 1, a2 = ai + 2, a3 = ai + 3, a4 = ai + 4, a5 = ai + 5;
    FloatVector z = FloatVector.zero(S);
    FloatVector c00 = z, c01 = z, c02 = z, c03 = z;
    FloatVector c10 = z, c11 = z, c12 = z, c13 = z;
    FloatVector c20 = z, c21 = z, c22 = z, c23 = z;
    FloatVector c30 = z, c31 = z, c32 = z, c33 = z;
    FloatVector c40 = z, c41 = z, c42 = z, c43 = z;
    FloatVector c50 = z, c51 = z, c52 = z, c53 = z;
    for (int p = 0; p < kcb; p++) {
      int ap = p * lda;
      int b = bi + p * NR;
      FloatVector b0 = FloatVector.fromArray(S, bp, b);
      FloatVector b1 = FloatVector.fromArray(S, bp, b + L);
      FloatVector b2 = FloatVector.fromArray(S, bp, b + 2 * L);
      FloatVector b3 = FloatVector.fromArray(S, bp, b + 3 * L);
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
    FloatVector al = FloatVector.broadcast(S, alpha);
    int o0 = ci + 0 * ldc;
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
  }

  /** {@link GemmKernels#wideCols} on a full tile with {@code beta != 0}. */
  static void updateCols(int kcb, float[] a, int ai, int lda, float[] bp, int bi, float[] c, int ci, int ldc,
      float alpha, float beta) {
    int a0 = ai, a1 = ai + 1, a2 = ai + 2, a3 = ai + 3, a4 = ai + 4, a5 = ai + 5;
    FloatVector z = FloatVector.zero(S);
    FloatVector c00 = z, c01 = z, c02 = z, c03 = z;
    FloatVector c10 = z, c11 = z, c12 = z, c13 = z;
    FloatVector c20 = z, c21 = z, c22 = z, c23 = z;
    FloatVector c30 = z, c31 = z, c32 = z, c33 = z;
    FloatVector c40 = z, c41 = z, c42 = z, c43 = z;
    FloatVector c50 = z, c51 = z, c52 = z, c53 = z;
    for (int p = 0; p < kcb; p++) {
      int ap = p * lda;
      int b = bi + p * NR;
      FloatVector b0 = FloatVector.fromArray(S, bp, b);
      FloatVector b1 = FloatVector.fromArray(S, bp, b + L);
      FloatVector b2 = FloatVector.fromArray(S, bp, b + 2 * L);
      FloatVector b3 = FloatVector.fromArray(S, bp, b + 3 * L);
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
    FloatVector al = FloatVector.broadcast(S, alpha);
    FloatVector be = FloatVector.broadcast(S, beta);
    int o0 = ci + 0 * ldc;
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
