package dev.tulu4j.model;

import dev.tulu4j.tensor.Bf16Decode;
import dev.tulu4j.tensor.CacheLines;
import dev.tulu4j.tensor.DecodeGemm;
import dev.tulu4j.tensor.FewRowsGemm;
import dev.tulu4j.tensor.VectorGemm;
import dev.tulu4j.tensor.VectorMath;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * One decode step — every listed sequence gets exactly one new token, at most
 * {@link FewRowsGemm#MAX_M} sequences — as a single parallel region instead of one fork/join per
 * operation. Same math as {@link Trunk#forward} (and the general path of {@link CachedForward}):
 *
 * <pre>
 * per layer l:
 *   QKV   q|k|v = rmsnorm(x)·[Wq|Wk|Wv]ᵀ (+ bias)     column blocks of (H + 2·Hkv)·D
 *   ATTN  RoPE on k, write k, v into the cache; per query head of the group: RoPE on q, attention
 *         over the sequence's keys 0..pos ({@link DecodeAttentionPhase})  runs of (row, kv head) tasks
 *   O     x += att·Woᵀ                                  column blocks of C
 *   MLP   h = silu(rmsnorm(x)·Wgᵀ) ⊙ (rmsnorm(x)·Wuᵀ)  column blocks of F
 *   DOWN  x += h·Wdᵀ                                    column blocks of C
 * HEAD    logits = rmsnorm(x)·Whᵀ                       column blocks of V
 * </pre>
 *
 * Every thread of the pool enters once and walks the same list of phases: it claims chunks of the
 * current phase from a shared counter, and before the next phase waits until every chunk of this
 * one is finished. A thread that never arrives (a core taken by another process) only means the
 * others claim its chunks, so the region cannot deadlock, and every output element is written by
 * exactly one chunk with the same arithmetic, so the result does not depend on the schedule
 * ({@link DecodeSplit}: one-row steps give each thread one contiguous part per phase that its owner
 * claims first, batched ones about four chunks per thread). The RMSNorm of x before QKV, MLP and
 * HEAD is recomputed by each participating thread into its own buffer (C floats per row; cheaper
 * than a phase of its own). At batch 1 the tiny model's step went from about 49 fork/joins to one
 * region with 31 phase waits (docs/PERFORMANCE.md, Decode).
 *
 * <p>The products' kernel depends on the row count (docs/PERFORMANCE.md, "Decode, round 3"): from
 * {@link #TRANSPOSED_MIN_ROWS} rows on the activations are kept transposed, {@code (dim, Np)} with
 * the rows padded to whole vectors, and {@link DecodeGemm#columns} puts the rows in the vector lanes
 * (no horizontal sums); 2 to 7 rows use {@link DecodeGemm#rows}; one row keeps {@link FewRowsGemm}'s
 * dot product per weight row, two rows at a time with W read as whole cache lines, the fastest way
 * found to stream W from memory (docs/PERFORMANCE.md, "Session 17: decode b1 on cache lines").
 *
 * <p>Dimensions: N new rows (one per sequence), C hidden, H heads, Hkv kv heads, D head dim,
 * F intermediate, V vocabulary.
 */
final class DecodeStep {
  private static final int PHASES_PER_LAYER = 5;

  /**
   * Tests only: when cleared, every (row, kv head) attention task runs alone ({@code DecodeAttentionPhase.attention})
   * instead of two at a time ({@code DecodeAttentionPhase.attentionPair}), so a test can compare the bits of the two.
   * Change it only while no step runs.
   */
  static boolean pairAttention = true;

  /**
   * When set (and {@link #pairAttention}), four (row, kv head) tasks at one position and head dim 2·L
   * run together ({@code DecodeAttentionPhase.attentionWide}: four cache runs in flight instead of
   * two; same bits). Tests and measurements clear it to compare with the pairs. Change it only while
   * no step runs.
   */
  static boolean quadAttention = true;

  /**
   * When set (and {@link #pairAttention}), eight such tasks run together where they can (eight runs'
   * scores in flight); when cleared, four at most. For tests and measurements, as {@link #quadAttention}.
   */
  static boolean octAttention = true;

  /**
   * Phase kinds of the optional profile ({@link KvCache#decodeProfile}, per thread: CPU nanoseconds
   * in chunks of QKV, ATTN, O, MLP, DOWN, HEAD, then waiting, then the chunk counts of the six kinds;
   * the thread's CPU clock is read at phase boundaries only).
   */
  static final int PROFILE_KINDS = 6;

  private DecodeStep() {}

  /** True when this call is a plain decode step the fused path handles (Java kernels, ≤ 64 one-token rows). */
  static boolean applies(LlamaModel m, int[][] tokens, int count, int rows) {
    if (!(m.gemm() instanceof VectorGemm) || rows < 1 || rows > FewRowsGemm.MAX_M) return false;
    for (int i = 0; i < count; i++) if (tokens[i] != null && tokens[i].length > 1) return false;
    return true;
  }

  /** Threads of the model's pool (participants of the region). */
  private static int threads(LlamaModel m) {
    return ((VectorGemm) m.gemm()).parallel().threads();
  }

  /**
   * Tests only: when cleared, one-row steps read x where the step left it instead of from
   * {@code small}'s line-aligned copy (session 12's code), so a test can compare the bits of the two.
   * Set it only while no step runs.
   */
  static boolean b1AlignedX = true;

  /**
   * Tests only: when cleared, one-row steps split each product phase into about four chunks per
   * thread claimed in any order (session 13's split) instead of one contiguous part per thread that
   * its owner claims first ({@code Region.own}). Set it only while no step runs.
   */
  static boolean b1Owned = true;

  /** Measurement only: when cleared, a thread waiting with owned parts does not read its next part ahead. */
  static boolean b1TouchAhead = true;

  /**
   * Runs the step for entries {@code i < count} (slots and tokens already validated by the caller;
   * empty entries are skipped) and writes entry i's logits at {@code out[i·V ..]}.
   */
  static void run(LlamaModel m, KvCache cache, int[] slots, int[][] tokens, int count, int rows, float[] out) {
    LlamaConfig c = m.config();
    int threads = threads(m);
    DecodeScratch s = cache.decodeScratch;
    if (s == null || s.cap < rows || s.threads != threads) {
      s = new DecodeScratch(c, Math.max(rows, Math.min(cache.batch, FewRowsGemm.MAX_M)), threads, cache.maxLen);
      cache.decodeScratch = s;
    }
    int cc = c.hidden(), vocab = c.vocabSize();
    Parameter emb = m.embedding();
    int r = 0;
    for (int e = 0; e < count; e++) {
      if (tokens[e] == null || tokens[e].length == 0) continue;
      int id = tokens[e][0];
      if (id < 0 || id >= vocab)
        throw new IllegalArgumentException("token " + id + " of sequence " + slots[e] + " outside vocabulary [0, " + vocab + ")");
      s.seq[r] = slots[e];
      s.pos[r] = cache.length[slots[e]];
      s.entry[r] = e;
      WeightOps.row(emb, id, cc, s.x, r * cc);
      r++;
    }
    Rope.tables(m.inverseFrequencies(), s.pos, rows, s.cos, s.sin);
    cache.realign(); // the KV arrays' data back on a cache line if the collector moved them
    java.util.Arrays.fill(s.lnPhase, -1);
    boolean direct = rows == count; // entry i is row i: logits go straight to out
    Region region = new Region(m, cache, s, rows, direct ? out : s.logits, threads, cache.decodeMinBlockFloats);
    m.parallel().forEach(threads, region::participate);
    if (region.failure != null) {
      if (region.failure instanceof RuntimeException re) throw re;
      if (region.failure instanceof Error er) throw er;
      throw new IllegalStateException("decode step failed", region.failure);
    }
    if (!direct) for (int i = 0; i < rows; i++) System.arraycopy(s.logits, i * vocab, out, s.entry[i] * vocab, vocab);
    for (int i = 0; i < rows; i++) cache.length[s.seq[i]]++;
  }

  /**
   * From this many rows on, the projections run with the rows in the vector lanes
   * ({@link DecodeGemm}, activations transposed); below it, padding the rows to a whole vector
   * would waste more than the horizontal sums of {@link FewRowsGemm} cost. One thread, W in cache,
   * 768 × 256 (docs/PERFORMANCE.md, "Decode, round 3"): 8 rows 144 → 81 µs, 32 rows 471 → 156 µs.
   */
  static final int TRANSPOSED_MIN_ROWS = 8;

  /** Column tile multiple of the transposed mode: DecodeGemm's tiles are 6 (two row vectors) or 8 columns wide. */
  private static final int TRANSPOSED_COLUMNS = 24;

  /** The phases of one step and the counters the participants synchronise on. */
  static final class Region {
    final LlamaModel m;
    final LlamaConfig c;
    final KvCache cache;
    final DecodeScratch s;
    final int rows;
    final float[] logits;
    final int layers;
    final int qd, kd, qkvw, cc, f, kvHeads, vocab;
    final float eps;
    final int qkvCols, ccCols, fCols, vCols;
    final boolean tr; // transposed mode: activations (dim, np), products by DecodeGemm
    final int np;     // rows padded to whole vectors (transposed mode)
    final int attnSpan; // (row, kv head) pairs per attention chunk: about eight chunks per thread
    final DecodeAttentionPhase attn;
    final int attOff, gateOff, upOff; // where att, gate and up start in the transposed mode (a cache line; 0 below it)
    final int[] lnOff; // per thread: where ln starts (transposed mode)
    final int[] tmpLead; // per thread: CacheLines.lead(tmp), found once per step for DecodeGemm.columns
    final int[] chunks;
    final AtomicIntegerArray claimed;
    final AtomicIntegerArray finished;
    volatile Throwable failure;
    /**
     * One row: each product phase (QKV, O, MLP, DOWN, HEAD) is split into one contiguous part per
     * thread, and thread t claims part t first ({@link #claim}); {@code claimed} then holds a bit per
     * claimed part. Every output row is still one {@code VectorMath.dot} of the same W row and x, so
     * only which thread computes a row changes, never its bits.
     */
    final boolean own;
    final float[] touchSink; // per thread, a line apart: what touchAhead read (kept so the loads stay)

    Region(LlamaModel m, KvCache cache, DecodeScratch s, int rows, float[] logits, int threads, int minFloats) {
      this.m = m;
      this.c = m.config();
      this.cache = cache;
      this.s = s;
      this.rows = rows;
      this.logits = logits;
      layers = c.layers();
      qd = c.qDim();
      kd = c.kvDim();
      qkvw = qd + 2 * kd;
      cc = c.hidden();
      f = c.intermediate();
      kvHeads = c.kvHeads();
      vocab = c.vocabSize();
      eps = (float) c.rmsNormEps();
      tr = rows >= TRANSPOSED_MIN_ROWS;
      attnSpan = Math.max(1, rows * kvHeads / (8 * threads));
      np = tr ? DecodeGemm.padded(rows) : rows;
      // found once per step: the collector may have moved a buffer since the last one (only speed depends on it)
      attOff = tr ? lead(s.att) : 0;
      gateOff = tr ? lead(s.gate) : 0;
      upOff = tr ? lead(s.up) : 0;
      attn = new DecodeAttentionPhase(c, cache, s, tr, np, attOff, threads);
      lnOff = new int[threads];
      tmpLead = new int[threads];
      for (int t = 0; t < threads; t++) {
        tmpLead[t] = tr ? CacheLines.lead(s.tmp[t]) : -1;
        lnOff[t] = tr ? lead(s.ln[t]) : 0;
      }
      own = rows == 1 && b1Owned && threads < Integer.SIZE;
      int mult = tr ? TRANSPOSED_COLUMNS : 4;
      if (own) {
        qkvCols = DecodeSplit.partColumns(qkvw, threads);
        ccCols = DecodeSplit.partColumns(cc, threads);
        fCols = DecodeSplit.partColumns(f, threads);
        vCols = DecodeSplit.partColumns(vocab, threads);
      } else {
        qkvCols = DecodeSplit.blockColumns(qkvw, cc, threads, minFloats, mult);
        ccCols = DecodeSplit.blockColumns(cc, Math.max(qd, f), threads, minFloats, mult);
        fCols = DecodeSplit.blockColumns(f, cc, threads, minFloats, mult);
        vCols = DecodeSplit.blockColumns(vocab, cc, threads, minFloats, mult);
      }
      int phases = layers * PHASES_PER_LAYER + 1;
      chunks = new int[phases];
      for (int l = 0; l < layers; l++) {
        int b = l * PHASES_PER_LAYER;
        chunks[b] = ceilDiv(qkvw, qkvCols);
        chunks[b + 1] = ceilDiv(rows * kvHeads, attnSpan);
        chunks[b + 2] = ceilDiv(cc, ccCols);
        chunks[b + 3] = ceilDiv(f, fCols);
        chunks[b + 4] = ceilDiv(cc, ccCols);
      }
      chunks[phases - 1] = ceilDiv(vocab, vCols);
      claimed = new AtomicIntegerArray(phases);
      finished = new AtomicIntegerArray(phases);
      touchSink = own ? new float[threads * CacheLines.FLOATS] : null;
    }

    /** Where a buffer's data starts: its first element on a cache line (plus the profiling skew, normally 0). */
    static int lead(float[] a) {
      return (CacheLines.lead(a) + DecodeGemm.lineSkew) % CacheLines.FLOATS;
    }

    void participate(int t) {
      long[] prof = cache.decodeProfile == null ? null : cache.decodeProfile[t];
      long t0 = prof == null ? 0 : profileClock();
      for (int p = 0; p < chunks.length; p++) {
        if (p > 0) await(p - 1, t);
        int kind = p == chunks.length - 1 ? PROFILE_KINDS - 1 : p % PHASES_PER_LAYER;
        if (prof != null) t0 = profileLap(prof, PROFILE_KINDS, t0);
        int k;
        while ((k = claim(p, t)) >= 0) {
          try {
            if (failure == null) chunk(p, k, t);
          } catch (Throwable e) {
            synchronized (this) {
              if (failure == null) failure = e;
            }
          } finally {
            finished.incrementAndGet(p);
          }
          if (prof != null) prof[PROFILE_KINDS + 1 + kind]++;
        }
        if (prof != null) t0 = profileLap(prof, kind, t0);
      }
    }

    /**
     * The next chunk of phase p for thread t, or -1 when none is left. Owned phases ({@link #own},
     * not attention) hand out part t to thread t first, then any part still unclaimed (a thread
     * that arrives late, or never, only means another computes its part); the rest count up.
     */
    private int claim(int p, int t) {
      int n = chunks[p];
      if (!own || p % PHASES_PER_LAYER == 1) { // attention keeps its (row, kv head) runs in any order (the head phase, layers·5, is 0 mod 5)
        int k = claimed.getAndIncrement(p);
        return k < n ? k : -1;
      }
      while (true) {
        int bits = claimed.get(p);
        int k = t < n && (bits & (1 << t)) == 0 ? t : Integer.numberOfTrailingZeros(~bits);
        if (k >= n) return -1;
        if (claimed.compareAndSet(p, bits, bits | (1 << k))) return k;
      }
    }

    /** Floats of its next part's weights a waiting thread reads ahead at most (512 KiB, half of an L2). */
    static final int TOUCH_FLOATS = 1 << 17;

    /**
     * While phase p is unfinished (another thread still computes), loads one float per cache line of
     * the weight rows thread t owns in phase p + 1, from its first row on, so they come from L2 instead
     * of memory when the phase starts: time a thread would spend spinning goes into its next stream.
     * The values only go into {@link #touchSink}; no result depends on them.
     */
    private void touchAhead(int p, int t) {
      int q = p + 1;
      if (q % PHASES_PER_LAYER == 1 || t >= chunks[q]) return; // attention is not split by owner
      float acc = 0f;
      int budget = TOUCH_FLOATS;
      if (q == chunks.length - 1) {
        acc = touchRows(m.lmHead(), cc, t * vCols, Math.min(vocab, (t + 1) * vCols), p, budget);
      } else {
        LayerWeights w = m.layer(q / PHASES_PER_LAYER);
        switch (q % PHASES_PER_LAYER) {
          case 0 -> {
            int j0 = t * qkvCols, j1 = Math.min(qkvw, j0 + qkvCols);
            acc = touchRows(w.q(), cc, Math.min(j0, qd), Math.min(j1, qd), p, budget);
            budget -= (Math.min(j1, qd) - Math.min(j0, qd)) * cc;
            int k0 = Math.clamp(j0 - qd, 0, kd), k1 = Math.clamp(j1 - qd, 0, kd);
            acc += touchRows(w.k(), cc, k0, k1, p, budget);
            budget -= (k1 - k0) * cc;
            acc += touchRows(w.v(), cc, Math.clamp(j0 - qd - kd, 0, kd), Math.clamp(j1 - qd - kd, 0, kd), p, budget);
          }
          case 2 -> acc = touchRows(w.o(), qd, t * ccCols, Math.min(cc, (t + 1) * ccCols), p, budget);
          case 3 -> acc = touchRows(w.gate(), cc, t * fCols, Math.min(f, (t + 1) * fCols), p, budget);
          default -> acc = touchRows(w.down(), f, t * ccCols, Math.min(cc, (t + 1) * ccCols), p, budget);
        }
      }
      touchSink[t * CacheLines.FLOATS] = acc;
    }

    /** One float per line of W rows [r0, r1) (depth floats each), at most budget floats, while phase p is unfinished. */
    private float touchRows(Parameter weight, int depth, int r0, int r1, int p, int budget) {
      if (weight.isBf16() || r0 >= r1 || budget <= 0) return 0f;
      float[] w = weight.data();
      float acc = 0f;
      for (int i = r0 * depth, end = Math.min(r1 * depth, i + budget), n = 0; i < end; i += CacheLines.FLOATS, n++) {
        if ((n & 15) == 0 && finished.get(p) >= chunks[p]) break; // every 16 lines: stop once the phase is done
        acc += w[i];
      }
      return acc;
    }

    /** CPU time of the calling thread (the profile is meant for a shared machine: preemption is not counted). */
    private static long profileClock() {
      return java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    private static long profileLap(long[] prof, int slot, long t0) {
      long t1 = profileClock();
      prof[slot] += t1 - t0;
      return t1;
    }

    /**
     * Waits until every chunk of phase p is finished (spinning, then yielding the core); with owned
     * parts, first reads ahead the weights of this thread's part of the next phase ({@link #touchAhead}).
     */
    private void await(int p, int t) {
      if (own && b1TouchAhead && finished.get(p) < chunks[p]) touchAhead(p, t);
      int spins = 0;
      while (finished.get(p) < chunks[p]) {
        if (++spins < 2000) Thread.onSpinWait();
        else Thread.yield();
      }
    }

    private void chunk(int p, int k, int t) {
      if (p == chunks.length - 1) {
        head(k, t, p);
        return;
      }
      int l = p / PHASES_PER_LAYER;
      LayerWeights w = m.layer(l);
      switch (p % PHASES_PER_LAYER) {
        case 0 -> qkv(w, k, t, p);
        case 1 -> attn.tasks(l, k * attnSpan, Math.min(rows * kvHeads, (k + 1) * attnSpan), t);
        case 2 -> residual(s.att, attOff, qd, w.o(), k, t);
        case 3 -> mlp(w, k, t, p);
        default -> residual(s.gate, gateOff, f, w.down(), k, t);
      }
    }

    /**
     * Columns [j0, j1) of y = in·Wᵀ (in row-major (N, depth)) below the transposed mode's row count:
     * {@link DecodeGemm#rows} (a 1 × 4 tile per row; FewRowsGemm's 4 × 4 tile was 2.4× slower at
     * 4 rows), except at one row, where {@link FewRowsGemm}'s dot product per W row (one memory
     * stream) ran the tiny model's batch-1 step 2× faster than four W rows at a time (profile,
     * docs/PERFORMANCE.md, "Decode, round 3").
     */
    private void small(int depth, int j0, int j1, float[] in, Parameter weight, DecodeGemm.Mode mode, float[] c, int cOff, int ldc,
        int t) {
      float beta = mode == DecodeGemm.Mode.ROWS_ADD ? 1f : 0f;
      if (weight.isBf16()) {
        // the same kernels with W widened where it is read (one row: bf16 straight into the FMAs)
        short[] w = weight.bf16();
        if (rows > 1) Bf16Decode.rows(rows, depth, j0, j1, in, 0, depth, w, depth, mode, c, cOff, ldc);
        else Bf16Decode.columns(1, depth, j0, j1, in, 0, depth, w, 0, depth, beta, c, cOff, ldc);
        return;
      }
      float[] w = weight.data();
      if (rows > 1) {
        DecodeGemm.rows(rows, depth, j0, j1, in, 0, depth, w, depth, mode, c, cOff, ldc);
        return;
      }
      // one row: x read from a copy that starts on a cache line (the same values and the same kernel,
      // so the same bits): a 512-bit load that straddles two lines costs about two loads on the Zen 5,
      // and every W row's dot product loads all of x (one thread, 768 x 256 W from L3, W rows off a
      // line: 23.1 GB/s with x off a line, 26.8 with x on one; docs/PERFORMANCE.md, "Session 13:
      // decode b1 and cache lines")
      if (!b1AlignedX) {
        FewRowsGemm.columns(1, depth, j0, j1, in, 0, depth, w, 0, depth, beta, c, cOff, ldc);
        return;
      }
      float[] xs = s.b1x[t];
      int xa = CacheLines.lead(xs);
      System.arraycopy(in, 0, xs, xa, depth);
      FewRowsGemm.columns(1, depth, j0, j1, xs, xa, depth, w, 0, depth, beta, c, cOff, ldc);
    }

    /** {@link DecodeGemm#columns} (transposed mode) over the weight in either dtype. */
    private void lanes(int depth, int j0, int j1, float[] in, int inOff, Parameter weight, DecodeGemm.Mode mode, float[] c,
        int cOff, int ldc, int t) {
      if (weight.isBf16()) Bf16Decode.columns(rows, np, depth, j0, j1, in, inOff, weight.bf16(), depth, mode, c, cOff, ldc, s.tmp[t]);
      else DecodeGemm.columns(rows, np, depth, j0, j1, in, inOff, weight.data(), depth, mode, c, cOff, ldc, s.tmp[t], tmpLead[t]);
    }

    /** Columns of x += in·Wᵀ for chunk k (in: (N, depth) or, transposed, (depth, np)). */
    private void residual(float[] in, int inOff, int depth, Parameter weight, int k, int t) {
      int j0 = k * ccCols, j1 = Math.min(cc, j0 + ccCols);
      if (tr) lanes(depth, j0, j1, in, inOff, weight, DecodeGemm.Mode.ROWS_ADD, s.x, 0, cc, t);
      else small(depth, j0, j1, in, weight, DecodeGemm.Mode.ROWS_ADD, s.x, 0, cc, t);
    }

    /** This thread's rmsnorm(x)·w for phase p (computed once per thread and phase). */
    private float[] norm(int t, int p, float[] weight) {
      float[] ln = s.ln[t];
      if (s.lnPhase[t] != p) {
        for (int r = 0; r < rows; r++) {
          int o = r * cc;
          float rs = (float) (1.0 / Math.sqrt(VectorMath.sumSq(s.x, o, cc) / cc + eps));
          if (tr) for (int i = 0, a = lnOff[t] + r; i < cc; i++, a += np) ln[a] = s.x[o + i] * rs * weight[i];
          else for (int i = 0; i < cc; i++) ln[o + i] = s.x[o + i] * rs * weight[i];
        }
        // padding lanes of the transposed rows: zeros (their outputs are never stored in rows)
        if (tr) for (int i = 0, a = lnOff[t]; i < cc; i++, a += np) java.util.Arrays.fill(ln, a + rows, a + np, 0f);
        s.lnPhase[t] = p;
      }
      return ln;
    }

    /** Columns [j0, j1) of q|k|v (+ bias). */
    private void qkv(LayerWeights w, int k, int t, int p) {
      float[] ln = norm(t, p, w.inputNorm().data());
      int j0 = k * qkvCols, j1 = Math.min(qkvw, j0 + qkvCols);
      segment(ln, w.q(), w.qBias(), 0, qd, j0, j1, t);
      segment(ln, w.k(), w.kBias(), qd, kd, j0, j1, t);
      segment(ln, w.v(), w.vBias(), qd + kd, kd, j0, j1, t);
    }

    /** The part of [j0, j1) inside the segment [base, base + n) of the q|k|v row. */
    private void segment(float[] ln, Parameter weight, Parameter bias, int base, int n, int j0, int j1, int t) {
      int a = Math.max(j0, base) - base, b = Math.min(j1, base + n) - base;
      if (a >= b) return;
      // rows of this segment's output are strided by qkvw; the kernels write C[i, j] at i·ldc + j
      if (tr) lanes(cc, a, b, ln, lnOff[t], weight, DecodeGemm.Mode.ROWS_SET, s.qkv, base, qkvw, t);
      else small(cc, a, b, ln, weight, DecodeGemm.Mode.ROWS_SET, s.qkv, base, qkvw, t);
      if (bias != null) {
        float[] bd = bias.data();
        for (int r = 0; r < rows; r++) for (int j = a; j < b; j++) s.qkv[r * qkvw + base + j] += bd[j];
      }
    }

    /** Columns [j0, j1) of gate and up, then h = silu(gate)·up in place of gate. */
    private void mlp(LayerWeights w, int k, int t, int p) {
      float[] ln = norm(t, p, w.postNorm().data());
      int j0 = k * fCols, j1 = Math.min(f, j0 + fCols);
      if (tr) {
        lanes(cc, j0, j1, ln, lnOff[t], w.gate(), DecodeGemm.Mode.TRANSPOSED, s.gate, gateOff, 0, t);
        lanes(cc, j0, j1, ln, lnOff[t], w.up(), DecodeGemm.Mode.TRANSPOSED, s.up, upOff, 0, t);
        SwiGlu.forwardRange(s.gate, s.up, upOff - gateOff, s.gate, gateOff + j0 * np, gateOff + j1 * np);
        return;
      }
      small(cc, j0, j1, ln, w.gate(), DecodeGemm.Mode.ROWS_SET, s.gate, 0, f, t);
      small(cc, j0, j1, ln, w.up(), DecodeGemm.Mode.ROWS_SET, s.up, 0, f, t);
      for (int r = 0; r < rows; r++) SwiGlu.forwardRange(s.gate, s.up, s.gate, r * f + j0, r * f + j1);
    }

    /** Columns of the LM head over this thread's final rmsnorm of x. */
    private void head(int k, int t, int p) {
      float[] ln = norm(t, p, m.finalNorm().data());
      int j0 = k * vCols, j1 = Math.min(vocab, j0 + vCols);
      if (tr) lanes(cc, j0, j1, ln, lnOff[t], m.lmHead(), DecodeGemm.Mode.ROWS_SET, logits, 0, vocab, t);
      else small(cc, j0, j1, ln, m.lmHead(), DecodeGemm.Mode.ROWS_SET, logits, 0, vocab, t);
    }

    private static int ceilDiv(int a, int b) {
      return (a + b - 1) / b;
    }
  }
}
