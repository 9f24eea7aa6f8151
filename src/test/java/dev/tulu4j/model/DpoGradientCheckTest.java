package dev.tulu4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.dpo.DpoLoss;
import dev.tulu4j.dpo.DpoLossType;
import dev.tulu4j.dpo.DpoStep;
import dev.tulu4j.preference.EncodedPair;
import dev.tulu4j.preference.SequencePack;
import dev.tulu4j.testing.FiniteDifference;
import dev.tulu4j.train.LossReduction;
import dev.tulu4j.train.StepStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The whole DPO objective J(θ) = Σ_pairs DpoLoss(Σ log π_θ(y_c), Σ log π_θ(y_r); ref) through the
 * model: (1) the float64 {@link ReferenceLlama} composed with {@link DpoLoss}'s derivatives against
 * 4-point finite differences of J, then (2) {@link DpoStep}'s fp32 gradients (packing, per-token
 * upstream spreading, backward) against that float64 gradient.
 */
class DpoGradientCheckTest {
  private static final double BETA = 0.7;

  /** Two pairs of random conversations; the completion is the last 2–4 tokens of each. */
  static List<EncodedPair> pairs(int vocab) {
    Random r = new Random(17);
    List<EncodedPair> out = new ArrayList<>();
    int[][] lens = {{6, 5}, {4, 7}};
    for (int[] l : lens) {
      int[][] ids = new int[2][], lab = new int[2][];
      int prompt = 2;
      int[] shared = {1 + r.nextInt(vocab - 1), 1 + r.nextInt(vocab - 1)};
      for (int s = 0; s < 2; s++) {
        ids[s] = new int[l[s]];
        lab[s] = new int[l[s]];
        for (int i = 0; i < l[s]; i++) {
          ids[s][i] = i < prompt ? shared[i] : 1 + r.nextInt(vocab - 1);
          lab[s][i] = i < prompt ? -100 : ids[s][i];
        }
      }
      out.add(new EncodedPair(ids[0], lab[0], ids[1], lab[1]));
    }
    return out;
  }

  static SequencePack pack(List<EncodedPair> ps) {
    List<int[]> ids = new ArrayList<>(), lab = new ArrayList<>();
    for (EncodedPair p : ps) {
      ids.add(p.chosenIds());
      lab.add(p.chosenLabels());
      ids.add(p.rejectedIds());
      lab.add(p.rejectedLabels());
    }
    return SequencePack.pack(ids, lab, 12, 0); // row length 12: two rows of packed sequences
  }

  static final double[][] REF = {{-9.0, -11.5}, {-13.0, -8.0}};

  /** J and, if {@code up} is non-null, the per-token upstream gradient ∂J/∂logp. */
  static double objective(ReferenceLlama ref, SequencePack pk, List<EncodedPair> ps, DpoLossType type, double alpha, double[] up) {
    double[] lp = ref.logProbs(pk.batch());
    double[] sums = new double[pk.sequences()];
    for (int r = 0; r < lp.length; r++) if (pk.seqOf()[r] >= 0) sums[pk.seqOf()[r]] += lp[r];
    double j = 0;
    double[] d = new double[sums.length];
    for (int k = 0; k < ps.size(); k++) {
      DpoLoss.DpoOutput o = DpoLoss.compute(type, new DpoLoss.PairLogps(sums[2 * k], sums[2 * k + 1], REF[k][0], REF[k][1],
          ps.get(k).chosenLength(), ps.get(k).rejectedLength()), BETA, 0.3, alpha);
      j += o.loss();
      d[2 * k] = o.dPolicyChosen();
      d[2 * k + 1] = o.dPolicyRejected();
    }
    if (up != null) for (int r = 0; r < up.length; r++) up[r] = pk.seqOf()[r] >= 0 ? d[pk.seqOf()[r]] : 0;
    return j;
  }

  @ParameterizedTest
  @EnumSource(DpoLossType.class)
  void dpoObjectiveGradientsMatchFiniteDifferencesAndTheEngine(DpoLossType type) {
    check(type, 0);
  }

  /** The RPO term (α × the chosen responses' mean NLL) on top of the Tülu 3 loss. */
  @org.junit.jupiter.api.Test
  void rpoTermGradientsMatchFiniteDifferencesAndTheEngine() {
    check(DpoLossType.DPO_NORM, 0.5);
  }

  private static void check(DpoLossType type, double alpha) {
    LlamaConfig c = ModelFixtures.tinyGqaTied();
    LlamaModel m = ModelFixtures.model(c, 11);
    ReferenceLlama ref = ReferenceLlama.of(m);
    List<EncodedPair> ps = pairs(c.vocabSize());
    SequencePack pk = pack(ps);
    assertThat(pk.batch().batchSize()).as("packed into rows").isEqualTo(2);
    double[] up = new double[pk.batch().rows()];
    double j0 = objective(ref, pk, ps, type, alpha, up);
    Map<String, double[]> g = ref.grads(pk.batch(), up);

    // (1) float64 analytic vs finite differences of J.
    Random pick = new Random(5);
    FiniteDifference.Worst worst = new FiniteDifference.Worst();
    for (Parameter p : m.parameters()) {
      double[] an = g.get(p.name());
      List<Integer> idx = FiniteDifference.probes(an, true, 3, pick);
      worst.check(p.name(), ref.p.get(p.name()), an, idx, 1e-4, 1e-4, () -> objective(ref, pk, ps, type, alpha, null));
      assertThat(Math.abs(an[idx.get(0)])).as("gradient of %s not trivially zero", p.name()).isGreaterThan(1e-5);
    }
    System.out.printf("DPO %s rpo %.1f: float64 vs finite differences, max relative error %.3e at %s%n", type, alpha, worst.error(), worst.at());
    assertThat(worst.error()).as("at %s", worst.at()).isLessThan(1e-6);

    // (2) DpoStep (fp32 engine) vs float64, with loss_reduction=sum (lossScale 1: gradient of the summed loss).
    DpoStep step = new DpoStep(m, ps, REF, new DpoStep.Settings(type, BETA, 0.3, alpha, 12, 0));
    m.zeroGrad();
    StepStats st = step.forwardBackward(new dev.tulu4j.train.Batch(0, 0, 1, new int[] {0, 1}, LossReduction.SUM, null));
    assertThat(st.count()).isEqualTo(2);
    assertThat(st.tokens()).as("completion tokens of both responses of both pairs")
        .isEqualTo(ps.stream().mapToLong(p -> p.chosenLength() + p.rejectedLength()).sum());
    assertThat(st.lossSum()).isCloseTo(j0, Offset.offset(1e-4 * (1 + Math.abs(j0))));
    double worstEngine = 0;
    for (Parameter p : m.parameters()) {
      FiniteDifference.TensorError e = FiniteDifference.againstReference(g.get(p.name()), p.grad());
      worstEngine = Math.max(worstEngine, e.ratio());
      assertThat(e.ratio()).as("%s: max |fp32 − f64| / max |f64|", p.name()).isLessThan(1e-4);
    }
    System.out.printf("DPO %s rpo %.1f: DpoStep fp32 vs float64, worst gradient error %.3e%n", type, alpha, worstEngine);
  }
}
