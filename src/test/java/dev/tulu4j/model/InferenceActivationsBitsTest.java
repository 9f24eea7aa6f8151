package dev.tulu4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tulu4j.reward.ScalarHeadModel;
import dev.tulu4j.runtime.Scorer;
import dev.tulu4j.tensor.GemmBackend;
import dev.tulu4j.tensor.KernelConfig;
import dev.tulu4j.tensor.Kernels;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The forward-only paths that allocate {@link Activations#inference} (the {@link Scorer} of
 * {@code tulu4j score}/eval, DPO's reference log-probs, {@code serve}'s echo log-probs and
 * {@code bench prefill} through {@link LlamaModel#logits}, the reward model's {@link ScalarHeadModel#values}
 * in {@code reward score}, the judge, RLVR's reward model and the held-out rewards) give the same
 * bits as over training activations: every output element compared with
 * {@link Float#floatToRawIntBits}, on the tiny config, a GQA/tied one, Qwen2 bias with llama3 RoPE,
 * the four families (OLMo 2, Qwen3, Mistral, Gemma 2), a LoRA-adapted frozen base, a bf16 base,
 * with 1 and 2 threads of the vector GEMM, and with inference activations reused across passes of
 * different sizes (the Scorer caches its activations by capacity).
 */
class InferenceActivationsBitsTest {
  static final LoraConfig ALL = new LoraConfig(3, 6, 0, List.of("all-linear"), false, List.of());
  static final LoraConfig DROPOUT = new LoraConfig(2, 4, 0.2, List.of("q_proj", "o_proj", "up_proj", "down_proj"), true,
      List.of());

  static List<LlamaConfig> configs() {
    List<LlamaConfig> cs = new ArrayList<>(List.of(LlamaConfig.tiny(), ModelFixtures.tinyGqaTied(),
        ModelFixtures.tinyQwenBiasLlama3()));
    cs.addAll(FamilyFixtures.all());
    return cs;
  }

  /** Well-conditioned random weights (as {@link ModelFixtures#model}) on the given kernels. */
  static LlamaModel model(LlamaConfig c, long seed, Kernels k) {
    LlamaModel m = LlamaModel.random(c, seed, k.gemm(), k.parallel());
    Random r = new Random(seed * 31 + 7);
    for (Parameter p : m.parameters()) {
      float[] d = p.data();
      boolean norm = p.name().endsWith("norm.weight");
      boolean bias = p.name().endsWith(".bias");
      double scale = c.hidden() >= 64 ? 0.12 : 0.35; // keep the wider tiny config's logits spread, not saturated
      for (int i = 0; i < d.length; i++) {
        double z = r.nextGaussian();
        d[i] = (float) (norm ? 1 + 0.2 * z : bias ? 0.2 * z : scale * z);
      }
    }
    return m;
  }

  /** A frozen view with an adapter whose B is random, in training mode (dropout seed set). */
  static LlamaModel adapted(LlamaModel base, LoraConfig lc, boolean trainingMode) {
    return attach(base.frozenView(), lc, trainingMode);
  }

  /** {@link #adapted} on {@code m} itself (a frozen model). */
  static LlamaModel attach(LlamaModel m, LoraConfig lc, boolean trainingMode) {
    return ModelFixtures.withRandomLora(m, lc, trainingMode);
  }

  /** Rows of {@code t}, row 1 packing three documents (segments), targets shifted with a few ignored. */
  static Batch batch(LlamaConfig c, int b, int t, long seed) {
    int[] ids = ModelFixtures.randomIds(b * t, c.vocabSize(), seed);
    int[] y = ModelFixtures.shiftTargets(ids, b, t);
    y[1] = -100;
    int[] seg = new int[b * t];
    for (int i = 0; i < b; i++)
      for (int j = 0; j < t; j++) seg[i * t + j] = i == 1 ? 10 + (j < t / 3 ? 0 : j < t / 2 ? 1 : 2) : i;
    return new Batch(b, t, ids, y, null, seg);
  }

  static void assertSameBits(float[] got, float[] want, String what) {
    assertThat(got.length).as(what + " length").isEqualTo(want.length);
    for (int i = 0; i < want.length; i++)
      if (Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(want[i]))
        throw new AssertionError(what + ": element " + i + " of " + want.length + " is " + got[i] + " ("
            + Integer.toHexString(Float.floatToRawIntBits(got[i])) + ") over inference activations, " + want[i] + " ("
            + Integer.toHexString(Float.floatToRawIntBits(want[i])) + ") over training activations");
  }

  /** Every model-level output a forward-only path reads, over fresh training vs one reused inference activations. */
  static void compareModel(LlamaModel m, String what) {
    LlamaConfig c = m.config();
    Batch big = batch(c, 2, 40, 3);
    Batch small = batch(c, 3, 9, 4); // a later, smaller pass over the same (cached) inference activations
    Activations inf = Activations.inference(c, big.rows());
    assertThat(inf.training()).isFalse();
    for (Batch b : new Batch[] {big, small, big}) {
      String w = what + " B" + b.batchSize() + "xT" + b.seqLen();
      // log-probs of the targets (Scorer, DPO reference log-probs)
      LlamaModel.LogProbs want = m.forward(b, new Activations(c, b.rows()));
      LlamaModel.LogProbs got = m.forward(b, inf);
      assertSameBits(got.logp(), want.logp(), w + " log-probs");
      assertThat(Double.doubleToRawLongBits(got.lossSum())).as(w + " loss sum").isEqualTo(Double.doubleToRawLongBits(want.lossSum()));
      // every position's logits (serve's echo log-probs, bench prefill)
      assertSameBits(m.logits(b, inf), m.logits(b, new Activations(c, b.rows())), w + " logits");
      assertSameBits(m.lastLogits(b, inf), m.lastLogits(b, new Activations(c, b.rows())), w + " last logits");
      // final hidden states (what a scalar head reads)
      int hc = b.rows() * c.hidden(); // the buffer's first B·T·C floats are this pass's
      assertSameBits(java.util.Arrays.copyOf(m.hidden(b, inf), hc),
          java.util.Arrays.copyOf(m.hidden(b, new Activations(c, b.rows())), hc), w + " hidden");
    }
    // inference activations still refuse a backward
    if (m.hasTrainable()) assertThatThrownBy(() -> m.backward(big, inf, new float[big.rows()]))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void modelOutputsAreBitIdenticalOverInferenceActivations() {
    for (int threads : new int[] {1, 2})
      try (Kernels k = Kernels.create(new KernelConfig(GemmBackend.VECTOR, threads))) {
        for (LlamaConfig c : configs()) {
          String what = c.architecture().hfClass + " C" + c.hidden() + " threads " + threads;
          LlamaModel m = model(c, 11, k);
          compareModel(m, what);
          compareModel(adapted(m, ALL, true), what + " LoRA all-linear (training mode)");
          // dropout only ever applies over training activations in training mode: out of it both agree
          compareModel(adapted(m, DROPOUT, false), what + " LoRA dropout (eval mode)");
          compareModel(m.frozenBf16Copy(), what + " bf16 base");
        }
      }
  }

  /**
   * A LoRA adapter in training mode with dropout: over training activations the forward drops, over
   * inference activations it never does (scoring is evaluation), so the inference pass equals the
   * training-activation pass with the adapter out of training mode.
   */
  @Test
  void inferenceActivationsNeverApplyLoraDropout() {
    try (Kernels k = Kernels.create(new KernelConfig(GemmBackend.VECTOR, 2))) {
      LlamaConfig c = FamilyFixtures.gemma2();
      LlamaModel base = model(c, 11, k);
      LlamaModel m = adapted(base, DROPOUT, true);
      Batch b = batch(c, 2, 40, 3);
      float[] got = m.forward(b, Activations.inference(c, b.rows())).logp();
      float[] dropped = m.forward(b, new Activations(c, b.rows())).logp();
      assertThat(got).isNotEqualTo(dropped); // the dropout is real over training activations
      m.lora().training(false);
      assertSameBits(got, m.forward(b, new Activations(c, b.rows())).logp(), "gemma2 LoRA dropout");
    }
  }

  /** The reward model's values (reward score, judge, RLVR's reward model, held-out rewards). */
  @Test
  void scalarHeadValuesAreBitIdenticalOverInferenceActivations() {
    for (int threads : new int[] {1, 2})
      try (Kernels k = Kernels.create(new KernelConfig(GemmBackend.VECTOR, threads))) {
        for (LlamaConfig c : configs()) {
          String what = c.architecture().hfClass + " threads " + threads;
          LlamaModel base = model(c, 13, k);
          for (boolean lora : new boolean[] {false, true}) {
            ScalarHeadModel rm = ScalarHeadModel.overFrozenBase(base, 3);
            if (lora) attach(rm.backbone(), ALL, true);
            Activations inf = rm.newInferenceActivations(80);
            for (Batch b : new Batch[] {batch(c, 2, 40, 5), batch(c, 3, 7, 6)}) {
              String w = what + (lora ? " LoRA" : "") + " B" + b.batchSize();
              assertSameBits(rm.values(b, inf), rm.values(b, rm.newActivations(b.rows())), w + " values");
            }
          }
        }
      }
  }

  /** {@link Scorer} (now over inference activations) against the same packed pass over training activations. */
  @Test
  void scorerMatchesATrainingActivationsPass() {
    for (int threads : new int[] {1, 2})
      try (Kernels k = Kernels.create(new KernelConfig(GemmBackend.VECTOR, threads))) {
        for (LlamaConfig c : List.of(ModelFixtures.tinyGqaTied(), FamilyFixtures.olmo2(), LlamaConfig.tiny())) {
          for (boolean lora : new boolean[] {false, true}) {
            LlamaModel m = lora ? adapted(model(c, 7, k), ALL, false) : model(c, 7, k);
            String what = c.architecture().hfClass + " threads " + threads + (lora ? " LoRA" : "");
            Random r = new Random(5);
            Function<Integer, int[]> ids = n -> r.ints(n, 0, c.vocabSize()).toArray();
            // two pairs of the same length: first-fit decreasing puts each in its own row, pair i in row i
            List<int[]> prompts = List.of(ids.apply(12), ids.apply(5));
            List<int[]> completions = List.of(ids.apply(20), ids.apply(27));
            Scorer scorer = new Scorer(m, 4096);
            for (int pass = 0; pass < 2; pass++) { // the second call reuses the Scorer's cached activations
              List<double[]> got = scorer.score(prompts, completions);
              int t = 31;
              int[] in = new int[2 * t], y = new int[2 * t], seg = new int[2 * t];
              for (int i = 0; i < 2; i++) {
                int[] p = prompts.get(i), cc = completions.get(i);
                for (int j = 0; j < t; j++) {
                  in[i * t + j] = j < p.length ? p[j] : cc[j - p.length];
                  y[i * t + j] = j + 1 >= p.length ? cc[j + 1 - p.length] : -100;
                  seg[i * t + j] = i;
                }
              }
              float[] lp = m.forward(new Batch(2, t, in, y, null, seg), new Activations(c, 2 * t)).logp();
              for (int i = 0; i < 2; i++) {
                int pl = prompts.get(i).length;
                float[] want = new float[completions.get(i).length];
                float[] have = new float[want.length];
                for (int j = 0; j < want.length; j++) {
                  want[j] = lp[i * t + pl - 1 + j];
                  have[j] = (float) got.get(i)[j];
                  assertThat((double) have[j]).isEqualTo(got.get(i)[j]); // the doubles are exact widenings
                }
                assertSameBits(have, want, what + " pair " + i + " pass " + pass);
              }
            }
          }
        }
      }
  }
}
