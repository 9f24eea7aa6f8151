package dev.tulu4j.rlvr;

import dev.tulu4j.model.Activations;
import dev.tulu4j.model.Batch;
import dev.tulu4j.reward.ScalarHeadModel;
import java.util.List;

/**
 * A frozen reward model as a {@link SequenceScorer}: the scalar head's output at the last token of
 * prompt + response (HF sequence-classification semantics: the last non-pad position; rows are
 * right-padded and the position is taken from each rollout's own length, so no pad id is needed).
 */
public final class ScalarHeadScorer implements SequenceScorer {
  private final ScalarHeadModel model;
  private final Activations act;
  private final int rowsPerCall;

  public ScalarHeadScorer(ScalarHeadModel model, int rowsPerCall, int maxLength) {
    this.model = model;
    this.rowsPerCall = rowsPerCall;
    this.act = model.newInferenceActivations(Math.multiplyExact(rowsPerCall, maxLength)); // frozen: forward only
  }

  @Override
  public double[] scores(List<Rollout> rs) {
    double[] out = new double[rs.size()];
    for (int s = 0; s < rs.size(); s += rowsPerCall) {
      List<Rollout> chunk = rs.subList(s, Math.min(rs.size(), s + rowsPerCall));
      int t = 1;
      for (Rollout r : chunk) t = Math.max(t, r.length());
      int[] ids = new int[chunk.size() * t];
      for (int i = 0; i < chunk.size(); i++) {
        Rollout r = chunk.get(i);
        System.arraycopy(r.promptIds(), 0, ids, i * t, r.promptIds().length);
        System.arraycopy(r.response(), 0, ids, i * t + r.promptIds().length, r.response().length);
      }
      float[] v = model.values(Batch.of(chunk.size(), t, ids, null), act);
      for (int i = 0; i < chunk.size(); i++) out[s + i] = v[i * t + chunk.get(i).length() - 1];
    }
    return out;
  }
}
