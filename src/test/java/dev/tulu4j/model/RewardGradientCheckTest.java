package dev.tulu4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.preference.EncodedPair;
import dev.tulu4j.preference.SequencePack;
import dev.tulu4j.reward.RewardStep;
import dev.tulu4j.reward.ScalarHeadModel;
import dev.tulu4j.train.LossReduction;
import dev.tulu4j.train.StepStats;
import java.util.ArrayList;
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
    double h = 1e-4, worst = 0;
    String at = "";
    for (Parameter p : m.parameters()) {
      double[] w = ref.p.get(p.name());
      double[] an = g.get(p.name());
      int argmax = 0;
      for (int i = 0; i < an.length; i++) if (Math.abs(an[i]) > Math.abs(an[argmax])) argmax = i;
      List<Integer> idx = new ArrayList<>(List.of(argmax, pick.nextInt(an.length), pick.nextInt(an.length)));
      for (int i : idx) {
        double w0 = w[i];
        double[] jj = new double[4];
        double[] offs = {h, -h, 2 * h, -2 * h};
        for (int q = 0; q < 4; q++) {
          w[i] = w0 + offs[q];
          jj[q] = objective(ref, pk, ps.size(), null);
        }
        w[i] = w0;
        double num = (8 * (jj[0] - jj[1]) - (jj[2] - jj[3])) / (12 * h);
        double rel = Math.abs(num - an[i]) / Math.max(1e-4, Math.max(Math.abs(num), Math.abs(an[i])));
        if (rel > worst) {
          worst = rel;
          at = p.name() + "[" + i + "] analytic=" + an[i] + " numeric=" + num;
        }
      }
    }
    System.out.printf("Bradley-Terry: float64 vs finite differences, max relative error %.3e at %s%n", worst, at);
    assertThat(worst).as("at %s", at).isLessThan(1e-6);

    RewardStep step = new RewardStep(m, ps, 12, 0);
    m.zeroGrad();
    StepStats st = step.forwardBackward(new dev.tulu4j.train.Batch(0, 0, 1, new int[] {0, 1}, LossReduction.SUM, null));
    assertThat(st.lossSum()).isCloseTo(j0, Offset.offset(1e-4 * (1 + Math.abs(j0))));
    double worstEngine = 0;
    for (Parameter p : m.parameters()) {
      double[] want = g.get(p.name());
      double maxRef = 0, maxErr = 0;
      for (int i = 0; i < want.length; i++) {
        maxRef = Math.max(maxRef, Math.abs(want[i]));
        maxErr = Math.max(maxErr, Math.abs(want[i] - p.grad()[i]));
      }
      worstEngine = Math.max(worstEngine, maxErr / maxRef);
      assertThat(maxErr / maxRef).as("%s", p.name()).isLessThan(1e-4);
    }
    System.out.printf("Bradley-Terry: RewardStep fp32 vs float64, worst gradient error %.3e%n", worstEngine);
  }
}
