package dev.tulu4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.testing.FiniteDifference;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.assertj.core.data.Offset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The float64 {@link ReferenceLlama} with each family's switches: (1) its analytic gradients against
 * 4-point central finite differences for every parameter tensor (so each new block — post-norms,
 * full and per-head q/k norms, (1 + w) norms, √C embeddings, GeGLU tanh, score scale, attention and
 * final soft-caps, sliding windows on some or all layers — is checked in float64), then (2) the fp32
 * engine's FamilyTrunk log-probs and gradients against it, within the same bounds as
 * {@link GradientCheckTest}: log-probs 2e-5·(1 + |ref|), every gradient tensor's max error below
 * 1e-4 of its max |value|. Batches pack two sequences into a row and ignore a target; windows (3) are
 * shorter than the rows (7).
 */
class FamilyReferenceTest {
  private static final double FLOOR = 1e-4;

  record Case(String name, LlamaConfig cfg) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static LlamaConfig base(LlamaConfig.Architecture a, boolean tied, Family f) {
    // V=37, C=16, F=24, L=2, H=4, Hkv=2 (GQA), D=4
    return new LlamaConfig(a, 37, 16, 24, 2, 4, 2, 4, 1e-5, 10000.0, null, 64, tied, false, 1, List.of(2), f);
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of(new Case("olmo2-postnorm-full-qknorm", base(LlamaConfig.Architecture.OLMO2, false, Family.olmo2()))),
        Arguments.of(new Case("qwen3-per-head-qknorm", base(LlamaConfig.Architecture.QWEN3, true, Family.qwen3()))),
        Arguments.of(new Case("qwen3-sliding-second-layer", base(LlamaConfig.Architecture.QWEN3, true,
            Family.qwen3().withWindow(3, List.of(false, true))))),
        Arguments.of(new Case("mistral-window-3", base(LlamaConfig.Architecture.MISTRAL, false, Family.mistral(3, 2)))),
        Arguments.of(new Case("gemma2-softcaps-alternating-window", base(LlamaConfig.Architecture.GEMMA2, true,
            Family.gemma2(6, 1.5, 4.0, 3, List.of(true, false))))),
        Arguments.of(new Case("gemma2-no-caps-no-window", base(LlamaConfig.Architecture.GEMMA2, true,
            Family.gemma2(6, 0, 0, 0, List.of(false, false))))));
  }

  private static Batch batch(LlamaConfig c, long seed) {
    int b = 2, t = 7, n = b * t;
    int[] ids = ModelFixtures.randomIds(n, c.vocabSize(), seed);
    int[] y = ModelFixtures.shiftTargets(ids, b, t);
    y[1] = -100;
    int[] seg = new int[n];
    for (int r = 0; r < n; r++) seg[r] = r / t == 1 && r % t >= 3 ? 1 : 0; // row 1 packs two sequences
    for (int r = 0; r < n; r++) if (r % t + 1 < t && seg[r + 1] != seg[r]) y[r] = -100;
    return new Batch(b, t, ids, y, null, seg);
  }

  private static double[] upstream(Batch b, long seed) {
    Random r = new Random(seed);
    double[] u = new double[b.rows()];
    for (int i = 0; i < u.length; i++) if (b.targets()[i] != -100) u[i] = r.nextGaussian();
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
    Batch b = batch(k.cfg(), 5);
    double[] u = upstream(b, 9);
    Map<String, double[]> g = ref.grads(b, u);
    Random pick = new Random(3);
    FiniteDifference.Worst worst = new FiniteDifference.Worst();
    for (Parameter p : m.parameters()) {
      double[] an = g.get(p.name());
      List<Integer> idx = FiniteDifference.probes(an, true, Math.min(10, an.length), pick);
      worst.check(p.name(), ref.p.get(p.name()), an, idx, 1e-4, FLOOR, () -> objective(ref, b, u));
      assertThat(Math.abs(an[idx.get(0)])).as("gradient of %s is not trivially zero", p.name()).isGreaterThan(1e-4);
    }
    System.out.printf("%s: reference vs finite differences, max relative error %.3e at %s%n", k, worst.error(), worst.at());
    assertThat(worst.error()).as("max relative error %s at %s", worst.error(), worst.at()).isLessThan(1e-6);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void familyTrunkMatchesFloat64Reference(Case k) {
    LlamaModel m = ModelFixtures.model(k.cfg(), 11);
    ReferenceLlama ref = ReferenceLlama.of(m);
    Batch b = batch(k.cfg(), 5);
    double[] u = upstream(b, 9);
    Activations act = new Activations(k.cfg(), b.rows());
    LlamaModel.LogProbs lp = m.forward(b, act);
    double[] refLp = ref.logProbs(b);
    for (int i = 0; i < refLp.length; i++)
      assertThat((double) lp.logp()[i]).as("logp[%d]", i).isCloseTo(refLp[i], Offset.offset(2e-5 * (1 + Math.abs(refLp[i]))));
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
    System.out.printf("%s: fp32 FamilyTrunk vs float64 reference, worst gradient error %.3e%n", k, worst);
  }
}
