package dev.tulu4j.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register tile of {@link DecodeGemm}'s transposed-output products on the default path, at every
 * depth (rows of x in the vector lanes, two row vectors × six W rows), which walks the depth in blocks of
 * {@link #TOUCH_BLOCK} and starts each block by loading every W row's first float of the block into a
 * sink (a "touch"). An eight-row version was faster alone at depth 256 (W 768 × 256 × 30 matrices, one
 * JVM: 93–118 → 110–128 GFLOP per CPU-second) but slower in the tiny batch-32 step (QKV + MLP + HEAD
 * 3.36 → 4.44 CPU-ms), where this six-row tile in place of {@code tile2x8Ahead} made them 2.71 → 1.93
 * ({@code DecodeTouchAbMain tiny 32 1 8}, docs/PERFORMANCE.md, "Session 15: decode b32").
 */
final class DecodeTouchTiles {
  private static final VectorSpecies<Float> S = DecodeGemm.S;
  private static final int L = DecodeGemm.L;

  /** Depths per block: one 64-byte line of each W row. */
  static final int TOUCH_BLOCK = 16;

  private DecodeTouchTiles() {}

  /**
   * As {@link DecodeGemm}'s {@code tile2x6} (transposed output only: the row-major modes reach it
   * through {@code tmp}), in blocks of {@link #TOUCH_BLOCK} depths that each
   * start by loading the six W rows' first floats of the block into a sink: one extra load per row per
   * 64 bytes of W. With W streamed from memory (32 rows, one thread, 20 matrices 1536 × 576, both tiles
   * alternating in one JVM) 124–141 → 170–189 GFLOP per CPU-second; in the 135M batch-32 step (one
   * thread, {@code DecodeTouchAbMain}) the products' CPU per step fell by 19–33% (docs/PERFORMANCE.md,
   * "Session 15: decode b32"). Why the extra loads help was not established (no disassembler here); the
   * same blocked loop without them, and touches 16–96 floats further ahead, measured slower. Each output
   * is the same in-order FMA chain over p as in {@link DecodeGemm}'s {@code tile2x6}; the sink is returned for
   * {@code tmp[L]}.
   */
  static float tile2x6(int mPad, int k, int x0, int j, float[] xt, float[] w, int ldw, float[] ct, int co) {
    FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
    FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0;
    int w0 = j * ldw, w1 = w0 + ldw, w2 = w1 + ldw, w3 = w2 + ldw, w4 = w3 + ldw, w5 = w4 + ldw;
    float touched = 0f;
    int p = 0, xo = x0, last = w5 + k - 1;
    while (p + TOUCH_BLOCK <= k) {
      touched += w[Math.min(w0 + p, last)] + w[Math.min(w1 + p, last)] + w[Math.min(w2 + p, last)]
          + w[Math.min(w3 + p, last)] + w[Math.min(w4 + p, last)] + w[Math.min(w5 + p, last)];
      for (int pe = p + TOUCH_BLOCK; p < pe; p++, xo += mPad) {
        FloatVector xa = FloatVector.fromArray(S, xt, xo);
        FloatVector xb = FloatVector.fromArray(S, xt, xo + L);
        FloatVector v = FloatVector.broadcast(S, w[w0 + p]);
        a0 = xa.fma(v, a0);
        b0 = xb.fma(v, b0);
        v = FloatVector.broadcast(S, w[w1 + p]);
        a1 = xa.fma(v, a1);
        b1 = xb.fma(v, b1);
        v = FloatVector.broadcast(S, w[w2 + p]);
        a2 = xa.fma(v, a2);
        b2 = xb.fma(v, b2);
        v = FloatVector.broadcast(S, w[w3 + p]);
        a3 = xa.fma(v, a3);
        b3 = xb.fma(v, b3);
        v = FloatVector.broadcast(S, w[w4 + p]);
        a4 = xa.fma(v, a4);
        b4 = xb.fma(v, b4);
        v = FloatVector.broadcast(S, w[w5 + p]);
        a5 = xa.fma(v, a5);
        b5 = xb.fma(v, b5);
      }
    }
    // the depths past the last whole block, untouched: the block's body written again, since a
    // vector passed to a helper that might not inline would box (as in DecodeGemm's tiles)
    for (; p < k; p++, xo += mPad) {
      FloatVector xa = FloatVector.fromArray(S, xt, xo);
      FloatVector xb = FloatVector.fromArray(S, xt, xo + L);
      FloatVector v = FloatVector.broadcast(S, w[w0 + p]);
      a0 = xa.fma(v, a0);
      b0 = xb.fma(v, b0);
      v = FloatVector.broadcast(S, w[w1 + p]);
      a1 = xa.fma(v, a1);
      b1 = xb.fma(v, b1);
      v = FloatVector.broadcast(S, w[w2 + p]);
      a2 = xa.fma(v, a2);
      b2 = xb.fma(v, b2);
      v = FloatVector.broadcast(S, w[w3 + p]);
      a3 = xa.fma(v, a3);
      b3 = xb.fma(v, b3);
      v = FloatVector.broadcast(S, w[w4 + p]);
      a4 = xa.fma(v, a4);
      b4 = xb.fma(v, b4);
      v = FloatVector.broadcast(S, w[w5 + p]);
      a5 = xa.fma(v, a5);
      b5 = xb.fma(v, b5);
    }
    a0.intoArray(ct, co);
    b0.intoArray(ct, co + L);
    a1.intoArray(ct, co += mPad);
    b1.intoArray(ct, co + L);
    a2.intoArray(ct, co += mPad);
    b2.intoArray(ct, co + L);
    a3.intoArray(ct, co += mPad);
    b3.intoArray(ct, co + L);
    a4.intoArray(ct, co += mPad);
    b4.intoArray(ct, co + L);
    a5.intoArray(ct, co += mPad);
    b5.intoArray(ct, co + L);
    return touched; // the caller adds it to tmp[L], which keeps the touching loads alive
  }
}
