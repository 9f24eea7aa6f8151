package dev.tulu4j.model;

import dev.tulu4j.tensor.VectorMath;

/**
 * The attention phase of one {@link DecodeStep}: (row, kv head) tasks, each RoPE on the row's new
 * key, its key and value written into the cache, then RoPE on each query head of the group and
 * attention over the sequence's keys 0..pos ({@link DecodeAttention}). A chunk of consecutive tasks
 * runs eight or four at a time where their rows sit at the same position and the head dim is 2·L
 * ({@link #attentionWide}), else two at a time where two rows' positions agree ({@link #attentionPair}),
 * so up to eight runs of the cache stream at once; every output is the arithmetic of the single task.
 * The tiny model's batch-32 attention (one row's eight kv heads at once) took ~20% less CPU with four
 * at once than with two, and ~7–13% less again with eight (docs/experiments/2026-12-07-s16-b32.md).
 *
 * <p>Dimensions: N rows, H heads, Hkv kv heads, D head dim.
 */
final class DecodeAttentionPhase {
  private final KvCache cache;
  private final DecodeScratch s;
  private final int qd, kd, qkvw, d, kvHeads, group;
  private final float scale;
  private final boolean tr; // transposed mode: att is (H·D, Np)
  private final int np;     // rows padded to whole vectors (transposed mode)
  private final int attOff; // where att starts (transposed mode)
  private final int[] scOff, scBOff, scWOff; // per thread: where scores, scoresB and scoresW start

  DecodeAttentionPhase(LlamaConfig c, KvCache cache, DecodeScratch s, boolean tr, int np, int attOff, int threads) {
    this.cache = cache;
    this.s = s;
    qd = c.qDim();
    kd = c.kvDim();
    qkvw = qd + 2 * kd;
    d = c.headDim();
    kvHeads = c.kvHeads();
    group = c.heads() / kvHeads;
    scale = (float) (1.0 / Math.sqrt(d));
    this.tr = tr;
    this.np = np;
    this.attOff = attOff;
    scOff = new int[threads];
    scBOff = new int[threads];
    scWOff = new int[threads];
    for (int t = 0; t < threads; t++) {
      scOff[t] = DecodeStep.Region.lead(s.scores[t]);
      scBOff[t] = DecodeStep.Region.lead(s.scoresB[t]);
      scWOff[t] = DecodeStep.Region.lead(s.scoresW[t]);
    }
  }

  /** Tasks [a0, a1) of layer l on thread t (task a is row a / Hkv, kv head a mod Hkv). */
  void tasks(int l, int a0, int a1, int t) {
    for (int a = a0; a < a1; a++) {
      if (DecodeStep.octAttention && a + 7 < a1 && wide(a, 8)) {
        attentionWide(l, a, 8, t);
        a += 7;
      } else if (DecodeStep.quadAttention && a + 3 < a1 && wide(a, 4)) {
        attentionWide(l, a, 4, t);
        a += 3;
      } else if (a + 1 < a1 && pairable(a, a + 1)) attentionPair(l, a, ++a, t);
      else attention(l, a / kvHeads, a % kvHeads, t);
    }
  }

  /** Row r, kv head g: RoPE on k, cache write, then RoPE and attention for each query head of g. */
  private void attention(int l, int r, int g, int t) {
    float[] kc = cache.k[l], vc = cache.v[l];
    int sq = s.seq[r], ps = s.pos[r];
    int half = d / 2, tOff = r * half;
    append(l, r, g);
    int vBase = cache.valueBase(l, sq, g); // values (maxLen, D)
    int ktBase = cache.keyBase(l, sq, g); // keys in blocks (maxLen/KB, D, KB)
    for (int h = g * group; h < (g + 1) * group; h++) {
      int qOff = r * qkvw + h * d;
      rope(s.qkv, qOff, half, tOff);
      if (!tr) {
        DecodeAttention.attend(s.qkv, qOff, kc, ktBase, vc, vBase, d, ps + 1, d, scale, s.att, r * qd + h * d, s.scores[t], scOff[t], s.lanes[t]);
        continue;
      }
      float[] o = s.head[t];
      DecodeAttention.attend(s.qkv, qOff, kc, ktBase, vc, vBase, d, ps + 1, d, scale, o, 0, s.scores[t], scOff[t], s.lanes[t]);
      for (int e = 0, a = attOff + h * d * np + r; e < d; e++, a += np) s.att[a] = o[e];
    }
  }

  /** RoPE on row r's key of kv head g, then its key and value written into the cache at the row's position. */
  private void append(int l, int r, int g) {
    float[] kc = cache.k[l], vc = cache.v[l];
    int sq = s.seq[r], ps = s.pos[r];
    int kOff = r * qkvw + qd + g * d;
    rope(s.qkv, kOff, d / 2, r * (d / 2));
    System.arraycopy(s.qkv, kOff + kd, vc, cache.valueBase(l, sq, g) + ps * d, d);
    for (int e = 0, o = cache.keyBase(l, sq, g) + cache.keyOffset(ps, 0); e < d; e++, o += KvCache.KEY_BLOCK) kc[o] = s.qkv[kOff + e];
  }

  /**
   * True when (row, kv head) tasks a and b can go through {@link #attentionPair}: head dim 2·L or
   * 4·L (the tiny model's 32, SmolLM2's 64) and the same number of cached keys (rows at the same position).
   */
  private boolean pairable(int a, int b) {
    int lanes = VectorMath.S.length();
    return DecodeStep.pairAttention && (d == 2 * lanes || d == 4 * lanes) && s.pos[a / kvHeads] == s.pos[b / kvHeads];
  }

  /**
   * Tasks a and b ({@link #pairable}) together: for each query head index of the group the two
   * queries' scores, and then their values, in one loop each ({@link DecodeAttention#attendPair}), so two runs of
   * the KV cache stream at once; each output is the same arithmetic as {@link #attention} gives.
   */
  private void attentionPair(int l, int a, int b, int t) {
    float[] kc = cache.k[l], vc = cache.v[l];
    int ra = a / kvHeads, ga = a % kvHeads, rb = b / kvHeads, gb = b % kvHeads;
    int half = d / 2;
    append(l, ra, ga);
    append(l, rb, gb);
    int n = s.pos[ra] + 1;
    int vA = cache.valueBase(l, s.seq[ra], ga), vB = cache.valueBase(l, s.seq[rb], gb);
    int kA = cache.keyBase(l, s.seq[ra], ga), kB = cache.keyBase(l, s.seq[rb], gb);
    for (int i = 0; i < group; i++) {
      int ha = ga * group + i, hb = gb * group + i;
      int qa = ra * qkvw + ha * d, qb = rb * qkvw + hb * d;
      rope(s.qkv, qa, half, ra * half);
      rope(s.qkv, qb, half, rb * half);
      if (!tr) {
        DecodeAttention.attendPair(s.qkv, qa, qb, kc, kA, kB, vc, vA, vB, n, d, scale, s.att, ra * qd + ha * d, rb * qd + hb * d,
            s.scores[t], scOff[t], s.scoresB[t], scBOff[t], s.lanes[t]);
        continue;
      }
      float[] o = s.head[t];
      DecodeAttention.attendPair(s.qkv, qa, qb, kc, kA, kB, vc, vA, vB, n, d, scale, o, 0, d, s.scores[t], scOff[t], s.scoresB[t],
          scBOff[t], s.lanes[t]);
      for (int e = 0, x = attOff + ha * d * np + ra; e < d; e++, x += np) s.att[x] = o[e];
      for (int e = 0, x = attOff + hb * d * np + rb; e < d; e++, x += np) s.att[x] = o[d + e];
    }
  }

  /** True when tasks a .. a+w−1 can go through {@link #attentionWide}: head dim 2·L and the same number of cached keys. */
  private boolean wide(int a, int w) {
    if (!DecodeStep.pairAttention || d != 2 * VectorMath.S.length()) return false;
    int p = s.pos[a / kvHeads];
    for (int i = 1; i < w; i++) if (s.pos[(a + i) / kvHeads] != p) return false;
    return true;
  }

  /**
   * Tasks a .. a+w−1 (w = 4 or 8, {@link #wide}) together: their cache writes, then for each query
   * head index of the group the w queries' attention in one call ({@link DecodeAttentionWide}); each
   * output is the same arithmetic as {@link #attention} gives.
   */
  private void attentionWide(int l, int a, int w, int t) {
    int[] o = s.wide[t];
    int half = d / 2;
    for (int i = 0; i < w; i++) {
      int r = (a + i) / kvHeads, g = (a + i) % kvHeads;
      append(l, r, g);
      o[w + i] = cache.keyBase(l, s.seq[r], g);
      o[2 * w + i] = cache.valueBase(l, s.seq[r], g);
    }
    int n = s.pos[a / kvHeads] + 1;
    float[] out = tr ? s.head[t] : s.att;
    for (int hi = 0; hi < group; hi++) {
      for (int i = 0; i < w; i++) {
        int r = (a + i) / kvHeads, h = (a + i) % kvHeads * group + hi;
        o[i] = r * qkvw + h * d;
        rope(s.qkv, o[i], half, r * half);
        o[3 * w + i] = tr ? i * d : r * qd + h * d;
      }
      if (w == 8) DecodeAttentionWide.attend8(s.qkv, cache.k[l], cache.v[l], o, n, d, scale, out, s.scoresW[t], scWOff[t], s.wideStride, s.lanes[t]);
      else DecodeAttentionWide.attend4(s.qkv, cache.k[l], cache.v[l], o, n, d, scale, out, s.scoresW[t], scWOff[t], s.wideStride, s.lanes[t]);
      if (!tr) continue;
      for (int i = 0; i < w; i++) {
        int r = (a + i) / kvHeads, h = (a + i) % kvHeads * group + hi;
        for (int e = 0, x = attOff + h * d * np + r; e < d; e++, x += np) s.att[x] = out[i * d + e];
      }
    }
  }

  /** RoPE (rotate-half, {@link Rope}) of one head at x[o ..o + D) with row table offset tOff. */
  private void rope(float[] x, int o, int half, int tOff) {
    for (int i = 0; i < half; i++) {
      float co = s.cos[tOff + i];
      float si = s.sin[tOff + i];
      float x1 = x[o + i];
      float x2 = x[o + i + half];
      x[o + i] = x1 * co - x2 * si;
      x[o + i + half] = x2 * co + x1 * si;
    }
  }
}
