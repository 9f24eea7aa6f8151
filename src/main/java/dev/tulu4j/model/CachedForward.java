package dev.tulu4j.model;

/**
 * Incremental forward over a {@link KvCache}: all new tokens of all sequences are stacked as N rows
 * so the projections run as one GEMM each (prefill of many prompts, or one decode step of a batch);
 * each row attends to its own sequence's cached keys 0..pos. Same math as {@link Trunk#forward}.
 * A plain decode step (one token per sequence, at most 64 sequences, Java kernels) runs as one
 * parallel region in {@link DecodeStep}; prompts and larger batches take the general path here.
 */
final class CachedForward {
  private CachedForward() {}

  /** Appends tokens[b] to cache sequence b for every b; returns (B, V) last logits (0 rows when empty). */
  static float[] append(LlamaModel m, KvCache cache, int[][] tokens) {
    if (tokens.length != cache.batch)
      throw new IllegalArgumentException("got tokens for " + tokens.length + " sequences, cache holds " + cache.batch);
    int[] slots = new int[tokens.length];
    for (int b = 0; b < slots.length; b++) slots[b] = b;
    float[] out = new float[cache.batch * m.config().vocabSize()];
    append(m, cache, slots, tokens, tokens.length, out);
    return out;
  }

  /**
   * For i &lt; count appends {@code tokens[i]} to cache sequence {@code slots[i]} (distinct slots) and
   * writes that sequence's last-token logits at {@code out[i·V ..]} (untouched when tokens[i] is empty).
   */
  static void append(LlamaModel m, KvCache cache, int[] slots, int[][] tokens, int count, float[] out) {
    int n = newRows(cache, slots, tokens, count);
    if (n == 0) return;
    if (!m.config().family().isPlain()) { // OLMo 2, Qwen3, Mistral, Gemma 2
      FamilyCached.append(m, cache, slots, tokens, count, n, out);
      return;
    }
    if (!m.loraActive() && DecodeStep.applies(m, tokens, count, n)) { // an unmerged adapter takes the general path
      DecodeStep.run(m, cache, slots, tokens, count, n, out);
      return;
    }
    LlamaConfig c = m.config();
    int hd = c.headDim();
    int[] seq = new int[n];
    int[] pos = new int[n];
    int[] lastRow = new int[count]; // per entry i: its last new row, -1 when it has none
    float[] x = embed(m, cache, slots, tokens, count, seq, pos, lastRow); // (N, C) residual stream
    float[] cos = new float[n * hd / 2];
    float[] sin = new float[n * hd / 2];
    Rope.tables(m.inverseFrequencies(), pos, n, cos, sin);
    Scratch s = new Scratch(c, n);
    long attnWork = 0; // flops of one layer's attention, to decide whether to fork
    for (int i = 0; i < n; i++) attnWork += 4L * (pos[i] + 1) * c.heads() * hd;
    for (int l = 0; l < c.layers(); l++) layer(m, cache, l, x, s, seq, pos, cos, sin, n, attnWork);
    lastLogits(m, x, lastRow, count, out);
    for (int e = 0; e < count; e++) if (tokens[e] != null) cache.length[slots[e]] += tokens[e].length;
  }

  /** Checks the slots and the cache's room; returns the number of new tokens N. */
  private static int newRows(KvCache cache, int[] slots, int[][] tokens, int count) {
    int n = 0;
    boolean[] seen = new boolean[cache.batch];
    for (int i = 0; i < count; i++) {
      int b = slots[i];
      if (b < 0 || b >= cache.batch) throw new IllegalArgumentException("slot " + b + " outside the cache's " + cache.batch);
      if (seen[b]) throw new IllegalArgumentException("slot " + b + " given twice in one step");
      seen[b] = true;
      int len = tokens[i] == null ? 0 : tokens[i].length;
      if (cache.length[b] + len > cache.maxLen)
        throw new IllegalArgumentException("sequence " + b + " would reach " + (cache.length[b] + len)
            + " tokens, beyond the KV cache's maxLen " + cache.maxLen);
      n += len;
    }
    return n;
  }

  /** Stacks the new tokens' embeddings as rows, filling each row's sequence and position. */
  private static float[] embed(LlamaModel m, KvCache cache, int[] slots, int[][] tokens, int count, int[] seq,
      int[] pos, int[] lastRow) {
    int cc = m.config().hidden();
    int vocab = m.config().vocabSize();
    java.util.Arrays.fill(lastRow, -1);
    float[] x = new float[seq.length * cc]; // (N, C)
    Parameter emb = m.inputEmbedding();
    int r = 0;
    for (int e = 0; e < count; e++) {
      if (tokens[e] == null) continue;
      int b = slots[e];
      for (int i = 0; i < tokens[e].length; i++, r++) {
        int id = tokens[e][i];
        if (id < 0 || id >= vocab)
          throw new IllegalArgumentException("token " + id + " of sequence " + b + " outside vocabulary [0, " + vocab + ")");
        seq[r] = b;
        pos[r] = cache.length[b] + i;
        lastRow[e] = r;
        WeightOps.row(emb, id, cc, x, r * cc);
      }
    }
    return x;
  }

  /** One step's activations for N rows. */
  private record Scratch(float[] ln, float[] q, float[] k, float[] v, float[] att, float[] gate, float[] up) {
    Scratch(LlamaConfig c, int n) {
      this(new float[n * c.hidden()],  // ln (N, C)
          new float[n * c.qDim()],         // q (N, H·D)
          new float[n * c.kvDim()],        // k (N, Hkv·D)
          new float[n * c.kvDim()],        // v (N, Hkv·D)
          new float[n * c.qDim()],         // att (N, H·D)
          new float[n * c.intermediate()], // gate (N, F)
          new float[n * c.intermediate()]); // up (N, F)
    }
  }

  /** Layer l over the N rows: writes their keys and values into the cache, updates x in place. */
  private static void layer(LlamaModel m, KvCache cache, int l, float[] x, Scratch s, int[] seq, int[] pos,
      float[] cos, float[] sin, int rows, long attnWork) {
    LlamaConfig c = m.config();
    ModelParallel par = m.parallel();
    int cc = c.hidden(), f = c.intermediate(), qd = c.qDim(), kd = c.kvDim(), hd = c.headDim();
    int heads = c.heads();
    float eps = (float) c.rmsNormEps();
    float scale = (float) (1.0 / Math.sqrt(hd));
    float[] ln = s.ln(), q = s.q(), k = s.k(), v = s.v(), att = s.att(), gate = s.gate(), up = s.up();
    LayerWeights w = m.layer(l);
    float[] kc = cache.k[l];
    float[] vc = cache.v[l];
    // ln1, q/k/v (+bias), RoPE
    RmsNorm.forward(par, x, 0, w.inputNorm().data(), ln, 0, null, 0, rows, cc, eps);
    m.linear(ln, rows, cc, w.q(), w.qBias(), q, qd);
    m.linear(ln, rows, cc, w.k(), w.kBias(), k, kd);
    m.linear(ln, rows, cc, w.v(), w.vBias(), v, kd);
    m.loraForward(l, LoraTarget.Q_PROJ, ln, rows, q, false);
    m.loraForward(l, LoraTarget.K_PROJ, ln, rows, k, false);
    m.loraForward(l, LoraTarget.V_PROJ, ln, rows, v, false);
    Rope.forward(par, q, rows, heads, hd, cos, sin);
    Rope.forward(par, k, rows, c.kvHeads(), hd, cos, sin);
    // write k, v into the cache at (seq, pos) before any row attends
    for (int i = 0; i < rows; i++) {
      for (int g = 0; g < c.kvHeads(); g++) {
        System.arraycopy(v, i * kd + g * hd, vc, cache.valueBase(l, seq[i], g) + pos[i] * hd, hd); // (b, g, pos, D)
        int kb = cache.keyBase(l, seq[i], g);
        for (int e = 0; e < hd; e++) kc[kb + cache.keyOffset(pos[i], e)] = k[i * kd + g * hd + e];
      }
    }
    // attention of each (row, head) over its sequence's keys 0..pos (prefill runs in query blocks)
    BlockAttention.cached(par, m.taskGemm(), q, cache, l, att, seq, pos, rows, heads, scale, attnWork);
    // x += att·Woᵀ
    WeightOps.mulT(m.gemm(), rows, cc, qd, 1f, att, 0, qd, w.o(), 1f, x, 0, cc);
    m.loraForward(l, LoraTarget.O_PROJ, att, rows, x, false);
    // ln2, SwiGLU MLP, x += h·Wdᵀ
    RmsNorm.forward(par, x, 0, w.postNorm().data(), ln, 0, null, 0, rows, cc, eps);
    m.linear(ln, rows, cc, w.gate(), null, gate, f);
    m.linear(ln, rows, cc, w.up(), null, up, f);
    m.loraForward(l, LoraTarget.GATE_PROJ, ln, rows, gate, false);
    m.loraForward(l, LoraTarget.UP_PROJ, ln, rows, up, false);
    SwiGlu.forward(par, gate, up, gate, rows * f);
    WeightOps.mulT(m.gemm(), rows, cc, f, 1f, gate, 0, f, w.down(), 1f, x, 0, cc);
    m.loraForward(l, LoraTarget.DOWN_PROJ, gate, rows, x, false);
  }

  /** Final norm and LM head for the last new row of each entry only; logits to {@code out[e·V ..]}. */
  private static void lastLogits(LlamaModel m, float[] x, int[] lastRow, int count, float[] out) {
    LlamaConfig c = m.config();
    int cc = c.hidden();
    int vocab = c.vocabSize();
    int outs = 0;
    for (int e = 0; e < count; e++) if (lastRow[e] >= 0) outs++;
    float[] last = new float[outs * cc];
    int[] which = new int[outs];
    int j = 0;
    for (int e = 0; e < count; e++) {
      if (lastRow[e] < 0) continue;
      which[j] = e;
      System.arraycopy(x, lastRow[e] * cc, last, j * cc, cc);
      j++;
    }
    RmsNorm.forward(m.parallel(), last, 0, m.finalNorm().data(), last, 0, null, 0, outs, cc, (float) c.rmsNormEps());
    float[] logits = new float[outs * vocab];
    LogSoftmaxHead.logits(m.gemm(), last, 0, m.outputHead(), outs, cc, vocab, logits);
    for (int i = 0; i < outs; i++) System.arraycopy(logits, i * vocab, out, which[i] * vocab, vocab);
  }
}
