package dev.tulu4j.model;

import dev.tulu4j.tensor.Gemm;

/**
 * The LM head of Gemma 2 with final-logit soft-capping, fused with log-softmax and the gather of the
 * target, like {@link LogSoftmaxHead}: {@code u = cap·tanh(x·wᵀ / cap)}, {@code z = s·u} (s = 1/T),
 * {@code logp = z_y − lse(z)}. With upstream g: {@code ∂L/∂(x·wᵀ)_j = s·g·(δ_jy − softmax(z)_j)·(1 − (u_j/cap)²)}.
 * A chunk of rows at a time through the (chunk, V) scratch; scalar row loops. The weight is read
 * through {@link WeightOps} (fp32 or bf16); {@code dw} null for a frozen head (no weight gradient).
 */
final class CappedHead {
  private CappedHead() {}

  /** As {@link LogSoftmaxHead#forwardBackward}, with the cap; dLogp null for the forward only. */
  static void forwardBackward(ModelParallel par, Gemm gemm, float[] x, Parameter w, float[] dw, int rows, int c,
      int vocab, float scale, float cap, int[] targets, float[] dLogp, float[] logp, float[] lse, float[] dx,
      float[] scratch) {
    int chunk = scratch.length / vocab;
    for (int r0 = 0; r0 < rows; r0 += chunk) {
      int n = Math.min(chunk, rows - r0);
      int base = r0;
      WeightOps.mulT(gemm, n, vocab, c, 1f, x, base * c, c, w, 0f, scratch, 0, vocab);
      par.forEach(n, i -> {
        int o = i * vocab;
        Softcap.apply(scratch, o, o + vocab, cap);
        float m = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < vocab; j++) m = Math.max(m, scale * scratch[o + j]);
        double sum = 0;
        for (int j = 0; j < vocab; j++) sum += Math.exp(scale * scratch[o + j] - m);
        float l = m + (float) Math.log(sum);
        lse[base + i] = l;
        int y = targets == null ? LogSoftmaxHead.IGNORE : targets[base + i];
        logp[base + i] = y == LogSoftmaxHead.IGNORE ? 0f : scale * scratch[o + y] - l;
        if (dLogp == null) return;
        float g = y == LogSoftmaxHead.IGNORE ? 0f : dLogp[base + i];
        for (int j = 0; j < vocab; j++) {
          float u = scratch[o + j];
          float p = (float) Math.exp(scale * u - l);
          scratch[o + j] = scale * g * ((j == y ? 1f : 0f) - p) * Softcap.slope(u, cap);
        }
      });
      if (dLogp != null) {
        WeightOps.mul(gemm, n, c, vocab, 1f, scratch, 0, vocab, w, 0f, dx, base * c, c);
        if (dw != null) gemm.sgemm(true, false, vocab, c, n, 1f, scratch, 0, vocab, x, base * c, c, 1f, dw, 0, c);
      }
    }
  }
}
