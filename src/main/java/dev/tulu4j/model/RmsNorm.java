package dev.tulu4j.model;

import dev.tulu4j.tensor.VectorMath;
import jdk.incubator.vector.FloatVector;

/**
 * RMSNorm as in Hugging Face {@code LlamaRMSNorm}: {@code y = x · rstd · w} with
 * {@code rstd = 1/√(mean(x²) + eps)} per row of C channels, computed in fp32.
 */
final class RmsNorm {
  private RmsNorm() {}

  /** x (N, C) → y (N, C); rstd (N) kept for backward. */
  static void forward(ModelParallel par, float[] x, float[] w, float[] y, float[] rstd, int rows, int c, float eps) {
    forward(par, x, 0, w, y, 0, rstd, 0, rows, c, eps);
  }

  /**
   * {@link #forward(ModelParallel, float[], float[], float[], float[], int, int, float)} that also copies
   * x into {@code copy} (same offsets) row by row while the row is in cache, when {@code copy} is not
   * null: the residual stream's copy ahead of a projection that adds into it, without a pass of its own.
   */
  static void forward(ModelParallel par, float[] x, float[] w, float[] y, float[] rstd, int rows, int c, float eps,
      float[] copy) {
    if (copy == null) {
      forward(par, x, w, y, rstd, rows, c, eps);
      return;
    }
    par.forRange(rows, 16, (from, to) -> {
      for (int r = from; r < to; r++) {
        int o = r * c;
        float rs = (float) (1.0 / Math.sqrt(VectorMath.sumSq(x, o, c) / c + eps));
        rstd[r] = rs;
        scaleRow(x, o, rs, w, y, o, c);
        System.arraycopy(x, o, copy, o, c);
      }
    });
  }

  static void forward(ModelParallel par, float[] x, int xOff, float[] w, float[] y, int yOff, float[] rstd, int rOff,
      int rows, int c, float eps) {
    par.forRange(rows, 16, (from, to) -> {
      for (int r = from; r < to; r++) {
        int xo = xOff + r * c;
        int yo = yOff + r * c;
        float rs = (float) (1.0 / Math.sqrt(VectorMath.sumSq(x, xo, c) / c + eps));
        if (rstd != null) rstd[rOff + r] = rs;
        scaleRow(x, xo, rs, w, y, yo, c);
      }
    });
  }

  /** y = x·rstd·w with rstd saved by {@link #forward}: bit-identical to the forward's output. */
  static void apply(ModelParallel par, float[] x, float[] w, float[] rstd, float[] y, int rows, int c) {
    par.forRange(rows, 16, (from, to) -> {
      for (int r = from; r < to; r++) {
        int o = r * c;
        scaleRow(x, o, rstd[r], w, y, o, c);
      }
    });
  }

  /**
   * {@code y[yo+i] = (x[xo+i]·rs)·w[i]} for i &lt; c, two rounded products per element in every lane and
   * in the scalar tail alike (the scalar loop's bits; the scalar loop ran 2.7× slower alone,
   * ElementwiseProfileMain).
   */
  private static void scaleRow(float[] x, int xo, float rs, float[] w, float[] y, int yo, int c) {
    int i = 0;
    int bound = VectorMath.S.loopBound(c);
    for (; i < bound; i += VectorMath.L)
      FloatVector.fromArray(VectorMath.S, x, xo + i).mul(rs).mul(FloatVector.fromArray(VectorMath.S, w, i)).intoArray(y, yo + i);
    for (; i < c; i++) y[yo + i] = x[xo + i] * rs * w[i];
  }

  /**
   * One row of {@link #backward}'s dx at offset o, without storing g: {@code k = dotOneChain(g, x)/c·rs³}
   * (one FMA chain over the whole vectors, {@link VectorMath#sum}, then the tail's products added in
   * order), then {@code dx += rs·g} and {@code dx += −k·x} as {@link VectorMath#axpy} does them (an FMA
   * per lane, {@code y += a·x} in the tail), both in one pass over the row. g = dy·w is recomputed
   * (the same rounded product). The bits are those of the g-array form (RopeNormBitsTest).
   */
  static void backwardRow(float[] dy, float[] x, float[] w, float rs, float[] dx, int o, int c) {
    int bound = VectorMath.S.loopBound(c);
    int i = 0;
    FloatVector acc = FloatVector.zero(VectorMath.S);
    for (; i < bound; i += VectorMath.L) {
      FloatVector g = FloatVector.fromArray(VectorMath.S, dy, o + i).mul(FloatVector.fromArray(VectorMath.S, w, i));
      acc = g.fma(FloatVector.fromArray(VectorMath.S, x, o + i), acc);
    }
    float sum = VectorMath.sum(acc);
    for (; i < c; i++) sum += (dy[o + i] * w[i]) * x[o + i];
    float k = sum / c * rs * rs * rs;
    FloatVector rsv = FloatVector.broadcast(VectorMath.S, rs);
    FloatVector nk = FloatVector.broadcast(VectorMath.S, -k);
    for (i = 0; i < bound; i += VectorMath.L) {
      FloatVector g = FloatVector.fromArray(VectorMath.S, dy, o + i).mul(FloatVector.fromArray(VectorMath.S, w, i));
      FloatVector xv = FloatVector.fromArray(VectorMath.S, x, o + i);
      FloatVector d = g.fma(rsv, FloatVector.fromArray(VectorMath.S, dx, o + i));
      xv.fma(nk, d).intoArray(dx, o + i);
    }
    for (; i < c; i++) dx[o + i] += rs * (dy[o + i] * w[i]);
    for (i = bound; i < c; i++) dx[o + i] += -k * x[o + i];
  }

  /**
   * Backward: with g = dy·w, {@code dx += rstd·g − x·rstd³·mean(g·x)} and {@code dw += Σ_rows dy·x·rstd}.
   * dx is accumulated (the residual stream's gradient).
   */
  static void backward(ModelParallel par, float[] dy, float[] x, float[] w, float[] rstd, float[] dx, float[] dw, int rows, int c) {
    par.forRange(rows, 16, (from, to) -> {
      for (int r = from; r < to; r++) backwardRow(dy, x, w, rstd[r], dx, r * c, c);
    });
    if (dw == null) return; // frozen norm weight (LoRA): no dw
    // dw: each channel sums over the rows in row order, one vector of channels at a time in a
    // register (race-free and independent of the thread count); the same operations as one
    // sequential pass of dw += rstd·(dy·x) per row with a vector body and a scalar tail
    int lanes = VectorMath.S.length();
    int groups = (c + lanes - 1) / lanes;
    par.forRange(groups, 2, (g0, g1) -> {
      for (int g = g0; g < g1; g++) {
        int c0 = g * lanes;
        if (c0 + lanes <= c) {
          FloatVector acc = FloatVector.fromArray(VectorMath.S, dw, c0);
          for (int r = 0; r < rows; r++) {
            int o = r * c + c0;
            acc = FloatVector.fromArray(VectorMath.S, dy, o).mul(FloatVector.fromArray(VectorMath.S, x, o))
                .fma(FloatVector.broadcast(VectorMath.S, rstd[r]), acc);
          }
          acc.intoArray(dw, c0);
        } else {
          for (int i = c0; i < c; i++) {
            float acc = dw[i];
            for (int r = 0; r < rows; r++) acc += rstd[r] * (dy[r * c + i] * x[r * c + i]);
            dw[i] = acc;
          }
        }
      }
    });
  }
}
