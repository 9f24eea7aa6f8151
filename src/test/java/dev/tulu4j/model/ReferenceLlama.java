package dev.tulu4j.model;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A straightforward scalar float64 Llama (HF semantics): full softmax attention, no buffers reused,
 * one loop per formula. It is the ground truth for the fp32 engine and is itself checked against
 * finite differences. Parameters are keyed by HF name; a tied model has no {@code lm_head.weight}.
 * The config's {@link Family} switches (OLMo 2, Qwen3, Mistral, Gemma 2) are computed here
 * independently of FamilyTrunk ({@code FamilyReferenceTest}).
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

  /** The RMSNorm scale: w, or 1 + w for Gemma's norms. */
  private double scale(double wi) {
    return c.family().unitOffsetNorm() ? 1 + wi : wi;
  }

  private double[] norm(double[] x, double[] w) {
    double rs = rstd(x);
    double[] y = new double[x.length];
    for (int i = 0; i < x.length; i++) y[i] = x[i] * rs * scale(w[i]);
    return y;
  }

  private void normBack(double[] x, double[] w, double[] dw, double[] dy, double[] dx) {
    double rs = rstd(x);
    int n = x.length;
    double dot = 0;
    for (int i = 0; i < n; i++) dot += dy[i] * scale(w[i]) * x[i];
    for (int i = 0; i < n; i++) {
      dx[i] += rs * dy[i] * scale(w[i]) - x[i] * rs * rs * rs * dot / n;
      dw[i] += dy[i] * x[i] * rs;
    }
  }

  /** q/k RMSNorm before RoPE: over the whole projection (OLMo 2) or each head's D values (Qwen3). */
  private double[] qkNorm(double[] x, double[] w) {
    if (c.family().qkNorm() == Family.QkNorm.FULL) return norm(x, w);
    int d = c.headDim();
    double[] y = new double[x.length];
    for (int h = 0; h < x.length / d; h++)
      System.arraycopy(norm(java.util.Arrays.copyOfRange(x, h * d, h * d + d), w), 0, y, h * d, d);
    return y;
  }

  /** Returns dx of {@link #qkNorm}; accumulates dw. */
  private double[] qkNormBack(double[] x, double[] w, double[] dw, double[] dy) {
    double[] dx = new double[x.length];
    if (c.family().qkNorm() == Family.QkNorm.FULL) {
      normBack(x, w, dw, dy, dx);
      return dx;
    }
    int d = c.headDim();
    for (int h = 0; h < x.length / d; h++) {
      double[] dxh = new double[d];
      normBack(java.util.Arrays.copyOfRange(x, h * d, h * d + d), w, dw, java.util.Arrays.copyOfRange(dy, h * d, h * d + d), dxh);
      System.arraycopy(dxh, 0, dx, h * d, d);
    }
    return dx;
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

  private static final double GELU_K = Math.sqrt(2 / Math.PI);

  /** The MLP nonlinearity: silu, or gelu with the tanh approximation (gelu_pytorch_tanh). */
  private double act(double a) {
    if (c.family().activation() == Family.Activation.SILU) return silu(a);
    return 0.5 * a * (1 + Math.tanh(GELU_K * (a + 0.044715 * a * a * a)));
  }

  private double actPrime(double a) {
    if (c.family().activation() == Family.Activation.SILU) {
      double sg = 1 / (1 + Math.exp(-a));
      return sg + a * sg * (1 - sg);
    }
    double th = Math.tanh(GELU_K * (a + 0.044715 * a * a * a));
    return 0.5 * (1 + th) + 0.5 * a * (1 - th * th) * GELU_K * (1 + 3 * 0.044715 * a * a);
  }

  private static double silu(double a) {
    return a / (1 + Math.exp(-a));
  }

  /** Adds a · b into acc. */
  private static void addTo(double[] acc, double[] b) {
    for (int i = 0; i < acc.length; i++) acc[i] += b[i];
  }

  private static double[] sum(double[] a, double[] b) {
    double[] y = a.clone();
    addTo(y, b);
    return y;
  }

  /**
   * The decoder with the family switches of {@link Family}, each written from transformers'
   * modeling_{llama,qwen3,olmo2,mistral,gemma2}.py: where the norms sit (before each sublayer; after
   * it inside the residual, OLMo 2; both, Gemma 2), q/k norms before RoPE, (1 + w) norms, √C
   * embedding scale, GeGLU, the score scale, attention and final soft-caps and sliding windows.
   */
  private double[] run(Batch batch, double[] dLogp, Map<String, double[]> g) {
    Family fam = c.family();
    boolean preNorm = fam.norms() != Family.Norms.POST, postNorm = fam.norms() != Family.Norms.PRE;
    boolean sandwich = fam.norms() == Family.Norms.SANDWICH, qkn = fam.qkNorm() != Family.QkNorm.NONE;
    int bsz = batch.batchSize(), t = batch.seqLen();
    int cc = c.hidden(), f = c.intermediate(), qd = c.qDim(), kd = c.kvDim(), d = c.headDim();
    int heads = c.heads(), group = heads / c.kvHeads(), vocab = c.vocabSize(), nl = c.layers();
    double scoreScale = 1 / Math.sqrt(fam.queryPreAttnScalar() > 0 ? fam.queryPreAttnScalar() : d);
    double attnCap = fam.attnSoftcap(), finalCap = fam.finalSoftcap();
    double embScale = fam.scaleEmbeddings() ? Math.sqrt(cc) : 1;
    String ln1 = "input_layernorm.weight", lnPostAttn = "post_attention_layernorm.weight";
    String lnPreFf = "pre_feedforward_layernorm.weight", lnPostFf = "post_feedforward_layernorm.weight";
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
      // per layer, per token: attention input, raw q/k, rotated q/k, v, attention output, o_proj output,
      // mid residual, MLP input, gate, up, activation product, down_proj output
      double[][][] xin = new double[nl + 1][t][], xm = new double[nl][t][], n1 = new double[nl][t][],
          n2 = new double[nl][t][], qraw = new double[nl][t][], kraw = new double[nl][t][], qr = new double[nl][t][],
          kr = new double[nl][t][], vv = new double[nl][t][], att = new double[nl][t][], oo = new double[nl][t][],
          gt = new double[nl][t][], up = new double[nl][t][], hh = new double[nl][t][], dnn = new double[nl][t][];
      double[][][][] prob = new double[nl][heads][t][t], capped = new double[nl][heads][t][t];
      int[][] first = new int[nl][t]; // first key each query sees (packing start, then the layer's window)
      for (int i = 0; i < t; i++) {
        int id = batch.ids()[b * t + i];
        xin[0][i] = java.util.Arrays.copyOfRange(w("model.embed_tokens.weight"), id * cc, id * cc + cc);
        for (int e = 0; e < cc; e++) xin[0][i][e] *= embScale;
      }
      for (int l = 0; l < nl; l++) {
        String pre = "model.layers." + l + ".";
        int win = fam.window(l);
        for (int i = 0; i < t; i++) {
          first[l][i] = win > 0 ? Math.max(start[i], i - win + 1) : start[i];
          n1[l][i] = preNorm ? norm(xin[l][i], w(pre + ln1)) : xin[l][i];
          double[] q = matvec(w(pre + "self_attn.q_proj.weight"), n1[l][i], qd, cc);
          double[] k = matvec(w(pre + "self_attn.k_proj.weight"), n1[l][i], kd, cc);
          double[] v = matvec(w(pre + "self_attn.v_proj.weight"), n1[l][i], kd, cc);
          if (c.attentionBias()) {
            for (int j = 0; j < qd; j++) q[j] += w(pre + "self_attn.q_proj.bias")[j];
            for (int j = 0; j < kd; j++) k[j] += w(pre + "self_attn.k_proj.bias")[j];
            for (int j = 0; j < kd; j++) v[j] += w(pre + "self_attn.v_proj.bias")[j];
          }
          qraw[l][i] = q;
          kraw[l][i] = k;
          if (qkn) {
            q = qkNorm(q, w(pre + "self_attn.q_norm.weight"));
            k = qkNorm(k, w(pre + "self_attn.k_norm.weight"));
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
            for (int j = first[l][i]; j <= i; j++) {
              double dot = 0;
              for (int e = 0; e < d; e++) dot += qr[l][i][h * d + e] * kr[l][j][kg + e];
              s[j] = dot * scoreScale;
              if (attnCap > 0) s[j] = attnCap * Math.tanh(s[j] / attnCap);
              capped[l][h][i][j] = s[j];
              mx = Math.max(mx, s[j]);
            }
            double sum = 0;
            for (int j = first[l][i]; j <= i; j++) sum += Math.exp(s[j] - mx);
            for (int j = first[l][i]; j <= i; j++) {
              double pj = Math.exp(s[j] - mx) / sum;
              prob[l][h][i][j] = pj;
              for (int e = 0; e < d; e++) att[l][i][h * d + e] += pj * vv[l][j][kg + e];
            }
          }
          oo[l][i] = matvec(w(pre + "self_attn.o_proj.weight"), att[l][i], cc, qd);
          xm[l][i] = sum(xin[l][i], postNorm ? norm(oo[l][i], w(pre + lnPostAttn)) : oo[l][i]);
          n2[l][i] = sandwich ? norm(xm[l][i], w(pre + lnPreFf)) : preNorm ? norm(xm[l][i], w(pre + lnPostAttn)) : xm[l][i];
          gt[l][i] = matvec(w(pre + "mlp.gate_proj.weight"), n2[l][i], f, cc);
          up[l][i] = matvec(w(pre + "mlp.up_proj.weight"), n2[l][i], f, cc);
          hh[l][i] = new double[f];
          for (int e = 0; e < f; e++) hh[l][i][e] = act(gt[l][i][e]) * up[l][i][e];
          dnn[l][i] = matvec(w(pre + "mlp.down_proj.weight"), hh[l][i], cc, f);
          xin[l + 1][i] = sum(xm[l][i], postNorm ? norm(dnn[l][i], w(pre + lnPostFf)) : dnn[l][i]);
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
        if (finalCap > 0) for (int j = 0; j < vocab; j++) z[j] = finalCap * Math.tanh(z[j] / finalCap);
        for (int j = 0; j < vocab; j++) z[j] *= logitScale;
        double mx = Double.NEGATIVE_INFINITY;
        for (double v : z) mx = Math.max(mx, v);
        double sm = 0;
        for (double v : z) sm += Math.exp(v - mx);
        double lse = mx + Math.log(sm);
        int y = batch.targets()[r];
        if (y == -100) continue;
        out[r] = z[y] - lse;
        if (g == null || dLogp[r] == 0) continue;
        // dz = g·(onehot − softmax)
        double[] dz = new double[vocab];
        for (int j = 0; j < vocab; j++) dz[j] = -dLogp[r] * Math.exp(z[j] - lse);
        dz[y] += dLogp[r];
        for (int j = 0; j < vocab; j++) {
          dz[j] *= logitScale; // z = s·cap(w·nf)
          if (finalCap > 0) {
            double th = z[j] / logitScale / finalCap;
            dz[j] *= 1 - th * th;
          }
        }
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
          double[] ddn = dx[i];
          if (postNorm) {
            ddn = new double[cc];
            normBack(dnn[l][i], w(pre + lnPostFf), g.get(pre + lnPostFf), dx[i], ddn);
          }
          double[] dh = new double[f];
          matvecBack(w(pre + "mlp.down_proj.weight"), g.get(pre + "mlp.down_proj.weight"), hh[l][i], ddn, dh, cc, f);
          double[] dg = new double[f], du = new double[f];
          for (int e = 0; e < f; e++) {
            du[e] = dh[e] * act(gt[l][i][e]);
            dg[e] = dh[e] * up[l][i][e] * actPrime(gt[l][i][e]);
          }
          double[] dn2 = new double[cc];
          matvecBack(w(pre + "mlp.gate_proj.weight"), g.get(pre + "mlp.gate_proj.weight"), n2[l][i], dg, dn2, f, cc);
          matvecBack(w(pre + "mlp.up_proj.weight"), g.get(pre + "mlp.up_proj.weight"), n2[l][i], du, dn2, f, cc);
          dxm[i] = dx[i].clone();
          if (sandwich) normBack(xm[l][i], w(pre + lnPreFf), g.get(pre + lnPreFf), dn2, dxm[i]);
          else if (preNorm) normBack(xm[l][i], w(pre + lnPostAttn), g.get(pre + lnPostAttn), dn2, dxm[i]);
          else addTo(dxm[i], dn2);
          double[] doo = dxm[i];
          if (postNorm) {
            doo = new double[cc];
            normBack(oo[l][i], w(pre + lnPostAttn), g.get(pre + lnPostAttn), dxm[i], doo);
          }
          matvecBack(w(pre + "self_attn.o_proj.weight"), g.get(pre + "self_attn.o_proj.weight"), att[l][i], doo, da[i], cc, qd);
        }
        double[][] dq = new double[t][qd], dk = new double[t][kd], dv = new double[t][kd];
        for (int h = 0; h < heads; h++) {
          int kg = (h / group) * d;
          for (int i = 0; i < t; i++) {
            double[] dp = new double[t];
            double acc = 0;
            for (int j = first[l][i]; j <= i; j++) {
              for (int e = 0; e < d; e++) {
                dp[j] += da[i][h * d + e] * vv[l][j][kg + e];
                dv[j][kg + e] += prob[l][h][i][j] * da[i][h * d + e];
              }
              acc += prob[l][h][i][j] * dp[j];
            }
            for (int j = first[l][i]; j <= i; j++) {
              double ds = prob[l][h][i][j] * (dp[j] - acc) * scoreScale;
              if (attnCap > 0) {
                double th = capped[l][h][i][j] / attnCap;
                ds *= 1 - th * th;
              }
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
          if (qkn) {
            dqp = qkNormBack(qraw[l][i], w(pre + "self_attn.q_norm.weight"), g.get(pre + "self_attn.q_norm.weight"), dqp);
            dkp = qkNormBack(kraw[l][i], w(pre + "self_attn.k_norm.weight"), g.get(pre + "self_attn.k_norm.weight"), dkp);
          }
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
          if (preNorm) normBack(xin[l][i], w(pre + ln1), g.get(pre + ln1), dn1, dx[i]);
          else addTo(dx[i], dn1);
        }
      }
      double[] ge = g.get("model.embed_tokens.weight");
      for (int i = 0; i < t; i++) {
        int id = batch.ids()[b * t + i];
        for (int e = 0; e < cc; e++) ge[id * cc + e] += dx[i][e] * embScale;
      }
    }
    return out;
  }
}
