package dev.tulu4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.dpo.DpoLoss;
import dev.tulu4j.dpo.DpoLossType;
import dev.tulu4j.dpo.DpoStep;
import dev.tulu4j.preference.EncodedPair;
import dev.tulu4j.preference.SequencePack;
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
    double h = 1e-4, worst = 0;
    String worstAt = "";
    for (Parameter p : m.parameters()) {
      double[] w = ref.p.get(p.name());
      double[] an = g.get(p.name());
      int argmax = 0;
      for (int i = 0; i < an.length; i++) if (Math.abs(an[i]) > Math.abs(an[argmax])) argmax = i;
      List<Integer> idx = new ArrayList<>(List.of(argmax));
      for (int s = 0; s < 3; s++) idx.add(pick.nextInt(an.length));
      for (int i : idx) {
        double w0 = w[i];
        double[] jj = new double[4];
        double[] offs = {h, -h, 2 * h, -2 * h};
        for (int q = 0; q < 4; q++) {
          w[i] = w0 + offs[q];
          jj[q] = objective(ref, pk, ps, type, alpha, null);
        }
        w[i] = w0;
        double num = (8 * (jj[0] - jj[1]) - (jj[2] - jj[3])) / (12 * h);
        double rel = Math.abs(num - an[i]) / Math.max(1e-4, Math.max(Math.abs(num), Math.abs(an[i])));
        if (rel > worst) {
          worst = rel;
          worstAt = p.name() + "[" + i + "] analytic=" + an[i] + " numeric=" + num;
        }
      }
      assertThat(Math.abs(an[argmax])).as("gradient of %s not trivially zero", p.name()).isGreaterThan(1e-5);
    }
    System.out.printf("DPO %s rpo %.1f: float64 vs finite differences, max relative error %.3e at %s%n", type, alpha, worst, worstAt);
    assertThat(worst).as("at %s", worstAt).isLessThan(1e-6);

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
      double[] want = g.get(p.name());
      double maxRef = 0, maxErr = 0;
      for (int i = 0; i < want.length; i++) {
        maxRef = Math.max(maxRef, Math.abs(want[i]));
        maxErr = Math.max(maxErr, Math.abs(want[i] - p.grad()[i]));
      }
      worstEngine = Math.max(worstEngine, maxErr / maxRef);
      assertThat(maxErr / maxRef).as("%s: max |fp32 − f64| / max |f64|", p.name()).isLessThan(1e-4);
    }
    System.out.printf("DPO %s rpo %.1f: DpoStep fp32 vs float64, worst gradient error %.3e%n", type, alpha, worstEngine);
  }
}
