package dev.tulu4j.rlvr;

import java.util.ArrayList;
import java.util.List;

/**
 * The optional reward-model term of the RLVR score (open-instruct {@code reward_model_multiplier}):
 * every response that ended with EOS (or every response, when the non-EOS penalty is off) gets
 * {@code multiplier × rm(response)} added to its verifier score; a penalised response keeps the
 * penalty, as open-instruct applies the penalty last. Pure function.
 */
public final class RewardShaping {
  private RewardShaping() {}

  /** The rescored rollouts and the batch's mean reward-model score (logged as {@code rm_score}). */
  public record Shaped(List<Rollout> rollouts, double rmMean) {}

  /**
   * @param rm the reward model's score of each rollout
   * @param nonEosPenalty the run's non-EOS penalty (NaN = off: every response gets the term)
   */
  public static Shaped addRewardModel(List<Rollout> rs, double[] rm, double multiplier, double nonEosPenalty) {
    if (rm.length != rs.size()) throw new IllegalArgumentException(rm.length + " scores for " + rs.size() + " rollouts");
    double rmMean = 0;
    List<Rollout> scored = new ArrayList<>(rs.size());
    for (int i = 0; i < rs.size(); i++) {
      Rollout r = rs.get(i);
      rmMean += rm[i] / rs.size();
      boolean penalised = !r.endedWithEos() && !Double.isNaN(nonEosPenalty);
      double score = penalised ? r.score() : r.score() + multiplier * rm[i];
      scored.add(new Rollout(r.prompt(), r.promptIds(), r.response(), r.samplerLogp(), r.text(), r.endedWithEos(),
          r.correct(), score));
    }
    return new Shaped(scored, rmMean);
  }
}
