package dev.tulu4j.model;

import dev.tulu4j.tensor.CacheLines;
import dev.tulu4j.tensor.Gemm;
import dev.tulu4j.tensor.VectorMath;
import jdk.incubator.vector.FloatVector;

/**
 * The training/prefill attention of {@link Attention} computed a block of {@link #QB} queries at a
 * time with GEMMs instead of one query at a time with vector loops: per (batch row, head, query
 * block) {@code S = scale·Q·Kᵀ}, a masked row softmax, {@code O = P·V}; the backward recomputes
 * {@code P = exp(S − lse)} and forms {@code dP = dO·Vᵀ}, {@code dS = P⊙(dP − rowsum(dO⊙O))·scale},
 * {@code dQ = dS·K}, {@code dK += dSᵀ·Q}, {@code dV += Pᵀ·dO} (FlashAttention, Dao et al. 2022,
 * Alg. 1–2, with the whole key range of a query block in one tile). Keys after the last query of the
 * block are never touched (causality), keys before a query's {@code start} get probability 0.
 *
 * <p>The GEMMs run on the model's GEMM confined to the calling thread ({@link Gemm#onCallingThread()}:
 * for the vector backend a {@code VectorGemm} without workers): the tasks themselves are the
 * parallel loop, and the score tiles ({@code QB × keys}) stay in the calling thread's cache. They go
 * through {@link Gemm#sgemmInPlaceB} (B read where it lies); each task transposes its keys (and, in
 * the backward, values) once so that the score products are such products too, where
 * {@link Gemm#transposedBSameBits} says the bits agree. Same bits as plain {@code sgemm} calls
 * (BlockAttentionBitsTest); docs/PERFORMANCE.md, session 10.
 * Measured on the tiny model's B8×T256 training step: attention went from ~29% of the CPU time
 * (about 7 GFLOP per CPU-second) to the GEMM's rate (docs/PERFORMANCE.md).
 */
final class BlockAttention {
  /** Queries per block: the score tile is QB × (keys up to the block's last query). */
  static final int QB = 64;

  private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[4][0]);
  /** The softmax rows' lane-sum scratch ({@link VectorMath#expShiftSum(float[], int, int, float, float[])}). */
  private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[VectorMath.L]);

  /**
   * Spare floats at the end of each scratch tile so that it can start on its first cache-line
   * boundary ({@link #lead}): the tiles' row strides are whole lines (the tiny shape's 64, 144, 192,
   * 272; head dim 32), so every row of S, P, dS and the transposed keys and values then starts a
   * line, and the 512-bit loads and stores of the score products, the softmax rows and their
   * gradient do not straddle two lines (about two loads each on the Zen 5). Layout only: every
   * element gets the same operations in the same order. Where the tile sits against the lines
   * otherwise depends on where the JVM put the thread's scratch array, differently in every run.
   */
  static final int LINE_SPARE = CacheLines.FLOATS - 1;

  /** Floats past the line boundary where the scratch tiles start: 0; probes set 1..15 to measure a straddling tile. */
  static int probeShift = 0;

  /** Probes only (measuring the forward's tasks per kv head against per head in one JVM): one task per (row, head). */
  static boolean probePerHeadTasks = false;

  private BlockAttention() {}

  private static int lead(float[] a) {
    return (CacheLines.lead(a) + probeShift) & (CacheLines.FLOATS - 1);
  }

  private static float[][] scratch(int size) {
    float[][] s = SCRATCH.get();
    if (s[0].length < size) {
      s[0] = new float[size];
      s[1] = new float[size];
    }
    return s;
  }

  /** The calling thread's scratch as it is now (tests and probes). */
  static float[][] scratchForProbe() {
    return SCRATCH.get();
  }

  /** {@link #scratch} plus buffers 2 and 3 of at least {@code tSize} floats (transposed keys, values). */
  private static float[][] scratch(int size, int tSize) {
    float[][] s = scratch(size);
    if (s[2].length < tSize) {
      s[2] = new float[tSize];
      s[3] = new float[tSize];
    }
    return s;
  }

  /**
   * dst[e·ldt + t] = src[off + t·ld + e] for t &lt; rows, e &lt; d: one (row, kv head)'s keys or values as
   * (D, T). A vector of L times at a time by a gather (the scalar loop took 8% of the attention bench).
   */
  static void transpose(float[] src, int off, int ld, int rows, int d, float[] dst, int dOff, int ldt) {
    int lanes = VectorMath.L;
    int[] idx = new int[lanes];
    for (int i = 0; i < lanes; i++) idx[i] = i * ld;
    int t = 0;
    for (; t + lanes <= rows; t += lanes) {
      int o = off + t * ld;
      for (int e = 0; e < d; e++) FloatVector.fromArray(VectorMath.S, src, o + e, idx, 0).intoArray(dst, dOff + e * ldt + t);
    }
    for (; t < rows; t++) {
      int o = off + t * ld;
      for (int e = 0; e < d; e++) dst[dOff + e * ldt + t] = src[o + e];
    }
  }

  /**
   * {@code c = alpha·A·Bᵀ} with B (rows of D) at {@code b[bOff..]} stride {@code ldb}, or, when
   * {@code bt} is non-null and the GEMM says the bits agree ({@link Gemm#transposedBSameBits}), as
   * {@code A·(Bᵀ)} from its transpose {@code bt (D, ldbt)} at column {@code btCol}, read in place.
   */
  private static void scoresGemm(Gemm gemm, int rows, int nk, int d, float alpha, float[] a, int aOff, int lda,
      float[] b, int bOff, int ldb, float[] bt, int btCol, int ldbt, float[] c, int cOff, int ldc) {
    if (bt != null && gemm.transposedBSameBits(rows, nk, d)) {
      gemm.sgemmInPlaceB(false, rows, nk, d, alpha, a, aOff, lda, bt, btCol, ldbt, 0f, c, cOff, ldc);
    } else {
      gemm.sgemm(false, true, rows, nk, d, alpha, a, aOff, lda, b, bOff, ldb, 0f, c, cOff, ldc);
    }
  }

  /**
   * Whether a task transposes its keys (and values) once for the score products: when the GEMM
   * computes a full block's scores ({@link #QB} rows, D deep) the same way from the transpose.
   */
  private static boolean transposedScores(Gemm gemm, int time, int d) {
    return time > 1 && gemm.transposedBSameBits(Math.min(QB, time), time, d);
  }

  /**
   * Row stride for a tile of {@code n} columns: n, plus 16 when n is a multiple of 128, so that the
   * rows of a score tile or of the transposed keys do not all fall in a few L1 sets (a 2 KiB stride
   * maps every row to the same two of the 64 sets; the kernels read 64 such rows per tile column).
   * Layout only: no result changes.
   */
  static int padded(int n) {
    return n % 128 == 0 ? n + 16 : n;
  }

  private static int keyStart(int[] start, int r0, int rows) {
    int ks = Integer.MAX_VALUE;
    for (int i = 0; i < rows; i++) ks = Math.min(ks, start[r0 + i]);
    return ks;
  }

  /** @param gemm a GEMM that runs on the calling thread ({@link Gemm#onCallingThread()}) */
  static void forward(ModelParallel par, Gemm gemm, float[] q, float[] k, float[] v, float[] out, float[] lse,
      int batch, int time, int heads, int kvHeads, int d, int[] start) {
    int group = heads / kvHeads;
    int qw = heads * d;
    int kw = kvHeads * d;
    float scale = (float) (1.0 / Math.sqrt(d));
    boolean tScores = transposedScores(gemm, time, d);
    int blocks = (time + QB - 1) / QB;
    // one task per (row, kv head) when the keys are transposed: they are transposed once for the
    // group's heads and all their query blocks (per (row, head) the 135M shape transposed each
    // kv head's keys three times, ~2% of the layer's attention; session 15); else one per (row, head).
    // Each (row, head) gets the same products on the same values either way.
    int perTask = tScores && !probePerHeadTasks ? group : 1;
    par.forEach(batch * heads / perTask, task -> {
      int b = task / (heads / perTask);
      int h0 = task % (heads / perTask) * perTask;
      int g = h0 / group;
      int ldt = padded(time);
      float[][] sc = scratch(QB * (time + 16) + LINE_SPARE, tScores ? d * ldt + LINE_SPARE : 0); // rows · padded(nk) ≤ QB · (time + 16)
      float[] s = sc[0];
      int so = lead(s);
      float[] kt = tScores ? sc[2] : null;
      int kto = tScores ? lead(kt) : 0;
      if (tScores) transpose(k, b * time * kw + g * d, kw, time, d, kt, kto, ldt);
      float[] lanes = LANES.get();
      for (int h = h0; h < h0 + perTask; h++) {
        for (int blk = 0; blk < blocks; blk++) {
          int t0 = blk * QB;
          int rows = Math.min(QB, time - t0);
          int r0 = b * time + t0;
          int ks = keyStart(start, r0, rows);
          int nk = t0 + rows - ks;
          int qOff = r0 * qw + h * d;
          int kOff = (b * time + ks) * kw + g * d;
          int ld = padded(nk);
          scoresGemm(gemm, rows, nk, d, scale, q, qOff, qw, k, kOff, kw, kt, kto + ks, ldt, s, so, ld);
          softmaxRows(s, so, ld, rows, r0, t0, ks, nk, start, lse, heads, h, lanes);
          gemm.sgemmInPlaceB(false, rows, d, nk, 1f, s, so, ld, v, kOff, kw, 0f, out, qOff, qw);
        }
      }
    });
  }

  /**
   * The forward's masked row softmax of a score tile ({@code rows × nk}, row stride ld), P in place and
   * each row's log-sum-exp into {@code lse}. Rows go two at a time, each step (max, exponentials and
   * their sum, scaling) for both rows before the next step: every row gets the same calls on the same
   * values as one at a time, so the same bits, but the two rows' dependency chains (a reduction, then
   * exponentials, then a lane sum and a division per row, on rows of ~8 vectors) overlap. Alone, at
   * the tiny shape (64 rows, 1..256 keys): 15% less thread CPU than one row at a time (session 12).
   */
  static void softmaxRows(float[] s, int ld, int rows, int r0, int t0, int ks, int nk, int[] start, float[] lse,
      int heads, int h, float[] lanes) {
    softmaxRows(s, 0, ld, rows, r0, t0, ks, nk, start, lse, heads, h, lanes);
  }

  /** {@link #softmaxRows(float[], int, int, int, int, int, int, int[], float[], int, int, float[])} on a tile from {@code s[so]}. */
  static void softmaxRows(float[] s, int so, int ld, int rows, int r0, int t0, int ks, int nk, int[] start, float[] lse,
      int heads, int h, float[] lanes) {
    int i = 0;
    for (; i + 1 < rows; i += 2) {
      int ra = r0 + i, rb = ra + 1;
      int loA = start[ra] - ks, loB = start[rb] - ks;
      int nA = t0 + i - ks - loA + 1, nB = t0 + i + 1 - ks - loB + 1;
      int oA = so + i * ld + loA, oB = so + (i + 1) * ld + loB;
      float mA = VectorMath.max(s, oA, nA);
      float mB = VectorMath.max(s, oB, nB);
      float lA = VectorMath.expShiftSum(s, oA, nA, mA, lanes);
      float lB = VectorMath.expShiftSum(s, oB, nB, mB, lanes);
      VectorMath.scale(nA, 1f / lA, s, oA);
      VectorMath.scale(nB, 1f / lB, s, oB);
      lse[ra * heads + h] = mA + (float) Math.log(lA);
      lse[rb * heads + h] = mB + (float) Math.log(lB);
    }
    for (; i < rows; i++) {
      int r = r0 + i;
      int lo = start[r] - ks;
      int n = t0 + i - ks - lo + 1;
      int o = so + i * ld + lo;
      float m = VectorMath.max(s, o, n);
      float l = VectorMath.expShiftSum(s, o, n, m, lanes);
      VectorMath.scale(n, 1f / l, s, o);
      lse[r * heads + h] = m + (float) Math.log(l);
    }
    for (i = 0; i < rows; i++) { // the masked keys: before the row's start, after its own position
      int lo = start[r0 + i] - ks;
      int n = t0 + i - ks - lo + 1;
      int row = so + i * ld;
      java.util.Arrays.fill(s, row, row + lo, 0f);
      java.util.Arrays.fill(s, row + lo + n, row + nk, 0f);
    }
  }

  static void backward(ModelParallel par, Gemm gemm, float[] q, float[] k, float[] v, float[] out, float[] lse, float[] dout,
      float[] dq, float[] dk, float[] dv, int batch, int time, int heads, int kvHeads, int d, int[] start) {
    int group = heads / kvHeads;
    int qw = heads * d;
    int kw = kvHeads * d;
    float scale = (float) (1.0 / Math.sqrt(d));
    boolean tScores = transposedScores(gemm, time, d);
    par.forEach(batch * kvHeads, task -> {
      int b = task / kvHeads;
      int g = task % kvHeads;
      int base = b * time * kw + g * d;
      for (int t = 0; t < time; t++) {
        int o = base + t * kw;
        java.util.Arrays.fill(dk, o, o + d, 0f);
        java.util.Arrays.fill(dv, o, o + d, 0f);
      }
      int ldt = padded(time);
      float[][] sc = scratch(QB * (time + 16) + LINE_SPARE, tScores ? d * ldt + LINE_SPARE : 0); // rows · padded(nk) ≤ QB · (time + 16)
      float[] p = sc[0];
      float[] ds = sc[1];
      int po = lead(p), dso = lead(ds);
      float[] kt = tScores ? sc[2] : null;
      float[] vt = tScores ? sc[3] : null;
      int kto = tScores ? lead(kt) : 0, vto = tScores ? lead(vt) : 0;
      if (tScores) {
        transpose(k, base, kw, time, d, kt, kto, ldt);
        transpose(v, base, kw, time, d, vt, vto, ldt);
      }
      for (int h = g * group; h < (g + 1) * group; h++) {
        for (int t0 = 0; t0 < time; t0 += QB) {
          int rows = Math.min(QB, time - t0);
          int r0 = b * time + t0;
          int ks = keyStart(start, r0, rows);
          int nk = t0 + rows - ks;
          int qOff = r0 * qw + h * d;
          int kOff = base + ks * kw;
          int ld = padded(nk);
          scoresGemm(gemm, rows, nk, d, scale, q, qOff, qw, k, kOff, kw, kt, kto + ks, ldt, p, po, ld);   // S
          scoresGemm(gemm, rows, nk, d, 1f, dout, qOff, qw, v, kOff, kw, vt, vto + ks, ldt, ds, dso, ld);  // dP
          for (int i = 0; i < rows; i++) {
            int r = r0 + i;
            int lo = start[r] - ks;
            int n = t0 + i - ks - lo + 1;
            int row = i * ld;
            float di = VectorMath.dotOneChain(dout, qOff + i * qw, out, qOff + i * qw, d);
            softmaxGrad(p, po + row, ds, dso + row, lo, n, lse[r * heads + h], di, scale);
            java.util.Arrays.fill(p, po + row, po + row + lo, 0f);
            java.util.Arrays.fill(p, po + row + lo + n, po + row + nk, 0f);
            java.util.Arrays.fill(ds, dso + row, dso + row + lo, 0f);
            java.util.Arrays.fill(ds, dso + row + lo + n, dso + row + nk, 0f);
          }
          gemm.sgemmInPlaceB(false, rows, d, nk, 1f, ds, dso, ld, k, kOff, kw, 0f, dq, qOff, qw);   // dQ
          gemm.sgemmInPlaceB(true, nk, d, rows, 1f, ds, dso, ld, q, qOff, qw, 1f, dk, kOff, kw);    // dK
          gemm.sgemmInPlaceB(true, nk, d, rows, 1f, p, po, ld, dout, qOff, qw, 1f, dv, kOff, kw);  // dV
        }
      }
    });
  }

  /**
   * Attention of freshly appended rows over layer {@code layer} of a {@link KvCache} (keys in
   * transposed blocks, values {@code (B, Hkv, maxLen, D)}), the new keys already written. Each task
   * first copies its (sequence, kv head)'s keys {@code 0 .. last position} out of the blocks into a
   * plain transposed {@code (D, nk)} tile ({@link KvCache#unpackKeys}; D·nk floats against the
   * cnt·nk·D·4 FLOPs that read them). Runs of rows of one sequence at consecutive positions (a
   * prefill) go in blocks of up to {@link #QB} queries through GEMMs; a lone row uses the per-query
   * kernel (plain decode steps of at most 64 rows take {@link DecodeStep} instead).
   */
  static void cached(ModelParallel par, Gemm gemm, float[] q, KvCache cache, int layer, float[] att, int[] seq, int[] pos,
      int rows, int heads, float scale, long work) {
    int kvHeads = cache.kvHeads, d = cache.headDim;
    float[] vc = cache.v[layer];
    int group = heads / kvHeads;
    int qw = heads * d;
    int[] bStart = new int[rows];
    int[] bLen = new int[rows];
    int nb = 0;
    for (int i = 0; i < rows; ) {
      int j = i + 1;
      while (j < rows && j - i < QB && seq[j] == seq[i] && pos[j] == pos[j - 1] + 1) j++;
      bStart[nb] = i;
      bLen[nb] = j - i;
      nb++;
      i = j;
    }
    par.forEach(nb * heads, work, task -> {
      int h = task % heads;
      int g = h / group;
      int r0 = bStart[task / heads];
      int cnt = bLen[task / heads];
      int sq = seq[r0];
      int vBase = cache.valueBase(layer, sq, g); // values (maxLen, D)
      int qOff = r0 * qw + h * d;
      int nk = pos[r0] + cnt;
      float[][] sc = scratch(Math.max(cnt, d) * nk);
      float[] kt = sc[1];
      cache.unpackKeys(layer, sq, g, nk, kt); // (D, nk)
      if (cnt == 1) {
        Attention.attendTransposed(q, qOff, kt, 0, nk, vc, vBase, d, 0, pos[r0], d, scale, att, qOff,
            new float[Attention.BLOCK]);
        return;
      }
      float[] s = sc[0];
      float[] lanes = LANES.get();
      gemm.sgemmInPlaceB(false, cnt, nk, d, scale, q, qOff, qw, kt, 0, nk, 0f, s, 0, nk);
      for (int i = 0; i < cnt; i++) {
        int n = pos[r0] + i + 1;
        int row = i * nk;
        float m = VectorMath.max(s, row, n);
        float l = VectorMath.expShiftSum(s, row, n, m, lanes);
        VectorMath.scale(n, 1f / l, s, row);
        java.util.Arrays.fill(s, row + n, row + nk, 0f);
      }
      gemm.sgemmInPlaceB(false, cnt, d, nk, 1f, s, 0, nk, vc, vBase, d, 0f, att, qOff, qw);
    });
  }

  /** p = exp(s − lse) in place; ds = p·(dp − di)·scale in place (ds holds dp on entry). */
  static void softmaxGrad(float[] p, float[] ds, int o, int n, float ls, float di, float scale) {
    softmaxGrad(p, o, ds, o, 0, n, ls, di, scale);
  }

  /** {@link #softmaxGrad(float[], float[], int, int, float, float, float)} on {@code p[po + lo ..]} and {@code ds[dso + lo ..]}. */
  static void softmaxGrad(float[] p, int po, float[] ds, int dso, int lo, int n, float ls, float di, float scale) {
    // whole vectors and the tail (one masked vector: the scalar exp gives the same bits per lane,
    // VectorExpTest) through one loop and one VectorExp.exp call site: with a second site for the
    // tail, C2 could run out of inlining budget there and call exp with boxed vectors once per row
    // (as in VectorMath.expShiftSum; session 11). Masks only select lanes: the same bits.
    int pj = po + lo, dj = dso + lo;
    for (int j = 0; j < n; j += VectorMath.S.length()) {
      jdk.incubator.vector.VectorMask<Float> mk = VectorMath.S.indexInRange(j, n);
      FloatVector pv = dev.tulu4j.tensor.VectorExp.exp(FloatVector.fromArray(VectorMath.S, p, pj + j, mk).sub(ls));
      pv.intoArray(p, pj + j, mk);
      pv.mul(FloatVector.fromArray(VectorMath.S, ds, dj + j, mk).sub(di)).mul(scale).intoArray(ds, dj + j, mk);
    }
  }
}
