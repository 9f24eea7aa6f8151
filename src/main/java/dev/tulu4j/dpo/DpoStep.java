package dev.tulu4j.dpo;

import dev.tulu4j.model.Activations;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.preference.EncodedPair;
import dev.tulu4j.preference.SequencePack;
import dev.tulu4j.train.Batch;
import dev.tulu4j.train.StepFunction;
import dev.tulu4j.train.StepStats;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The DPO loss as a {@link StepFunction}: the micro-batch's pairs (chosen and rejected of each) are
 * packed into rows and run through the policy in one forward; each pair's summed completion
 * log-probs go through {@link DpoLoss#compute}; the pair's {@code ∂loss/∂Σlog π(y)} becomes the
 * upstream gradient of every completion token of that response (log π(y) = Σ_t log π(y_t)), scaled
 * by {@code batch.lossScale(pairs)}, and one backward accumulates it. The count is the number of
 * pairs, so with {@code loss_reduction: sum} the trainer averages over the pairs of the effective
 * batch (open-instruct {@code dpo_tune}: {@code losses.mean()} over the global batch).
 *
 * <p>Logged (means over the micro-batch's pairs): {@code rewards/chosen}, {@code rewards/rejected},
 * {@code rewards/accuracy}, {@code rewards/margin} (implicit rewards as {@link DpoLoss} defines
 * them), {@code logps/chosen}, {@code logps/rejected} (summed policy log-probs of the responses),
 * and with an RPO term {@code nll/chosen} (mean per-token NLL of the chosen responses).
 */
public final class DpoStep implements StepFunction {
  /**
   * @param rowLength tokens per packed row (at least the longest sequence; usually max_length)
   * @param padId id written into padding positions
   */
  public record Settings(DpoLossType type, double beta, double gammaBetaRatio, double rpoAlpha, int rowLength, int padId) {
    /** Plain preference loss (no RPO term). */
    public Settings(DpoLossType type, double beta, double gammaBetaRatio, int rowLength, int padId) {
      this(type, beta, gammaBetaRatio, 0, rowLength, padId);
    }

    public Settings {
      if (!(rpoAlpha >= 0)) throw new IllegalArgumentException("rpo_alpha must be >= 0, got " + rpoAlpha);
      if (type == null) throw new IllegalArgumentException("loss type is required");
      if (!(beta > 0)) throw new IllegalArgumentException("beta must be > 0, got " + beta);
      if (rowLength < 1) throw new IllegalArgumentException("row length must be >= 1");
    }
  }

  private final LlamaModel model;
  private final List<EncodedPair> pairs;
  private final double[][] reference;
  private final Settings s;
  private Activations act;

  /**
   * @param reference per pair {chosen, rejected} summed reference log-probs (null for a loss that
   *     needs none)
   */
  public DpoStep(LlamaModel model, List<EncodedPair> pairs, double[][] reference, Settings settings) {
    if (settings.type().needsReference() && (reference == null || reference.length != pairs.size()))
      throw new IllegalArgumentException(settings.type() + " needs reference log-probs for all " + pairs.size() + " pairs");
    this.model = model;
    this.pairs = pairs;
    this.reference = reference;
    this.s = settings;
  }

  /** Activations of at least {@code tokens}, grown (never shrunk) as needed. */
  public static Activations ensure(Activations a, LlamaModel m, int tokens) {
    return a != null && a.capacity() >= tokens ? a : m.newActivations(tokens);
  }

  @Override
  public StepStats forwardBackward(Batch batch) {
    int[] idx = batch.indices();
    SequencePack pack = SequencePack.ofPairs(pairs, idx, s.rowLength(), s.padId());
    act = ensure(act, model, pack.batch().rows());
    // LoRA dropout: a fresh mask per micro-batch from the loop's checkpointed generator
    if (model.loraActive() && model.lora().config().dropout() > 0) model.lora().dropoutSeed(batch.rng().nextLong());
    double[] sums = pack.sums(model.forward(pack.batch(), act).logp());
    double scale = batch.lossScale(idx.length);
    double[] g = new double[2 * idx.length];
    double loss = 0, rc = 0, rr = 0, acc = 0, margin = 0, lc = 0, lr = 0, nll = 0;
    for (int k = 0; k < idx.length; k++) {
      EncodedPair p = pairs.get(idx[k]);
      double refC = reference == null ? 0 : reference[idx[k]][0];
      double refR = reference == null ? 0 : reference[idx[k]][1];
      DpoLoss.DpoOutput o = DpoLoss.compute(s.type(),
          new DpoLoss.PairLogps(sums[2 * k], sums[2 * k + 1], refC, refR, p.chosenLength(), p.rejectedLength()),
          s.beta(), s.gammaBetaRatio(), s.rpoAlpha());
      loss += o.loss();
      g[2 * k] = scale * o.dPolicyChosen();
      g[2 * k + 1] = scale * o.dPolicyRejected();
      rc += o.chosenReward();
      rr += o.rejectedReward();
      acc += o.accuracy();
      margin += o.margin();
      lc += sums[2 * k];
      lr += sums[2 * k + 1];
      nll -= sums[2 * k] / p.chosenLength();
    }
    model.backward(pack.batch(), act, pack.upstream(g));
    int n = idx.length;
    long tokens = 0;
    for (int i : idx) tokens += pairs.get(i).chosenLength() + pairs.get(i).rejectedLength();
    Map<String, Double> extras = new LinkedHashMap<>();
    extras.put("rewards/chosen", rc / n);
    extras.put("rewards/rejected", rr / n);
    extras.put("rewards/accuracy", acc / n);
    extras.put("rewards/margin", margin / n);
    extras.put("logps/chosen", lc / n);
    extras.put("logps/rejected", lr / n);
    if (s.rpoAlpha() > 0) extras.put("nll/chosen", nll / n);
    return new StepStats(loss, n, tokens, extras);
  }
}
