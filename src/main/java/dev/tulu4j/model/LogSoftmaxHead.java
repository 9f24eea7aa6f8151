package dev.tulu4j.model;

import dev.tulu4j.tensor.Gemm;
import dev.tulu4j.tensor.PackedB;
import dev.tulu4j.tensor.VectorMath;

/**
 * The LM head fused with log-softmax, the gather of the target's log-probability and its backward.
 * Logits are produced a chunk of rows at a time into one (chunk, V) scratch buffer and reduced at
 * once, so the full (N, V) logits never exist. For target y and scaled logits z = s·x·wᵀ (s = 1/T,
 * the inverse temperature, 1 except in RLVR): {@code logp = z_y − lse(z)}; with upstream
 * {@code g = ∂L/∂logp}, {@code ∂L/∂z_j = g·(δ_jy − softmax(z)_j)}, and the scale s reaches dx and dw
 * as the alpha of their GEMMs. The backward recomputes the chunk's logits (one extra
 * head GEMM) because upstream gradients (DPO, PPO) are known only after the forward.
 */
final class LogSoftmaxHead {
  /** Ignored-target marker (PyTorch's ignore_index). */
  static final int IGNORE = -100;

  private LogSoftmaxHead() {}

  /**
   * Rows per chunk: about 4 M floats of scratch, but at least 256 rows so that the head weight
   * (streamed once per chunk) is reused enough — with V = 128256 that is 131 MB instead of the 2 GB
   * a 4096-token batch's full logits would take.
   */
  static int chunkRows(int rows, int vocab) {
    return Math.max(1, Math.min(rows, Math.max(256, (1 << 22) / vocab)));
  }

  /**
   * x (N, C), w (V, C) → logp[r] = log softmax(x_r·wᵀ)[target_r] (0 where the target is ignored) and
   * lse[r] = logsumexp of row r. Rows go through {@code scratch} (chunk·V floats) a chunk at a time.
   */
  static void forward(ModelParallel par, Gemm gemm, float[] x, float[] w, int rows, int c, int vocab, int[] targets,
      float[] logp, float[] lse, float[] scratch) {
    forwardBackward(par, gemm, x, head(w, vocab, c), null, rows, c, vocab, 1f, targets, null, logp, lse, null, scratch);
  }

  /** An fp32 head weight as a {@link Parameter} (for the float[] entry points). */
  private static Parameter head(float[] w, int vocab, int c) {
    return new Parameter("lm_head.weight", new int[] {vocab, c}, w, null, false);
  }

  /**
   * The forward, and — when {@code dLogp} is non-null (an upstream gradient known in advance, as in
   * cross-entropy) — the backward of the same chunk while its logits are still in scratch: dx (N, C)
   * overwritten, dw (V, C) accumulated. Saves the backward's recompute of the head GEMM.
   */
  static void forwardBackward(ModelParallel par, Gemm gemm, float[] x, Parameter w, float[] dw, int rows, int c, int vocab,
      float scale, int[] targets, float[] dLogp, float[] logp, float[] lse, float[] dx, float[] scratch) {
    int chunk = scratch.length / vocab;
    PackedB head = packedHead(gemm, w, rows, chunk, c, vocab);
    for (int r0 = 0; r0 < rows; r0 += chunk) {
      int n = Math.min(chunk, rows - r0);
      int base = r0;
      logits(gemm, head, n, vocab, c, scale, x, base * c, w, scratch);
      par.forEach(n, i -> {
        int o = i * vocab;
        float m = VectorMath.max(scratch, o, vocab);
        float l = m + (float) Math.log(VectorMath.sumExpShift(scratch, o, vocab, m));
        lse[base + i] = l;
        int y = targets == null ? IGNORE : targets[base + i];
        logp[base + i] = y == IGNORE ? 0f : scratch[o + y] - l;
        if (dLogp != null) logitGrad(scratch, o, vocab, y, y == IGNORE ? 0f : dLogp[base + i], l);
      });
      if (dLogp != null) chunkBackward(gemm, x, w, dw, c, vocab, scale, base, n, dx, scratch);
    }
  }

  /**
   * Backward for upstream gradient dLogp (N): dx (N, C) is overwritten, dw (V, C) accumulated.
   * Rows whose upstream gradient is 0 or whose target is ignored contribute nothing.
   */
  static void backward(ModelParallel par, Gemm gemm, float[] x, float[] w, float[] dw, int rows, int c, int vocab,
      float scale, int[] targets, float[] dLogp, float[] lse, float[] dx, float[] scratch) {
    backward(par, gemm, x, head(w, vocab, c), dw, rows, c, vocab, scale, targets, dLogp, lse, dx, scratch);
  }

  /** {@link #backward} over a head weight in either dtype ({@code dw} null for a frozen head: no weight gradient). */
  static void backward(ModelParallel par, Gemm gemm, float[] x, Parameter w, float[] dw, int rows, int c, int vocab,
      float scale, int[] targets, float[] dLogp, float[] lse, float[] dx, float[] scratch) {
    int chunk = scratch.length / vocab;
    PackedB head = packedHead(gemm, w, rows, chunk, c, vocab);
    for (int r0 = 0; r0 < rows; r0 += chunk) {
      int n = Math.min(chunk, rows - r0);
      int base = r0;
      logits(gemm, head, n, vocab, c, scale, x, base * c, w, scratch);
      par.forEach(n, i -> {
        int y = targets[base + i];
        logitGrad(scratch, i * vocab, vocab, y, y == IGNORE ? 0f : dLogp[base + i], lse[base + i]);
      });
      chunkBackward(gemm, x, w, dw, c, vocab, scale, base, n, dx, scratch);
    }
  }

  /**
   * Most floats of a head weight packed once per pass ({@link #packedHead}): 128 MiB, which holds
   * SmolLM2's 49,152 × 576 (113 MB) and not a 128k vocabulary times 2,048 (1 GB).
   */
  static final long MAX_PACKED_HEAD_FLOATS = 1L << 25;

  /**
   * The fp32 head weight's panels packed once for all row chunks of a pass (the weight does not
   * change within it): each chunk's logits GEMM then skips packing the whole {@code V × C} weight,
   * which took a third of that GEMM at 256 rows per chunk (docs/PERFORMANCE.md, "Session 12: the
   * 135M step outside the GEMM kernel"). Null with one chunk, a bf16 head, or a weight over
   * {@link #MAX_PACKED_HEAD_FLOATS}: each chunk then calls {@link WeightOps#mulT} as before. The
   * logits are the same bits either way ({@link Gemm#sgemmPacked}).
   */
  private static PackedB packedHead(Gemm gemm, Parameter w, int rows, int chunk, int c, int vocab) {
    if (rows <= chunk || w.isBf16()) return null;
    return gemm.packB(true, vocab, c, w.data(), 0, c, MAX_PACKED_HEAD_FLOATS);
  }

  /** Scaled logits of {@code n} rows into {@code out} (n, V): through the packed head when there is one. */
  private static void logits(Gemm gemm, PackedB head, int n, int vocab, int c, float scale, float[] x, int xOff,
      Parameter w, float[] out) {
    if (head != null) gemm.sgemmPacked(n, scale, x, xOff, c, head, 0f, out, 0, vocab);
    else WeightOps.mulT(gemm, n, vocab, c, scale, x, xOff, c, w, 0f, out, 0, vocab);
  }

  /** Logits z (in place) → dz_j = g·(δ_jy − exp(z_j − lse)); all zero when g is 0. */
  private static void logitGrad(float[] z, int o, int vocab, int y, float g, float lse) {
    if (g == 0f) {
      java.util.Arrays.fill(z, o, o + vocab, 0f);
      return;
    }
    VectorMath.expShiftSum(z, o, vocab, lse);
    VectorMath.scale(vocab, -g, z, o);
    z[o + y] += g;
  }

  /** dx[base..base+n) = s·dz·w ; dw += s·dzᵀ·x[base..base+n) (dz: gradient of the scaled logits; no dw when null). */
  private static void chunkBackward(Gemm gemm, float[] x, Parameter w, float[] dw, int c, int vocab, float scale,
      int base, int n, float[] dx, float[] dz) {
    WeightOps.mul(gemm, n, c, vocab, scale, dz, 0, vocab, w, 0f, dx, base * c, c);
    if (dw != null) gemm.sgemm(true, false, vocab, c, n, scale, dz, 0, vocab, x, base * c, c, 1f, dw, 0, c); // null: frozen head
  }

  /** Full logits (N, V) = x·wᵀ, for evaluation and tests (materialises N·V floats). */
  static void logits(Gemm gemm, float[] x, int xOff, Parameter w, int rows, int c, int vocab, float[] out) {
    WeightOps.mulT(gemm, rows, vocab, c, 1f, x, xOff, c, w, 0f, out, 0, vocab);
  }
}
