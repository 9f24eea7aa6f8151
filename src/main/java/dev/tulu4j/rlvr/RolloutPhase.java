package dev.tulu4j.rlvr;

import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.train.Rng;
import java.util.ArrayList;
import java.util.List;

/**
 * The first half of an RLVR step (Tülu 3 §6): sample {@code samples_per_prompt} responses to each
 * prompt of the batch with the current policy and score them with the verifier ({@link Rollouts}),
 * add the optional reward-model term ({@link RewardShaping}), then recompute the rollout-time
 * ("old") log-probs with a forward pass of the policy and those of the frozen reference policy.
 */
final class RolloutPhase {
  /**
   * One scored rollout batch.
   *
   * @param prompts the batch's prompts; rollout {@code i} answers {@code prompts.get(rollouts.get(i).prompt())}
   * @param generated the sampler's batch (timing and token counts)
   * @param rollouts the scored rollouts, group after group
   * @param oldLogp the policy's log-probs of every response token at rollout time
   * @param refLogp the reference policy's log-probs
   * @param rmMean the mean reward-model score, or null when no reward model is used
   * @param scoredAt {@link System#nanoTime()} when sampling ended (the update phase's clock starts there)
   * @param endpoint with endpoint rollouts: the sync check's differences, the policy lag and the sync time; else null
   */
  record Output(List<RlvrPrompt> prompts, Rollouts.Batch generated, List<Rollout> rollouts, double[][] oldLogp,
      double[][] refLogp, Double rmMean, long scoredAt, EndpointStats endpoint) {
    RolloutStats stats() {
      return RolloutStats.of(rollouts, oldLogp, refLogp);
    }
  }

  /** What an endpoint step adds to the metrics: the sync check, the generating weights' lag, this step's sync time. */
  record EndpointStats(SyncCheck.Stats check, long lag, double syncSeconds) {}

  private final RlvrConfig cfg;
  private final LlamaModel policy;
  private final LlamaModel reference;
  private final Rollouts rollouts;
  private final SequenceForward fwd;
  private SequenceScorer rewardModel;
  private EndpointGeneration endpoint;

  RolloutPhase(RlvrConfig cfg, LlamaModel policy, LlamaModel reference, Rollouts rollouts, SequenceForward fwd) {
    this.cfg = cfg;
    this.policy = policy;
    this.reference = reference;
    this.rollouts = rollouts;
    this.fwd = fwd;
  }

  void rewardModel(SequenceScorer rm) {
    this.rewardModel = rm;
  }

  /** Whether the reward-model term is on (a scorer is set and the multiplier is not 0). */
  boolean usesRewardModel() {
    return rewardModel != null && cfg.rewardModelMultiplier() != 0;
  }

  /** Rollouts on endpoints ({@link EndpointGeneration}) instead of in process. */
  void endpoint(EndpointGeneration e) {
    this.endpoint = e;
  }

  /** The seed of step {@code step}'s rollout batch: it depends on the run's seed and the step only. */
  private long seed(long step) {
    return Rng.mix(cfg.train().seed() + 31 * step);
  }

  /** Rollouts of {@code batchPrompts} for 0-based step {@code step} (in process). */
  Output run(List<RlvrPrompt> batchPrompts, long step) {
    return run(batchPrompts, step, null, null, null);
  }

  /**
   * Rollouts of {@code batchPrompts} (indices {@code indices}) for 0-based step {@code step}; with
   * off-policy endpoint rollouts, {@code nextIndices}/{@code nextPrompts} are the next step's batch
   * (null on the last step), started in the background.
   */
  Output run(List<RlvrPrompt> batchPrompts, long step, int[] indices, int[] nextIndices, List<RlvrPrompt> nextPrompts) {
    Rollouts.Sampling sampling = new Rollouts.Sampling(cfg.samplesPerPrompt(), cfg.temperature(), cfg.responseLength(),
        cfg.verifyReward(), cfg.nonEosScore());
    EndpointGeneration.Generated gen = null;
    double syncBefore = 0;
    Rollouts.Batch rb;
    if (endpoint == null) {
      rb = rollouts.generate(batchPrompts, sampling, seed(step));
    } else {
      syncBefore = endpoint.sync().seconds();
      gen = endpoint.next(step, indices, batchPrompts, sampling, seed(step), nextIndices, nextPrompts, seed(step + 1));
      rb = gen.batch();
    }
    long scoredAt = System.nanoTime();
    List<Rollout> rs = rb.rollouts();
    Double rmMean = null;
    if (usesRewardModel()) {
      RewardShaping.Shaped shaped = RewardShaping.addRewardModel(rs, rewardModel.scores(rs),
          cfg.rewardModelMultiplier(), cfg.nonEosScore());
      rs = shaped.rollouts();
      rmMean = shaped.rmMean();
    }
    double[][] old = fwd.logProbs(policy, rs);
    EndpointStats es = null;
    if (gen != null) {
      // the sync check: the engine's log-probs of its samples against the trainer's under the generating weights
      SyncCheck.Stats check = SyncCheck.check(step + 1, rs, endpoint.checkLogProbs(gen, rs, old),
          cfg.rollouts().logprobTolerance());
      es = new EndpointStats(check, gen.lag(), endpoint.sync().seconds() - syncBefore);
      // from here on a rollout's sampler log-probs are the trainer's (the entropy metric's; raw engine ones are at T 1)
      List<Rollout> own = new ArrayList<>(rs.size());
      for (int i = 0; i < rs.size(); i++) {
        Rollout r = rs.get(i);
        own.add(new Rollout(r.prompt(), r.promptIds(), r.response(), old[i], r.text(), r.endedWithEos(), r.correct(), r.score()));
      }
      rs = own;
    }
    double[][] ref = fwd.logProbs(reference, rs);
    return new Output(List.copyOf(batchPrompts), rb, new ArrayList<>(rs), old, ref, rmMean, scoredAt, es);
  }
}
