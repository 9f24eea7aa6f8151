package dev.tulu4j.reward;

import dev.tulu4j.model.Activations;
import dev.tulu4j.preference.EncodedPair;
import dev.tulu4j.preference.SequencePack;
import dev.tulu4j.train.Batch;
import dev.tulu4j.train.StepFunction;
import dev.tulu4j.train.StepStats;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Bradley–Terry reward-model training (Ouyang et al. 2022 eq. 1; Tülu 3 §6's reward model for the
 * RLVR ablations): for each pair, the rewards r_c, r_r are the model's values at the last token of
 * the chosen and rejected conversations, and the loss is {@code −log σ(r_c − r_r)}. Its gradient,
 * {@code ∂/∂r_c = −σ(r_r − r_c) = −∂/∂r_r}, enters the backward at those two tokens only. The count
 * is the number of pairs (with {@code loss_reduction: sum}, the mean over the effective batch).
 *
 * <p>Logged per micro-batch: {@code accuracy} (share of pairs with r_c &gt; r_r), {@code margin},
 * {@code rewards/chosen}, {@code rewards/rejected} (means).
 */
public final class RewardStep implements StepFunction {
  private final ScalarHeadModel model;
  private final List<EncodedPair> pairs;
  private final int rowLength;
  private final int padId;
  private Activations act;

  public RewardStep(ScalarHeadModel model, List<EncodedPair> pairs, int rowLength, int padId) {
    this.model = model;
    this.pairs = pairs;
    this.rowLength = rowLength;
    this.padId = padId;
  }

  /** log(1 + e^x) without overflow. */
  static double softplus(double x) {
    return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
  }

  static double sigmoid(double x) {
    return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
  }

  private Activations act(int tokens) {
    if (act == null || act.capacity() < tokens) act = model.newActivations(tokens);
    return act;
  }

  @Override
  public StepStats forwardBackward(Batch batch) {
    int[] idx = batch.indices();
    SequencePack pk = SequencePack.ofPairs(pairs, idx, rowLength, padId);
    Activations a = act(pk.batch().rows());
    // LoRA dropout: a fresh mask per micro-batch from the loop's checkpointed generator
    var lora = model.backbone().lora();
    if (model.backbone().loraActive() && lora.config().dropout() > 0) lora.dropoutSeed(batch.rng().nextLong());
    float[] v = model.values(pk.batch(), a);
    double scale = batch.lossScale(idx.length);
    float[] dv = new float[pk.batch().rows()];
    double loss = 0, acc = 0, margin = 0, rc = 0, rr = 0;
    for (int k = 0; k < idx.length; k++) {
      int ic = pk.last()[2 * k], ir = pk.last()[2 * k + 1];
      double d = (double) v[ic] - v[ir];
      loss += softplus(-d);
      double g = sigmoid(-d); // −∂loss/∂r_c
      dv[ic] += (float) (-scale * g);
      dv[ir] += (float) (scale * g);
      acc += d > 0 ? 1 : 0;
      margin += d;
      rc += v[ic];
      rr += v[ir];
    }
    model.backward(pk.batch(), a, dv);
    int n = idx.length;
    long tokens = 0;
    for (int i : idx) tokens += pairs.get(i).chosenIds().length + pairs.get(i).rejectedIds().length;
    Map<String, Double> extras = new LinkedHashMap<>();
    extras.put("accuracy", acc / n);
    extras.put("margin", margin / n);
    extras.put("rewards/chosen", rc / n);
    extras.put("rewards/rejected", rr / n);
    return new StepStats(loss, n, tokens, extras);
  }

  /** Rewards {chosen, rejected} of every pair (forward only, {@code pairsPerForward} per pass). */
  public static double[][] rewards(ScalarHeadModel model, List<EncodedPair> pairs, int pairsPerForward, int rowLength, int padId) {
    double[][] out = new double[pairs.size()][];
    Activations a = null;
    for (int from = 0; from < pairs.size(); from += pairsPerForward) {
      int to = Math.min(pairs.size(), from + pairsPerForward);
      int[] idx = new int[to - from];
      for (int i = 0; i < idx.length; i++) idx[i] = from + i;
      SequencePack pk = SequencePack.ofPairs(pairs, idx, rowLength, padId);
      if (a == null || a.capacity() < pk.batch().rows()) a = model.newInferenceActivations(pk.batch().rows());
      float[] v = model.values(pk.batch(), a);
      for (int i = 0; i < idx.length; i++) out[from + i] = new double[] {v[pk.last()[2 * i]], v[pk.last()[2 * i + 1]]};
    }
    return out;
  }

  /** Share of pairs whose chosen reward is strictly higher (held-out accuracy); NaN for no pairs. */
  public static double accuracy(double[][] rewards) {
    if (rewards.length == 0) return Double.NaN;
    int ok = 0;
    for (double[] r : rewards) if (r[0] > r[1]) ok++;
    return (double) ok / rewards.length;
  }
}
