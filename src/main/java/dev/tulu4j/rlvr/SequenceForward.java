package dev.tulu4j.rlvr;

import dev.tulu4j.model.Activations;
import dev.tulu4j.model.Batch;
import dev.tulu4j.model.LlamaModel;
import java.util.List;

/**
 * Forward and backward passes over whole rollouts (prompt + response), one rollout per row, right
 * padded to the longest row of each call. Only the response tokens are targets: response token k
 * is predicted at position P−1+k (P = prompt length), so causal attention never sees the padding.
 *
 * <p>Shapes: B rows (micro-batch), T = max(P + R) − 1 positions per row.
 */
public final class SequenceForward {
  private final Activations act;
  private final int rowsPerCall;

  /**
   * @param rowsPerCall rollouts per forward call
   * @param maxLength longest prompt + response (activation capacity is rowsPerCall × maxLength)
   */
  public SequenceForward(LlamaModel anyModel, int rowsPerCall, int maxLength) {
    this(anyModel, rowsPerCall, maxLength, 1.0);
  }

  /**
   * @param temperature the log-probs (and their gradient) are of the model's distribution at this
   *     temperature, softmax(logits / T): the rollouts' sampling distribution, as open-instruct and
   *     TRL score it
   */
  public SequenceForward(LlamaModel anyModel, int rowsPerCall, int maxLength, double temperature) {
    this.rowsPerCall = rowsPerCall;
    this.act = anyModel.newActivations(Math.multiplyExact(rowsPerCall, Math.max(1, maxLength - 1)));
    this.act.logitTemperature(temperature);
  }

  public int rowsPerCall() {
    return rowsPerCall;
  }

  /** The model batch of {@code rs}: ids, response-only targets (−100 elsewhere). */
  public static Batch pack(List<Rollout> rs) {
    int b = rs.size();
    int t = 1;
    for (Rollout r : rs) t = Math.max(t, r.length() - 1);
    int[] ids = new int[b * t];
    int[] y = new int[b * t];
    java.util.Arrays.fill(y, -100);
    for (int i = 0; i < b; i++) {
      Rollout r = rs.get(i);
      int p = r.promptIds().length;
      int[] resp = r.response();
      for (int j = 0; j < r.length() - 1; j++) ids[i * t + j] = j < p ? r.promptIds()[j] : resp[j - p];
      for (int k = 0; k < resp.length; k++) y[i * t + p - 1 + k] = resp[k];
    }
    return Batch.of(b, t, ids, y);
  }

  /** Response-token log-probs of every rollout under {@code model} (forward only). */
  public double[][] logProbs(LlamaModel model, List<Rollout> rs) {
    double[][] out = new double[rs.size()][];
    for (int s = 0; s < rs.size(); s += rowsPerCall) {
      List<Rollout> chunk = rs.subList(s, Math.min(rs.size(), s + rowsPerCall));
      Batch b = pack(chunk);
      float[] lp = model.forward(b, act).logp();
      for (int i = 0; i < chunk.size(); i++) out[s + i] = extract(lp, b.seqLen(), i, chunk.get(i));
    }
    return out;
  }

  /** Upstream gradient of one call: receives this chunk's response log-probs, returns ∂L/∂logp per token. */
  public interface Gradient {
    double[][] apply(List<Rollout> chunk, double[][] logp, int offset);
  }

  /**
   * Forward + backward over {@code rs} in calls of {@link #rowsPerCall} rollouts, accumulating into
   * the model's gradients: for each call {@code grad} maps its response log-probs to ∂L/∂logp.
   */
  public void backward(LlamaModel model, List<Rollout> rs, Gradient grad) {
    for (int s = 0; s < rs.size(); s += rowsPerCall) {
      List<Rollout> chunk = rs.subList(s, Math.min(rs.size(), s + rowsPerCall));
      Batch b = pack(chunk);
      float[] lp = model.forward(b, act).logp();
      double[][] logp = new double[chunk.size()][];
      for (int i = 0; i < chunk.size(); i++) logp[i] = extract(lp, b.seqLen(), i, chunk.get(i));
      double[][] d = grad.apply(chunk, logp, s);
      float[] up = new float[b.rows()];
      for (int i = 0; i < chunk.size(); i++) {
        int base = i * b.seqLen() + chunk.get(i).promptIds().length - 1;
        for (int k = 0; k < d[i].length; k++) up[base + k] = (float) d[i][k];
      }
      model.backward(b, act, up);
    }
  }

  private static double[] extract(float[] lp, int t, int row, Rollout r) {
    int base = row * t + r.promptIds().length - 1;
    double[] out = new double[r.response().length];
    for (int k = 0; k < out.length; k++) out[k] = lp[base + k];
    return out;
  }
}
