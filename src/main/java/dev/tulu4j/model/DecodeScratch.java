package dev.tulu4j.model;

import dev.tulu4j.tensor.CacheLines;
import dev.tulu4j.tensor.DecodeGemm;
import dev.tulu4j.tensor.VectorMath;

/** Reusable buffers of one KV cache's {@link DecodeStep}s, sized for {@code cap} rows and {@code threads} threads. */
final class DecodeScratch {
  /**
   * Floats the transposed buffers (ln, att, gate, up) and the score rows hold beyond their use: each
   * step starts them on a cache line ({@link CacheLines#lead}, the Region's offsets), so the products'
   * 512-bit loads of xt and stores of ct, and the softmax's, never straddle two lines.
   */
  static final int SPARE = CacheLines.FLOATS - 1;

  final int cap;
  final int threads;
  final float[] x;      // (N, C) residual stream
  final float[] qkv;    // (N, (H+2Hkv)·D): q | k | v per row
  final float[] att;    // (N, H·D), or (H·D, Np) in the transposed mode
  final float[] gate;   // (N, F) or (F, Np), then h = silu(gate)·up
  final float[] up;     // (N, F) or (F, Np)
  final float[] logits; // (N, V), used only when some entry is empty
  final float[] cos;    // (N, D/2)
  final float[] sin;    // (N, D/2)
  final int[] seq;      // (N) cache sequence of each row
  final int[] pos;      // (N) position of each row
  final int[] entry;    // (N) entry index of each row
  final float[][] ln;   // per thread (N, C) or (C, Np): its own rmsnorm of x
  final float[][] tmp;  // per thread: DecodeGemm's read-ahead sink and row-major stores (DecodeGemm.tmpFloats)
  final float[][] head; // per thread (D): one head's attention output before it is scattered
  final int[] lnPhase;  // per thread: the phase its ln was computed for
  final float[][] scores; // per thread (maxLen): one query's scores, then probabilities
  final float[][] scoresB; // per thread (maxLen): the second query's of a pair (attendPair)
  final float[][] scoresW; // per thread (8, padded(maxLen)): the queries' of four or eight tasks at once (DecodeAttentionWide)
  final int wideStride;     // floats from one of those score rows to the next: padded(maxLen), whole lines
  final int[][] wide;       // per thread (32): their query, key, value and output offsets (DecodeAttentionWide)
  final float[][] lanes; // per thread (L): expShiftSum's lane sums (its two-argument form allocates them)
  final float[][] b1x;   // per thread (max(C, H·D, F) + a line): one-row steps' copy of x from a cache line on (small)

  DecodeScratch(LlamaConfig c, int cap, int threads, int cacheLen) {
    this.cap = cap;
    this.threads = threads;
    int qkvw = c.qDim() + 2 * c.kvDim();
    int np = Math.max(cap, DecodeGemm.padded(cap)); // rows of the transposed buffers
    x = new float[cap * c.hidden()];
    qkv = new float[cap * qkvw];
    att = new float[np * c.qDim() + SPARE];
    gate = new float[np * c.intermediate() + SPARE];
    up = new float[np * c.intermediate() + SPARE];
    logits = new float[cap * c.vocabSize()];
    cos = new float[cap * c.headDim() / 2];
    sin = new float[cap * c.headDim() / 2];
    seq = new int[cap];
    pos = new int[cap];
    entry = new int[cap];
    ln = new float[threads][np * c.hidden() + SPARE];
    tmp = new float[threads][DecodeGemm.tmpFloats(np)]; // [L]: DecodeGemm's read-ahead sink, then its grouped row-major stores
    head = new float[threads][8 * c.headDim()]; // up to eight heads' outputs, head i at [i·D] (attendPair, DecodeAttentionWide)
    lnPhase = new int[threads];
    scores = new float[threads][DecodeGemm.padded(cacheLen) + SPARE]; // whole vectors: the softmax has no scalar tail
    scoresB = new float[threads][DecodeGemm.padded(cacheLen) + SPARE];
    wideStride = DecodeGemm.padded(cacheLen);
    scoresW = new float[threads][8 * wideStride + SPARE];
    wide = new int[threads][32];
    lanes = new float[threads][VectorMath.S.length()];
    b1x = new float[threads][Math.max(c.hidden(), Math.max(c.qDim(), c.intermediate())) + CacheLines.FLOATS];
  }
}
