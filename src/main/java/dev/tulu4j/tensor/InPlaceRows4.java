package dev.tulu4j.tensor;

import static dev.tulu4j.tensor.VectorMath.L;
import static dev.tulu4j.tensor.VectorMath.S;

import jdk.incubator.vector.FloatVector;

/**
 * The last four rows of a 64-column strip of {@link InPlaceKernels#block} when the rows are not a
 * multiple of six (a 64-query block: 10 tiles of six and four rows; 64, 256 or 448 keys for the
 * transposed-A products {@code dSᵀ·Q}, {@code Pᵀ·dO}). {@link InPlaceKernels#w4} computed those
 * four rows as six (the last repeated), parked the accumulators and updated C from the scratch,
 * with a depth stride only known at run time: ~10% of a {@code 64 × 256 × 64} product for 6% of its
 * rows, ~7% of a transposed {@code 256 × 64 × 64} one (session 15). Here: 16 accumulators, A at
 * constant offsets per depth step, C written from the registers with the formula of
 * {@link GemmKernels#update}; each output is the same FMA chain over the depth block from zero and
 * the same {@code alpha·acc + beta·C}, so the same bits (InPlaceGemmTest). {@link #rows} and
 * {@link #cols} repeat each other except for A's offsets, as {@link InPlaceKernels}' full tiles do and
 * for its reason: every accumulator named, A's offsets constant per depth step.
 */
final class InPlaceRows4 {
  private InPlaceRows4() {}

  /** 4 rows × 4 vectors, A as stored (row r at {@code a[ai + r·lda + p]}); C written from the registers as in {@link InPlaceKernels#full4Rows}. */
  static void rows(int kcb, float[] a, int ai, int lda, float[] b, int bi, int ldb, float[] c, int ci, int ldc,
      float alpha, float beta) {
    int a0 = ai + 0 * lda; int a1 = ai + 1 * lda; int a2 = ai + 2 * lda; int a3 = ai + 3 * lda;
    FloatVector z = FloatVector.zero(S);
    FloatVector c00 = z, c01 = z, c02 = z, c03 = z;
    FloatVector c10 = z, c11 = z, c12 = z, c13 = z;
    FloatVector c20 = z, c21 = z, c22 = z, c23 = z;
    FloatVector c30 = z, c31 = z, c32 = z, c33 = z;
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
    }
    FloatVector al = FloatVector.broadcast(S, alpha);
    if (beta == 0f) {
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
    } else {
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
    }
  }

  /** 4 rows × 4 vectors, Aᵀ (row r at {@code a[ai + p·lda + r]}); C written from the registers as in {@link InPlaceKernels#full4Cols}. */
  static void cols(int kcb, float[] a, int ai, int lda, float[] b, int bi, int ldb, float[] c, int ci, int ldc,
      float alpha, float beta) {
    FloatVector z = FloatVector.zero(S);
    FloatVector c00 = z, c01 = z, c02 = z, c03 = z;
    FloatVector c10 = z, c11 = z, c12 = z, c13 = z;
    FloatVector c20 = z, c21 = z, c22 = z, c23 = z;
    FloatVector c30 = z, c31 = z, c32 = z, c33 = z;
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
    }
    FloatVector al = FloatVector.broadcast(S, alpha);
    if (beta == 0f) {
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
    } else {
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
    }
  }
}
