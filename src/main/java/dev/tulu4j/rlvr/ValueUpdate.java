package dev.tulu4j.rlvr;

import dev.tulu4j.train.AdamW;
import dev.tulu4j.train.GradOps;
import dev.tulu4j.train.TrainingDivergedException;
import java.util.List;

/**
 * One AdamW update of PPO's value model on a minibatch: per token the clipped value loss
 * ({@link PolicyLoss#clippedValue}: max of the squared errors of the new and of the clipped value
 * against the GAE return, around the rollout-time value), averaged over each sequence's tokens and
 * over the minibatch's sequences, times {@code vf_coef}; gradient clipped to {@code max_grad_norm}.
 */
final class ValueUpdate {
  /** The minibatch's value loss and the count of tokens whose value was clipped. */
  record Result(double loss, long clippedTokens) {}

  private final ValueModel value;
  private final double vfCoef;
  private final double clipRange;
  private final double maxGradNorm;

  ValueUpdate(ValueModel value, double vfCoef, double clipRange, double maxGradNorm) {
    this.value = value;
    this.vfCoef = vfCoef;
    this.clipRange = clipRange;
    this.maxGradNorm = maxGradNorm;
  }

  /**
   * @param ids the minibatch's rollout indices into the batch arrays
   * @param oldValues rollout-time values per token
   * @param returns GAE returns per token (the value targets)
   */
  Result apply(List<Integer> ids, List<Rollout> mb, double[][] oldValues, double[][] returns, AdamW opt, double lr,
      long step) {
    int m = ids.size();
    double[] loss = {0};
    long[] clipped = {0};
    value.backward(mb, (chunk, vals, off) -> {
      double[][] d = new double[vals.length][];
      for (int c = 0; c < vals.length; c++) {
        int i = ids.get(off + c);
        int t = vals[c].length;
        d[c] = new double[t];
        for (int k = 0; k < t; k++) {
          PolicyLoss.ValueLoss v = PolicyLoss.clippedValue(vals[c][k], oldValues[i][k], returns[i][k], clipRange);
          loss[0] += vfCoef * v.loss() / t / m;
          d[c][k] = vfCoef * v.dValue() / t / m;
          if (v.clipped()) clipped[0]++;
        }
      }
      return d;
    });
    double norm = GradOps.globalNorm(value.parameters());
    if (!Double.isFinite(loss[0]) || !Double.isFinite(norm))
      throw new TrainingDivergedException("step " + (step + 1) + ": value loss " + loss[0] + ", grad norm " + norm);
    opt.step(lr, GradOps.clipCoefficient(norm, maxGradNorm), true);
    return new Result(loss[0], clipped[0]);
  }
}
