package dev.tulu4j.model;

import dev.tulu4j.tensor.Gemm;
import dev.tulu4j.tensor.VectorMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * Causal grouped-query attention with an online (flash-style) softmax: scores are produced a block
 * of keys at a time and folded into a running max / sum / output, so memory stays O(D) per query
 * instead of O(T²). The per-(token, head) log-sum-exp is kept for the backward, which recomputes
 * probabilities as {@code exp(s − lse)} (FlashAttention, Dao et al. 2022, Alg. 1–2).
 *
 * <p>Layouts: q and out (N, H·D), k and v (N, Hkv·D), lse (N, H); query head h reads kv head
 * {@code h / (H/Hkv)}. Rows {@code b·T .. b·T+T−1} are one batch row; query t attends keys
 * {@code start[b·T+t] .. t} of its row (start = 0 for plain causal, the segment start for packed rows).
 */
final class Attention {
  static final int BLOCK = 64;

  private Attention() {}

  /** Training/prefill forward over (B, T) rows (query blocks through GEMMs: {@link BlockAttention}). */
  static void forward(ModelParallel par, Gemm gemm, float[] q, float[] k, float[] v, float[] out, float[] lse,
      int batch, int time, int heads, int kvHeads, int d, int[] start) {
    BlockAttention.forward(par, gemm, q, k, v, out, lse, batch, time, heads, kvHeads, d, start);
  }

  /**
   * s[jj] = scale · (q · k_{j0+jj}) for jj &lt; n with keys stored transposed, kt (D, ldk) from
   * ktBase: 16 keys per vector, accumulated over D in a register (no horizontal reductions).
   */
  static void scores(float[] q, int qOff, float[] kt, int ldk, int j0, int n, int d, float scale, float[] s) {
    scores(q, qOff, kt, 0, ldk, j0, n, d, scale, s);
  }

  static void scores(float[] q, int qOff, float[] kt, int ktBase, int ldk, int j0, int n, int d, float scale,
      float[] s) {
    j0 += ktBase;
    int jj = 0;
    int lanes = VectorMath.S.length();
    int bound = VectorMath.S.loopBound(n);
    // two vectors of keys at a time: independent FMA chains over D (each score still sums e in order)
    for (; jj + 2 * lanes <= bound; jj += 2 * lanes) {
      FloatVector a = FloatVector.zero(VectorMath.S), b = a;
      for (int e = 0; e < d; e++) {
        FloatVector qe = FloatVector.broadcast(VectorMath.S, q[qOff + e]);
        int o = e * ldk + j0 + jj;
        a = FloatVector.fromArray(VectorMath.S, kt, o).fma(qe, a);
        b = FloatVector.fromArray(VectorMath.S, kt, o + lanes).fma(qe, b);
      }
      a.mul(scale).intoArray(s, jj);
      b.mul(scale).intoArray(s, jj + lanes);
    }
    for (; jj < bound; jj += lanes) {
      FloatVector acc = FloatVector.zero(VectorMath.S);
      for (int e = 0; e < d; e++)
        acc = FloatVector.fromArray(VectorMath.S, kt, e * ldk + j0 + jj).fma(FloatVector.broadcast(VectorMath.S, q[qOff + e]), acc);
      acc.mul(scale).intoArray(s, jj);
    }
    if (jj < n) { // the last keys: one masked vector (lanes past n neither read nor written)
      VectorMask<Float> mk = VectorMath.S.indexInRange(jj, n);
      FloatVector acc = FloatVector.zero(VectorMath.S);
      for (int e = 0; e < d; e++)
        acc = FloatVector.fromArray(VectorMath.S, kt, e * ldk + j0 + jj, mk).fma(FloatVector.broadcast(VectorMath.S, q[qOff + e]), acc);
      acc.mul(scale).intoArray(s, jj, mk);
    }
  }

  /** One query against keys j0..j1 (inclusive), keys transposed (kt (D, ldk)), values row-major at
   * {@code vBase + j·vStride}: writes the softmax-weighted sum of values to out[outOff..+D) and returns
   * the log-sum-exp of the scaled scores. */
  static float attendTransposed(float[] q, int qOff, float[] kt, int ldk, float[] v, int vBase, int vStride,
      int j0, int j1, int d, float scale, float[] out, int outOff, float[] scratch) {
    return attendTransposed(q, qOff, kt, 0, ldk, v, vBase, vStride, j0, j1, d, scale, out, outOff, scratch);
  }

  /** As above with the transposed keys starting at {@code ktBase} (e.g. one sequence of a KV cache). */
  static float attendTransposed(float[] q, int qOff, float[] kt, int ktBase, int ldk, float[] v, int vBase,
      int vStride, int j0, int j1, int d, float scale, float[] out, int outOff, float[] scratch) {
    java.util.Arrays.fill(out, outOff, outOff + d, 0f);
    float m = Float.NEGATIVE_INFINITY;
    float l = 0f;
    for (int jb = j0; jb <= j1; jb += BLOCK) {
      int n = Math.min(BLOCK, j1 - jb + 1);
      scores(q, qOff, kt, ktBase, ldk, jb, n, d, scale, scratch);
      float newM = Math.max(m, VectorMath.max(scratch, 0, n));
      if (m != Float.NEGATIVE_INFINITY && newM > m) {
        float corr = (float) Math.exp(m - newM);
        l *= corr;
        VectorMath.scale(d, corr, out, outOff);
      }
      m = newM;
      l += VectorMath.expShiftSum(scratch, 0, n, m);
      gatherRows(scratch, n, v, vBase + jb * vStride, vStride, out, outOff, d);
    }
    VectorMath.scale(d, 1f / l, out, outOff);
    return m + (float) Math.log(l);
  }

  /**
   * dst[0..D) += Σ_{jj&lt;n} coef[jj]·src[srcBase + jj·stride ..]: each D-chunk of dst stays in a
   * register while the n rows stream past.
   */
  static void gatherRows(float[] coef, int n, float[] src, int srcBase, int stride, float[] dst, int dstOff, int d) {
    int e = 0;
    int bound = VectorMath.S.loopBound(d);
    for (; e < bound; e += VectorMath.S.length()) {
      FloatVector acc = FloatVector.fromArray(VectorMath.S, dst, dstOff + e);
      for (int jj = 0; jj < n; jj++)
        acc = FloatVector.fromArray(VectorMath.S, src, srcBase + jj * stride + e)
            .fma(FloatVector.broadcast(VectorMath.S, coef[jj]), acc);
      acc.intoArray(dst, dstOff + e);
    }
    for (; e < d; e++) {
      float a = dst[dstOff + e];
      for (int jj = 0; jj < n; jj++) a += coef[jj] * src[srcBase + jj * stride + e];
      dst[dstOff + e] = a;
    }
  }

  /**
   * Backward. With p = exp(s − lse), Dᵢ = dOᵢ·Oᵢ: {@code dv_j += p·dOᵢ}, {@code ds = p·(dOᵢ·v_j − Dᵢ)},
   * {@code dqᵢ += ds·scale·k_j}, {@code dk_j += ds·scale·qᵢ} ({@link BlockAttention}: tasks are
   * (batch row, kv head), so each owns its slices of dk/dv and of dq for the query heads of its group).
   * dq, dk, dv are overwritten.
   */
  static void backward(ModelParallel par, Gemm gemm, float[] q, float[] k, float[] v, float[] out, float[] lse, float[] dout,
      float[] dq, float[] dk, float[] dv, int batch, int time, int heads, int kvHeads, int d, int[] start) {
    BlockAttention.backward(par, gemm, q, k, v, out, lse, dout, dq, dk, dv, batch, time, heads, kvHeads, d, start);
  }
}
