package dev.tulu4j.model;

import dev.tulu4j.tensor.VectorMath;

/**
 * The training-path forward and backward of a model whose {@link Family} departs from Llama (OLMo 2,
 * Qwen3, Mistral, Gemma 2); {@link Trunk} hands such models here. The same kernels as the Llama
 * path ({@link RmsNorm}, {@link Rope}, {@link BlockAttention}, {@link SwiGlu}, {@link LogSoftmaxHead})
 * composed per the family's switches, plus the families' own blocks: q/k norms (RMSNorm over the
 * projection or each head), norms after the sublayers, (1 + w) norms, √C embedding scale,
 * {@link GeGlu}, sliding windows (a later first visible key per query), {@link FamilyAttention}
 * (score scale and soft-cap) and {@link CappedHead}. One layer, as in transformers'
 * {@code modeling_olmo2/qwen3/mistral/gemma2}:
 *
 * <pre>
 *   a   = norms == POST ? x : norm_in(x)
 *   q,k,v = a·Wᵀ ; q,k = qkNorm(q), qkNorm(k) ; RoPE(q, k)
 *   o   = attention(q, k, v; window, scale, cap)·Woᵀ
 *   x  += norms == PRE ? o : norm_attnOut(o)
 *   m   = norms == POST ? x : norm_mlp(x)
 *   d   = act(m·Wgᵀ)·(m·Wuᵀ)·Wdᵀ
 *   x  += norms == PRE ? d : norm_ffnOut(d)
 * </pre>
 */
final class FamilyTrunk {
  private FamilyTrunk() {}

  /** The weight an RMSNorm multiplies by: w, or 1 + w for Gemma (in fp32, as HF's {@code 1.0 + weight.float()}). */
  static float[] normWeight(Family f, Parameter w) {
    if (!f.unitOffsetNorm()) return w.data();
    float[] e = w.data().clone();
    for (int i = 0; i < e.length; i++) e[i] = 1f + e[i];
    return e;
  }

  /** First visible key of each query under window w: max(segment start, t − w + 1). */
  static void windowStarts(Batch batch, int[] start, int w, int[] out) {
    int t = batch.seqLen();
    for (int r = 0; r < batch.rows(); r++) out[r] = w > 0 ? Math.max(start[r], r % t - w + 1) : start[r];
  }

  private static boolean plainAttention(Family f, int d) {
    return f.attnSoftcap() == 0 && f.attentionScale(d) == (float) (1.0 / Math.sqrt(d));
  }

  static LlamaModel.LogProbs forward(LlamaModel m, Batch batch, Activations a, boolean withHead, float[] headUpstream) {
    LlamaConfig c = m.config();
    Family fam = c.family();
    ModelParallel par = m.parallel();
    int n = batch.rows();
    if (n > a.capacity)
      throw new IllegalArgumentException("batch of " + n + " tokens exceeds activation capacity " + a.capacity);
    int cc = c.hidden();
    float eps = (float) c.rmsNormEps();
    FamilyActivations fa = FamilyActivations.of(a, c);
    a.forwarded = null;
    m.loraNewPass(a);
    int[] pos = Trunk.positionsAndStarts(batch, a.start);
    windowStarts(batch, a.start, fam.slidingWindow(), fa.winStart);
    Rope.tables(par, m.inverseFrequencies(), pos, n, a.ropeCos, a.ropeSin);
    Parameter e = m.inputEmbedding();
    int[] ids = batch.ids();
    for (int r = 0; r < n; r++) {
      if (ids[r] < 0 || ids[r] >= c.vocabSize())
        throw new IllegalArgumentException("batch.ids[" + r + "] = " + ids[r] + " outside vocabulary [0, " + c.vocabSize() + ")");
    }
    float norm = (float) Math.sqrt(cc); // Gemma: hidden_size**0.5 as a tensor of the model dtype
    par.forRange(n, 64, (from, to) -> {
      for (int r = from; r < to; r++) {
        WeightOps.row(e, ids[r], cc, a.res[0], r * cc);
        if (fam.scaleEmbeddings()) VectorMath.scale(cc, norm, a.res[0], r * cc);
      }
    });
    for (int l = 0; l < c.layers(); l++) layerForward(m, batch, a, fa, l, true);
    RmsNorm.forward(par, a.res[c.layers()], normWeight(fam, m.finalNorm()), a.lnf, a.rstdf, n, cc, eps);
    if (!withHead) return null;
    Trunk.checkTargets(batch, c.vocabSize());
    if (headUpstream != null) a.ensureBackwardScratch();
    head(m, a, n, batch.targets(), headUpstream, a.logp, a.headLse);
    a.forwarded = batch;
    return Trunk.gathered(batch, a);
  }

  /**
   * Layer l's forward from {@code a.res[l]} into its buffers (see the class comment), with the LoRA
   * term {@code s·(drop(x)·Aᵀ)·Bᵀ} added to each targeted projection's output before anything reads
   * it. With {@code toOutput} false (the checkpointed backward's recompute) it stops before writing
   * {@code res[l+1]}, which the backward keeps: after the MLP's gate and up, or, when a norm follows
   * the MLP, after that norm (its input and rstd are what the backward needs).
   */
  private static void layerForward(LlamaModel m, Batch batch, Activations a, FamilyActivations fa, int l,
      boolean toOutput) {
    LlamaConfig c = m.config();
    Family fam = c.family();
    ModelParallel par = m.parallel();
    int n = batch.rows();
    int cc = c.hidden(), f = c.intermediate(), qd = c.qDim(), kd = c.kvDim(), hd = c.headDim();
    float eps = (float) c.rmsNormEps();
    boolean pre = fam.norms() != Family.Norms.POST;   // a norm before each sublayer
    boolean after = fam.norms() != Family.Norms.PRE;  // a norm after each sublayer
    LayerWeights w = m.layer(l);
    FamilyWeights x = m.familyLayer(l);
    int[] st = fam.window(l) > 0 ? fa.winStart : a.start;
    // a = norm_in(x), or x itself (OLMo 2)
    float[] attIn = a.res[l];
    if (pre) {
      RmsNorm.forward(par, a.res[l], normWeight(fam, w.inputNorm()), a.ln1[l], a.rstd1[l], n, cc, eps);
      attIn = a.ln1[l];
    }
    // q, k, v = a·Wᵀ (+ LoRA), then the q/k norms
    boolean qk = fam.qkNorm() != Family.QkNorm.NONE;
    float[] q = qk ? fa.qRaw[l] : a.q[l], k = qk ? fa.kRaw[l] : a.k[l];
    m.linear(attIn, n, cc, w.q(), null, q, qd);
    m.linear(attIn, n, cc, w.k(), null, k, kd);
    m.linear(attIn, n, cc, w.v(), null, a.v[l], kd);
    m.loraForward(l, LoraAdapter.Group.ATTENTION_IN, attIn, n, new float[][] {q, k, a.v[l]}, a);
    if (qk) qkNormForward(par, c, x, fa.qRaw[l], fa.kRaw[l], a.q[l], a.k[l], fa.rstdQ[l], fa.rstdK[l], n, eps);
    // RoPE, attention (window, scale, soft-cap)
    Rope.forward(par, a.q[l], c.heads(), a.k[l], c.kvHeads(), n, hd, a.ropeCos, a.ropeSin);
    if (plainAttention(fam, hd))
      Attention.forward(par, m.taskGemm(), a.q[l], a.k[l], a.v[l], a.att[l], a.lse[l], batch.batchSize(),
          batch.seqLen(), c.heads(), c.kvHeads(), hd, st);
    else
      FamilyAttention.forward(par, a.q[l], a.k[l], a.v[l], a.att[l], a.lse[l], batch.batchSize(), batch.seqLen(),
          c.heads(), c.kvHeads(), hd, st, fam.attentionScale(hd), (float) fam.attnSoftcap());
    // resMid = res + o (or + norm(o)), o = att·Woᵀ (+ LoRA)
    copy(par, a.res[l], a.resMid[l], n * cc);
    if (!after) {
      WeightOps.mulT(m.gemm(), n, cc, qd, 1f, a.att[l], 0, qd, w.o(), 1f, a.resMid[l], 0, cc);
      m.loraForward(l, LoraAdapter.Group.O, a.att[l], n, new float[][] {a.resMid[l]}, a);
    } else {
      WeightOps.mulT(m.gemm(), n, cc, qd, 1f, a.att[l], 0, qd, w.o(), 0f, fa.oRaw[l], 0, cc);
      m.loraForward(l, LoraAdapter.Group.O, a.att[l], n, new float[][] {fa.oRaw[l]}, a);
      RmsNorm.forward(par, fa.oRaw[l], normWeight(fam, x.attnOutNorm()), a.ln2[l], fa.rstdO[l], n, cc, eps);
      add(par, a.ln2[l], a.resMid[l], n * cc);
    }
    // m = norm_mlp(resMid), or resMid itself; gate, up = m·Wᵀ (+ LoRA)
    float[] mlpIn = a.resMid[l];
    if (pre) {
      RmsNorm.forward(par, a.resMid[l], normWeight(fam, w.postNorm()), a.ln2[l], a.rstd2[l], n, cc, eps);
      mlpIn = a.ln2[l];
    }
    m.linear(mlpIn, n, cc, w.gate(), null, a.gate[l], f);
    m.linear(mlpIn, n, cc, w.up(), null, a.up[l], f);
    m.loraForward(l, LoraAdapter.Group.MLP_IN, mlpIn, n, new float[][] {a.gate[l], a.up[l]}, a);
    a.slotLayer = l;
    if (!after && !toOutput) return;
    // h = act(gate)·up ; d = h·Wdᵀ (+ LoRA) ; res_{l+1} = resMid + d (or + norm(d))
    activation(par, fam, a.gate[l], a.up[l], a.h[l], n * f);
    if (!after) {
      copy(par, a.resMid[l], a.res[l + 1], n * cc);
      WeightOps.mulT(m.gemm(), n, cc, f, 1f, a.h[l], 0, f, w.down(), 1f, a.res[l + 1], 0, cc);
      m.loraForward(l, LoraAdapter.Group.DOWN, a.h[l], n, new float[][] {a.res[l + 1]}, a);
      return;
    }
    WeightOps.mulT(m.gemm(), n, cc, f, 1f, a.h[l], 0, f, w.down(), 0f, fa.dRaw[l], 0, cc);
    m.loraForward(l, LoraAdapter.Group.DOWN, a.h[l], n, new float[][] {fa.dRaw[l]}, a);
    RmsNorm.forward(par, fa.dRaw[l], normWeight(fam, x.ffnOutNorm()), a.ln2[l], fa.rstdD[l], n, cc, eps);
    if (!toOutput) return;
    copy(par, a.resMid[l], a.res[l + 1], n * cc);
    add(par, a.ln2[l], a.res[l + 1], n * cc);
  }

  /** The LM head (soft-capped for Gemma 2) with log-softmax and the target gather; its backward when {@code upstream} is given. */
  private static void head(LlamaModel m, Activations a, int n, int[] targets, float[] upstream, float[] logp, float[] lse) {
    LlamaConfig c = m.config();
    float cap = (float) c.family().finalSoftcap();
    if (cap == 0)
      LogSoftmaxHead.forwardBackward(m.parallel(), m.gemm(), a.lnf, m.outputHead(), m.outputHead().grad(), n,
          c.hidden(), c.vocabSize(), a.logitScale(), targets, upstream, logp, lse, a.dln, a.headScratch);
    else
      CappedHead.forwardBackward(m.parallel(), m.gemm(), a.lnf, m.outputHead(), m.outputHead().grad(), n, c.hidden(),
          c.vocabSize(), a.logitScale(), cap, targets, upstream, logp, lse, a.dln, a.headScratch);
  }

  private static void qkNormForward(ModelParallel par, LlamaConfig c, FamilyWeights x, float[] qRaw, float[] kRaw,
      float[] q, float[] k, float[] rstdQ, float[] rstdK, int n, float eps) {
    boolean perHead = c.family().qkNorm() == Family.QkNorm.PER_HEAD;
    int d = c.headDim();
    RmsNorm.forward(par, qRaw, x.qNorm().data(), q, rstdQ, perHead ? n * c.heads() : n, perHead ? d : c.qDim(), eps);
    RmsNorm.forward(par, kRaw, x.kNorm().data(), k, rstdK, perHead ? n * c.kvHeads() : n, perHead ? d : c.kvDim(), eps);
  }

  private static void activation(ModelParallel par, Family fam, float[] gate, float[] up, float[] h, int len) {
    if (fam.activation() == Family.Activation.GELU_TANH) GeGlu.forward(par, gate, up, h, len);
    else SwiGlu.forward(par, gate, up, h, len);
  }

  static void backward(LlamaModel m, Batch batch, Activations a, float[] dLogp, boolean headDone) {
    if (a.forwarded != batch)
      throw new IllegalStateException("backward must follow forward() on the same Batch and Activations");
    a.ensureBackwardScratch();
    if (!headDone) {
      LlamaConfig c = m.config();
      if (c.family().finalSoftcap() == 0)
        LogSoftmaxHead.backward(m.parallel(), m.gemm(), a.lnf, m.outputHead(), m.outputHead().grad(), batch.rows(),
            c.hidden(), c.vocabSize(), a.logitScale(), batch.targets(), dLogp, a.headLse, a.dln, a.headScratch);
      else // the capped head recomputes its forward (its log-probs are already in a.logp)
        head(m, a, batch.rows(), batch.targets(), dLogp, new float[batch.rows()], new float[batch.rows()]);
    }
    backwardFromHidden(m, batch, a);
  }

  static void backwardFromHidden(LlamaModel m, Batch batch, Activations a) {
    LlamaConfig c = m.config();
    Family fam = c.family();
    ModelParallel par = m.parallel();
    FamilyActivations fa = FamilyActivations.of(a, c);
    fa.ensureBackwardScratch();
    int n = batch.rows();
    int cc = c.hidden(), f = c.intermediate(), qd = c.qDim(), kd = c.kvDim(), hd = c.headDim();
    boolean pre = fam.norms() != Family.Norms.POST;
    boolean after = fam.norms() != Family.Norms.PRE;
    java.util.Arrays.fill(a.dres, 0, n * cc, 0f);
    RmsNorm.backward(par, a.dln, a.res[c.layers()], normWeight(fam, m.finalNorm()), a.rstdf, a.dres,
        m.finalNorm().grad(), n, cc);
    for (int l = c.layers() - 1; l >= 0; l--) {
      LayerWeights w = m.layer(l);
      FamilyWeights x = m.familyLayer(l);
      int[] st = fam.window(l) > 0 ? fa.winStart : a.start;
      // checkpointed: recompute this layer's forward from its kept input res_l into the shared buffers
      if (a.isCheckpointed() && a.slotLayer != l) layerForward(m, batch, a, fa, l, false);
      // MLP: dd = ∂/∂(down output)
      float[] dd = a.dres;
      if (after) {
        java.util.Arrays.fill(fa.dtmp, 0, n * cc, 0f);
        RmsNorm.backward(par, a.dres, fa.dRaw[l], normWeight(fam, x.ffnOutNorm()), fa.rstdD[l], fa.dtmp,
            x.ffnOutNorm().grad(), n, cc);
        dd = fa.dtmp;
      }
      activation(par, fam, a.gate[l], a.up[l], a.h[l], n * f);
      float[] mlpIn = a.resMid[l];
      if (pre) {
        RmsNorm.apply(par, a.resMid[l], normWeight(fam, w.postNorm()), a.rstd2[l], a.ln2[l], n, cc);
        mlpIn = a.ln2[l];
      }
      m.linearBackward(dd, a.h[l], n, f, cc, w.down(), null, a.dh, false);
      m.loraBackward(l, LoraAdapter.Group.DOWN, a.h[l], n, new float[][] {dd}, a.dh, a);
      if (fam.activation() == Family.Activation.GELU_TANH) GeGlu.backward(par, a.gate[l], a.up[l], a.dh, a.dgate, a.dup, n * f);
      else SwiGlu.backward(par, a.gate[l], a.up[l], a.dh, a.dgate, a.dup, n * f);
      float[] dMlpIn = pre ? a.dln : a.dres; // OLMo 2's MLP reads the residual itself
      m.linearBackward(a.dgate, mlpIn, n, cc, f, w.gate(), null, dMlpIn, !pre);
      m.linearBackward(a.dup, mlpIn, n, cc, f, w.up(), null, dMlpIn, true);
      m.loraBackward(l, LoraAdapter.Group.MLP_IN, mlpIn, n, new float[][] {a.dgate, a.dup}, dMlpIn, a);
      if (pre)
        RmsNorm.backward(par, a.dln, a.resMid[l], normWeight(fam, w.postNorm()), a.rstd2[l], a.dres, w.postNorm().grad(), n, cc);
      // attention: dO = ∂/∂(o_proj output)
      float[] dO = a.dres;
      if (after) {
        java.util.Arrays.fill(fa.dtmp, 0, n * cc, 0f);
        RmsNorm.backward(par, a.dres, fa.oRaw[l], normWeight(fam, x.attnOutNorm()), fa.rstdO[l], fa.dtmp,
            x.attnOutNorm().grad(), n, cc);
        dO = fa.dtmp;
      }
      m.linearBackward(dO, a.att[l], n, qd, cc, w.o(), null, a.datt, false);
      m.loraBackward(l, LoraAdapter.Group.O, a.att[l], n, new float[][] {dO}, a.datt, a);
      if (plainAttention(fam, hd))
        Attention.backward(par, m.taskGemm(), a.q[l], a.k[l], a.v[l], a.att[l], a.lse[l], a.datt, a.dq, a.dk, a.dv,
            batch.batchSize(), batch.seqLen(), c.heads(), c.kvHeads(), hd, st);
      else
        FamilyAttention.backward(par, a.q[l], a.k[l], a.v[l], a.att[l], a.lse[l], a.datt, a.dq, a.dk, a.dv,
            batch.batchSize(), batch.seqLen(), c.heads(), c.kvHeads(), hd, st, fam.attentionScale(hd),
            (float) fam.attnSoftcap());
      Rope.backward(par, a.dq, c.heads(), a.dk, c.kvHeads(), n, hd, a.ropeCos, a.ropeSin);
      float[] dq = a.dq, dk = a.dk;
      if (fam.qkNorm() != Family.QkNorm.NONE) {
        boolean perHead = fam.qkNorm() == Family.QkNorm.PER_HEAD;
        java.util.Arrays.fill(fa.dqRaw, 0, n * qd, 0f);
        java.util.Arrays.fill(fa.dkRaw, 0, n * kd, 0f);
        RmsNorm.backward(par, a.dq, fa.qRaw[l], x.qNorm().data(), fa.rstdQ[l], fa.dqRaw, x.qNorm().grad(),
            perHead ? n * c.heads() : n, perHead ? hd : qd);
        RmsNorm.backward(par, a.dk, fa.kRaw[l], x.kNorm().data(), fa.rstdK[l], fa.dkRaw, x.kNorm().grad(),
            perHead ? n * c.kvHeads() : n, perHead ? hd : kd);
        dq = fa.dqRaw;
        dk = fa.dkRaw;
      }
      float[] attIn = a.res[l];
      if (pre) {
        RmsNorm.apply(par, a.res[l], normWeight(fam, w.inputNorm()), a.rstd1[l], a.ln1[l], n, cc);
        attIn = a.ln1[l];
      }
      float[] dAttIn = pre ? a.dln : a.dres; // OLMo 2's projections read the residual itself
      m.linearBackward(dq, attIn, n, cc, qd, w.q(), null, dAttIn, !pre);
      m.linearBackward(dk, attIn, n, cc, kd, w.k(), null, dAttIn, true);
      m.linearBackward(a.dv, attIn, n, cc, kd, w.v(), null, dAttIn, true);
      m.loraBackward(l, LoraAdapter.Group.ATTENTION_IN, attIn, n, new float[][] {dq, dk, a.dv}, dAttIn, a);
      if (pre)
        RmsNorm.backward(par, a.dln, a.res[l], normWeight(fam, w.inputNorm()), a.rstd1[l], a.dres, w.inputNorm().grad(), n, cc);
    }
    float[] ge = m.inputEmbedding().grad();
    if (ge == null) return; // frozen embedding (LoRA)
    if (fam.scaleEmbeddings()) VectorMath.scale(n * cc, (float) Math.sqrt(cc), a.dres, 0);
    Trunk.embeddingBackward(par, a.dres, ge, batch.ids(), n, cc);
  }

  private static void copy(ModelParallel par, float[] src, float[] dst, int len) {
    par.forRange(len, 1 << 15, (from, to) -> System.arraycopy(src, from, dst, from, to - from));
  }

  /** dst += src over [0, len). */
  private static void add(ModelParallel par, float[] src, float[] dst, int len) {
    par.forRange(len, 1 << 15, (from, to) -> VectorMath.axpy(to - from, 1f, src, from, dst, from));
  }
}
