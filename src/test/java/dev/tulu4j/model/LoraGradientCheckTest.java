package dev.tulu4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tulu4j.tensor.Gemm;
import dev.tulu4j.tensor.NaiveGemm;
import dev.tulu4j.testing.FiniteDifference;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Gradient checks through LoRA layers. With dropout 0 the adapted model equals the base model with
 * merged weights W' = W + s·B·A, so the float64 {@link ReferenceLlama} over W' is the ground truth:
 * (1) the chain rule dA = s·Bᵀ·dW', dB = s·dW'·Aᵀ against 4-point central differences of J(A, B)
 * in float64, then (2) the fp32 engine's adapter gradients against that reference, with every base
 * weight frozen (no gradient buffer). Dropout &gt; 0 is checked on one adapted projection with the
 * adapter's own mask. Cases cover Llama, Qwen2 and each of OLMo 2, Qwen3, Mistral and Gemma 2.
 */
class LoraGradientCheckTest {
  private static final double FLOOR = 1e-4;

  record Case(String name, LlamaConfig cfg, LoraConfig lora) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of(new Case("all-linear", ModelFixtures.tinyGqaTied(),
            new LoraConfig(3, 6, 0, List.of("all-linear"), false, List.of()))),
        Arguments.of(new Case("all-linear-rslora", ModelFixtures.tinyGqaTied(),
            new LoraConfig(4, 3, 0, List.of("all-linear"), true, List.of()))),
        Arguments.of(new Case("q-v-o-down-qwen-bias", ModelFixtures.tinyQwenBiasLlama3(),
            new LoraConfig(2, 5, 0, List.of("q_proj", "v_proj", "o_proj", "down_proj"), false, List.of()))),
        // the families beyond Llama, through FamilyTrunk and ReferenceLlama's family switches
        Arguments.of(new Case("olmo2-all-linear", FamilyFixtures.olmo2(),
            new LoraConfig(3, 6, 0, List.of("all-linear"), false, List.of()))),
        Arguments.of(new Case("qwen3-all-linear-rslora", FamilyFixtures.qwen3(),
            new LoraConfig(4, 3, 0, List.of("all-linear"), true, List.of()))),
        Arguments.of(new Case("mistral-window-all-linear", FamilyFixtures.mistral(),
            new LoraConfig(3, 6, 0, List.of("all-linear"), false, List.of()))),
        Arguments.of(new Case("gemma2-softcap-window-all-linear", FamilyFixtures.gemma2(),
            new LoraConfig(3, 6, 0, List.of("all-linear"), false, List.of()))));
  }

  /** A frozen base (shared weights, no gradients) with an adapter whose B is random, so dA is not zero. */
  static LlamaModel adapted(Case k) {
    LlamaModel m = ModelFixtures.model(k.cfg(), 11).frozenView();
    LoraAdapter ad = m.attachLora(k.lora(), 5);
    Random r = new Random(17);
    for (Parameter p : ad.parameters())
      if (p.name().endsWith("lora_B.weight")) for (int i = 0; i < p.data().length; i++) p.data()[i] = (float) (0.3 * r.nextGaussian());
    return m;
  }

  static Batch batch(LlamaConfig c) {
    int b = 2, t = 6;
    int[] ids = ModelFixtures.randomIds(b * t, c.vocabSize(), 5);
    int[] y = ModelFixtures.shiftTargets(ids, b, t);
    y[1] = -100;
    return new Batch(b, t, ids, y, null, null);
  }

  static double[] upstream(Batch b) {
    Random r = new Random(9);
    double[] u = new double[b.rows()];
    for (int i = 0; i < u.length; i++) if (b.targets()[i] != -100) u[i] = r.nextGaussian();
    return u;
  }

  /** Float64 copies of the adapter tensors. */
  static Map<String, double[]> adapterF64(LoraAdapter ad) {
    Map<String, double[]> m = new LinkedHashMap<>();
    for (Parameter p : ad.parameters()) {
      double[] d = new double[p.data().length];
      for (int i = 0; i < d.length; i++) d[i] = p.data()[i];
      m.put(p.name(), d);
    }
    return m;
  }

  /** The float64 reference over W' = W + s·B·A. */
  static ReferenceLlama merged(ReferenceLlama base, LoraConfig lc, Map<String, double[]> ab) {
    Map<String, double[]> p = new HashMap<>(base.p);
    double s = lc.scaling();
    int r = lc.r();
    for (int l = 0; l < base.c.layers(); l++)
      for (LoraTarget t : lc.targets()) {
        String wn = t.weight.name(l);
        double[] w = base.p.get(wn).clone();
        double[] a = ab.get(LoraAdapter.aName(l, t)), b = ab.get(LoraAdapter.bName(l, t));
        int in = t.in(base.c), out = t.out(base.c);
        for (int o = 0; o < out; o++)
          for (int i = 0; i < in; i++) {
            double acc = 0;
            for (int q = 0; q < r; q++) acc += b[o * r + q] * a[q * in + i];
            w[o * in + i] += s * acc;
          }
        p.put(wn, w);
      }
    return new ReferenceLlama(base.c, p);
  }

  /** dA = s·Bᵀ·dW', dB = s·dW'·Aᵀ from the reference's gradient of the merged weights. */
  static Map<String, double[]> chainRule(ReferenceLlama mergedRef, LoraConfig lc, Map<String, double[]> ab, Batch b, double[] u) {
    Map<String, double[]> gw = mergedRef.grads(b, u);
    Map<String, double[]> g = new HashMap<>();
    double s = lc.scaling();
    int r = lc.r();
    for (int l = 0; l < mergedRef.c.layers(); l++)
      for (LoraTarget t : lc.targets()) {
        double[] dw = gw.get(t.weight.name(l));
        double[] a = ab.get(LoraAdapter.aName(l, t)), bb = ab.get(LoraAdapter.bName(l, t));
        int in = t.in(mergedRef.c), out = t.out(mergedRef.c);
        double[] da = new double[r * in], db = new double[out * r];
        for (int q = 0; q < r; q++)
          for (int i = 0; i < in; i++) {
            double acc = 0;
            for (int o = 0; o < out; o++) acc += bb[o * r + q] * dw[o * in + i];
            da[q * in + i] = s * acc;
          }
        for (int o = 0; o < out; o++)
          for (int q = 0; q < r; q++) {
            double acc = 0;
            for (int i = 0; i < in; i++) acc += dw[o * in + i] * a[q * in + i];
            db[o * r + q] = s * acc;
          }
        g.put(LoraAdapter.aName(l, t), da);
        g.put(LoraAdapter.bName(l, t), db);
      }
    return g;
  }

  static double objective(ReferenceLlama base, LoraConfig lc, Map<String, double[]> ab, Batch b, double[] u) {
    double[] lp = merged(base, lc, ab).logProbs(b);
    double j = 0;
    for (int i = 0; i < lp.length; i++) j += u[i] * lp[i];
    return j;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void chainRuleMatchesFiniteDifferences(Case k) {
    LlamaModel m = adapted(k);
    ReferenceLlama base = ReferenceLlama.of(m);
    Map<String, double[]> ab = adapterF64(m.lora());
    Batch b = batch(k.cfg());
    double[] u = upstream(b);
    Map<String, double[]> g = chainRule(merged(base, k.lora(), ab), k.lora(), ab, b, u);
    Random pick = new Random(3);
    FiniteDifference.Worst worst = new FiniteDifference.Worst();
    for (Map.Entry<String, double[]> e : ab.entrySet()) {
      double[] an = g.get(e.getKey());
      List<Integer> idx = FiniteDifference.probes(an, true, 3, pick);
      worst.check(e.getKey(), e.getValue(), an, idx, 1e-4, FLOOR, () -> objective(base, k.lora(), ab, b, u));
      assertThat(Math.abs(an[idx.get(0)])).as("gradient of %s is not trivially zero", e.getKey()).isGreaterThan(1e-4);
    }
    System.out.printf("%s: LoRA chain rule vs finite differences, max relative error %.3e at %s%n", k, worst.error(), worst.at());
    assertThat(worst.error()).as("max relative error %s at %s", worst.error(), worst.at()).isLessThan(1e-6);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void engineAdapterGradientsMatchFloat64Reference(Case k) {
    LlamaModel m = adapted(k);
    ReferenceLlama base = ReferenceLlama.of(m);
    Map<String, double[]> ab = adapterF64(m.lora());
    ReferenceLlama ref = merged(base, k.lora(), ab);
    Batch b = batch(k.cfg());
    double[] u = upstream(b);
    Activations act = new Activations(k.cfg(), b.rows());
    LlamaModel.LogProbs lp = m.forward(b, act);
    double[] refLp = ref.logProbs(b);
    for (int i = 0; i < refLp.length; i++)
      assertThat((double) lp.logp()[i]).as("logp[%d]", i).isCloseTo(refLp[i], org.assertj.core.data.Offset.offset(2e-5 * (1 + Math.abs(refLp[i]))));
    float[] uf = new float[u.length];
    for (int i = 0; i < u.length; i++) uf[i] = (float) u[i];
    m.backward(b, act, uf);
    Map<String, double[]> g = chainRule(ref, k.lora(), ab, b, u);
    double worst = 0;
    for (Parameter p : m.lora().parameters()) {
      FiniteDifference.TensorError e = FiniteDifference.againstReference(g.get(p.name()), p.grad());
      worst = Math.max(worst, e.ratio());
      assertThat(e.ratio()).as("%s: max |fp32 − f64| / max |f64| (max %s)", p.name(), e.maxRef()).isLessThan(1e-4);
    }
    for (Parameter p : m.parameters()) assertThat(p.grad()).as("frozen %s has no gradient buffer", p.name()).isNull();
    assertThat(m.trainableParameters()).containsExactlyElementsOf(m.lora().parameters());
    System.out.printf("%s: fp32 engine LoRA grads vs float64 reference, worst %.3e%n", k, worst);
  }

  @Test
  void adapterOffIsTheBaseModelAndAFreshAdapterChangesNothing() {
    Case k = (Case) cases().findFirst().orElseThrow().get()[0];
    LlamaModel base = ModelFixtures.model(k.cfg(), 11);
    Batch b = batch(k.cfg());
    float[] want = base.forward(b, new Activations(k.cfg(), b.rows())).logp();
    LlamaModel fresh = base.frozenView();
    for (int i = 0; i < base.parameters().size(); i++) // a view: the same arrays, no gradients
      assertThat(fresh.parameters().get(i).data()).isSameAs(base.parameters().get(i).data());
    fresh.attachLora(k.lora(), 1); // B = 0: the adapted model starts as the base, bit for bit
    assertThat(fresh.forward(b, new Activations(k.cfg(), b.rows())).logp()).containsExactly(want);
    LlamaModel m = adapted(k);
    assertThat(m.forward(b, new Activations(k.cfg(), b.rows())).logp()).isNotEqualTo(want);
    m.lora().enabled(false);
    assertThat(m.forward(b, new Activations(k.cfg(), b.rows())).logp()).containsExactly(want);
    assertThatThrownBy(() -> m.backward(b, new Activations(k.cfg(), b.rows()), new float[b.rows()]))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void theCachedPathAppliesTheAdapterLikeTheTrainingPath() {
    Case k = (Case) cases().toList().get(2).get()[0];
    LlamaModel m = adapted(k);
    int[] ids = ModelFixtures.randomIds(6, k.cfg().vocabSize(), 8);
    float[] want = m.lastLogits(new Batch(1, 6, ids, null, null, null), Activations.inference(k.cfg(), 6));
    KvCache cache = m.newCache(1, 8);
    float[] got = m.prefill(cache, new int[][] {java.util.Arrays.copyOf(ids, 5)});
    got = m.decode(cache, new int[] {ids[5]});
    for (int i = 0; i < want.length; i++) assertThat(got[i]).as("logit %d", i).isCloseTo(want[i], org.assertj.core.data.Offset.offset(1e-4f));
    m.lora().enabled(false);
    float[] base = m.lastLogits(new Batch(1, 6, ids, null, null, null), Activations.inference(k.cfg(), 6));
    assertThat(base).isNotEqualTo(want);
  }

  @Test
  void freshAdapterInitIsKaimingUniformAndZero() {
    LlamaConfig c = ModelFixtures.tinyGqaTied();
    LoraAdapter ad = LoraAdapter.init(new LoraConfig(4, 8, 0, List.of("q_proj", "down_proj"), false, List.of()), c, 3);
    for (Parameter p : ad.parameters()) {
      double bound = 1 / Math.sqrt(p.shape()[1]);
      if (p.name().endsWith("lora_B.weight")) assertThat(p.data()).containsOnly(0f);
      else {
        double max = 0;
        for (float v : p.data()) max = Math.max(max, Math.abs(v));
        assertThat(max).isLessThanOrEqualTo(bound).isGreaterThan(0.5 * bound);
      }
    }
    assertThat(ad.parameters()).extracting(Parameter::name).startsWith(
        "model.layers.0.self_attn.q_proj.lora_A.weight", "model.layers.0.self_attn.q_proj.lora_B.weight",
        "model.layers.0.mlp.down_proj.lora_A.weight");
    assertThat(new LoraConfig(16, 32, 0, List.of("all-linear"), false, null).scaling()).isEqualTo(2.0);
    assertThat(new LoraConfig(16, 32, 0, List.of("all-linear"), true, null).scaling()).isEqualTo(8.0);
  }

  /** A GEMM that counts weight-gradient products (transA: dW += dyᵀ·x, dA, dB) by output array. */
  static final class CountingGemm implements Gemm {
    final NaiveGemm inner = new NaiveGemm();
    final List<float[]> transAOutputs = new ArrayList<>();

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
        float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
      if (transA) transAOutputs.add(c);
      inner.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    @Override
    public String name() {
      return "counting";
    }

    @Override
    public Gemm onCallingThread() {
      return inner; // attention's own products (dK, dV) are not weight gradients
    }
  }

  @Test
  void frozenWeightGradientGemmsAreSkipped() {
    LlamaConfig c = ModelFixtures.tinyQwenBiasLlama3();
    LlamaModel src = ModelFixtures.model(c, 11);
    CountingGemm gemm = new CountingGemm();
    LlamaModel m = LlamaModel.fromTensors(c, src.toTensors(), gemm, false);
    LoraConfig lc = new LoraConfig(2, 4, 0, List.of("q_proj", "down_proj"), false, List.of());
    LoraAdapter ad = m.attachLora(lc, 1);
    Batch b = batch(c);
    Activations act = new Activations(c, b.rows());
    m.forward(b, act);
    gemm.transAOutputs.clear();
    float[] u = new float[b.rows()];
    java.util.Arrays.fill(u, -1f);
    m.backward(b, act, u);
    // exactly dB and dA per adapted projection: 2 layers × 2 targets × 2; no dW of any frozen weight
    assertThat(gemm.transAOutputs).hasSize(c.layers() * 2 * 2);
    List<float[]> grads = new ArrayList<>();
    for (Parameter p : ad.parameters()) grads.add(p.grad());
    // dA lands in its gradient; dB is computed transposed into an (r, out) scratch of the same size, then added
    for (float[] out : gemm.transAOutputs) assertThat(grads).anyMatch(g -> g == out || g.length == out.length);
    for (Parameter p : ad.parameters()) {
      double norm = 0;
      for (float v : p.grad()) norm += v * v;
      if (p.name().endsWith("lora_B.weight")) assertThat(norm).as("%s gets a gradient", p.name()).isGreaterThan(0);
    }
    // the same model fully trainable does run the weight-gradient GEMMs (the count above can fail)
    CountingGemm gemm2 = new CountingGemm();
    LlamaModel full = LlamaModel.fromTensors(c, src.toTensors(), gemm2, true);
    Activations act2 = new Activations(c, b.rows());
    full.forward(b, act2);
    gemm2.transAOutputs.clear();
    full.backward(b, act2, u);
    assertThat(gemm2.transAOutputs.size()).isGreaterThanOrEqualTo(c.layers() * 7 + 1);
  }

  @Test
  void dropoutGradientsMatchFiniteDifferencesWithTheSameMask() {
    // y = x·Wᵀ + s·(drop(x)·Aᵀ)·Bᵀ on one projection; J = Σ g ⊙ y; float64 differences in A, B and x
    LlamaConfig c = ModelFixtures.tinyGqaTied();
    LoraConfig lc = new LoraConfig(3, 6, 0.3, List.of("up_proj"), false, List.of());
    LoraAdapter ad = LoraAdapter.init(lc, c, 2);
    ad.dropoutSeed(42);
    ad.training(true);
    LoraTarget t = LoraTarget.UP_PROJ;
    int rows = 5, in = t.in(c), out = t.out(c), r = lc.r();
    Random rnd = new Random(4);
    LoraAdapter.Pair p = ad.pair(0, t);
    for (int i = 0; i < p.b().data().length; i++) p.b().data()[i] = (float) rnd.nextGaussian();
    float[] x = new float[rows * in], g = new float[rows * out];
    for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
    for (int i = 0; i < g.length; i++) g[i] = (float) rnd.nextGaussian();
    int dropped = 0;
    for (int i = 0; i < x.length; i++) if (!ad.keep(0, t, i)) dropped++;
    assertThat(dropped).as("about 30%% of %d inputs dropped", x.length).isBetween(x.length / 6, x.length / 2);
    float[] y = new float[rows * out];
    ad.forward(new NaiveGemm(), 0, t, x, rows, y, true);
    float[] dx = new float[rows * in];
    ad.backward(new NaiveGemm(), 0, t, x, rows, g, dx);
    double[] a64 = f64(p.a().data()), b64 = f64(p.b().data()), x64 = f64(x);
    double s = lc.scaling(), keepScale = 1 / (1 - lc.dropout());
    java.util.function.DoubleSupplier j = () -> {
      double sum = 0;
      for (int n = 0; n < rows; n++)
        for (int q = 0; q < r; q++) {
          double uq = 0;
          for (int i = 0; i < in; i++) uq += (ad.keep(0, t, n * in + i) ? x64[n * in + i] * keepScale : 0) * a64[q * in + i];
          for (int o = 0; o < out; o++) sum += g[n * out + o] * s * uq * b64[o * r + q];
        }
      return sum;
    };
    // the forward's term itself
    double jy = 0;
    for (int i = 0; i < y.length; i++) jy += g[i] * y[i];
    assertThat(jy).isCloseTo(j.getAsDouble(), org.assertj.core.data.Offset.offset(1e-4 * Math.abs(jy)));
    FiniteDifference.Worst worst = new FiniteDifference.Worst();
    Random pick = new Random(1);
    worst.check("A", a64, f64(p.a().grad()), FiniteDifference.probes(f64(p.a().grad()), true, 10, pick), 1e-3, FLOOR, j);
    worst.check("B", b64, f64(p.b().grad()), FiniteDifference.probes(f64(p.b().grad()), true, 10, pick), 1e-3, FLOOR, j);
    worst.check("x", x64, f64(dx), FiniteDifference.probes(f64(dx), true, 20, pick), 1e-3, FLOOR, j);
    System.out.printf("LoRA dropout 0.3: engine vs finite differences, max relative error %.3e at %s%n", worst.error(), worst.at());
    assertThat(worst.error()).as("max relative error at %s", worst.at()).isLessThan(1e-4);
    long zeroDx = 0;
    for (int i = 0; i < dx.length; i++) if (!ad.keep(0, t, i)) {
      assertThat(dx[i]).as("dropped input %d gets no gradient", i).isZero();
      zeroDx++;
    }
    assertThat(zeroDx).isEqualTo(dropped);
  }

  private static double[] f64(float[] f) {
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) d[i] = f[i];
    return d;
  }
}
