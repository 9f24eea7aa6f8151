package dev.tulu4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.rlvr.PolicyLoss.KlEstimator;
import dev.tulu4j.rlvr.PolicyObjective;
import dev.tulu4j.rlvr.Rollout;
import dev.tulu4j.rlvr.SequenceForward;
import dev.tulu4j.testing.FiniteDifference;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Gradient check of the GRPO policy loss through the model: J(θ) = (1/M) Σ_i loss_i with loss_i the
 * per-sequence clipped surrogate + β·k3 of {@link PolicyObjective}, over rollouts packed by
 * {@link SequenceForward}. (1) the float64 {@link ReferenceLlama}'s gradient of J (chain rule through
 * PolicyObjective's ∂loss/∂logp) against central finite differences of J; (2) the fp32 engine's
 * gradient, through {@link SequenceForward#backward} as the trainer calls it, against (1).
 * Old log-probs are offset from the current ones so that both clipped and unclipped tokens occur,
 * each well away from the clip boundary (ratios 1.65, 1.105, 0.95, 0.67 with ε = 0.2).
 */
class GrpoLossGradientCheckTest {
  private static final double BETA = 0.3;
  private static final double EPS = 0.2;
  private static final double[] OFFSETS = {-0.5, -0.1, 0.05, 0.4};

  private record Setup(List<Rollout> rs, Batch b, double[][] old, double[][] refLp, double[][] adv) {}

  private static Setup setup(ReferenceLlama ref) {
    Random r = new Random(17);
    int v = ref.c.vocabSize();
    int[][] prompts = {{1, 5, 9}, {1, 7}, {1, 3, 4, 6}};
    int[] lens = {4, 6, 3};
    double[] groupAdv = {1.2, -0.7, 0.4};
    List<Rollout> rs = new ArrayList<>();
    for (int i = 0; i < prompts.length; i++) {
      int[] resp = new int[lens[i]];
      for (int k = 0; k < resp.length; k++) resp[k] = 3 + r.nextInt(v - 3);
      rs.add(new Rollout(0, prompts[i], resp, new double[resp.length], "", true, false, 0));
    }
    Batch b = SequenceForward.pack(rs);
    double[][] now = responseLogp(ref.logProbs(b), b, rs);
    double[][] old = new double[rs.size()][];
    double[][] refLp = new double[rs.size()][];
    double[][] adv = new double[rs.size()][];
    int c = 0;
    for (int i = 0; i < rs.size(); i++) {
      int t = now[i].length;
      old[i] = new double[t];
      refLp[i] = new double[t];
      adv[i] = new double[t];
      for (int k = 0; k < t; k++) {
        old[i][k] = now[i][k] + OFFSETS[c++ % OFFSETS.length];
        refLp[i][k] = now[i][k] + 0.3 * r.nextGaussian();
        adv[i][k] = groupAdv[i];
      }
    }
    return new Setup(rs, b, old, refLp, adv);
  }

  private static double[][] responseLogp(double[] lp, Batch b, List<Rollout> rs) {
    double[][] out = new double[rs.size()][];
    for (int i = 0; i < rs.size(); i++) {
      int base = i * b.seqLen() + rs.get(i).promptIds().length - 1;
      out[i] = new double[rs.get(i).response().length];
      for (int k = 0; k < out[i].length; k++) out[i][k] = lp[base + k];
    }
    return out;
  }

  private static PolicyObjective.SequenceLoss seq(Setup s, double[][] logp, int i) {
    return PolicyObjective.sequence(logp[i], s.old()[i], s.refLp()[i], s.adv()[i], BETA, KlEstimator.KL3, EPS);
  }

  private static double objective(ReferenceLlama ref, Setup s) {
    double[][] lp = responseLogp(ref.logProbs(s.b()), s.b(), s.rs());
    double j = 0;
    for (int i = 0; i < lp.length; i++) j += seq(s, lp, i).loss() / lp.length;
    return j;
  }

  /** ∂J/∂logp at every batch position. */
  private static double[] upstream(ReferenceLlama ref, Setup s, int[] clippedOut) {
    double[][] lp = responseLogp(ref.logProbs(s.b()), s.b(), s.rs());
    double[] u = new double[s.b().rows()];
    for (int i = 0; i < lp.length; i++) {
      PolicyObjective.SequenceLoss sl = seq(s, lp, i);
      clippedOut[0] += sl.clippedTokens();
      int base = i * s.b().seqLen() + s.rs().get(i).promptIds().length - 1;
      for (int k = 0; k < lp[i].length; k++) u[base + k] = sl.dLogp()[k] / lp.length;
    }
    return u;
  }

  /** At temperature 1 and at a rollout temperature (log-probs of softmax(logits / T), as RLVR scores them). */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(doubles = {1.0, 0.7})
  void grpoLossGradientMatchesFiniteDifferencesAndTheEngine(double temperature) {
    LlamaModel m = ModelFixtures.model(ModelFixtures.tinyGqaTied(), 11);
    ReferenceLlama ref = ReferenceLlama.of(m).temperature(temperature);
    Setup s = setup(ref);
    int[] clipped = {0};
    double[] u = upstream(ref, s, clipped);
    assertThat(clipped[0]).as("some tokens are clipped").isBetween(2, 10);
    Map<String, double[]> g = ref.grads(s.b(), u);

    // (1) float64 analytic vs 4-point central differences
    Random pick = new Random(3);
    FiniteDifference.Worst worst = new FiniteDifference.Worst();
    for (Parameter p : m.parameters()) {
      double[] an = g.get(p.name());
      worst.check(p.name(), ref.p.get(p.name()), an, FiniteDifference.probes(an, false, 6, pick), 1e-4, 1e-5, () -> objective(ref, s));
    }
    assertThat(worst.error()).as("max relative error %s at %s", worst.error(), worst.at()).isLessThan(1e-6);

    // (2) fp32 engine through SequenceForward.backward, as the trainer drives it
    m.zeroGrad();
    SequenceForward fwd = new SequenceForward(m, 2, 16, temperature);
    int total = s.rs().size();
    fwd.backward(m, s.rs(), (chunk, logp, off) -> {
      double[][] d = new double[chunk.size()][];
      for (int c = 0; c < chunk.size(); c++) {
        int i = off + c;
        d[c] = PolicyObjective.sequence(logp[c], s.old()[i], s.refLp()[i], s.adv()[i], BETA, KlEstimator.KL3, EPS).dLogp();
        for (int k = 0; k < d[c].length; k++) d[c][k] /= total;
      }
      return d;
    });
    for (Parameter p : m.parameters()) {
      FiniteDifference.TensorError e = FiniteDifference.againstReference(g.get(p.name()), p.grad());
      assertThat(e.maxRef()).as("%s gradient is not trivially zero", p.name()).isGreaterThan(1e-5);
      assertThat(e.ratio()).as("%s: max |fp32 − f64| / max |f64|", p.name()).isLessThan(1e-3);
    }
  }
}
