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

  static void forward(ModelParallel par, float[] x, int xOff, float[] w, float[] y, int yOff, float[] rstd, int rOff,
      int rows, int c, float eps) {
    par.forRange(rows, 16, (from, to) -> {
      for (int r = from; r < to; r++) {
        int xo = xOff + r * c;
        int yo = yOff + r * c;
        float rs = (float) (1.0 / Math.sqrt(VectorMath.sumSq(x, xo, c) / c + eps));
        if (rstd != null) rstd[rOff + r] = rs;
        for (int i = 0; i < c; i++) y[yo + i] = x[xo + i] * rs * w[i];
      }
    });
  }

  /** y = x·rstd·w with rstd saved by {@link #forward}: bit-identical to the forward's output. */
  static void apply(ModelParallel par, float[] x, float[] w, float[] rstd, float[] y, int rows, int c) {
    par.forRange(rows, 16, (from, to) -> {
      for (int r = from; r < to; r++) {
        int o = r * c;
        float rs = rstd[r];
        for (int i = 0; i < c; i++) y[o + i] = x[o + i] * rs * w[i];
      }
    });
  }

  /**
   * Backward: with g = dy·w, {@code dx += rstd·g − x·rstd³·mean(g·x)} and {@code dw += Σ_rows dy·x·rstd}.
   * dx is accumulated (the residual stream's gradient).
   */
  static void backward(ModelParallel par, float[] dy, float[] x, float[] w, float[] rstd, float[] dx, float[] dw, int rows, int c) {
    par.forRange(rows, 16, (from, to) -> {
      float[] g = new float[c];
      for (int r = from; r < to; r++) {
        int o = r * c;
        float rs = rstd[r];
        for (int i = 0; i < c; i++) g[i] = dy[o + i] * w[i];
        float k = VectorMath.dotOneChain(g, 0, x, o, c) / c * rs * rs * rs;
        VectorMath.axpy(c, rs, g, 0, dx, o);
        VectorMath.axpy(c, -k, x, o, dx, o);
      }
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
