package dev.tulu4j.rlvr;

import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.rlvr.PolicyLoss.KlEstimator;
import dev.tulu4j.train.AdamW;
import dev.tulu4j.train.GradOps;
import dev.tulu4j.train.TrainingDivergedException;
import java.util.List;

/**
 * One AdamW update of the policy on a minibatch of rollouts: the mean over its sequences of the
 * per-sequence objective ({@link PolicyObjective}: clipped surrogate, plus GRPO's β·KL), backward
 * through the policy, the global gradient norm clipped to {@code max_grad_norm} (PyTorch's
 * {@code clip_grad_norm_} factor), one optimizer step that also zeroes the gradients.
 */
final class PolicyUpdate {
  /** The minibatch's loss, clipped-token count and gradient norm before clipping. */
  record Result(double loss, long clippedTokens, double gradNorm) {}

  private final LlamaModel policy;
  private final SequenceForward fwd;
  private final double beta;
  private final KlEstimator kl;
  private final double clipEps;
  private final double maxGradNorm;

  /** @param beta the KL coefficient in the loss (GRPO's β; 0 for PPO, whose KL is in the reward) */
  PolicyUpdate(LlamaModel policy, SequenceForward fwd, double beta, KlEstimator kl, double clipEps, double maxGradNorm) {
    this.policy = policy;
    this.fwd = fwd;
    this.beta = beta;
    this.kl = kl;
    this.clipEps = clipEps;
    this.maxGradNorm = maxGradNorm;
  }

  /**
   * @param ids the minibatch's rollout indices into the batch arrays
   * @param mb the minibatch's rollouts ({@code mb.get(k)} is rollout {@code ids.get(k)})
   * @param step 0-based run step, for the divergence message
   */
  Result apply(List<Integer> ids, List<Rollout> mb, double[][] old, double[][] ref, double[][] adv, AdamW opt,
      double lr, long step) {
    int m = ids.size();
    double[] loss = {0};
    long[] clipped = {0};
    fwd.backward(policy, mb, (chunk, logp, off) -> {
      double[][] d = new double[chunk.size()][];
      for (int c = 0; c < chunk.size(); c++) {
        int i = ids.get(off + c);
        PolicyObjective.SequenceLoss sl = PolicyObjective.sequence(logp[c], old[i], beta != 0 ? ref[i] : null,
            adv[i], beta, kl, clipEps);
        loss[0] += sl.loss() / m;
        clipped[0] += sl.clippedTokens();
        d[c] = sl.dLogp();
        for (int t = 0; t < d[c].length; t++) d[c][t] /= m;
      }
      return d;
    });
    if (!Double.isFinite(loss[0]))
      throw new TrainingDivergedException("step " + (step + 1) + ": policy loss " + loss[0]
          + "; stopped before the optimizer step");
    double norm = GradOps.globalNorm(policy.trainableParameters());
    if (!Double.isFinite(norm))
      throw new TrainingDivergedException("step " + (step + 1) + ": gradient norm " + norm
          + "; stopped before the optimizer step");
    opt.step(lr, GradOps.clipCoefficient(norm, maxGradNorm), true);
    return new Result(loss[0], clipped[0], norm);
  }
}
