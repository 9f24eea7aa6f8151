package dev.tulu4j.model;

import java.util.Arrays;

/**
 * Keys and values (after RoPE) of every layer for {@code batch} independent sequences of up to
 * {@code maxLen} tokens, fp32. Keys are stored transposed per (sequence, kv head),
 * {@code (B, Hkv, D, maxLen)}, so attention scores vectorise over positions; values are
 * {@code (B, Hkv, maxLen, D)}, so the values one (sequence, kv head) attends over are one contiguous
 * run of memory (a decode step streams them; with the head's D floats interleaved among all Hkv·D
 * of a position they were 1 KiB apart for the tiny model). In all
 * {@link #bytes} = {@code 8·L·B·maxLen·Hkv·D} bytes.
 */
public final class KvCache {
  final int batch;
  final int maxLen;
  final float[][] k; // L × (B, Hkv, D, maxLen): transposed keys
  final float[][] v; // L × (B, Hkv, maxLen, D)
  final int[] length; // (B) tokens cached per sequence
  DecodeStep.Scratch decodeScratch; // buffers of the fused decode step, reused across steps
  long[][] decodeProfile; // per thread: phase times of the fused step when a profiler sets it (DecodeStep.PROFILE_KINDS)
  int decodeMinBlockFloats = DecodeStep.MIN_BLOCK_FLOATS; // tests lower it to split tiny models into chunks

  public KvCache(LlamaConfig c, int batch, int maxLen) {
    if (batch <= 0 || maxLen <= 0)
      throw new IllegalArgumentException("KV cache needs batch > 0 and maxLen > 0, got " + batch + ", " + maxLen);
    if (maxLen > c.maxPositions())
      throw new IllegalArgumentException("KV cache maxLen " + maxLen + " exceeds max_position_embeddings " + c.maxPositions());
    long per = (long) batch * maxLen * c.kvDim();
    if (per > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("KV cache layer of " + per + " floats is too large");
    this.batch = batch;
    this.maxLen = maxLen;
    this.k = new float[c.layers()][(int) per];
    this.v = new float[c.layers()][(int) per];
    this.length = new int[batch];
  }

  /** Bytes held for the given shape: {@code 8·L·B·maxLen·Hkv·D}. */
  public static long bytes(LlamaConfig c, int batch, int maxLen) {
    return 8L * c.layers() * batch * maxLen * c.kvDim();
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
