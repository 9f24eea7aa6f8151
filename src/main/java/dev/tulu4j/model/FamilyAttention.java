package dev.tulu4j.model;

/**
 * Causal GQA attention with Gemma 2's extras: a score scale other than 1/√D
 * ({@code query_pre_attn_scalar}) and soft-capped scores {@code cap·tanh(s/cap)} before the softmax.
 * Query t of a batch row sees keys {@code start[r] .. t} (a sliding window is a later start). One
 * query at a time, scalar loops: the plain kernel beside {@link BlockAttention}, which the
 * families without soft-capping use. Layouts as {@link Attention}; lse (N, H) is kept and the
 * backward recomputes the probabilities and the capped scores from q and k.
 */
final class FamilyAttention {
  private FamilyAttention() {}

  private static float score(float[] q, int qo, float[] k, int ko, int d, float scale, float cap) {
    float s = 0;
    for (int e = 0; e < d; e++) s += q[qo + e] * k[ko + e];
    s *= scale;
    return cap > 0 ? cap * (float) Math.tanh(s / cap) : s;
  }

  static void forward(ModelParallel par, float[] q, float[] k, float[] v, float[] out, float[] lse, int batch, int time,
      int heads, int kvHeads, int d, int[] start, float scale, float cap) {
    int group = heads / kvHeads, qw = heads * d, kw = kvHeads * d;
    par.forEach(batch * heads, task -> {
      int b = task / heads, h = task % heads, g = h / group;
      float[] s = new float[time];
      for (int t = 0; t < time; t++) {
        int r = b * time + t;
        int lo = start[r];
        int qo = r * qw + h * d;
        float m = Float.NEGATIVE_INFINITY;
        for (int j = lo; j <= t; j++) {
          s[j] = score(q, qo, k, (b * time + j) * kw + g * d, d, scale, cap);
          m = Math.max(m, s[j]);
        }
        double l = 0;
        for (int j = lo; j <= t; j++) {
          s[j] = (float) Math.exp(s[j] - m);
          l += s[j];
        }
        float inv = (float) (1 / l);
        java.util.Arrays.fill(out, qo, qo + d, 0f);
        for (int j = lo; j <= t; j++) {
          float p = s[j] * inv;
          int vo = (b * time + j) * kw + g * d;
          for (int e = 0; e < d; e++) out[qo + e] += p * v[vo + e];
        }
        lse[r * heads + h] = m + (float) Math.log(l);
      }
    });
  }

  /** dq, dk, dv overwritten; tasks are (batch row, kv head), each owning its slices. */
  static void backward(ModelParallel par, float[] q, float[] k, float[] v, float[] out, float[] lse, float[] dout,
      float[] dq, float[] dk, float[] dv, int batch, int time, int heads, int kvHeads, int d, int[] start, float scale,
      float cap) {
    int group = heads / kvHeads, qw = heads * d, kw = kvHeads * d;
    par.forEach(batch * kvHeads, task -> {
      int b = task / kvHeads, g = task % kvHeads;
      for (int t = 0; t < time; t++) {
        int o = (b * time + t) * kw + g * d;
        java.util.Arrays.fill(dk, o, o + d, 0f);
        java.util.Arrays.fill(dv, o, o + d, 0f);
      }
      for (int h = g * group; h < (g + 1) * group; h++) {
        for (int t = 0; t < time; t++) {
          int r = b * time + t;
          int qo = r * qw + h * d;
          java.util.Arrays.fill(dq, qo, qo + d, 0f);
          float di = 0;
          for (int e = 0; e < d; e++) di += dout[qo + e] * out[qo + e];
          float ls = lse[r * heads + h];
          for (int j = start[r]; j <= t; j++) {
            int ko = (b * time + j) * kw + g * d;
            float s = score(q, qo, k, ko, d, scale, cap);
            float p = (float) Math.exp(s - ls);
            float dp = 0;
            for (int e = 0; e < d; e++) dp += dout[qo + e] * v[ko + e];
            float ds = p * (dp - di);
            if (cap > 0) ds *= Softcap.slope(s, cap);
            ds *= scale;
            for (int e = 0; e < d; e++) {
              dq[qo + e] += ds * k[ko + e];
              dk[ko + e] += ds * q[qo + e];
              dv[ko + e] += p * dout[qo + e];
            }
          }
        }
      }
    });
  }
}
