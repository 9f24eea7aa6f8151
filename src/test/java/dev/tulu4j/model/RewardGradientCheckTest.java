package dev.tulu4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.preference.EncodedPair;
import dev.tulu4j.preference.SequencePack;
import dev.tulu4j.reward.RewardStep;
import dev.tulu4j.reward.ScalarHeadModel;
import dev.tulu4j.testing.FiniteDifference;
import dev.tulu4j.train.LossReduction;
import dev.tulu4j.train.StepStats;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/**
 * The Bradley–Terry objective J = Σ_pairs −log σ(r_c − r_r), r = value at each conversation's last
 * token, through the float64 scalar-head {@link ReferenceLlama}: finite differences vs the chained
 * analytic gradient, then {@link RewardStep}'s fp32 gradients vs that gradient.
 */
class RewardGradientCheckTest {
  static double objective(ReferenceLlama ref, SequencePack pk, int pairs, double[] up) {
    double[] v = ref.logProbs(pk.batch()); // values, every token
    double j = 0;
    for (int k = 0; k < pairs; k++) {
      int c = pk.last()[2 * k], r = pk.last()[2 * k + 1];
      double d = v[c] - v[r];
      j += Math.log1p(Math.exp(-d));
      if (up != null) {
        double s = 1 / (1 + Math.exp(d)); // σ(−d)
        up[c] += -s;
        up[r] += s;
      }
    }
    return j;
  }

  @Test
  void bradleyTerryGradientsMatchFiniteDifferencesAndTheEngine() {
    LlamaConfig c = ModelFixtures.tinyGqaTied();
    ScalarHeadModel m = ScalarHeadGradientCheckTest.model(c, 21);
    ReferenceLlama ref = ScalarHeadGradientCheckTest.reference(m);
    List<EncodedPair> ps = DpoGradientCheckTest.pairs(c.vocabSize());
    SequencePack pk = DpoGradientCheckTest.pack(ps);
    double[] up = new double[pk.batch().rows()];
    double j0 = objective(ref, pk, ps.size(), up);
    Map<String, double[]> g = ref.grads(pk.batch(), up);
    Random pick = new Random(2);
    FiniteDifference.Worst worst = new FiniteDifference.Worst();
    for (Parameter p : m.parameters()) {
      double[] an = g.get(p.name());
      worst.check(p.name(), ref.p.get(p.name()), an, FiniteDifference.probes(an, true, 2, pick), 1e-4, 1e-4,
          () -> objective(ref, pk, ps.size(), null));
    }
    System.out.printf("Bradley-Terry: float64 vs finite differences, max relative error %.3e at %s%n", worst.error(), worst.at());
    assertThat(worst.error()).as("at %s", worst.at()).isLessThan(1e-6);

    RewardStep step = new RewardStep(m, ps, 12, 0);
    m.zeroGrad();
    StepStats st = step.forwardBackward(new dev.tulu4j.train.Batch(0, 0, 1, new int[] {0, 1}, LossReduction.SUM, null));
    assertThat(st.lossSum()).isCloseTo(j0, Offset.offset(1e-4 * (1 + Math.abs(j0))));
    double worstEngine = 0;
    for (Parameter p : m.parameters()) {
      FiniteDifference.TensorError e = FiniteDifference.againstReference(g.get(p.name()), p.grad());
      worstEngine = Math.max(worstEngine, e.ratio());
      assertThat(e.ratio()).as("%s", p.name()).isLessThan(1e-4);
    }
    System.out.printf("Bradley-Terry: RewardStep fp32 vs float64, worst gradient error %.3e%n", worstEngine);
  }
}
