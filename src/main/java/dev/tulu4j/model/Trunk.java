package dev.tulu4j.model;

import dev.tulu4j.tensor.VectorMath;

/**
 * The training-path forward and backward of {@link LlamaModel} over (B, T) batches. The forward
 * reads like the model (one line and one comment per step); the backward goes through the same
 * steps in reverse order.
 */
final class Trunk {
  private Trunk() {}

  static LlamaModel.LogProbs forward(LlamaModel m, Batch batch, Activations a, boolean withHead) {
    return forward(m, batch, a, withHead, null);
  }

  /**
   * Forward; with {@code headUpstream} non-null the LM head's backward runs fused into its forward
   * (dlnf lands in {@code a.dln}) and {@link #backward} must then be called with {@code headDone}.
   */
  static LlamaModel.LogProbs forward(LlamaModel m, Batch batch, Activations a, boolean withHead, float[] headUpstream) {
    if (!m.config().family().isPlain()) return FamilyTrunk.forward(m, batch, a, withHead, headUpstream);
    LlamaConfig c = m.config();
    ModelParallel par = m.parallel();
    int n = batch.rows();
    if (n > a.capacity)
      throw new IllegalArgumentException("batch of " + n + " tokens exceeds activation capacity " + a.capacity);
    int cc = c.hidden();
    float eps = (float) c.rmsNormEps();
    a.forwarded = null;
    m.loraNewPass(a);
    int[] pos = positionsAndStarts(batch, a.start);
    Rope.tables(par, m.inverseFrequencies(), pos, n, a.ropeCos, a.ropeSin);
    // embedding: res0[r] = E[ids[r]]
    Parameter e = m.inputEmbedding();
    int[] ids = batch.ids();
    for (int r = 0; r < n; r++) {
      if (ids[r] < 0 || ids[r] >= c.vocabSize())
        throw new IllegalArgumentException("batch.ids[" + r + "] = " + ids[r] + " outside vocabulary [0, " + c.vocabSize() + ")");
    }
    par.forRange(n, 64, (from, to) -> {
      for (int r = from; r < to; r++) WeightOps.row(e, ids[r], cc, a.res[0], r * cc);
    });
    for (int l = 0; l < c.layers(); l++) layerForward(m, batch, a, l, true);
    // final RMSNorm
    RmsNorm.forward(par, a.res[c.layers()], m.finalNorm().data(), a.lnf, a.rstdf, n, cc, eps);
    if (!withHead) return null;
    checkTargets(batch, c.vocabSize());
    // LM head + log-softmax + gather of the targets (+ its backward when the upstream is known)
    if (headUpstream != null) a.ensureBackwardScratch();
    LogSoftmaxHead.forwardBackward(par, m.gemm(), a.lnf, m.outputHead(), m.outputHead().grad(), n, cc, c.vocabSize(),
        a.logitScale(), batch.targets(), headUpstream, a.logp, a.headLse, a.dln, a.headScratch);
    a.forwarded = batch;
    return gathered(batch, a);
  }

  /** Every target is a vocabulary id or {@link LogSoftmaxHead#IGNORE}. */
  static void checkTargets(Batch batch, int vocab) {
    for (int r = 0; r < batch.rows(); r++) {
      int y = batch.targets()[r];
      if (y != LogSoftmaxHead.IGNORE && (y < 0 || y >= vocab))
        throw new IllegalArgumentException("batch.targets[" + r + "] = " + y + " outside vocabulary (use -100 to ignore)");
    }
  }

  /** The targets' log-probs from {@code a.logp} (0 at ignored rows), their negated sum and count. */
  static LlamaModel.LogProbs gathered(Batch batch, Activations a) {
    int n = batch.rows();
    double loss = 0;
    int count = 0;
    float[] lp = new float[n];
    for (int r = 0; r < n; r++) {
      int y = batch.targets()[r];
      if (y == LogSoftmaxHead.IGNORE) continue;
      lp[r] = a.logp[r];
      loss -= a.logp[r];
      count++;
    }
    return new LlamaModel.LogProbs(lp, loss, count);
  }

  /**
   * Layer l's forward from {@code a.res[l]}: steps 1–9 into its buffers, or ({@code toOutput}
   * false, the checkpointed backward's recompute) steps 1–7 only — the backward recomputes h itself
   * and needs neither the down projection nor {@code res[l+1]}, which it keeps.
   */
  private static void layerForward(LlamaModel m, Batch batch, Activations a, int l, boolean toOutput) {
    LlamaConfig c = m.config();
    ModelParallel par = m.parallel();
    int n = batch.rows();
    int cc = c.hidden(), f = c.intermediate(), qd = c.qDim(), kd = c.kvDim(), hd = c.headDim();
    float eps = (float) c.rmsNormEps();
    LayerWeights w = m.layer(l);
    // 1. ln1 = RMSNorm(res_l); resMid = res_l in the same pass (step 5 adds the o projection into it)
    RmsNorm.forward(par, a.res[l], w.inputNorm().data(), a.ln1[l], a.rstd1[l], n, cc, eps, a.resMid[l]);
    // 2. q, k, v = ln1·Wᵀ (+ bias)
    m.linear(a.ln1[l], n, cc, w.q(), w.qBias(), a.q[l], qd);
    m.linear(a.ln1[l], n, cc, w.k(), w.kBias(), a.k[l], kd);
    m.linear(a.ln1[l], n, cc, w.v(), w.vBias(), a.v[l], kd);
    //    (+ LoRA: q, k, v += s·(drop(ln1)·Aᵀ)·Bᵀ where targeted)
    m.loraForward(l, LoraAdapter.Group.ATTENTION_IN, a.ln1[l], n, new float[][] {a.q[l], a.k[l], a.v[l]}, a);
    // 3. RoPE on q and k
    Rope.forward(par, a.q[l], c.heads(), a.k[l], c.kvHeads(), n, hd, a.ropeCos, a.ropeSin);
    // 4. att = causal GQA attention (online softmax), keeping lse
    Attention.forward(par, m.taskGemm(), a.q[l], a.k[l], a.v[l], a.att[l], a.lse[l], batch.batchSize(), batch.seqLen(),
        c.heads(), c.kvHeads(), hd, a.start);
    // 5. resMid = res_l + att·Woᵀ (resMid holds res_l since step 1)
    WeightOps.mulT(m.gemm(), n, cc, qd, 1f, a.att[l], 0, qd, w.o(), 1f, a.resMid[l], 0, cc);
    m.loraForward(l, LoraAdapter.Group.O, a.att[l], n, new float[][] {a.resMid[l]}, a);
    // 6. ln2 = RMSNorm(resMid); res_{l+1} = resMid in the same pass when the layer goes to its output
    //    (step 9 adds the down projection into it; the checkpointed recompute must not touch res_{l+1})
    RmsNorm.forward(par, a.resMid[l], w.postNorm().data(), a.ln2[l], a.rstd2[l], n, cc, eps, toOutput ? a.res[l + 1] : null);
    // 7. gate, up = ln2·Wᵀ
    m.linear(a.ln2[l], n, cc, w.gate(), null, a.gate[l], f);
    m.linear(a.ln2[l], n, cc, w.up(), null, a.up[l], f);
    m.loraForward(l, LoraAdapter.Group.MLP_IN, a.ln2[l], n, new float[][] {a.gate[l], a.up[l]}, a);
    a.slotLayer = l;
    if (!toOutput) return;
    // 8. h = silu(gate)·up
    SwiGlu.forward(par, a.gate[l], a.up[l], a.h[l], n * f);
    // 9. res_{l+1} = resMid + h·Wdᵀ (res_{l+1} holds resMid since step 6)
    WeightOps.mulT(m.gemm(), n, cc, f, 1f, a.h[l], 0, f, w.down(), 1f, a.res[l + 1], 0, cc);
    m.loraForward(l, LoraAdapter.Group.DOWN, a.h[l], n, new float[][] {a.res[l + 1]}, a);
  }

  /**
   * RoPE positions (returned) and the first visible key of each query (into {@code start}): explicit
   * positions if given; else counting from 0 per row, restarting at each segment-run start.
   */
  static int[] positionsAndStarts(Batch batch, int[] start) {
    int t = batch.seqLen();
    int[] seg = batch.segments();
    int[] pos = new int[batch.rows()];
    for (int b = 0; b < batch.batchSize(); b++) {
      int runStart = 0;
      for (int i = 0; i < t; i++) {
        int r = b * t + i;
        if (seg != null && i > 0 && seg[r] != seg[r - 1]) runStart = i;
        start[r] = runStart;
        pos[r] = batch.positions() != null ? batch.positions()[r] : i - runStart;
        if (pos[r] < 0) throw new IllegalArgumentException("batch.positions[" + r + "] is negative");
      }
    }
    return pos;
  }

  /** Backward; {@code headDone} when the forward already ran the head's backward into a.dln. */
  static void backward(LlamaModel m, Batch batch, Activations a, float[] dLogp, boolean headDone) {
    if (!m.config().family().isPlain()) {
      FamilyTrunk.backward(m, batch, a, dLogp, headDone);
      return;
    }
    LlamaConfig c = m.config();
    ModelParallel par = m.parallel();
    if (a.forwarded != batch)
      throw new IllegalStateException("backward must follow forward() on the same Batch and Activations");
    a.ensureBackwardScratch();
    int n = batch.rows();
    int cc = c.hidden(), f = c.intermediate(), qd = c.qDim(), kd = c.kvDim(), hd = c.headDim();
    // LM head + log-softmax: dlnf = dz·W_head ; dW_head += dzᵀ·lnf
    if (!headDone) LogSoftmaxHead.backward(par, m.gemm(), a.lnf, m.outputHead(), m.outputHead().grad(), n, cc, c.vocabSize(),
        a.logitScale(), batch.targets(), dLogp, a.headLse, a.dln, a.headScratch);
    backwardFromHidden(m, batch, a);
  }

  /**
   * The backward below the LM head: from {@code a.dln} holding ∂Loss/∂lnf (the final hidden
   * states) down to the embedding. Heads other than the LM head (a reward or value model's scalar
   * head) start here.
   */
  static void backwardFromHidden(LlamaModel m, Batch batch, Activations a) {
    if (!m.config().family().isPlain()) {
      FamilyTrunk.backwardFromHidden(m, batch, a);
      return;
    }
    LlamaConfig c = m.config();
    ModelParallel par = m.parallel();
    int n = batch.rows();
    int cc = c.hidden(), f = c.intermediate(), qd = c.qDim(), kd = c.kvDim(), hd = c.headDim();
    // final RMSNorm: dres_L = RMSNorm'(dlnf)
    java.util.Arrays.fill(a.dres, 0, n * cc, 0f);
    RmsNorm.backward(par, a.dln, a.res[c.layers()], m.finalNorm().data(), a.rstdf, a.dres, m.finalNorm().grad(), n, cc);
    for (int l = c.layers() - 1; l >= 0; l--) {
      LayerWeights w = m.layer(l);
      // checkpointed: recompute this layer's forward from its kept input res_l into the shared buffers
      if (a.isCheckpointed() && a.slotLayer != l) layerForward(m, batch, a, l, false);
      // recompute what the forward did not keep: h = silu(gate)·up, ln2, ln1 (from saved rstd)
      SwiGlu.forward(par, a.gate[l], a.up[l], a.h[l], n * f);
      RmsNorm.apply(par, a.resMid[l], w.postNorm().data(), a.rstd2[l], a.ln2[l], n, cc);
      // 9. res_{l+1} = resMid + h·Wdᵀ: dh = dres·Wd ; dWd += dresᵀ·h ; dresMid = dres (kept in place)
      m.linearBackward(a.dres, a.h[l], n, f, cc, w.down(), null, a.dh, false);
      m.loraBackward(l, LoraAdapter.Group.DOWN, a.h[l], n, new float[][] {a.dres}, a.dh, a);
      // 8. h = silu(gate)·up: dgate, dup
      SwiGlu.backward(par, a.gate[l], a.up[l], a.dh, a.dgate, a.dup, n * f);
      // 7. gate, up = ln2·Wᵀ: dln2 = dgate·Wg + dup·Wu
      m.linearBackward(a.dgate, a.ln2[l], n, cc, f, w.gate(), null, a.dln, false);
      m.linearBackward(a.dup, a.ln2[l], n, cc, f, w.up(), null, a.dln, true);
      m.loraBackward(l, LoraAdapter.Group.MLP_IN, a.ln2[l], n, new float[][] {a.dgate, a.dup}, a.dln, a);
      // 6. ln2 = RMSNorm(resMid): dresMid += RMSNorm'(dln2)
      RmsNorm.backward(par, a.dln, a.resMid[l], w.postNorm().data(), a.rstd2[l], a.dres, w.postNorm().grad(), n, cc);
      // 5. resMid = res_l + att·Woᵀ: datt = dresMid·Wo ; dWo += dresMidᵀ·att ; dres_l = dresMid
      m.linearBackward(a.dres, a.att[l], n, qd, cc, w.o(), null, a.datt, false);
      m.loraBackward(l, LoraAdapter.Group.O, a.att[l], n, new float[][] {a.dres}, a.datt, a);
      // 4. attention: dq, dk, dv
      Attention.backward(par, m.taskGemm(), a.q[l], a.k[l], a.v[l], a.att[l], a.lse[l], a.datt, a.dq, a.dk, a.dv,
          batch.batchSize(), batch.seqLen(), c.heads(), c.kvHeads(), hd, a.start);
      // 3. RoPE: rotate the gradients back
      Rope.backward(par, a.dq, c.heads(), a.dk, c.kvHeads(), n, hd, a.ropeCos, a.ropeSin);
      // 2. q, k, v = ln1·Wᵀ + b: dln1 = dq·Wq + dk·Wk + dv·Wv ; weight and bias grads
      RmsNorm.apply(par, a.res[l], w.inputNorm().data(), a.rstd1[l], a.ln1[l], n, cc);
      m.linearBackward(a.dq, a.ln1[l], n, cc, qd, w.q(), w.qBias(), a.dln, false);
      m.linearBackward(a.dk, a.ln1[l], n, cc, kd, w.k(), w.kBias(), a.dln, true);
      m.linearBackward(a.dv, a.ln1[l], n, cc, kd, w.v(), w.vBias(), a.dln, true);
      m.loraBackward(l, LoraAdapter.Group.ATTENTION_IN, a.ln1[l], n, new float[][] {a.dq, a.dk, a.dv}, a.dln, a);
      // 1. ln1 = RMSNorm(res_l): dres_l += RMSNorm'(dln1)
      RmsNorm.backward(par, a.dln, a.res[l], w.inputNorm().data(), a.rstd1[l], a.dres, w.inputNorm().grad(), n, cc);
    }
    // embedding: dE[ids[r]] += dres_0[r], rows in order (repeated ids add up in the same order on
    // any thread count); the channels are split in blocks of whole vectors over the threads
    float[] ge = m.inputEmbedding().grad();
    if (ge == null) return; // frozen embedding (LoRA)
    embeddingBackward(par, a.dres, ge, batch.ids(), n, cc);
  }

  /**
   * {@code ge[ids[r]] += dres[r]} for rows 0..n in order, so repeated ids add up in the same order on
   * any thread count; the channels are split over the threads in blocks of whole vectors. Shared
   * with {@link FamilyTrunk}.
   */
  static void embeddingBackward(ModelParallel par, float[] dres, float[] ge, int[] ids, int n, int cc) {
    int lanes = VectorMath.S.length();
    int groups = (cc + lanes - 1) / lanes;
    par.forRange(groups, 4, (g0, g1) -> {
      int c0 = g0 * lanes;
      int width = Math.min(cc, g1 * lanes) - c0;
      for (int r = 0; r < n; r++) VectorMath.axpy(width, 1f, dres, r * cc + c0, ge, ids[r] * cc + c0);
    });
  }
}
