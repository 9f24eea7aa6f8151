package dev.tulu4j.rlvr;

import java.util.Arrays;

/**
 * Advantage estimators for RLVR: GAE with whitening for PPO (Tülu 3) and group normalisation for
 * GRPO (Tülu 3.1). Pure functions over one response's per-token arrays (or one prompt's group), and
 * over a whole rollout batch ({@link #grpo}, {@link #ppo}).
 */
public final class Advantages {
  private Advantages() {}

  /**
   * A rollout batch's advantages.
   *
   * @param perToken advantage of every response token; {@code null} for a sequence left out of the
   *     update (a GRPO group without spread)
   * @param perSequence one number per sequence for samples.jsonl: GRPO's group-normalised score,
   *     PPO's first-token advantage before whitening (0 for a skipped sequence)
   * @param returns PPO's value targets per token (null for GRPO)
   * @param skippedGroups GRPO groups without spread (0 for PPO)
   */
  public record BatchAdvantages(double[][] perToken, double[] perSequence, double[][] returns, int skippedGroups) {}

  /**
   * GRPO over a rollout batch of consecutive groups of {@code groupSize} samples: each response's
   * tokens all get its group-normalised score ({@link #groupNormalised}); groups whose scores are all
   * equal are skipped.
   *
   * @param scores sequence scores, group after group
   * @param lengths response lengths in tokens
   */
  public static BatchAdvantages grpo(double[] scores, int[] lengths, int groupSize) {
    int n = scores.length;
    if (lengths.length != n || n % groupSize != 0)
      throw new IllegalArgumentException(n + " scores, " + lengths.length + " lengths, groups of " + groupSize);
    double[][] adv = new double[n][];
    double[] seq = new double[n];
    int skipped = 0;
    for (int g = 0; g < n / groupSize; g++) {
      double[] a = groupNormalised(Arrays.copyOfRange(scores, g * groupSize, (g + 1) * groupSize));
      if (a == null) {
        skipped++;
        continue;
      }
      for (int j = 0; j < groupSize; j++) {
        int i = g * groupSize + j;
        seq[i] = a[j];
        adv[i] = new double[lengths[i]];
        Arrays.fill(adv[i], a[j]);
      }
    }
    return new BatchAdvantages(adv, seq, null, skipped);
  }

  /**
   * PPO over a rollout batch (Tülu 3 §6, open-instruct {@code ppo_vllm_thread.py}): per-token rewards
   * −β·kl1(old, ref) with the sequence score added on the last token, GAE with the rollout-time
   * values, then the advantages whitened over every token of the batch (mean shifted).
   *
   * @param oldLogp rollout-time log-probs of the policy, per response token
   * @param refLogp the reference policy's log-probs
   * @param values the value model's rollout-time values
   */
  public static BatchAdvantages ppo(double[][] oldLogp, double[][] refLogp, double[] scores, double[][] values,
      double beta, double gamma, double lambda) {
    int n = scores.length;
    double[][] adv = new double[n][];
    double[][] returns = new double[n][];
    double[] seq = new double[n];
    for (int i = 0; i < n; i++) {
      double[] r = new double[oldLogp[i].length];
      for (int t = 0; t < r.length; t++) r[t] = -beta * PolicyLoss.KlEstimator.KL1.value(oldLogp[i][t], refLogp[i][t]);
      r[r.length - 1] += scores[i];
      Gae gae = gae(r, values[i], gamma, lambda);
      adv[i] = gae.advantages();
      returns[i] = gae.returns();
      seq[i] = adv[i][0];
    }
    whiten(adv, true);
    return new BatchAdvantages(adv, seq, returns, 0);
  }

  /** Per-token advantages and value targets of one response. */
  public record Gae(double[] advantages, double[] returns) {}

  /**
   * Generalised advantage estimation (Schulman et al. 2016) over one response of length T:
   * δ_t = r_t + γ V_{t+1} − V_t (V_T = 0), A_t = δ_t + γλ A_{t+1}, returns_t = A_t + V_t.
   * Tülu 3 runs γ = 1, λ = 0.95 with the verifier reward on the last token and −β·KL on every token.
   */
  public static Gae gae(double[] rewards, double[] values, double gamma, double lambda) {
    int n = rewards.length;
    if (values.length != n) throw new IllegalArgumentException("rewards and values differ in length");
    double[] adv = new double[n];
    double[] ret = new double[n];
    double next = 0;
    double nextValue = 0;
    for (int t = n - 1; t >= 0; t--) {
      double delta = rewards[t] + gamma * nextValue - values[t];
      next = delta + gamma * lambda * next;
      adv[t] = next;
      ret[t] = next + values[t];
      nextValue = values[t];
    }
    return new Gae(adv, ret);
  }

  /**
   * Whitens in place over all tokens of a batch: (x − mean) / sqrt(var + 1e-8), with the biased
   * (population) variance; {@code shiftMean=false} adds the mean back, as TRL's {@code masked_whiten}.
   */
  public static void whiten(double[][] xs, boolean shiftMean) {
    double sum = 0;
    long n = 0;
    for (double[] x : xs) {
      for (double v : x) {
        sum += v;
        n++;
      }
    }
    if (n == 0) return;
    double mean = sum / n;
    double ss = 0;
    for (double[] x : xs) for (double v : x) ss += (v - mean) * (v - mean);
    double inv = 1 / Math.sqrt(ss / n + 1e-8);
    for (double[] x : xs) {
      for (int i = 0; i < x.length; i++) {
        x[i] = (x[i] - mean) * inv + (shiftMean ? 0 : mean);
      }
    }
  }

  /**
   * GRPO group-normalised advantages for the n samples of one prompt: (r_i − mean) / (std + 1e-8)
   * with the population std (numpy's default, as open-instruct's grpo_fast computes it). Returns
   * null when all rewards are equal: such a group carries no signal and is skipped.
   */
  public static double[] groupNormalised(double[] rewards) {
    int n = rewards.length;
    double mean = 0;
    for (double r : rewards) mean += r;
    mean /= n;
    double var = 0;
    for (double r : rewards) var += (r - mean) * (r - mean);
    double std = Math.sqrt(var / n);
    if (std == 0) return null;
    double[] a = new double[n];
    for (int i = 0; i < n; i++) a[i] = (rewards[i] - mean) / (std + 1e-8);
    return a;
  }
}
