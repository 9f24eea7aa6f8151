package dev.tulu4j.tensor;

import static dev.tulu4j.tensor.GemmPack.MR;
import static dev.tulu4j.tensor.GemmPack.NR;
import static dev.tulu4j.tensor.VectorMath.L;
import static dev.tulu4j.tensor.VectorMath.S;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * The register-tile micro-kernels of {@link VectorGemm}. {@link #wide} keeps a 6 × (4 vectors)
 * block of C in 24 vector registers (with AVX-512: 6 × 64 floats, 24 of the 32 zmm registers) and
 * per step of {@code p} loads four vectors of the packed B panel and broadcasts six values of the
 * packed A tile: 24 FMAs per 4 loads + 6 broadcasts. {@link #narrow} is the one-vector-wide variant
 * for the column remainder.
 *
 * <p>Both write {@code C = alpha·acc + beta·C} for the {@code rows × cols} valid part of the tile
 * (masked stores at the right edge); with {@code beta == 0} the old C is never read.
 */
final class GemmKernels {
  private GemmKernels() {}

  /** Scratch one tile needs: the accumulators are parked here before the C update. */
  static final int TILE = MR * NR;

  static void wide(int kcb, float[] ap, int ai, float[] bp, int bi, float[] c, int ci, int ldc,
      int rows, int cols, float alpha, float beta, float[] tile) {
    FloatVector z = FloatVector.zero(S);
    FloatVector c00 = z, c01 = z, c02 = z, c03 = z;
    FloatVector c10 = z, c11 = z, c12 = z, c13 = z;
    FloatVector c20 = z, c21 = z, c22 = z, c23 = z;
    FloatVector c30 = z, c31 = z, c32 = z, c33 = z;
    FloatVector c40 = z, c41 = z, c42 = z, c43 = z;
    FloatVector c50 = z, c51 = z, c52 = z, c53 = z;
    for (int p = 0; p < kcb; p++) {
      // indices derived from p (not separately incremented) let C2 hoist the bounds checks
      int b = bi + p * NR;
      int a = ai + p * MR;
      FloatVector b0 = FloatVector.fromArray(S, bp, b);
      FloatVector b1 = FloatVector.fromArray(S, bp, b + L);
      FloatVector b2 = FloatVector.fromArray(S, bp, b + 2 * L);
      FloatVector b3 = FloatVector.fromArray(S, bp, b + 3 * L);
      FloatVector av = FloatVector.broadcast(S, ap[a]);
      c00 = b0.fma(av, c00);
      c01 = b1.fma(av, c01);
      c02 = b2.fma(av, c02);
      c03 = b3.fma(av, c03);
      av = FloatVector.broadcast(S, ap[a + 1]);
      c10 = b0.fma(av, c10);
      c11 = b1.fma(av, c11);
      c12 = b2.fma(av, c12);
      c13 = b3.fma(av, c13);
      av = FloatVector.broadcast(S, ap[a + 2]);
      c20 = b0.fma(av, c20);
      c21 = b1.fma(av, c21);
      c22 = b2.fma(av, c22);
      c23 = b3.fma(av, c23);
      av = FloatVector.broadcast(S, ap[a + 3]);
      c30 = b0.fma(av, c30);
      c31 = b1.fma(av, c31);
      c32 = b2.fma(av, c32);
      c33 = b3.fma(av, c33);
      av = FloatVector.broadcast(S, ap[a + 4]);
      c40 = b0.fma(av, c40);
      c41 = b1.fma(av, c41);
      c42 = b2.fma(av, c42);
      c43 = b3.fma(av, c43);
      av = FloatVector.broadcast(S, ap[a + 5]);
      c50 = b0.fma(av, c50);
      c51 = b1.fma(av, c51);
      c52 = b2.fma(av, c52);
      c53 = b3.fma(av, c53);
    }
    // park the tile [MR][NR] in scratch: no vector is passed to a call that might not inline
    c00.intoArray(tile, 0);
    c01.intoArray(tile, L);
    c02.intoArray(tile, 2 * L);
    c03.intoArray(tile, 3 * L);
    c10.intoArray(tile, NR);
    c11.intoArray(tile, NR + L);
    c12.intoArray(tile, NR + 2 * L);
    c13.intoArray(tile, NR + 3 * L);
    c20.intoArray(tile, 2 * NR);
    c21.intoArray(tile, 2 * NR + L);
    c22.intoArray(tile, 2 * NR + 2 * L);
    c23.intoArray(tile, 2 * NR + 3 * L);
    c30.intoArray(tile, 3 * NR);
    c31.intoArray(tile, 3 * NR + L);
    c32.intoArray(tile, 3 * NR + 2 * L);
    c33.intoArray(tile, 3 * NR + 3 * L);
    c40.intoArray(tile, 4 * NR);
    c41.intoArray(tile, 4 * NR + L);
    c42.intoArray(tile, 4 * NR + 2 * L);
    c43.intoArray(tile, 4 * NR + 3 * L);
    c50.intoArray(tile, 5 * NR);
    c51.intoArray(tile, 5 * NR + L);
    c52.intoArray(tile, 5 * NR + 2 * L);
    c53.intoArray(tile, 5 * NR + 3 * L);
    update(tile, NR, c, ci, ldc, rows, cols, alpha, beta);
  }

  static void narrow(int kcb, float[] ap, int ai, float[] bp, int bi, float[] c, int ci, int ldc,
      int rows, int cols, float alpha, float beta, float[] tile) {
    FloatVector c0 = FloatVector.zero(S);
    FloatVector c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
    for (int p = 0; p < kcb; p++) {
      int a = ai + p * MR;
      FloatVector b0 = FloatVector.fromArray(S, bp, bi + p * L);
      c0 = b0.fma(FloatVector.broadcast(S, ap[a]), c0);
      c1 = b0.fma(FloatVector.broadcast(S, ap[a + 1]), c1);
      c2 = b0.fma(FloatVector.broadcast(S, ap[a + 2]), c2);
      c3 = b0.fma(FloatVector.broadcast(S, ap[a + 3]), c3);
      c4 = b0.fma(FloatVector.broadcast(S, ap[a + 4]), c4);
      c5 = b0.fma(FloatVector.broadcast(S, ap[a + 5]), c5);
    }
    c0.intoArray(tile, 0);
    c1.intoArray(tile, L);
    c2.intoArray(tile, 2 * L);
    c3.intoArray(tile, 3 * L);
    c4.intoArray(tile, 4 * L);
    c5.intoArray(tile, 5 * L);
    update(tile, L, c, ci, ldc, rows, cols, alpha, beta);
  }

  /**
   * {@link #wide} reading A where it lies instead of from a packed tile: row {@code r} of the tile
   * is {@code a[ai + r·lda + p]} (op(A) not transposed, so each row is a contiguous run and the six
   * rows are six streams the prefetcher follows). Rows past {@code rows} repeat the last valid row;
   * their sums are never stored. Same accumulation order as {@link #wide}, so the results are
   * bit-identical to the packed path.
   */
  static void wideRows(int kcb, float[] a, int ai, int lda, float[] bp, int bi, float[] c, int ci, int ldc,
      int rows, int cols, float alpha, float beta, float[] tile) {
    int a0 = ai;
    int a1 = ai + Math.min(1, rows - 1) * lda;
    int a2 = ai + Math.min(2, rows - 1) * lda;
    int a3 = ai + Math.min(3, rows - 1) * lda;
    int a4 = ai + Math.min(4, rows - 1) * lda;
    int a5 = ai + Math.min(5, rows - 1) * lda;
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
    c00.intoArray(tile, 0);
    c01.intoArray(tile, L);
    c02.intoArray(tile, 2 * L);
    c03.intoArray(tile, 3 * L);
    c10.intoArray(tile, NR);
    c11.intoArray(tile, NR + L);
    c12.intoArray(tile, NR + 2 * L);
    c13.intoArray(tile, NR + 3 * L);
    c20.intoArray(tile, 2 * NR);
    c21.intoArray(tile, 2 * NR + L);
    c22.intoArray(tile, 2 * NR + 2 * L);
    c23.intoArray(tile, 2 * NR + 3 * L);
    c30.intoArray(tile, 3 * NR);
    c31.intoArray(tile, 3 * NR + L);
    c32.intoArray(tile, 3 * NR + 2 * L);
    c33.intoArray(tile, 3 * NR + 3 * L);
    c40.intoArray(tile, 4 * NR);
    c41.intoArray(tile, 4 * NR + L);
    c42.intoArray(tile, 4 * NR + 2 * L);
    c43.intoArray(tile, 4 * NR + 3 * L);
    c50.intoArray(tile, 5 * NR);
    c51.intoArray(tile, 5 * NR + L);
    c52.intoArray(tile, 5 * NR + 2 * L);
    c53.intoArray(tile, 5 * NR + 3 * L);
    update(tile, NR, c, ci, ldc, rows, cols, alpha, beta);
  }

  /** {@link #narrow} reading A where it lies, as {@link #wideRows}. */
  static void narrowRows(int kcb, float[] a, int ai, int lda, float[] bp, int bi, float[] c, int ci, int ldc,
      int rows, int cols, float alpha, float beta, float[] tile) {
    int a0 = ai;
    int a1 = ai + Math.min(1, rows - 1) * lda;
    int a2 = ai + Math.min(2, rows - 1) * lda;
    int a3 = ai + Math.min(3, rows - 1) * lda;
    int a4 = ai + Math.min(4, rows - 1) * lda;
    int a5 = ai + Math.min(5, rows - 1) * lda;
    FloatVector c0 = FloatVector.zero(S);
    FloatVector c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
    for (int p = 0; p < kcb; p++) {
      FloatVector b0 = FloatVector.fromArray(S, bp, bi + p * L);
      c0 = b0.fma(FloatVector.broadcast(S, a[a0 + p]), c0);
      c1 = b0.fma(FloatVector.broadcast(S, a[a1 + p]), c1);
      c2 = b0.fma(FloatVector.broadcast(S, a[a2 + p]), c2);
      c3 = b0.fma(FloatVector.broadcast(S, a[a3 + p]), c3);
      c4 = b0.fma(FloatVector.broadcast(S, a[a4 + p]), c4);
      c5 = b0.fma(FloatVector.broadcast(S, a[a5 + p]), c5);
    }
    c0.intoArray(tile, 0);
    c1.intoArray(tile, L);
    c2.intoArray(tile, 2 * L);
    c3.intoArray(tile, 3 * L);
    c4.intoArray(tile, 4 * L);
    c5.intoArray(tile, 5 * L);
    update(tile, L, c, ci, ldc, rows, cols, alpha, beta);
  }

  /**
   * {@link #wide} reading a transposed A where it lies: row {@code r} of the tile, column {@code p}
   * is {@code a[ai + p·lda + r]} (op(A) = Aᵀ, the weight-gradient products: six neighbouring
   * values of one stored row per step). Rows past {@code rows} repeat the last valid row. Same
   * accumulation order as {@link #wide}.
   */
  static void wideCols(int kcb, float[] a, int ai, int lda, float[] bp, int bi, float[] c, int ci, int ldc,
      int rows, int cols, float alpha, float beta, float[] tile) {
    int a0 = ai;
    int a1 = ai + Math.min(1, rows - 1);
    int a2 = ai + Math.min(2, rows - 1);
    int a3 = ai + Math.min(3, rows - 1);
    int a4 = ai + Math.min(4, rows - 1);
    int a5 = ai + Math.min(5, rows - 1);
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
    c00.intoArray(tile, 0);
    c01.intoArray(tile, L);
    c02.intoArray(tile, 2 * L);
    c03.intoArray(tile, 3 * L);
    c10.intoArray(tile, NR);
    c11.intoArray(tile, NR + L);
    c12.intoArray(tile, NR + 2 * L);
    c13.intoArray(tile, NR + 3 * L);
    c20.intoArray(tile, 2 * NR);
    c21.intoArray(tile, 2 * NR + L);
    c22.intoArray(tile, 2 * NR + 2 * L);
    c23.intoArray(tile, 2 * NR + 3 * L);
    c30.intoArray(tile, 3 * NR);
    c31.intoArray(tile, 3 * NR + L);
    c32.intoArray(tile, 3 * NR + 2 * L);
    c33.intoArray(tile, 3 * NR + 3 * L);
    c40.intoArray(tile, 4 * NR);
    c41.intoArray(tile, 4 * NR + L);
    c42.intoArray(tile, 4 * NR + 2 * L);
    c43.intoArray(tile, 4 * NR + 3 * L);
    c50.intoArray(tile, 5 * NR);
    c51.intoArray(tile, 5 * NR + L);
    c52.intoArray(tile, 5 * NR + 2 * L);
    c53.intoArray(tile, 5 * NR + 3 * L);
    update(tile, NR, c, ci, ldc, rows, cols, alpha, beta);
  }

  /** {@link #narrow} reading a transposed A where it lies, as {@link #wideCols}. */
  static void narrowCols(int kcb, float[] a, int ai, int lda, float[] bp, int bi, float[] c, int ci, int ldc,
      int rows, int cols, float alpha, float beta, float[] tile) {
    int a0 = ai;
    int a1 = ai + Math.min(1, rows - 1);
    int a2 = ai + Math.min(2, rows - 1);
    int a3 = ai + Math.min(3, rows - 1);
    int a4 = ai + Math.min(4, rows - 1);
    int a5 = ai + Math.min(5, rows - 1);
    FloatVector c0 = FloatVector.zero(S);
    FloatVector c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
    for (int p = 0; p < kcb; p++) {
      int ap = p * lda;
      FloatVector b0 = FloatVector.fromArray(S, bp, bi + p * L);
      c0 = b0.fma(FloatVector.broadcast(S, a[a0 + ap]), c0);
      c1 = b0.fma(FloatVector.broadcast(S, a[a1 + ap]), c1);
      c2 = b0.fma(FloatVector.broadcast(S, a[a2 + ap]), c2);
      c3 = b0.fma(FloatVector.broadcast(S, a[a3 + ap]), c3);
      c4 = b0.fma(FloatVector.broadcast(S, a[a4 + ap]), c4);
      c5 = b0.fma(FloatVector.broadcast(S, a[a5 + ap]), c5);
    }
    c0.intoArray(tile, 0);
    c1.intoArray(tile, L);
    c2.intoArray(tile, 2 * L);
    c3.intoArray(tile, 3 * L);
    c4.intoArray(tile, 4 * L);
    c5.intoArray(tile, 5 * L);
    update(tile, L, c, ci, ldc, rows, cols, alpha, beta);
  }

  /**
   * {@code C = alpha·tile + beta·C} on the valid {@code rows × cols} corner; {@code tile} is
   * stored {@code [MR][width]}. With {@code beta == 0} C is only written.
   */
  static void update(float[] tile, int width, float[] c, int ci, int ldc, int rows,
      int cols, float alpha, float beta) {
    FloatVector al = FloatVector.broadcast(S, alpha);
    FloatVector be = FloatVector.broadcast(S, beta);
    int full = cols - cols % L;
    VectorMask<Float> edge = S.indexInRange(full, cols);
    for (int r = 0; r < rows; r++) {
      int t = r * width;
      int o = ci + r * ldc;
      int j = 0;
      if (beta == 0f) {
        for (; j < full; j += L) {
          FloatVector.fromArray(S, tile, t + j).mul(al).intoArray(c, o + j);
        }
        if (j < cols) {
          FloatVector.fromArray(S, tile, t + j).mul(al).intoArray(c, o + j, edge);
        }
      } else {
        for (; j < full; j += L) {
          FloatVector.fromArray(S, c, o + j).mul(be)
              .add(FloatVector.fromArray(S, tile, t + j).mul(al)).intoArray(c, o + j);
        }
        if (j < cols) {
          FloatVector.fromArray(S, c, o + j, edge).mul(be)
              .add(FloatVector.fromArray(S, tile, t + j).mul(al)).intoArray(c, o + j, edge);
        }
      }
    }
  }
}
