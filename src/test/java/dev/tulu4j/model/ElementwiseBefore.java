package dev.tulu4j.model;

import dev.tulu4j.tensor.VectorExp;
import dev.tulu4j.tensor.VectorMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * The elementwise passes as they were before session 12 (main {@code 7f4b4bc}), copied for
 * {@link RopeNormBitsTest} (same bits) and {@link ElementwiseProfileMain} (old against new CPU time).
 */
final class ElementwiseBefore {
  private ElementwiseBefore() {}

  /** Rope.rotate's row loop: scalar. */
  static void rotate(float[] x, int from, int to, int heads, int d, float[] cos, float[] sin, float sign) {
    int half = d / 2;
    for (int r = from; r < to; r++) {
      int t = r * half;
      for (int h = 0; h < heads; h++) {
        int o = (r * heads + h) * d;
        for (int i = 0; i < half; i++) {
          float c = cos[t + i];
          float s = sign * sin[t + i];
          float x1 = x[o + i];
          float x2 = x[o + i + half];
          x[o + i] = x1 * c - x2 * s;
          x[o + i + half] = x2 * c + x1 * s;
        }
      }
    }
  }

  /** RmsNorm.forward's row loop: rs from sumSq, then the scalar y = x·rs·w. */
  static void rmsForward(float[] x, float[] w, float[] y, float[] rstd, int rows, int c, float eps) {
    for (int r = 0; r < rows; r++) {
      int o = r * c;
      float rs = (float) (1.0 / Math.sqrt(VectorMath.sumSq(x, o, c) / c + eps));
      rstd[r] = rs;
      for (int i = 0; i < c; i++) y[o + i] = x[o + i] * rs * w[i];
    }
  }

  /** RmsNorm.backward's dx rows: g stored, dotOneChain, two axpy passes. */
  static void rmsBackwardDx(float[] dy, float[] x, float[] w, float[] rstd, float[] dx, int rows, int c) {
    float[] g = new float[c];
    for (int r = 0; r < rows; r++) {
      int o = r * c;
      float rs = rstd[r];
      for (int i = 0; i < c; i++) g[i] = dy[o + i] * w[i];
      float k = VectorMath.dotOneChain(g, 0, x, o, c) / c * rs * rs * rs;
      VectorMath.axpy(c, rs, g, 0, dx, o);
      VectorMath.axpy(c, -k, x, o, dx, o);
    }
  }

  /** BlockAttention.softmaxGrad of session 11: one masked loop. */
  static void softmaxGrad(float[] p, float[] ds, int o, int n, float ls, float di, float scale) {
    for (int j = 0; j < n; j += VectorMath.S.length()) {
      VectorMask<Float> mk = VectorMath.S.indexInRange(j, n);
      FloatVector pv = VectorExp.exp(FloatVector.fromArray(VectorMath.S, p, o + j, mk).sub(ls));
      pv.intoArray(p, o + j, mk);
      pv.mul(FloatVector.fromArray(VectorMath.S, ds, o + j, mk).sub(di)).mul(scale).intoArray(ds, o + j, mk);
    }
  }

  /** BlockAttention.forward's softmax rows of main {@code 7f4b4bc}: one row at a time. */
  static void softmaxRows(float[] s, int ld, int rows, int r0, int t0, int ks, int nk, int[] start, float[] lse,
      int heads, int h, float[] lanes) {
    for (int i = 0; i < rows; i++) {
      int r = r0 + i;
      int lo = start[r] - ks;
      int n = t0 + i - ks - lo + 1;
      int row = i * ld;
      float m = VectorMath.max(s, row + lo, n);
      float l = VectorMath.expShiftSum(s, row + lo, n, m, lanes);
      VectorMath.scale(n, 1f / l, s, row + lo);
      java.util.Arrays.fill(s, row, row + lo, 0f);
      java.util.Arrays.fill(s, row + lo + n, row + nk, 0f);
      lse[r * heads + h] = m + (float) Math.log(l);
    }
  }
}
