package dev.tulu4j.model;

import dev.tulu4j.tensor.CacheLines;
import dev.tulu4j.tensor.DecodeGemm;
import java.util.Arrays;

/**
 * Keys and values (after RoPE) of every layer for {@code batch} independent sequences of up to
 * {@code maxLen} tokens, fp32. Keys are stored transposed in blocks of {@link #KEY_BLOCK} positions
 * per (sequence, kv head), {@code (B, Hkv, ⌈maxLen/KB⌉, D, KB)} (KB = the vector length), so attention
 * scores vectorise over positions and the keys one (sequence, kv head) attends over are one
 * contiguous run of memory that a decode step streams in order (with {@code (D, maxLen)} rows they
 * were D short runs 4·maxLen bytes apart; see {@link #keyOffset}); values are
 * {@code (B, Hkv, maxLen, D)}, so the values one (sequence, kv head) attends over are one contiguous
 * run of memory (a decode step streams them; with the head's D floats interleaved among all Hkv·D
 * of a position they were 1 KiB apart for the tiny model). In all
 * {@link #bytes} = {@code 8·L·B·maxLen·Hkv·D} bytes.
 *
 * <p>A sliding-window layer (Mistral, Gemma 2's sliding layers; {@link Family#window}) keeps only
 * its last {@code min(W, maxLen)} positions, as a ring: position p lives in slot {@code p mod W}
 * ({@link #slot}); the arrays of such a layer are that many positions long. Llama and Qwen2 layers
 * and full-attention layers keep every position ({@code slot(l, p) = p}).
 *
 * <p>Every layer array holds {@link #SPARE} floats more than its positions need, and its data start
 * {@link #keyLead} / value lead elements in, chosen so that the data starts on a 64-byte cache line
 * (every (sequence, kv head) run and key block is then a whole number of lines, so the attention's
 * 512-bit loads never straddle two lines; {@link dev.tulu4j.tensor.CacheLines}). The collector may
 * move an array; {@link #realign} (called by the decode step before it reads the cache) moves the data
 * to the new line boundary. Readers and writers index only through {@link #keyBase(int, int, int)} and
 * {@link #valueBase(int, int, int)}, which include the lead; where data sits never changes a value.
 */
public final class KvCache {
  final int batch;
  final int maxLen;
  /** Positions per key block: one vector of the preferred species. */
  static final int KEY_BLOCK = DecodeGemm.L;

  final int kvHeads;
  final int headDim;
  final int lenPad; // maxLen rounded up to whole key blocks
  final float[][] k; // L × (B, Hkv, lenPad/KB, D, KB): transposed keys in blocks of KB positions
  final float[][] v; // L × (B, Hkv, maxLen, D)
  final int[] layerLen; // (L) positions a layer keeps: maxLen, or min(W, maxLen) for a sliding layer (a ring)
  final int[] layerPad; // (L) layerLen rounded up to whole key blocks
  final int[] length; // (B) tokens cached per sequence
  final int[] kLead; // (L) elements of k[l] before its data (so the data starts a cache line)
  final int[] vLead; // (L) the same for v[l]
  /** Floats each layer array holds beyond its positions: room to start the data on a cache line. */
  static final int SPARE = CacheLines.FLOATS - 1;
  DecodeScratch decodeScratch; // buffers of the fused decode step, reused across steps
  long[][] decodeProfile; // per thread: phase times of the fused step when a profiler sets it (DecodeStep.PROFILE_KINDS)
  int decodeMinBlockFloats = DecodeSplit.MIN_BLOCK_FLOATS; // tests lower it to split tiny models into chunks

  public KvCache(LlamaConfig c, int batch, int maxLen) {
    if (batch <= 0 || maxLen <= 0)
      throw new IllegalArgumentException("KV cache needs batch > 0 and maxLen > 0, got " + batch + ", " + maxLen);
    if (maxLen > c.maxPositions())
      throw new IllegalArgumentException("KV cache maxLen " + maxLen + " exceeds max_position_embeddings " + c.maxPositions());
    int lenPad = pad(maxLen);
    long per = (long) batch * lenPad * c.kvDim();
    if (per > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("KV cache layer of " + per + " floats is too large");
    this.batch = batch;
    this.maxLen = maxLen;
    this.kvHeads = c.kvHeads();
    this.headDim = c.headDim();
    this.lenPad = lenPad;
    this.layerLen = new int[c.layers()];
    this.layerPad = new int[c.layers()];
    this.k = new float[c.layers()][];
    this.v = new float[c.layers()][];
    for (int l = 0; l < c.layers(); l++) {
      layerLen[l] = positions(c, l, maxLen);
      layerPad[l] = pad(layerLen[l]);
      k[l] = new float[batch * layerPad[l] * c.kvDim() + SPARE];
      v[l] = new float[batch * layerLen[l] * c.kvDim() + SPARE];
    }
    this.length = new int[batch];
    this.kLead = new int[c.layers()];
    this.vLead = new int[c.layers()];
    realign();
  }

  /**
   * Moves each layer's data to start on a cache line again if the collector moved its array since
   * (a copy of the array within itself; nothing moves otherwise). Call it only while no other
   * thread reads or writes the cache.
   */
  void realign() {
    for (int l = 0; l < k.length; l++) {
      kLead[l] = shift(k[l], kLead[l]);
      vLead[l] = shift(v[l], vLead[l]);
    }
  }

  /** Profiling only ({@code DecodeAlignMain}): floats added (mod 16) to every layer's lead, to measure what the alignment buys. 0 otherwise. */
  static int lineSkew;

  private static int shift(float[] a, int lead) {
    int now = (CacheLines.lead(a) + lineSkew) % CacheLines.FLOATS;
    if (now != lead) System.arraycopy(a, lead, a, now, a.length - SPARE);
    return now;
  }

  /** Positions layer l keeps: maxLen, or the window when the layer slides and its window is shorter. */
  private static int positions(LlamaConfig c, int l, int maxLen) {
    int w = c.family().window(l);
    return w > 0 ? Math.min(w, maxLen) : maxLen;
  }

  private static int pad(int len) {
    return (len + KEY_BLOCK - 1) / KEY_BLOCK * KEY_BLOCK;
  }

  /**
   * Bytes held for the given shape: {@code 4·B·Hkv·D·Σ_l (len_l + pad(len_l))} with len_l = maxLen,
   * or the window of a sliding layer (keys padded to whole blocks); {@code 4·L·B·(maxLen + lenPad)·Hkv·D}
   * without sliding layers (the {@link #SPARE} floats per array, 120 bytes per layer, not counted).
   */
  public static long bytes(LlamaConfig c, int batch, int maxLen) {
    long n = 0;
    for (int l = 0; l < c.layers(); l++) {
      int len = positions(c, l, maxLen);
      n += len + pad(len);
    }
    return 4L * batch * n * c.kvDim();
  }

  /** The slot of position pos in layer l: pos, or pos mod W in a sliding layer's ring. */
  int slot(int l, int pos) {
    return pos % layerLen[l];
  }

  /** Start of the keys of (sequence b, kv head g) in layer l's key array (whose length may be a window). */
  int keyBase(int l, int b, int g) {
    return kLead[l] + (b * kvHeads + g) * layerPad[l] * headDim;
  }

  /** Start of the values of (sequence b, kv head g) in layer l's value array: rows of D per position. */
  int valueBase(int l, int b, int g) {
    return vLead[l] + (b * kvHeads + g) * layerLen[l] * headDim;
  }

  /** Offset of component e of the key at position pos from its {@link #keyBase}. */
  int keyOffset(int pos, int e) {
    return (pos / KEY_BLOCK) * (headDim * KEY_BLOCK) + e * KEY_BLOCK + pos % KEY_BLOCK;
  }

  /** Copies the keys 0..n−1 of (b, g) of layer l, transposed, into kt (D, n) (the layout a GEMM reads). */
  void unpackKeys(int l, int b, int g, int n, float[] kt) {
    float[] kc = k[l];
    int base = keyBase(l, b, g);
    for (int j0 = 0; j0 < n; j0 += KEY_BLOCK) {
      int len = Math.min(KEY_BLOCK, n - j0);
      int blk = base + (j0 / KEY_BLOCK) * headDim * KEY_BLOCK;
      for (int e = 0; e < headDim; e++) System.arraycopy(kc, blk + e * KEY_BLOCK, kt, e * n + j0, len);
    }
  }

  public int batch() { return batch; }

  public int maxLen() { return maxLen; }

  /** Tokens cached for sequence b (the position of its next token). */
  public int length(int b) { return length[b]; }

  /** Forgets every sequence (buffers are reused). */
  public void reset() { Arrays.fill(length, 0); }

  /** Forgets sequence b. */
  public void reset(int b) { length[b] = 0; }
}
