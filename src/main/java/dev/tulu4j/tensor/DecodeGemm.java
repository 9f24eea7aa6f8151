package dev.tulu4j.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The projections of a batched decode step, {@code y = x·Wᵀ} with W stored {@code [n, k]} (a linear
 * layer's weight), for 8 to 64 rows, computed with the <em>rows</em> of x in the vector lanes:
 * x is given transposed, {@code xt (k, mPad)} with {@code mPad} a multiple of the vector length L,
 * and each output column j is accumulated as
 * {@code acc[i0 .. i0+L) += xt[p, i0 .. i0+L) · W[j, p]} for p = 0 .. k−1 (one broadcast weight).
 *
 * <p>Why: the few-rows kernel that vectorises over k ({@link FewRowsGemm}) ends every output
 * with a horizontal sum, which at the tiny model's k = 256 costs more than the 16 FMAs it closes
 * (the profile in docs/PERFORMANCE.md, "Decode, round 3"). Here there is no reduction at all: every
 * output is one fused-multiply-add chain over p in order, so its bits do not depend on the JIT tier,
 * W is read exactly once per call, and a tile of 2 row-vectors × 6 columns keeps 12 accumulators,
 * 2 loads of xt and 6 scalar broadcasts per 12 FMAs (2 × 8, 16 accumulators, up to depth
 * {@link #READ_AHEAD_MAX_K}). With transposed output (the row-major modes reach it through {@code tmp})
 * the default is {@link DecodeTouchTiles}' 2 × 6 at every depth, which walks the depth a cache line of
 * W at a time. Lanes i ≥ m of xt are padding: whatever they
 * hold only reaches padding lanes of the output, which the row-major stores skip.
 *
 * <p>Outputs ({@link Mode}): {@code TRANSPOSED} writes {@code ct[j·mPad + i]} (the transposed layout
 * the next product reads); {@code ROWS_SET} / {@code ROWS_ADD} write / add into
 * {@code c[cOff + i·ldc + j]} for i &lt; m. Used by the model's batched decode step
 * ({@code model.DecodeStep}).
 *
 * <p>The register tiles ({@code tile2x6}, {@code tile2x6Ahead}, {@code tile2x8Ahead}) are written out
 * as near copies on purpose, as in {@link InPlaceKernels}: C2 keeps vectors in registers only when
 * each accumulator is a named local, so a tile cannot be a loop over an array of accumulators.
 */
public final class DecodeGemm {
  static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  /** Lanes per vector: the row padding unit. */
  public static final int L = S.length();

  /** Where a product's outputs go. */
  public enum Mode {
    /** ct[j·mPad + i] = y[i, j] (all mPad lanes). */
    TRANSPOSED,
    /** c[cOff + i·ldc + j] = y[i, j] for i &lt; m. */
    ROWS_SET,
    /** c[cOff + i·ldc + j] += y[i, j] for i &lt; m (a residual add). */
    ROWS_ADD
  }

  private DecodeGemm() {}

  /**
   * Up to this depth the 2 × 6 tile reads the next tile's W rows ahead, in address order (one load
   * per 6 floats, summed into a sink). Rows of at most 1 KiB are too short for the hardware
   * prefetchers to follow six of them interleaved from memory: with W streamed from memory
   * (60 matrices 768 × 256, one thread) the read-ahead took the kernel from 61 to 73 GFLOP/s, and
   * the tiny model's batch-32 QKV, O, MLP and LM head from 5.1 to 4.6 CPU-ms per step (three
   * interleaved pairs, one thread); at the 135M model's depths 576 and 1536 it made the step
   * 5–9% slower, so it stops at 256 (docs/PERFORMANCE.md, "Decode, round 3").
   */
  public static final int READ_AHEAD_MAX_K = 256;

  /** Rows padded to whole vectors. */
  public static int padded(int m) {
    return (m + L - 1) / L * L;
  }

  /**
   * Columns {@code [j0, j1)} of y = x·Wᵀ on the calling thread, x given as {@code xt (k, mPad)};
   * {@code tmp} holds at least L + 1 floats ([L] keeps the read-ahead alive), best {@link #tmpFloats}
   * (the row-major stores then go through it a group of columns at a time). {@code TRANSPOSED} ignores cOff.
   */
  public static void columns(int m, int mPad, int k, int j0, int j1, float[] xt, float[] w, int ldw, Mode mode,
      float[] c, int cOff, int ldc, float[] tmp) {
    columns(m, mPad, k, j0, j1, xt, 0, w, ldw, mode, c, mode == Mode.TRANSPOSED ? 0 : cOff, ldc, tmp);
  }

  /**
   * {@link #columns(int, int, int, int, int, float[], float[], int, Mode, float[], int, int, float[])}
   * with xt starting at {@code xt[xOff]} ({@code xt[xOff + p·mPad + i]}) and the transposed output
   * at {@code ct[cOff + j·mPad + i]}: a caller that starts its buffers on a cache line
   * ({@link CacheLines#lead}) makes every 512-bit load of xt and store of ct one line (mPad is a
   * multiple of 16 floats). Offsets only move where the data sits: every output is the same FMA chain.
   */
  public static void columns(int m, int mPad, int k, int j0, int j1, float[] xt, int xOff, float[] w, int ldw, Mode mode,
      float[] c, int cOff, int ldc, float[] tmp) {
    columns(m, mPad, k, j0, j1, xt, xOff, w, ldw, mode, c, cOff, ldc, tmp, -1);
  }

  /**
   * As above with {@code tmpLead} = {@link CacheLines#lead}{@code (tmp)} found by the caller (once per
   * decode step instead of once per call: each lookup is a critical downcall), or −1 to find it here.
   */
  public static void columns(int m, int mPad, int k, int j0, int j1, float[] xt, int xOff, float[] w, int ldw, Mode mode,
      float[] c, int cOff, int ldc, float[] tmp, int tmpLead) {
    if (referenceKernels) columns(false, m, mPad, k, j0, j1, xt, xOff, w, ldw, mode, c, cOff, ldc, new float[L + 1], -1);
    else columns(true, m, mPad, k, j0, j1, xt, xOff, w, ldw, mode, c, cOff, ldc, tmp, tmpLead);
  }

  /**
   * Tests only: when set, {@link #columns} runs as in session 8 (2 × 6 tile only, strided row stores),
   * so a test can compare whole decode steps of the two bit for bit. Set it only while no step runs.
   */
  public static boolean referenceKernels;

  /**
   * {@link #columns} with the 2 × 8 tile ({@code eight}, the default) or only the 2 × 6 tile of
   * session 8 (kept so a test can compare the bits of the two).
   */
  static void columns(boolean eight, int m, int mPad, int k, int j0, int j1, float[] xt, float[] w, int ldw, Mode mode,
      float[] c, int cOff, int ldc, float[] tmp) {
    columns(eight, m, mPad, k, j0, j1, xt, 0, w, ldw, mode, c, mode == Mode.TRANSPOSED ? 0 : cOff, ldc, tmp, -1);
  }

  static void columns(boolean eight, int m, int mPad, int k, int j0, int j1, float[] xt, int xOff, float[] w, int ldw,
      Mode mode, float[] c, int cOff, int ldc, float[] tmp, int tmpLead) {
    if (mode == Mode.TRANSPOSED || tmp.length < tmpFloats(mPad)) {
      block(eight, m, mPad, k, j0, j1, j1, xt, xOff, w, ldw, mode, c, cOff, ldc, tmp);
      return;
    }
    // the group's transposed outputs start on a cache line of tmp (after [0, L] and up to 15 floats)
    int g = L + 1 + Math.floorMod((tmpLead < 0 ? CacheLines.lead(tmp) : tmpLead) + lineSkew - (L + 1), CacheLines.FLOATS);
    // row-major outputs: each group of columns is computed transposed into tmp, then copied out row by
    // row (contiguous stores), instead of 16 scalar stores of stride ldc per accumulator, which at the
    // LM head's ldc = 2048 all fall into one L1 set (32 × 2048 × 256, one thread, W in cache: 362 → ~190 µs)
    for (int g0 = j0; g0 < j1; g0 += STORE_GROUP) {
      int g1 = Math.min(j1, g0 + STORE_GROUP);
      // read-ahead up to j1, not g1: the group's last tile reads the next group's first W rows ahead
      block(eight, m, mPad, k, g0, g1, j1, xt, xOff, w, ldw, Mode.TRANSPOSED, tmp, g - g0 * mPad, 0, tmp);
      for (int i = 0; i < m; i++) {
        int o = cOff + i * ldc, t = g + i;
        if (mode == Mode.ROWS_ADD) for (int j = g0; j < g1; j++, t += mPad) c[o + j] += tmp[t];
        else for (int j = g0; j < g1; j++, t += mPad) c[o + j] = tmp[t];
      }
    }
  }

  /**
   * Profiling only ({@code DecodeAlignMain}): floats added (mod 16) to every cache-line lead the decode
   * step's buffers take (this tmp's group area, DecodeStep's transposed buffers and score rows), so a
   * run can put them 16·skew bytes off a line on purpose and measure what the alignment buys. 0 otherwise.
   */
  public static int lineSkew;

  /** Columns per group of the row-major stores of {@link #columns} (a multiple of the 6- and 8-column tiles). */
  static final int STORE_GROUP = 24;

  /**
   * Floats of {@code tmp} for {@link #columns}' grouped row-major stores at {@code mPad} rows; a
   * shorter tmp (at least L + 1) makes the row-major modes store each accumulator's 16 rows with
   * stride ldc as before (same values, same bits).
   */
  public static int tmpFloats(int mPad) {
    return L + 1 + STORE_GROUP * mPad + CacheLines.FLOATS - 1;
  }

  /**
   * Columns [j0, j1) into c; the read-ahead tiles may read the W rows of the columns up to
   * {@code aheadEnd} ≥ j1 (the caller's whole range when it computes it a group at a time: with the
   * read-ahead stopping at each group of {@link #STORE_GROUP}, one tile in three read nothing ahead;
   * reading across groups made the row-major products 5–8% faster, W streamed from memory, one thread,
   * docs/PERFORMANCE.md, "Session 12: decode b32"). The read-ahead only feeds a sink: bits unchanged.
   */
  private static void block(boolean eight, int m, int mPad, int k, int j0, int j1, int aheadEnd, float[] xt, int xOff,
      float[] w, int ldw, Mode mode, float[] c, int cOff, int ldc, float[] tmp) {
    int i0 = 0;
    for (; i0 + 2 * L <= mPad; i0 += 2 * L) {
      int j = j0;
      if (eight && touchTile && mode == Mode.TRANSPOSED)
        for (; j + 6 <= j1; j += 6) tmp[L] += DecodeTouchTiles.tile2x6(mPad, k, xOff + i0, j, xt, w, ldw, c, cOff + j * mPad + i0);
      if (eight && k <= READ_AHEAD_MAX_K) for (; j + 8 <= j1; j += 8) tile2x8Ahead(m, mPad, k, i0, xOff + i0, j, xt, w, ldw, j + 16 <= aheadEnd ? (j + 8) * ldw : j * ldw, mode, c, cOff, ldc, tmp);
      for (; j + 6 <= j1; j += 6) {
        // short rows: the next tile's six W rows (or this one's, for the last), read ahead while this one computes
        if (k > READ_AHEAD_MAX_K) {
          if (eight && touchTile && mode == Mode.TRANSPOSED) tmp[L] += DecodeTouchTiles.tile2x6(mPad, k, xOff + i0, j, xt, w, ldw, c, cOff + j * mPad + i0);
          else tile2x6(m, mPad, k, i0, xOff + i0, j, xt, w, ldw, mode, c, cOff, ldc, tmp);
        }
        else tile2x6Ahead(m, mPad, k, i0, xOff + i0, j, xt, w, ldw, j + 12 <= aheadEnd ? (j + 6) * ldw : j * ldw, mode, c, cOff, ldc, tmp);
      }
      for (; j < j1; j++) tile2x1(m, mPad, k, i0, xOff + i0, j, xt, w, ldw, mode, c, cOff, ldc, tmp);
    }
    if (i0 < mPad) {
      int j = j0;
      for (; j + 8 <= j1; j += 8) tile1x8(m, mPad, k, i0, xOff + i0, j, xt, w, ldw, mode, c, cOff, ldc, tmp);
      for (; j < j1; j++) {
        FloatVector a = FloatVector.zero(S);
        int wj = j * ldw;
        for (int p = 0; p < k; p++) a = FloatVector.fromArray(S, xt, xOff + p * mPad + i0).fma(FloatVector.broadcast(S, w[wj + p]), a);
        store(a, m, mPad, i0, j, mode, c, cOff, ldc, tmp);
      }
    }
  }

  private static void tile2x6(int m, int mPad, int k, int i0, int x0, int j, float[] xt, float[] w, int ldw, Mode mode,
      float[] c, int cOff, int ldc, float[] tmp) {
    FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
    FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0;
    int w0 = j * ldw, w1 = w0 + ldw, w2 = w1 + ldw, w3 = w2 + ldw, w4 = w3 + ldw, w5 = w4 + ldw;
    for (int p = 0, xo = x0; p < k; p++, xo += mPad) {
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
    int i1 = i0 + L;
    store(a0, m, mPad, i0, j, mode, c, cOff, ldc, tmp);
    store(b0, m, mPad, i1, j, mode, c, cOff, ldc, tmp);
    store(a1, m, mPad, i0, j + 1, mode, c, cOff, ldc, tmp);
    store(b1, m, mPad, i1, j + 1, mode, c, cOff, ldc, tmp);
    store(a2, m, mPad, i0, j + 2, mode, c, cOff, ldc, tmp);
    store(b2, m, mPad, i1, j + 2, mode, c, cOff, ldc, tmp);
    store(a3, m, mPad, i0, j + 3, mode, c, cOff, ldc, tmp);
    store(b3, m, mPad, i1, j + 3, mode, c, cOff, ldc, tmp);
    store(a4, m, mPad, i0, j + 4, mode, c, cOff, ldc, tmp);
    store(b4, m, mPad, i1, j + 4, mode, c, cOff, ldc, tmp);
    store(a5, m, mPad, i0, j + 5, mode, c, cOff, ldc, tmp);
    store(b5, m, mPad, i1, j + 5, mode, c, cOff, ldc, tmp);
  }

  /**
   * Profiling only ({@code DecodeTouchAbMain}): false puts the tiles of session 12 back in place of
   * {@link DecodeTouchTiles#tile2x6} (session 8's {@link #tile2x6} above {@link #READ_AHEAD_MAX_K}, the
   * read-ahead {@link #tile2x8Ahead} / {@link #tile2x6Ahead} up to it; same bits), so one JVM can
   * alternate them. True otherwise.
   */
  public static boolean touchTile = true;

  /** As {@link #tile2x6}, reading the six W rows from {@code next} on ahead ({@link #READ_AHEAD_MAX_K}). */
  private static void tile2x6Ahead(int m, int mPad, int k, int i0, int x0, int j, float[] xt, float[] w, int ldw, int next,
      Mode mode, float[] c, int cOff, int ldc, float[] tmp) {
    FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
    FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0;
    int w0 = j * ldw, w1 = w0 + ldw, w2 = w1 + ldw, w3 = w2 + ldw, w4 = w3 + ldw, w5 = w4 + ldw;
    float ahead = 0f;
    for (int p = 0, xo = x0, pf = next; p < k; p++, xo += mPad, pf += 6) {
      ahead += w[pf]; // the next tile's rows in address order, one float every 24 bytes
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
    int i1 = i0 + L;
    tmp[L] += ahead; // keeps the read-ahead loads alive
    store(a0, m, mPad, i0, j, mode, c, cOff, ldc, tmp);
    store(b0, m, mPad, i1, j, mode, c, cOff, ldc, tmp);
    store(a1, m, mPad, i0, j + 1, mode, c, cOff, ldc, tmp);
    store(b1, m, mPad, i1, j + 1, mode, c, cOff, ldc, tmp);
    store(a2, m, mPad, i0, j + 2, mode, c, cOff, ldc, tmp);
    store(b2, m, mPad, i1, j + 2, mode, c, cOff, ldc, tmp);
    store(a3, m, mPad, i0, j + 3, mode, c, cOff, ldc, tmp);
    store(b3, m, mPad, i1, j + 3, mode, c, cOff, ldc, tmp);
    store(a4, m, mPad, i0, j + 4, mode, c, cOff, ldc, tmp);
    store(b4, m, mPad, i1, j + 4, mode, c, cOff, ldc, tmp);
    store(a5, m, mPad, i0, j + 5, mode, c, cOff, ldc, tmp);
    store(b5, m, mPad, i1, j + 5, mode, c, cOff, ldc, tmp);
  }

  /**
   * As {@link #tile2x6Ahead} with eight W rows: 16 accumulators, 2 loads of xt and 8 broadcasts per
   * 16 FMAs. With W streamed from L3 (30 matrices 768 × 256, one thread, `DecodeGemvBench 30 32`)
   * 106–110 → 112–119 GFLOP/s; in the tiny batch-32 step (one thread, with the grouped stores) QKV + O +
   * MLP 3.14 / 3.03 → 2.94 / 2.83 CPU-ms (docs/PERFORMANCE.md, "Session 11: decode"). Each output is the
   * same in-order FMA chain.
   */
  private static void tile2x8Ahead(int m, int mPad, int k, int i0, int x0, int j, float[] xt, float[] w, int ldw, int next,
      Mode mode, float[] c, int cOff, int ldc, float[] tmp) {
    FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0, b6 = a0, b7 = a0;
    int w0 = j * ldw, w1 = w0 + ldw, w2 = w1 + ldw, w3 = w2 + ldw, w4 = w3 + ldw, w5 = w4 + ldw, w6 = w5 + ldw, w7 = w6 + ldw;
    float ahead = 0f;
    for (int p = 0, xo = x0, pf = next; p < k; p++, xo += mPad, pf += 8) {
      ahead += w[pf];
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
      v = FloatVector.broadcast(S, w[w6 + p]);
      a6 = xa.fma(v, a6);
      b6 = xb.fma(v, b6);
      v = FloatVector.broadcast(S, w[w7 + p]);
      a7 = xa.fma(v, a7);
      b7 = xb.fma(v, b7);
    }
    int i1 = i0 + L;
    tmp[L] += ahead;
    store(a0, m, mPad, i0, j, mode, c, cOff, ldc, tmp);
    store(b0, m, mPad, i1, j, mode, c, cOff, ldc, tmp);
    store(a1, m, mPad, i0, j + 1, mode, c, cOff, ldc, tmp);
    store(b1, m, mPad, i1, j + 1, mode, c, cOff, ldc, tmp);
    store(a2, m, mPad, i0, j + 2, mode, c, cOff, ldc, tmp);
    store(b2, m, mPad, i1, j + 2, mode, c, cOff, ldc, tmp);
    store(a3, m, mPad, i0, j + 3, mode, c, cOff, ldc, tmp);
    store(b3, m, mPad, i1, j + 3, mode, c, cOff, ldc, tmp);
    store(a4, m, mPad, i0, j + 4, mode, c, cOff, ldc, tmp);
    store(b4, m, mPad, i1, j + 4, mode, c, cOff, ldc, tmp);
    store(a5, m, mPad, i0, j + 5, mode, c, cOff, ldc, tmp);
    store(b5, m, mPad, i1, j + 5, mode, c, cOff, ldc, tmp);
    store(a6, m, mPad, i0, j + 6, mode, c, cOff, ldc, tmp);
    store(b6, m, mPad, i1, j + 6, mode, c, cOff, ldc, tmp);
    store(a7, m, mPad, i0, j + 7, mode, c, cOff, ldc, tmp);
    store(b7, m, mPad, i1, j + 7, mode, c, cOff, ldc, tmp);
  }

  private static void tile2x1(int m, int mPad, int k, int i0, int x0, int j, float[] xt, float[] w, int ldw, Mode mode,
      float[] c, int cOff, int ldc, float[] tmp) {
    FloatVector a = FloatVector.zero(S), b = a;
    int wj = j * ldw;
    for (int p = 0, xo = x0; p < k; p++, xo += mPad) {
      FloatVector v = FloatVector.broadcast(S, w[wj + p]);
      a = FloatVector.fromArray(S, xt, xo).fma(v, a);
      b = FloatVector.fromArray(S, xt, xo + L).fma(v, b);
    }
    store(a, m, mPad, i0, j, mode, c, cOff, ldc, tmp);
    store(b, m, mPad, i0 + L, j, mode, c, cOff, ldc, tmp);
  }

  private static void tile1x8(int m, int mPad, int k, int i0, int x0, int j, float[] xt, float[] w, int ldw, Mode mode,
      float[] c, int cOff, int ldc, float[] tmp) {
    FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    int w0 = j * ldw, w1 = w0 + ldw, w2 = w1 + ldw, w3 = w2 + ldw;
    int w4 = w3 + ldw, w5 = w4 + ldw, w6 = w5 + ldw, w7 = w6 + ldw;
    for (int p = 0, xo = x0; p < k; p++, xo += mPad) {
      FloatVector xa = FloatVector.fromArray(S, xt, xo);
      a0 = xa.fma(FloatVector.broadcast(S, w[w0 + p]), a0);
      a1 = xa.fma(FloatVector.broadcast(S, w[w1 + p]), a1);
      a2 = xa.fma(FloatVector.broadcast(S, w[w2 + p]), a2);
      a3 = xa.fma(FloatVector.broadcast(S, w[w3 + p]), a3);
      a4 = xa.fma(FloatVector.broadcast(S, w[w4 + p]), a4);
      a5 = xa.fma(FloatVector.broadcast(S, w[w5 + p]), a5);
      a6 = xa.fma(FloatVector.broadcast(S, w[w6 + p]), a6);
      a7 = xa.fma(FloatVector.broadcast(S, w[w7 + p]), a7);
    }
    store(a0, m, mPad, i0, j, mode, c, cOff, ldc, tmp);
    store(a1, m, mPad, i0, j + 1, mode, c, cOff, ldc, tmp);
    store(a2, m, mPad, i0, j + 2, mode, c, cOff, ldc, tmp);
    store(a3, m, mPad, i0, j + 3, mode, c, cOff, ldc, tmp);
    store(a4, m, mPad, i0, j + 4, mode, c, cOff, ldc, tmp);
    store(a5, m, mPad, i0, j + 5, mode, c, cOff, ldc, tmp);
    store(a6, m, mPad, i0, j + 6, mode, c, cOff, ldc, tmp);
    store(a7, m, mPad, i0, j + 7, mode, c, cOff, ldc, tmp);
  }

  /**
   * Columns {@code [j0, j1)} of y = x·Wᵀ for a few rows of x stored row-major
   * ({@code x[xOff + i·ldx + p]}), vectorised over k: each row against four W rows at a time
   * (4 accumulators, one load of x per 4 FMAs), so a block of four W rows is read once from memory
   * and again from L1 for the next row. Mode {@link Mode#ROWS_SET} or {@link Mode#ROWS_ADD}. For the
   * decode steps from 2 to {@code DecodeStep.TRANSPOSED_MIN_ROWS − 1} rows. One thread, W in L2,
   * 768 × 256: 4 rows 36 µs here, 86 through {@code FewRowsGemm}'s 4 × 4 register tile.
   */
  public static void rows(int m, int k, int j0, int j1, float[] x, int xOff, int ldx, float[] w, int ldw, Mode mode,
      float[] c, int cOff, int ldc) {
    int j = j0;
    for (; j + 4 <= j1; j += 4) {
      for (int i = 0; i < m; i++) row1x4(k, x, xOff + i * ldx, w, j * ldw, ldw, mode, c, cOff + i * ldc + j);
    }
    for (; j < j1; j++) {
      for (int i = 0; i < m; i++) {
        int xa = xOff + i * ldx, wa = j * ldw;
        FloatVector a = FloatVector.zero(S);
        int p = 0;
        for (; p <= k - L; p += L) a = FloatVector.fromArray(S, x, xa + p).fma(FloatVector.fromArray(S, w, wa + p), a);
        float v = VectorMath.sum(a);
        for (; p < k; p++) v += x[xa + p] * w[wa + p];
        put(c, cOff + i * ldc + j, v, mode);
      }
    }
  }

  /**
   * The same sums as {@code FewRowsGemm}'s 1 × 4 tile, kept as its own method: calling that shared
   * kernel from {@link #rows} instead made tiny batch-4 decode 25% slower (1,634–1,760 vs 2,230–2,264
   * tok/s, interleaved, `bench decode --shape tiny --decode-batches 4 --steps 10`), C2 compiling the
   * shared method for both call sites.
   */
  private static void row1x4(int k, float[] x, int xa, float[] w, int wa, int ldw, Mode mode, float[] c, int ci) {
    FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
    int wb = wa + ldw, wc = wb + ldw, wd = wc + ldw;
    int p = 0;
    for (; p <= k - L; p += L) {
      FloatVector x0 = FloatVector.fromArray(S, x, xa + p);
      a0 = x0.fma(FloatVector.fromArray(S, w, wa + p), a0);
      a1 = x0.fma(FloatVector.fromArray(S, w, wb + p), a1);
      a2 = x0.fma(FloatVector.fromArray(S, w, wc + p), a2);
      a3 = x0.fma(FloatVector.fromArray(S, w, wd + p), a3);
    }
    float s0 = VectorMath.sum(a0), s1 = VectorMath.sum(a1);
    float s2 = VectorMath.sum(a2), s3 = VectorMath.sum(a3);
    for (; p < k; p++) {
      float x0 = x[xa + p];
      s0 += x0 * w[wa + p];
      s1 += x0 * w[wb + p];
      s2 += x0 * w[wc + p];
      s3 += x0 * w[wd + p];
    }
    put(c, ci, s0, mode);
    put(c, ci + 1, s1, mode);
    put(c, ci + 2, s2, mode);
    put(c, ci + 3, s3, mode);
  }

  private static void put(float[] c, int ci, float v, Mode mode) {
    if (mode == Mode.ROWS_ADD) c[ci] += v;
    else c[ci] = v;
  }

  /** Output column j for rows i0 .. i0+L of the accumulator a, in the given mode. */
  private static void store(FloatVector a, int m, int mPad, int i0, int j, Mode mode, float[] c, int cOff, int ldc,
      float[] tmp) {
    if (mode == Mode.TRANSPOSED) {
      a.intoArray(c, cOff + j * mPad + i0);
      return;
    }
    int n = Math.min(L, m - i0);
    if (n <= 0) return;
    a.intoArray(tmp, 0);
    int o = cOff + i0 * ldc + j;
    if (mode == Mode.ROWS_ADD) {
      for (int l = 0; l < n; l++, o += ldc) c[o] += tmp[l];
    } else {
      for (int l = 0; l < n; l++, o += ldc) c[o] = tmp[l];
    }
  }
}
