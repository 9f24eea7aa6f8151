package dev.tulu4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.testing.FiniteDifference;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Gradient checks in the style of llm.c's test_gpt2: (1) the float64 {@link ReferenceLlama}'s
 * analytic gradients against 4-point central finite differences for every parameter tensor, then
 * (2) the fp32 engine's log-probs and gradients against that reference. The objective is
 * J = Σ_t u_t·logp_t with u either cross-entropy (−1 per counted token) or arbitrary weights (the
 * DPO/PPO case), over batches with ignored targets and, in one case, packed rows.
 */
@Tag("slow")
class GradientCheckTest {
  /**
   * Denominator floor of the relative error: J is a sum of ~10 log-probs (|J| ≈ 30), so the
   * stencil's cancellation error is about 1e-16·30/h ≈ 1e-11 absolute; below |g| ≈ 1e-4 that noise,
   * not the gradient, would dominate a plain relative error.
   */
  private static final double FLOOR = 1e-4;

  record Case(String name, LlamaConfig cfg, int b, int t, boolean packed, boolean ce, boolean positions) {
    Case(String name, LlamaConfig cfg, int b, int t, boolean packed, boolean ce) {
      this(name, cfg, b, t, packed, ce, false);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of(new Case("gqa-tied-ce", ModelFixtures.tinyGqaTied(), 2, 7, false, true)),
        Arguments.of(new Case("gqa-tied-arbitrary-upstream", ModelFixtures.tinyGqaTied(), 2, 7, false, false)),
        Arguments.of(new Case("qwen-bias-llama3-untied-packed", ModelFixtures.tinyQwenBiasLlama3(), 2, 7, true, false)),
        Arguments.of(new Case("mha-untied-llama3-ce", ModelFixtures.tinyMhaUntied(), 1, 9, false, true)),
        Arguments.of(new Case("explicit-positions", ModelFixtures.tinyQwenBiasLlama3(), 2, 7, false, false, true)));
  }

  private static Batch batch(Case k, long seed) {
    int n = k.b() * k.t();
    int[] ids = ModelFixtures.randomIds(n, k.cfg().vocabSize(), seed);
    int[] y = ModelFixtures.shiftTargets(ids, k.b(), k.t());
    y[1] = -100; // an ignored target in the middle of a row
    int[] seg = null;
    if (k.packed()) {
      seg = new int[n];
      for (int r = 0; r < n; r++) seg[r] = r % k.t() < 3 ? 0 : (r % k.t() < 5 ? 1 : 2);
    }
    int[] pos = null;
    if (k.positions()) { // arbitrary explicit positions: offset 3 + row, stride 2
      pos = new int[n];
      for (int r = 0; r < n; r++) pos[r] = 3 + r % k.t() * 2 + r / k.t();
    }
    return new Batch(k.b(), k.t(), ids, y, pos, seg);
  }

  private static double[] upstream(Case k, Batch b, long seed) {
    Random r = new Random(seed);
    double[] u = new double[b.rows()];
    for (int i = 0; i < u.length; i++)
      if (b.targets()[i] != -100) u[i] = k.ce() ? -1 : r.nextGaussian();
    return u;
  }

  private static double objective(ReferenceLlama ref, Batch b, double[] u) {
    double[] lp = ref.logProbs(b);
    double j = 0;
    for (int i = 0; i < lp.length; i++) j += u[i] * lp[i];
    return j;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void referenceGradientsMatchFiniteDifferences(Case k) {
    LlamaModel m = ModelFixtures.model(k.cfg(), 11);
    ReferenceLlama ref = ReferenceLlama.of(m);
    Batch b = batch(k, 5);
    double[] u = upstream(k, b, 9);
    Map<String, double[]> g = ref.grads(b, u);
    Random pick = new Random(3);
    FiniteDifference.Worst worst = new FiniteDifference.Worst();
    for (Parameter p : m.parameters()) {
      double[] an = g.get(p.name());
      List<Integer> idx = FiniteDifference.probes(an, true, Math.min(12, an.length), pick);
      worst.check(p.name(), ref.p.get(p.name()), an, idx, 1e-4, FLOOR, () -> objective(ref, b, u));
      assertThat(Math.abs(an[idx.get(0)])).as("gradient of %s is not trivially zero", p.name()).isGreaterThan(1e-4);
    }
    System.out.printf("%s: reference vs finite differences, max relative error %.3e at %s%n", k, worst.error(), worst.at());
    assertThat(worst.error()).as("max relative error %s at %s", worst.error(), worst.at()).isLessThan(1e-6);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void engineMatchesFloat64Reference(Case k) {
    LlamaModel m = ModelFixtures.model(k.cfg(), 11);
    ReferenceLlama ref = ReferenceLlama.of(m);
    Batch b = batch(k, 5);
    double[] u = upstream(k, b, 9);
    Activations act = new Activations(k.cfg(), b.rows());
    LlamaModel.LogProbs lp = m.forward(b, act);
    double[] refLp = ref.logProbs(b);
    double lossRef = 0;
    int count = 0;
    for (int i = 0; i < refLp.length; i++) {
      assertThat((double) lp.logp()[i]).as("logp[%d]", i).isCloseTo(refLp[i], org.assertj.core.data.Offset.offset(2e-5 * (1 + Math.abs(refLp[i]))));
      if (b.targets()[i] != -100) {
        lossRef -= refLp[i];
        count++;
      }
    }
    assertThat(lp.tokens()).isEqualTo(count);
    assertThat(lp.lossSum()).isCloseTo(lossRef, org.assertj.core.data.Offset.offset(1e-4 * Math.abs(lossRef)));
    float[] uf = new float[u.length];
    for (int i = 0; i < u.length; i++) uf[i] = (float) u[i];
    m.zeroGrad();
    m.backward(b, act, uf);
    Map<String, double[]> g = ref.grads(b, u);
    double worst = 0;
    for (Parameter p : m.parameters()) {
      FiniteDifference.TensorError e = FiniteDifference.againstReference(g.get(p.name()), p.grad());
      worst = Math.max(worst, e.ratio());
      assertThat(e.ratio()).as("%s: max |fp32 − f64| / max |f64| (max %s)", p.name(), e.maxRef()).isLessThan(1e-4);
    }
    System.out.printf("%s: fp32 engine vs float64 reference, worst gradient error %.3e (relative to tensor max)%n", k, worst);
  }
}
