package dev.tulu4j.model;

/**
 * The KV-cache forward (prefill and decode) of a model whose {@link Family} departs from Llama:
 * the same layer as {@link FamilyTrunk}, over N new rows stacked from all sequences, each row
 * attending to its own sequence's keys {@code lo .. pos}, with {@code lo = pos − W + 1} on a
 * sliding layer (window W) and 0 otherwise. A sliding layer's cache is a ring of its last W
 * positions ({@link KvCache}); a full layer's keeps every position. Attention is one query at a
 * time ({@link Attention#scores} over the gathered keys, Gemma's soft-cap, softmax,
 * {@link Attention#gatherRows}); {@link CachedForward} hands such
 * models here before its fused Llama paths. An attached, enabled LoRA adapter adds its term to
 * each targeted projection (never dropout: inference); weights are read through {@link WeightOps}
 * (fp32 or bf16).
 */
final class FamilyCached {
  private FamilyCached() {}

  static void append(LlamaModel m, KvCache cache, int[] slots, int[][] tokens, int count, int n, float[] out) {
    LlamaConfig c = m.config();
    Family fam = c.family();
    ModelParallel par = m.parallel();
    int cc = c.hidden(), f = c.intermediate(), qd = c.qDim(), kd = c.kvDim(), hd = c.headDim(), vocab = c.vocabSize();
    float eps = (float) c.rmsNormEps();
    int[] seq = new int[n];
    int[] pos = new int[n];
    int[] lastRow = new int[count];
    java.util.Arrays.fill(lastRow, -1);
    float[] x = new float[n * cc];
    Parameter emb = m.inputEmbedding();
    float norm = (float) Math.sqrt(cc);
    int r = 0;
    for (int e = 0; e < count; e++) {
      if (tokens[e] == null) continue;
      for (int i = 0; i < tokens[e].length; i++, r++) {
        int id = tokens[e][i];
        if (id < 0 || id >= vocab)
          throw new IllegalArgumentException("token " + id + " of sequence " + slots[e] + " outside vocabulary [0, " + vocab + ")");
        seq[r] = slots[e];
        pos[r] = cache.length[slots[e]] + i;
        lastRow[e] = r;
        WeightOps.row(emb, id, cc, x, r * cc);
        if (fam.scaleEmbeddings()) dev.tulu4j.tensor.VectorMath.scale(cc, norm, x, r * cc);
      }
    }
    float[] cos = new float[n * hd / 2];
    float[] sin = new float[n * hd / 2];
    Rope.tables(m.inverseFrequencies(), pos, n, cos, sin);
    float[] ln = new float[n * cc], tmp = new float[n * cc];
    float[] q = new float[n * qd], k = new float[n * kd], v = new float[n * kd], att = new float[n * qd];
    float[] qRaw = new float[n * qd], kRaw = new float[n * kd];
    float[] gate = new float[n * f], up = new float[n * f];
    boolean pre = fam.norms() != Family.Norms.POST;
    boolean after = fam.norms() != Family.Norms.PRE;
    boolean perHead = fam.qkNorm() == Family.QkNorm.PER_HEAD;
    for (int l = 0; l < c.layers(); l++) {
      LayerWeights w = m.layer(l);
      FamilyWeights xw = m.familyLayer(l);
      float[] attIn = x;
      if (pre) {
        RmsNorm.forward(par, x, 0, FamilyTrunk.normWeight(fam, w.inputNorm()), ln, 0, null, 0, n, cc, eps);
        attIn = ln;
      }
      boolean qk = fam.qkNorm() != Family.QkNorm.NONE;
      m.linear(attIn, n, cc, w.q(), null, qk ? qRaw : q, qd);
      m.linear(attIn, n, cc, w.k(), null, qk ? kRaw : k, kd);
      m.linear(attIn, n, cc, w.v(), null, v, kd);
      m.loraForward(l, LoraTarget.Q_PROJ, attIn, n, qk ? qRaw : q, false);
      m.loraForward(l, LoraTarget.K_PROJ, attIn, n, qk ? kRaw : k, false);
      m.loraForward(l, LoraTarget.V_PROJ, attIn, n, v, false);
      if (qk) {
        RmsNorm.forward(par, qRaw, 0, xw.qNorm().data(), q, 0, null, 0, perHead ? n * c.heads() : n, perHead ? hd : qd, eps);
        RmsNorm.forward(par, kRaw, 0, xw.kNorm().data(), k, 0, null, 0, perHead ? n * c.kvHeads() : n, perHead ? hd : kd, eps);
      }
      Rope.forward(par, q, n, c.heads(), hd, cos, sin);
      Rope.forward(par, k, n, c.kvHeads(), hd, cos, sin);
      // attention over the cached keys before this call and this call's own rows, then the rows into the cache
      attention(par, c, cache, l, q, k, v, att, seq, pos, n, fam.window(l));
      store(cache, l, k, v, seq, pos, n, kd, hd);
      if (!after) {
        WeightOps.mulT(m.gemm(), n, cc, qd, 1f, att, 0, qd, w.o(), 1f, x, 0, cc);
        m.loraForward(l, LoraTarget.O_PROJ, att, n, x, false);
      } else {
        WeightOps.mulT(m.gemm(), n, cc, qd, 1f, att, 0, qd, w.o(), 0f, tmp, 0, cc);
        m.loraForward(l, LoraTarget.O_PROJ, att, n, tmp, false);
        RmsNorm.forward(par, tmp, 0, FamilyTrunk.normWeight(fam, xw.attnOutNorm()), tmp, 0, null, 0, n, cc, eps);
        for (int i = 0; i < n * cc; i++) x[i] += tmp[i];
      }
      float[] mlpIn = x;
      if (pre) {
        RmsNorm.forward(par, x, 0, FamilyTrunk.normWeight(fam, w.postNorm()), ln, 0, null, 0, n, cc, eps);
        mlpIn = ln;
      }
      m.linear(mlpIn, n, cc, w.gate(), null, gate, f);
      m.linear(mlpIn, n, cc, w.up(), null, up, f);
      m.loraForward(l, LoraTarget.GATE_PROJ, mlpIn, n, gate, false);
      m.loraForward(l, LoraTarget.UP_PROJ, mlpIn, n, up, false);
      if (fam.activation() == Family.Activation.GELU_TANH) GeGlu.forward(par, gate, up, gate, n * f);
      else SwiGlu.forward(par, gate, up, gate, n * f);
      if (!after) {
        WeightOps.mulT(m.gemm(), n, cc, f, 1f, gate, 0, f, w.down(), 1f, x, 0, cc);
        m.loraForward(l, LoraTarget.DOWN_PROJ, gate, n, x, false);
      } else {
        WeightOps.mulT(m.gemm(), n, cc, f, 1f, gate, 0, f, w.down(), 0f, tmp, 0, cc);
        m.loraForward(l, LoraTarget.DOWN_PROJ, gate, n, tmp, false);
        RmsNorm.forward(par, tmp, 0, FamilyTrunk.normWeight(fam, xw.ffnOutNorm()), tmp, 0, null, 0, n, cc, eps);
        for (int i = 0; i < n * cc; i++) x[i] += tmp[i];
      }
    }
    // final norm and head for the last new row of each entry
    int outs = 0;
    for (int e = 0; e < count; e++) if (lastRow[e] >= 0) outs++;
    float[] last = new float[outs * cc];
    int[] which = new int[outs];
    for (int e = 0, j = 0; e < count; e++) {
      if (lastRow[e] < 0) continue;
      which[j] = e;
      System.arraycopy(x, lastRow[e] * cc, last, j * cc, cc);
      j++;
    }
    RmsNorm.forward(par, last, 0, FamilyTrunk.normWeight(fam, m.finalNorm()), last, 0, null, 0, outs, cc, eps);
    float[] logits = new float[outs * vocab];
    LogSoftmaxHead.logits(m.gemm(), last, 0, m.outputHead(), outs, cc, vocab, logits);
    m.softcapLogits(logits);
    for (int i = 0; i < outs; i++) System.arraycopy(logits, i * vocab, out, which[i] * vocab, vocab);
    for (int e = 0; e < count; e++) if (tokens[e] != null) cache.length[slots[e]] += tokens[e].length;
  }

  /**
   * att (N, H·D) of each (row, head) over its sequence's keys lo..pos: those before this call from the
   * cache (slot {@link KvCache#slot}), those of this call from its own rows k, v (N, Hkv·D) — so a
   * sliding layer's ring of W slots suffices even when one call appends more than W tokens.
   */
  private static void attention(ModelParallel par, LlamaConfig c, KvCache cache, int l, float[] q, float[] k,
      float[] v, float[] att, int[] seq, int[] pos, int n, int window) {
    Family fam = c.family();
    int heads = c.heads(), d = c.headDim(), group = heads / c.kvHeads(), qw = heads * d, kd = c.kvDim();
    float scale = fam.attentionScale(d);
    float cap = (float) fam.attnSoftcap();
    float[] kc = cache.k[l], vc = cache.v[l];
    par.forEach(n * heads, task -> {
      int i = task / heads, h = task % heads, g = h / group;
      int p = pos[i], cached = cache.length[seq[i]]; // positions < cached are in the cache; row i − (p − j) holds j ≥ cached
      int lo = window > 0 ? Math.max(0, p - window + 1) : 0;
      int cnt = p - lo + 1;
      float[] kt = new float[d * cnt]; // (D, cnt)
      float[] vs = new float[cnt * d]; // (cnt, D)
      int kb = cache.keyBase(l, seq[i], g), vb = cache.valueBase(l, seq[i], g);
      for (int j = lo; j <= p; j++) {
        int jj = j - lo;
        if (j < cached) {
          int sl = cache.slot(l, j);
          for (int e = 0; e < d; e++) kt[e * cnt + jj] = kc[kb + cache.keyOffset(sl, e)];
          System.arraycopy(vc, vb + sl * d, vs, jj * d, d);
        } else {
          int r = i - (p - j);
          for (int e = 0; e < d; e++) kt[e * cnt + jj] = k[r * kd + g * d + e];
          System.arraycopy(v, r * kd + g * d, vs, jj * d, d);
        }
      }
      float[] s = new float[cnt];
      int qo = i * qw + h * d;
      Attention.scores(q, qo, kt, cnt, 0, cnt, d, scale, s);
      if (cap > 0) Softcap.apply(s, 0, cnt, cap);
      float mx = Float.NEGATIVE_INFINITY;
      for (float sv : s) mx = Math.max(mx, sv);
      double sum = 0;
      for (int j = 0; j < cnt; j++) {
        s[j] = (float) Math.exp(s[j] - mx);
        sum += s[j];
      }
      float inv = (float) (1 / sum);
      for (int j = 0; j < cnt; j++) s[j] *= inv;
      java.util.Arrays.fill(att, qo, qo + d, 0f);
      Attention.gatherRows(s, cnt, vs, 0, d, att, qo, d);
    });
  }

  /** The new rows' keys and values into their slots, in row order (a ring keeps the last W). */
  private static void store(KvCache cache, int l, float[] k, float[] v, int[] seq, int[] pos, int n, int kd, int hd) {
    float[] kc = cache.k[l], vc = cache.v[l];
    for (int i = 0; i < n; i++) {
      int sl = cache.slot(l, pos[i]);
      for (int g = 0; g < cache.kvHeads; g++) {
        System.arraycopy(v, i * kd + g * hd, vc, cache.valueBase(l, seq[i], g) + sl * hd, hd);
        int kb = cache.keyBase(l, seq[i], g);
        for (int e = 0; e < hd; e++) kc[kb + cache.keyOffset(sl, e)] = k[i * kd + g * hd + e];
      }
    }
  }
}
