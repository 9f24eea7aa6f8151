package dev.tulu4j.model;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A straightforward scalar float64 Llama (HF semantics): full softmax attention, no buffers reused,
 * one loop per formula. It is the ground truth for the fp32 engine and is itself checked against
 * finite differences. Parameters are keyed by HF name; a tied model has no {@code lm_head.weight}.
 */
final class ReferenceLlama {
  /** With this key in {@code p} the model is a scalar-head (reward/value) model: outputs are values, not log-probs. */
  static final String SCORE = "score.weight";

  final LlamaConfig c;
  final Map<String, double[]> p;

  private final double[] freq;

  ReferenceLlama(LlamaConfig c, Map<String, double[]> p) {
    this.c = c;
    this.p = p;
    this.freq = invFreq(c);
  }

  static ReferenceLlama of(LlamaModel m) {
    Map<String, double[]> p = new LinkedHashMap<>();
    for (Parameter q : m.parameters()) {
      double[] d = new double[q.data().length];
      for (int i = 0; i < d.length; i++) d[i] = q.data()[i];
      p.put(q.name(), d);
    }
    return new ReferenceLlama(m.config(), p);
  }

  /** HF _compute_llama3_parameters, written independently of the engine. */
  static double[] invFreq(LlamaConfig c) {
    int half = c.headDim() / 2;
    double[] f = new double[half];
    for (int i = 0; i < half; i++) f[i] = Math.pow(c.ropeTheta(), -(2.0 * i) / c.headDim());
    var s = c.ropeScaling();
    if (s == null) return f;
    double[] out = new double[half];
    for (int i = 0; i < half; i++) {
      double wl = 2 * Math.PI / f[i];
      double scaled = wl > s.originalMaxPositions() / s.lowFreqFactor() ? f[i] / s.factor() : f[i];
      double sm = (s.originalMaxPositions() / wl - s.lowFreqFactor()) / (s.highFreqFactor() - s.lowFreqFactor());
      double smoothed = (1 - sm) * scaled / s.factor() + sm * scaled;
      boolean medium = !(wl < s.originalMaxPositions() / s.highFreqFactor())
          && !(wl > s.originalMaxPositions() / s.lowFreqFactor());
      out[i] = medium ? smoothed : scaled;
    }
    return out;
  }

  double[] w(String n) {
    return p.get(n);
  }

  String head() {
    return c.tieEmbeddings() ? "model.embed_tokens.weight" : "lm_head.weight";
  }

  private double logitScale = 1;

  /** Log-probs (and gradients) of softmax(logits / T) from now on (the engine's Activations.logitTemperature). */
  ReferenceLlama temperature(double t) {
    logitScale = 1 / t;
    return this;
  }

  /** Per-token target log-probs (0 where ignored). */
  double[] logProbs(Batch b) {
    return run(b, null, null);
  }

  /** Gradients of J = Σ dLogp·logp for every parameter. */
  Map<String, double[]> grads(Batch b, double[] dLogp) {
    Map<String, double[]> g = new HashMap<>();
    for (var e : p.entrySet()) g.put(e.getKey(), new double[e.getValue().length]);
    run(b, dLogp, g);
    return g;
  }

  private static double[] matvec(double[] w, double[] x, int out, int in) {
    double[] y = new double[out];
    for (int o = 0; o < out; o++) {
      double s = 0;
      for (int i = 0; i < in; i++) s += w[o * in + i] * x[i];
      y[o] = s;
    }
    return y;
  }

  /** dx += Wᵀ dy ; dW += dy ⊗ x. */
  private static void matvecBack(double[] w, double[] dw, double[] x, double[] dy, double[] dx, int out, int in) {
    for (int o = 0; o < out; o++)
      for (int i = 0; i < in; i++) {
        dx[i] += w[o * in + i] * dy[o];
        if (dw != null) dw[o * in + i] += dy[o] * x[i];
      }
  }

  private double rstd(double[] x) {
    double ss = 0;
    for (double v : x) ss += v * v;
    return 1 / Math.sqrt(ss / x.length + c.rmsNormEps());
  }

  private double[] norm(double[] x, double[] w) {
    double rs = rstd(x);
    double[] y = new double[x.length];
    for (int i = 0; i < x.length; i++) y[i] = x[i] * rs * w[i];
    return y;
  }

  private void normBack(double[] x, double[] w, double[] dw, double[] dy, double[] dx) {
    double rs = rstd(x);
    int n = x.length;
    double dot = 0;
    for (int i = 0; i < n; i++) dot += dy[i] * w[i] * x[i];
    for (int i = 0; i < n; i++) {
      dx[i] += rs * dy[i] * w[i] - x[i] * rs * rs * rs * dot / n;
      dw[i] += dy[i] * x[i] * rs;
    }
  }

  /** rotate_half RoPE of every head in x (width heads·D) at position pos, angle sign ±1. */
  private double[] rope(double[] x, int heads, int pos, double sign) {
    int d = c.headDim(), half = d / 2;
    double[] f = freq;
    double[] y = new double[x.length];
    for (int h = 0; h < heads; h++)
      for (int i = 0; i < half; i++) {
        double a = pos * f[i], co = Math.cos(a), si = sign * Math.sin(a);
        double x1 = x[h * d + i], x2 = x[h * d + i + half];
        y[h * d + i] = x1 * co - x2 * si;
        y[h * d + i + half] = x2 * co + x1 * si;
      }
    return y;
  }

  private static double silu(double a) {
    return a / (1 + Math.exp(-a));
  }

  private double[] run(Batch batch, double[] dLogp, Map<String, double[]> g) {
    int bsz = batch.batchSize(), t = batch.seqLen();
    int cc = c.hidden(), f = c.intermediate(), qd = c.qDim(), kd = c.kvDim(), d = c.headDim();
    int heads = c.heads(), group = heads / c.kvHeads(), vocab = c.vocabSize(), nl = c.layers();
    double[] out = new double[bsz * t];
    for (int b = 0; b < bsz; b++) {
      int[] pos = new int[t], start = new int[t];
      int rs0 = 0;
      for (int i = 0; i < t; i++) {
        int r = b * t + i;
        if (batch.segments() != null && i > 0 && batch.segments()[r] != batch.segments()[r - 1]) rs0 = i;
        start[i] = rs0;
        pos[i] = batch.positions() != null ? batch.positions()[r] : i - rs0;
      }
      double[][][] xin = new double[nl + 1][t][], xm = new double[nl][t][], n1 = new double[nl][t][],
          n2 = new double[nl][t][], qr = new double[nl][t][], kr = new double[nl][t][], vv = new double[nl][t][],
          att = new double[nl][t][], gt = new double[nl][t][], up = new double[nl][t][], hh = new double[nl][t][];
      double[][][][] prob = new double[nl][heads][t][t];
      for (int i = 0; i < t; i++) {
        int id = batch.ids()[b * t + i];
        xin[0][i] = java.util.Arrays.copyOfRange(w("model.embed_tokens.weight"), id * cc, id * cc + cc);
      }
      for (int l = 0; l < nl; l++) {
        String pre = "model.layers." + l + ".";
        for (int i = 0; i < t; i++) {
          n1[l][i] = norm(xin[l][i], w(pre + "input_layernorm.weight"));
          double[] q = matvec(w(pre + "self_attn.q_proj.weight"), n1[l][i], qd, cc);
          double[] k = matvec(w(pre + "self_attn.k_proj.weight"), n1[l][i], kd, cc);
          double[] v = matvec(w(pre + "self_attn.v_proj.weight"), n1[l][i], kd, cc);
          if (c.attentionBias()) {
            for (int j = 0; j < qd; j++) q[j] += w(pre + "self_attn.q_proj.bias")[j];
            for (int j = 0; j < kd; j++) k[j] += w(pre + "self_attn.k_proj.bias")[j];
            for (int j = 0; j < kd; j++) v[j] += w(pre + "self_attn.v_proj.bias")[j];
          }
          qr[l][i] = rope(q, heads, pos[i], 1);
          kr[l][i] = rope(k, c.kvHeads(), pos[i], 1);
          vv[l][i] = v;
        }
        for (int i = 0; i < t; i++) {
          att[l][i] = new double[qd];
          for (int h = 0; h < heads; h++) {
            int kg = (h / group) * d;
            double mx = Double.NEGATIVE_INFINITY;
            double[] s = new double[t];
            for (int j = start[i]; j <= i; j++) {
              double dot = 0;
              for (int e = 0; e < d; e++) dot += qr[l][i][h * d + e] * kr[l][j][kg + e];
              s[j] = dot / Math.sqrt(d);
              mx = Math.max(mx, s[j]);
            }
            double sum = 0;
            for (int j = start[i]; j <= i; j++) sum += Math.exp(s[j] - mx);
            for (int j = start[i]; j <= i; j++) {
              double pj = Math.exp(s[j] - mx) / sum;
              prob[l][h][i][j] = pj;
              for (int e = 0; e < d; e++) att[l][i][h * d + e] += pj * vv[l][j][kg + e];
            }
          }
          double[] o = matvec(w(pre + "self_attn.o_proj.weight"), att[l][i], cc, qd);
          xm[l][i] = new double[cc];
          for (int e = 0; e < cc; e++) xm[l][i][e] = xin[l][i][e] + o[e];
          n2[l][i] = norm(xm[l][i], w(pre + "post_attention_layernorm.weight"));
          gt[l][i] = matvec(w(pre + "mlp.gate_proj.weight"), n2[l][i], f, cc);
          up[l][i] = matvec(w(pre + "mlp.up_proj.weight"), n2[l][i], f, cc);
          hh[l][i] = new double[f];
          for (int e = 0; e < f; e++) hh[l][i][e] = silu(gt[l][i][e]) * up[l][i][e];
          double[] dn = matvec(w(pre + "mlp.down_proj.weight"), hh[l][i], cc, f);
          xin[l + 1][i] = new double[cc];
          for (int e = 0; e < cc; e++) xin[l + 1][i][e] = xm[l][i][e] + dn[e];
        }
      }
      double[][] dx = new double[t][cc];
      for (int i = 0; i < t; i++) {
        int r = b * t + i;
        double[] nf = norm(xin[nl][i], w("model.norm.weight"));
        if (p.containsKey(SCORE)) { // scalar head (LlamaForSequenceClassification): v = score·nf, every token
          double[] sw = w(SCORE);
          double v = 0;
          for (int e = 0; e < cc; e++) v += sw[e] * nf[e];
          out[r] = v;
          if (g == null || dLogp[r] == 0) continue;
          double[] dnf = new double[cc];
          for (int e = 0; e < cc; e++) {
            dnf[e] = dLogp[r] * sw[e];
            g.get(SCORE)[e] += dLogp[r] * nf[e];
          }
          normBack(xin[nl][i], w("model.norm.weight"), g.get("model.norm.weight"), dnf, dx[i]);
          continue;
        }
        double[] z = matvec(w(head()), nf, vocab, cc);
        for (int j = 0; j < vocab; j++) z[j] *= logitScale;
        double mx = Double.NEGATIVE_INFINITY;
        for (double v : z) mx = Math.max(mx, v);
        double sum = 0;
        for (double v : z) sum += Math.exp(v - mx);
        double lse = mx + Math.log(sum);
        int y = batch.targets()[r];
        if (y == -100) continue;
        out[r] = z[y] - lse;
        if (g == null || dLogp[r] == 0) continue;
        // dz = g·(onehot − softmax)
        double[] dz = new double[vocab];
        for (int j = 0; j < vocab; j++) dz[j] = -dLogp[r] * Math.exp(z[j] - lse);
        dz[y] += dLogp[r];
        for (int j = 0; j < vocab; j++) dz[j] *= logitScale; // z = s·(w·nf)
        double[] dnf = new double[cc];
        matvecBack(w(head()), g.get(head()), nf, dz, dnf, vocab, cc);
        normBack(xin[nl][i], w("model.norm.weight"), g.get("model.norm.weight"), dnf, dx[i]);
      }
      if (g == null) continue;
      for (int l = nl - 1; l >= 0; l--) {
        String pre = "model.layers." + l + ".";
        double[][] dxm = new double[t][];
        double[][] da = new double[t][qd];
        for (int i = 0; i < t; i++) {
          double[] dh = new double[f];
          matvecBack(w(pre + "mlp.down_proj.weight"), g.get(pre + "mlp.down_proj.weight"), hh[l][i], dx[i], dh, cc, f);
          double[] dg = new double[f], du = new double[f];
          for (int e = 0; e < f; e++) {
            double a = gt[l][i][e], sg = 1 / (1 + Math.exp(-a));
            du[e] = dh[e] * silu(a);
            dg[e] = dh[e] * up[l][i][e] * (sg + a * sg * (1 - sg));
          }
          double[] dn2 = new double[cc];
          matvecBack(w(pre + "mlp.gate_proj.weight"), g.get(pre + "mlp.gate_proj.weight"), n2[l][i], dg, dn2, f, cc);
          matvecBack(w(pre + "mlp.up_proj.weight"), g.get(pre + "mlp.up_proj.weight"), n2[l][i], du, dn2, f, cc);
          dxm[i] = dx[i].clone();
          normBack(xm[l][i], w(pre + "post_attention_layernorm.weight"), g.get(pre + "post_attention_layernorm.weight"), dn2, dxm[i]);
          matvecBack(w(pre + "self_attn.o_proj.weight"), g.get(pre + "self_attn.o_proj.weight"), att[l][i], dxm[i], da[i], cc, qd);
        }
        double[][] dq = new double[t][qd], dk = new double[t][kd], dv = new double[t][kd];
        for (int h = 0; h < heads; h++) {
          int kg = (h / group) * d;
          for (int i = 0; i < t; i++) {
            double[] dp = new double[t];
            double acc = 0;
            for (int j = start[i]; j <= i; j++) {
              for (int e = 0; e < d; e++) {
                dp[j] += da[i][h * d + e] * vv[l][j][kg + e];
                dv[j][kg + e] += prob[l][h][i][j] * da[i][h * d + e];
              }
              acc += prob[l][h][i][j] * dp[j];
            }
            for (int j = start[i]; j <= i; j++) {
              double ds = prob[l][h][i][j] * (dp[j] - acc) / Math.sqrt(d);
              for (int e = 0; e < d; e++) {
                dq[i][h * d + e] += ds * kr[l][j][kg + e];
                dk[j][kg + e] += ds * qr[l][i][h * d + e];
              }
            }
          }
        }
        for (int i = 0; i < t; i++) {
          double[] dqp = rope(dq[i], heads, pos[i], -1);
          double[] dkp = rope(dk[i], c.kvHeads(), pos[i], -1);
          double[] dn1 = new double[cc];
          matvecBack(w(pre + "self_attn.q_proj.weight"), g.get(pre + "self_attn.q_proj.weight"), n1[l][i], dqp, dn1, qd, cc);
          matvecBack(w(pre + "self_attn.k_proj.weight"), g.get(pre + "self_attn.k_proj.weight"), n1[l][i], dkp, dn1, kd, cc);
          matvecBack(w(pre + "self_attn.v_proj.weight"), g.get(pre + "self_attn.v_proj.weight"), n1[l][i], dv[i], dn1, kd, cc);
          if (c.attentionBias()) {
            for (int e = 0; e < qd; e++) g.get(pre + "self_attn.q_proj.bias")[e] += dqp[e];
            for (int e = 0; e < kd; e++) g.get(pre + "self_attn.k_proj.bias")[e] += dkp[e];
            for (int e = 0; e < kd; e++) g.get(pre + "self_attn.v_proj.bias")[e] += dv[i][e];
          }
          dx[i] = dxm[i];
          normBack(xin[l][i], w(pre + "input_layernorm.weight"), g.get(pre + "input_layernorm.weight"), dn1, dx[i]);
        }
      }
      double[] ge = g.get("model.embed_tokens.weight");
      for (int i = 0; i < t; i++) {
        int id = batch.ids()[b * t + i];
        for (int e = 0; e < cc; e++) ge[id * cc + e] += dx[i][e];
      }
    }
    return out;
  }
}
