package dev.tulu4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.reward.ScalarHeadModel;
import dev.tulu4j.testing.FiniteDifference;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * PPO's value model under LoRA ({@link ScalarHeadModel#overFrozenBase} + its own adapter + a trainable
 * score head): (1) the float64 chain rule through the scalar head and the adapter ({@link ReferenceLlama}
 * over W' = W + s·B·A with {@code score.weight}) against central differences in A, B and the head;
 * (2) the fp32 engine's adapter and head gradients against it, with the backbone frozen (no gradient
 * buffers) and sharing the policy's arrays; (3) a counting GEMM: no frozen weight-gradient GEMM runs in
 * the value backward. Reuses the helpers of {@link LoraGradientCheckTest} and {@link ScalarHeadGradientCheckTest}.
 */
class ValueLoraGradientCheckTest {
  private static final double FLOOR = 1e-4;

  private static LlamaConfig cfg(boolean qwen) {
    return qwen ? ModelFixtures.tinyQwenBiasLlama3() : ModelFixtures.tinyGqaTied();
  }

  private static LoraConfig lora(boolean qwen) {
    return qwen ? new LoraConfig(2, 5, 0, List.of("q_proj", "v_proj", "o_proj", "down_proj"), false, List.of("score"))
        : new LoraConfig(3, 6, 0, List.of("all-linear"), false, List.of("score"));
  }

  /** The value model over a policy's frozen base: an adapter with random B (so dA is not zero) and a head of std 0.5. */
  private static ScalarHeadModel valueModel(LlamaModel policyBase, LoraConfig lc) {
    ScalarHeadModel vm = ScalarHeadModel.overFrozenBase(policyBase, 3);
    LoraAdapter ad = vm.backbone().attachLora(lc, 5);
    Random r = new Random(17);
    for (Parameter p : ad.parameters())
      if (p.name().endsWith("lora_B.weight")) for (int i = 0; i < p.data().length; i++) p.data()[i] = (float) (0.3 * r.nextGaussian());
    float[] s = vm.score().data();
    Random h = new Random(12);
    for (int i = 0; i < s.length; i++) s[i] = (float) (0.5 * h.nextGaussian());
    return vm;
  }

  /** Float64 copies of the backbone's weights (bf16 widened) and the head. */
  private static ReferenceLlama base(ScalarHeadModel vm) {
    Map<String, double[]> p = new LinkedHashMap<>();
    List<Parameter> all = new ArrayList<>(vm.backbone().parameters());
    all.add(vm.score());
    for (Parameter q : all) {
      float[] f = q.toFloats();
      double[] d = new double[f.length];
      for (int i = 0; i < d.length; i++) d[i] = f[i];
      p.put(q.name(), d);
    }
    return new ReferenceLlama(vm.backbone().config(), p);
  }

  private static double objective(ReferenceLlama base, LoraConfig lc, Map<String, double[]> ab, Batch b, double[] u) {
    double[] v = LoraGradientCheckTest.merged(base, lc, ab).logProbs(b); // the values, with score.weight present
    double j = 0;
    for (int i = 0; i < v.length; i++) j += u[i] * v[i];
    return j;
  }

  @ParameterizedTest(name = "qwen={0}")
  @ValueSource(booleans = {false, true})
  void chainRuleThroughTheHeadAndTheAdapterMatchesFiniteDifferences(boolean qwen) {
    LlamaConfig c = cfg(qwen);
    LoraConfig lc = lora(qwen);
    ScalarHeadModel vm = valueModel(ModelFixtures.model(c, 11).frozenView(), lc);
    ReferenceLlama base = base(vm);
    Map<String, double[]> ab = LoraGradientCheckTest.adapterF64(vm.backbone().lora());
    Batch b = ScalarHeadGradientCheckTest.batch(c, qwen);
    double[] u = ScalarHeadGradientCheckTest.upstream(b.rows());
    ReferenceLlama merged = LoraGradientCheckTest.merged(base, lc, ab);
    Map<String, double[]> g = LoraGradientCheckTest.chainRule(merged, lc, ab, b, u);
    double[] gScore = merged.grads(b, u).get(ScalarHeadModel.SCORE);
    Random pick = new Random(3);
    FiniteDifference.Worst worst = new FiniteDifference.Worst();
    for (Map.Entry<String, double[]> e : ab.entrySet()) {
      double[] an = g.get(e.getKey());
      List<Integer> idx = FiniteDifference.probes(an, true, 3, pick);
      worst.check(e.getKey(), e.getValue(), an, idx, 1e-4, FLOOR, () -> objective(base, lc, ab, b, u));
      assertThat(Math.abs(an[idx.get(0)])).as("gradient of %s is not trivially zero", e.getKey()).isGreaterThan(1e-4);
    }
    // the head: base.p's score array is the one merged() shares, so perturbing it moves the objective
    worst.check(ScalarHeadModel.SCORE, base.p.get(ScalarHeadModel.SCORE), gScore,
        FiniteDifference.probes(gScore, true, 6, pick), 1e-4, FLOOR, () -> objective(base, lc, ab, b, u));
    System.out.printf("value LoRA qwen=%s: chain rule vs finite differences, max relative error %.3e at %s%n", qwen,
        worst.error(), worst.at());
    assertThat(worst.error()).as("max relative error at %s", worst.at()).isLessThan(1e-6);
  }

  @ParameterizedTest(name = "qwen={0}")
  @ValueSource(booleans = {false, true})
  void engineAdapterAndHeadGradientsMatchFloat64Reference(boolean qwen) {
    LlamaConfig c = cfg(qwen);
    LoraConfig lc = lora(qwen);
    LlamaModel policy = ModelFixtures.model(c, 11).frozenView();
    ScalarHeadModel vm = valueModel(policy, lc);
    // the backbone is the policy's base: the same arrays, no gradient buffers
    for (Parameter p : vm.backbone().parameters()) {
      assertThat(p.grad()).as("frozen %s has no gradient buffer", p.name()).isNull();
      Parameter q = policy.parameters().stream().filter(x -> x.name().equals(p.name())).findFirst().orElseThrow();
      assertThat(p.data()).as(p.name()).isSameAs(q.data());
    }
    List<Parameter> want = new ArrayList<>(vm.backbone().lora().parameters());
    want.add(vm.score());
    assertThat(vm.trainableParameters()).containsExactlyElementsOf(want);
    ReferenceLlama base = base(vm);
    Map<String, double[]> ab = LoraGradientCheckTest.adapterF64(vm.backbone().lora());
    ReferenceLlama ref = LoraGradientCheckTest.merged(base, lc, ab);
    Batch b = ScalarHeadGradientCheckTest.batch(c, qwen);
    double[] u = ScalarHeadGradientCheckTest.upstream(b.rows());
    Activations act = vm.newActivations(b.rows());
    float[] v = vm.values(b, act);
    double[] refV = ref.logProbs(b);
    for (int i = 0; i < v.length; i++)
      assertThat((double) v[i]).as("value[%d]", i).isCloseTo(refV[i], org.assertj.core.data.Offset.offset(2e-5 * (1 + Math.abs(refV[i]))));
    float[] uf = new float[u.length];
    for (int i = 0; i < u.length; i++) uf[i] = (float) u[i];
    vm.backward(b, act, uf);
    Map<String, double[]> g = new LinkedHashMap<>(LoraGradientCheckTest.chainRule(ref, lc, ab, b, u));
    g.put(ScalarHeadModel.SCORE, ref.grads(b, u).get(ScalarHeadModel.SCORE));
    double worst = 0;
    for (Parameter p : vm.trainableParameters()) {
      FiniteDifference.TensorError e = FiniteDifference.againstReference(g.get(p.name()), p.grad());
      worst = Math.max(worst, e.ratio());
      assertThat(e.ratio()).as("%s: max |fp32 − f64| / max |f64|", p.name()).isLessThan(1e-4);
    }
    System.out.printf("value LoRA qwen=%s: fp32 engine adapter + head grads vs float64, worst %.3e%n", qwen, worst);
  }

  @Test
  void aBf16PolicyBaseIsSharedNotCopied() {
    LlamaModel bf16 = ModelFixtures.model(cfg(false), 11).frozenBf16Copy();
    ScalarHeadModel vm = ScalarHeadModel.overFrozenBase(bf16, 3);
    for (Parameter p : vm.backbone().parameters()) {
      Parameter q = bf16.parameters().stream().filter(x -> x.name().equals(p.name())).findFirst().orElseThrow();
      if (q.isBf16()) assertThat(p.bf16()).as(p.name()).isSameAs(q.bf16());
      else assertThat(p.data()).as(p.name()).isSameAs(q.data());
    }
    assertThat(vm.backbone().embedding().isBf16()).isTrue();
    assertThat(vm.backbone().weightBytes()).isEqualTo(bf16.weightBytes()); // tied: no LM head to leave out
  }

  @Test
  void noFrozenWeightGradientGemmRunsInTheValueBackward() {
    LlamaConfig c = ModelFixtures.tinyQwenBiasLlama3();
    LlamaModel src = ModelFixtures.model(c, 11);
    LoraGradientCheckTest.CountingGemm gemm = new LoraGradientCheckTest.CountingGemm();
    LlamaModel policyBase = LlamaModel.fromTensors(c, src.toTensors(), gemm, false);
    LoraConfig lc = new LoraConfig(2, 4, 0, List.of("q_proj", "down_proj"), false, List.of("score"));
    ScalarHeadModel vm = ScalarHeadModel.overFrozenBase(policyBase, 3);
    vm.backbone().attachLora(lc, 1);
    Batch b = ScalarHeadGradientCheckTest.batch(c, false);
    Activations act = vm.newActivations(b.rows());
    vm.values(b, act);
    gemm.transAOutputs.clear();
    float[] u = new float[b.rows()];
    java.util.Arrays.fill(u, -1f);
    vm.backward(b, act, u);
    // exactly dA and dB per adapted projection (2 layers × 2 targets × 2); the head's gradient is a dot product
    assertThat(gemm.transAOutputs).hasSize(c.layers() * 2 * 2);
    double headNorm = 0;
    for (float g : vm.score().grad()) headNorm += g * g;
    assertThat(headNorm).isGreaterThan(0);
    // the fully fine-tuned value model (the non-LoRA path) does run them: the count above can fail
    LoraGradientCheckTest.CountingGemm gemm2 = new LoraGradientCheckTest.CountingGemm();
    ScalarHeadModel full = ScalarHeadModel.fromTensors(c, src.toTensors(), 3, gemm2, true, null);
    Activations act2 = full.newActivations(b.rows());
    full.values(b, act2);
    gemm2.transAOutputs.clear();
    full.backward(b, act2, u);
    assertThat(gemm2.transAOutputs.size()).isGreaterThanOrEqualTo(c.layers() * 7);
  }
}
