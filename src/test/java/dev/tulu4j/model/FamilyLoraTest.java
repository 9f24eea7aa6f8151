package dev.tulu4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.testing.FiniteDifference;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * LoRA through the layers of OLMo 2, Qwen3, Mistral and Gemma 2 ({@link FamilyTrunk},
 * {@link FamilyCached}), on a frozen base ({@link LlamaModel#frozenView}, no gradient buffers) with
 * every linear module adapted and a random B (so dA is not zero). The float64 checks against
 * {@link ReferenceLlama} are {@link LoraGradientCheckTest}'s family rows; here, what they cannot reach:
 * (1) the adapter's gradients against 4-point central differences of the engine's own fp32
 * objective J(A, B) = Σ u·logp, with dropout 0.2 too (the counter-based mask is the same on every
 * evaluation); (2) against the chain rule dA = s·Bᵀ·dW', dB = s·dW'·Aᵀ through the family's full
 * backward (held to transformers' gradients by TransformersGoldenTest) over the merged weights
 * W' = W + s·B·A; (3) the KV-cache path applies the adapter as the training path does.
 */
class FamilyLoraTest {
  static final LoraConfig ALL = new LoraConfig(3, 6, 0, List.of("all-linear"), false, List.of());
  static final LoraConfig DROPOUT = new LoraConfig(2, 4, 0.2, List.of("q_proj", "o_proj", "up_proj", "down_proj"), true,
      List.of());

  static Stream<Arguments> cases() {
    return FamilyFixtures.all().stream().flatMap(c -> Stream.of(Arguments.of(c.architecture().hfClass, c, ALL),
        Arguments.of(c.architecture().hfClass + " dropout rsLoRA", c, DROPOUT)));
  }

  /** A frozen view of a well-conditioned random model with an adapter whose B is random. */
  static LlamaModel adapted(LlamaConfig c, LoraConfig lc) {
    return ModelFixtures.withRandomLora(ModelFixtures.model(c, 11).frozenView(), lc, true);
  }

  /** Two rows of 7 (longer than the windows of 3), row 1 packing two documents. */
  static Batch batch(LlamaConfig c) {
    int b = 2, t = 7;
    int[] ids = ModelFixtures.randomIds(b * t, c.vocabSize(), 5);
    int[] y = ModelFixtures.shiftTargets(ids, b, t);
    y[1] = -100;
    int[] seg = {0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2};
    y[9] = -100;
    return new Batch(b, t, ids, y, null, seg);
  }

  static float[] upstream(Batch b) {
    Random r = new Random(9);
    float[] u = new float[b.rows()];
    for (int i = 0; i < u.length; i++) if (b.targets()[i] != -100) u[i] = (float) r.nextGaussian();
    return u;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void adapterGradientsMatchFiniteDifferences(String name, LlamaConfig c, LoraConfig lc) {
    LlamaModel m = adapted(c, lc);
    Batch b = batch(c);
    float[] u = upstream(b);
    Activations act = new Activations(c, b.rows());
    m.forward(b, act);
    m.backward(b, act, u);
    for (Parameter p : m.parameters()) assertThat(p.grad()).as("frozen %s has no gradient buffer", p.name()).isNull();
    assertThat(m.trainableParameters()).containsExactlyElementsOf(m.lora().parameters());
    Random pick = new Random(3);
    FiniteDifference.Worst worst = new FiniteDifference.Worst();
    for (Parameter p : m.lora().parameters()) {
      double[] w = f64(p.data());
      double[] an = f64(p.grad());
      List<Integer> idx = FiniteDifference.probes(an, true, 2, pick);
      worst.check(p.name(), w, an, idx, 1e-2, 5e-2, () -> { // floor 0.05: the fp32 noise of J over h
        for (int i = 0; i < w.length; i++) p.data()[i] = (float) w[i];
        float[] lp = m.forward(b, new Activations(c, b.rows())).logp();
        double j = 0;
        for (int i = 0; i < lp.length; i++) j += (double) u[i] * lp[i];
        return j;
      });
      for (int i = 0; i < w.length; i++) p.data()[i] = (float) w[i];
      assertThat(Math.abs(an[idx.get(0)])).as("gradient of %s is not trivially zero", p.name()).isGreaterThan(1e-3);
    }
    System.out.printf("%s: LoRA grads vs finite differences, max relative error %.3e at %s%n", name, worst.error(), worst.at());
    assertThat(worst.error()).as("max relative error %s at %s", worst.error(), worst.at()).isLessThan(1e-2);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void adapterGradientsAreTheChainRuleOfTheMergedWeightsGradients(String name, LlamaConfig c, LoraConfig lc) {
    if (lc.dropout() > 0) return; // with dropout the adapted model is not a merged one
    LlamaModel m = adapted(c, lc);
    Batch b = batch(c);
    float[] u = upstream(b);
    Activations act = new Activations(c, b.rows());
    float[] lpAdapted = m.forward(b, act).logp().clone();
    m.backward(b, act, u);
    // the merged model, fully trainable: its forward equals the adapted one, its dW' gives dA, dB
    LlamaModel merged = LlamaModel.fromTensors(c, ModelFixtures.model(c, 11).toTensors(), m.gemm(), true);
    LoraAdapter copy = LoraAdapter.of(lc, c, tensors(m.lora()));
    merged.attachLora(copy);
    merged.mergeLora();
    Activations act2 = new Activations(c, b.rows());
    float[] lpMerged = merged.forward(b, act2).logp();
    for (int i = 0; i < lpMerged.length; i++)
      assertThat(lpAdapted[i]).as("logp[%d]", i).isCloseTo(lpMerged[i], org.assertj.core.data.Offset.offset(2e-5f * (1 + Math.abs(lpMerged[i]))));
    merged.backward(b, act2, u);
    double s = lc.scaling();
    int r = lc.r();
    double worst = 0;
    for (int l = 0; l < c.layers(); l++)
      for (LoraTarget t : lc.targets()) {
        float[] dw = t.of(merged.layer(l)).grad();
        LoraAdapter.Pair p = m.lora().pair(l, t);
        int in = t.in(c), out = t.out(c);
        double[] da = new double[r * in], db = new double[out * r];
        for (int q = 0; q < r; q++)
          for (int i = 0; i < in; i++) {
            double acc = 0;
            for (int o = 0; o < out; o++) acc += (double) p.b().data()[o * r + q] * dw[o * in + i];
            da[q * in + i] = s * acc;
          }
        for (int o = 0; o < out; o++)
          for (int q = 0; q < r; q++) {
            double acc = 0;
            for (int i = 0; i < in; i++) acc += (double) dw[o * in + i] * p.a().data()[q * in + i];
            db[o * r + q] = s * acc;
          }
        FiniteDifference.TensorError ea = FiniteDifference.againstReference(da, p.a().grad());
        FiniteDifference.TensorError eb = FiniteDifference.againstReference(db, p.b().grad());
        assertThat(ea.ratio()).as("%s layer %d %s A", name, l, t).isLessThan(1e-4);
        assertThat(eb.ratio()).as("%s layer %d %s B", name, l, t).isLessThan(1e-4);
        worst = Math.max(worst, Math.max(ea.ratio(), eb.ratio()));
      }
    System.out.printf("%s: LoRA grads vs chain rule of the merged model's grads, worst %.3e%n", name, worst);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void theCachedPathAppliesTheAdapterLikeTheTrainingPath(String name, LlamaConfig c, LoraConfig lc) {
    LlamaModel m = adapted(c, lc);
    m.lora().training(false); // inference: no dropout on either path
    int[] ids = ModelFixtures.randomIds(7, c.vocabSize(), 8);
    float[] want = m.lastLogits(new Batch(1, 7, ids, null, null, null), Activations.inference(c, 7));
    KvCache cache = m.newCache(1, 8);
    m.prefill(cache, new int[][] {java.util.Arrays.copyOf(ids, 5)});
    m.decode(cache, new int[] {ids[5]});
    float[] got = m.decode(cache, new int[] {ids[6]});
    for (int i = 0; i < want.length; i++)
      assertThat(got[i]).as("logit %d", i).isCloseTo(want[i], org.assertj.core.data.Offset.offset(1e-4f));
    m.lora().enabled(false);
    float[] base = m.lastLogits(new Batch(1, 7, ids, null, null, null), Activations.inference(c, 7));
    assertThat(base).as("the adapter changes the logits").isNotEqualTo(want);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void checkpointedAdapterGradientsAreBitIdenticalToTheStoredPath(String name, LlamaConfig c, LoraConfig lc) {
    LlamaModel m = adapted(c, lc);
    Batch b = batch(c);
    java.util.List<float[]> stored = new java.util.ArrayList<>(), ckpt = new java.util.ArrayList<>();
    for (boolean checkpointed : new boolean[] {false, true}) {
      m.zeroGrad();
      m.activationCheckpointing(checkpointed);
      Activations a = m.newActivations(b.rows());
      assertThat(a.isCheckpointed()).isEqualTo(checkpointed);
      float loss = (float) m.lossAndBackward(b, a, 0.5f).lossSum();
      java.util.List<float[]> out = checkpointed ? ckpt : stored;
      out.add(new float[] {loss});
      for (Parameter p : m.lora().parameters()) out.add(p.grad().clone());
    }
    for (int i = 0; i < stored.size(); i++)
      assertThat(java.util.Arrays.equals(stored.get(i), ckpt.get(i))).as("%s: output/gradient %d bit-identical", name, i).isTrue();
  }

  private static Map<String, float[]> tensors(LoraAdapter ad) {
    Map<String, float[]> t = new HashMap<>();
    for (Parameter p : ad.parameters()) t.put(p.name(), p.data().clone());
    return t;
  }

  private static double[] f64(float[] f) {
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) d[i] = f[i];
    return d;
  }
}
