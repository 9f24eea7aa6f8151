package dev.tulu4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.testing.FiniteDifference;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * Gradients of the {@code modules_to_save} copies of the LM head and the input embedding (PEFT's
 * {@code ModulesToSaveWrapper}). With dropout 0 the adapted model is the float64
 * {@link ReferenceLlama} over W' = W + s·B·A with the copies in place of the base's modules — an
 * untied reference, since on a tied base each copy is its own tensor. (1) The reference's gradient
 * of the copies against float64 central differences; (2) the fp32 engine's copy and A/B gradients
 * against that reference; (3) a counting GEMM: the backward runs the weight-gradient GEMMs of the
 * adapters and of the head copy only, and the adapter-off view reads the originals.
 */
class LoraSavedModulesGradientTest {
  private static final double FLOOR = 1e-4;

  record Case(String name, LlamaConfig cfg, List<String> save) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of(new Case("tied-head-and-embedding", ModelFixtures.tinyGqaTied(), List.of("lm_head", "embed_tokens"))),
        Arguments.of(new Case("tied-head-only", ModelFixtures.tinyGqaTied(), List.of("lm_head"))),
        Arguments.of(new Case("untied-embedding-only", ModelFixtures.tinyMhaUntied(), List.of("model.embed_tokens"))),
        Arguments.of(new Case("gemma2-softcap-scaled-embedding", FamilyFixtures.gemma2(), List.of("lm_head", "embed_tokens"))),
        Arguments.of(new Case("olmo2", FamilyFixtures.olmo2(), List.of("lm_head", "embed_tokens"))));
  }

  static LoraConfig lora(Case k) {
    return new LoraConfig(2, 4, 0, List.of("q_proj", "down_proj"), false, k.save());
  }

  /** A frozen base with an adapter whose B is random and whose copies moved away from the base. */
  static LlamaModel adapted(Case k) {
    LlamaModel m = ModelFixtures.model(k.cfg(), 11).frozenView();
    LoraAdapter ad = m.attachLora(lora(k), 5);
    Random r = new Random(17);
    for (Parameter p : ad.parameters()) {
      boolean copy = p == ad.embeddingCopy() || p == ad.headCopy();
      if (copy || p.name().endsWith("lora_B.weight"))
        for (int i = 0; i < p.data().length; i++) p.data()[i] += (float) ((copy ? 0.05 : 0.3) * r.nextGaussian());
    }
    return m;
  }

  /** The float64 reference of the adapted model: merged projections, the copies (or the base's modules), untied. */
  static ReferenceLlama reference(LlamaModel m) {
    LoraAdapter ad = m.lora();
    ReferenceLlama base = ReferenceLlama.of(m.frozenView());
    Map<String, double[]> ab = LoraGradientCheckTest.adapterF64(ad);
    Map<String, double[]> p = new HashMap<>(LoraGradientCheckTest.merged(base, ad.config(), ab).p);
    double[] baseEmbed = base.p.get(HfNames.EMBED);
    double[] baseHead = base.p.get(base.head());
    p.put(HfNames.EMBED, ad.embeddingCopy() != null ? ab.get(HfNames.EMBED) : baseEmbed.clone());
    p.put(HfNames.LM_HEAD, ad.headCopy() != null ? ab.get(HfNames.LM_HEAD) : baseHead.clone());
    return new ReferenceLlama(m.config().withTieEmbeddings(false), p);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void copyGradientsMatchFiniteDifferencesAndTheEngine(Case k) {
    LlamaModel m = adapted(k);
    ReferenceLlama ref = reference(m);
    Batch b = LoraGradientCheckTest.batch(k.cfg());
    double[] u = LoraGradientCheckTest.upstream(b);
    Map<String, double[]> g = ref.grads(b, u);
    // (1) the reference's gradient of each copy against float64 central differences
    java.util.function.DoubleSupplier j = () -> {
      double[] lp = ref.logProbs(b);
      double s = 0;
      for (int i = 0; i < lp.length; i++) s += u[i] * lp[i];
      return s;
    };
    FiniteDifference.Worst worst = new FiniteDifference.Worst();
    Random pick = new Random(3);
    List<String> copies = new ArrayList<>();
    if (m.lora().embeddingCopy() != null) copies.add(HfNames.EMBED);
    if (m.lora().headCopy() != null) copies.add(HfNames.LM_HEAD);
    for (String n : copies) {
      List<Integer> idx = FiniteDifference.probes(g.get(n), true, 4, pick);
      worst.check(n, ref.p.get(n), g.get(n), idx, 1e-4, FLOOR, j);
      assertThat(Math.abs(g.get(n)[idx.get(0)])).as("gradient of %s is not trivially zero", n).isGreaterThan(1e-4);
    }
    System.out.printf("%s: copy gradients vs finite differences, max relative error %.3e at %s%n", k, worst.error(), worst.at());
    assertThat(worst.error()).as("max relative error %s at %s", worst.error(), worst.at()).isLessThan(1e-6);

    // (2) the fp32 engine against the reference: log-probs, the copies' and the adapters' gradients
    Activations act = new Activations(k.cfg(), b.rows());
    LlamaModel.LogProbs lp = m.forward(b, act);
    double[] refLp = ref.logProbs(b);
    for (int i = 0; i < refLp.length; i++)
      assertThat((double) lp.logp()[i]).as("logp[%d]", i)
          .isCloseTo(refLp[i], org.assertj.core.data.Offset.offset(2e-5 * (1 + Math.abs(refLp[i]))));
    float[] uf = new float[u.length];
    for (int i = 0; i < u.length; i++) uf[i] = (float) u[i];
    m.backward(b, act, uf);
    Map<String, double[]> want = new HashMap<>(
        LoraGradientCheckTest.chainRule(ref, m.lora().config(), LoraGradientCheckTest.adapterF64(m.lora()), b, u));
    for (String n : copies) want.put(n, g.get(n));
    double engineWorst = 0;
    for (Parameter p : m.lora().parameters()) {
      FiniteDifference.TensorError e = FiniteDifference.againstReference(want.get(p.name()), p.grad());
      engineWorst = Math.max(engineWorst, e.ratio());
      assertThat(e.ratio()).as("%s: max |fp32 − f64| / max |f64| (max %s)", p.name(), e.maxRef()).isLessThan(1e-4);
    }
    for (Parameter p : m.parameters()) assertThat(p.grad()).as("frozen %s has no gradient buffer", p.name()).isNull();
    assertThat(m.trainableParameters()).containsExactlyElementsOf(m.lora().parameters());
    System.out.printf("%s: fp32 engine copy + LoRA grads vs float64 reference, worst %.3e%n", k, engineWorst);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void theAdapterOffViewReadsTheOriginals(Case k) {
    LlamaModel m = adapted(k);
    Batch b = LoraGradientCheckTest.batch(k.cfg());
    LlamaModel plain = ModelFixtures.model(k.cfg(), 11);
    float[] want = plain.forward(b, new Activations(k.cfg(), b.rows())).logp();
    assertThat(m.forward(b, new Activations(k.cfg(), b.rows())).logp()).isNotEqualTo(want);
    assertThat(m.frozenView().forward(b, new Activations(k.cfg(), b.rows())).logp()).containsExactly(want);
    m.lora().enabled(false);
    assertThat(m.forward(b, new Activations(k.cfg(), b.rows())).logp()).containsExactly(want);
    // a fresh adapter (copies equal to the base, B = 0) leaves the model bit-identical
    LlamaModel fresh = ModelFixtures.model(k.cfg(), 11).frozenView();
    fresh.attachLora(lora(k), 5);
    assertThat(fresh.forward(b, new Activations(k.cfg(), b.rows())).logp()).containsExactly(want);
  }

  /** The cached path (CachedForward for Llama, FamilyCached for the others) reads the copies too. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void theCachedPathReadsTheCopiesLikeTheTrainingPath(Case k) {
    LlamaModel m = adapted(k);
    int[] ids = ModelFixtures.randomIds(6, k.cfg().vocabSize(), 8);
    float[] want = m.lastLogits(new Batch(1, 6, ids, null, null, null), Activations.inference(k.cfg(), 6));
    KvCache cache = m.newCache(1, 8);
    m.prefill(cache, new int[][] {java.util.Arrays.copyOf(ids, 5)});
    float[] got = m.decode(cache, new int[] {ids[5]});
    for (int i = 0; i < want.length; i++)
      assertThat(got[i]).as("logit %d", i).isCloseTo(want[i], org.assertj.core.data.Offset.offset(1e-4f));
    m.lora().enabled(false);
    KvCache off = m.newCache(1, 8);
    m.prefill(off, new int[][] {java.util.Arrays.copyOf(ids, 5)});
    assertThat(m.decode(off, new int[] {ids[5]})).isNotEqualTo(got);
  }

  @Test
  void onlyTheAdaptersAndTheHeadCopyRunWeightGradientGemms() {
    LlamaConfig c = ModelFixtures.tinyGqaTied();
    LlamaModel src = ModelFixtures.model(c, 11);
    LoraGradientCheckTest.CountingGemm gemm = new LoraGradientCheckTest.CountingGemm();
    LlamaModel m = LlamaModel.fromTensors(c, src.toTensors(), gemm, false);
    LoraAdapter ad = m.attachLora(new LoraConfig(2, 4, 0, List.of("q_proj", "down_proj"), false,
        List.of("lm_head", "embed_tokens")), 1);
    Batch b = LoraGradientCheckTest.batch(c);
    Activations act = new Activations(c, b.rows());
    m.forward(b, act);
    gemm.transAOutputs.clear();
    float[] u = new float[b.rows()];
    java.util.Arrays.fill(u, -1f);
    m.backward(b, act, u);
    List<float[]> pairGrads = new ArrayList<>();
    for (Parameter p : ad.parameters()) if (p != ad.headCopy() && p != ad.embeddingCopy()) pairGrads.add(p.grad());
    int headGemms = 0, pairGemms = 0;
    for (float[] out : gemm.transAOutputs) {
      if (out == ad.headCopy().grad()) headGemms++;
      else {
        // dA lands in its gradient; dB goes through an (r, out) scratch of the same size
        assertThat(pairGrads).as("a weight-gradient GEMM of a frozen weight ran").anyMatch(g -> g == out || g.length == out.length);
        assertThat(out).isNotSameAs(m.embedding().data());
        pairGemms++;
      }
    }
    assertThat(pairGemms).isEqualTo(c.layers() * 2 * 2);
    assertThat(headGemms).as("the head copy's dW (one GEMM per row chunk)").isBetween(1, 4);
    double embNorm = 0, headNorm = 0;
    for (float v : ad.embeddingCopy().grad()) embNorm += v * v;
    for (float v : ad.headCopy().grad()) headNorm += v * v;
    assertThat(embNorm).as("the embedding copy gets its scatter-add gradient").isGreaterThan(0);
    assertThat(headNorm).isGreaterThan(0);
    assertThat(m.embedding().grad()).isNull();
    // without lm_head in modules_to_save the count is the adapters' alone (so the count above can fail)
    LoraGradientCheckTest.CountingGemm gemm2 = new LoraGradientCheckTest.CountingGemm();
    LlamaModel m2 = LlamaModel.fromTensors(c, src.toTensors(), gemm2, false);
    m2.attachLora(new LoraConfig(2, 4, 0, List.of("q_proj", "down_proj"), false, List.of("embed_tokens")), 1);
    Activations act2 = new Activations(c, b.rows());
    m2.forward(b, act2);
    gemm2.transAOutputs.clear();
    m2.backward(b, act2, u);
    assertThat(gemm2.transAOutputs).hasSize(c.layers() * 2 * 2);
  }
}
