package dev.tulu4j.rlvr;

import java.util.List;

/**
 * The per-batch check that the rollout engine sampled from the weights the trainer thinks it did:
 * the trainer's log-prob of every sampled token (teacher-forced forward of prompt + response at the
 * rollout temperature, the same numbers as the PPO/GRPO "old" log-probs) against the log-prob the
 * engine returned for it. A weight sync that did not happen shows up as a difference of the size of
 * one policy update; fp32 engine noise is far below that (docs/SCALE.md gives the measured
 * distribution behind the default tolerance).
 */
final class SyncCheck {
  private SyncCheck() {}

  /** The differences of one batch. */
  record Stats(double maxAbs, double meanAbs, long tokens) {}

  /**
   * @param trainer the trainer's log-probs under the weights the batch was generated with
   * @throws WeightsNotSyncedException when a difference exceeds {@code tolerance}
   */
  static Stats check(long step, List<Rollout> rs, double[][] trainer, double tolerance) {
    Stats s = measure(rs, trainer);
    if (!(s.maxAbs() <= tolerance))
      throw new WeightsNotSyncedException(String.format(
          "the engine's weights did not sync: step %d, max |Δlogp| = %.3g over %d sampled tokens (mean %.3g), above "
              + "rollouts.logprob_tolerance %.3g. Check that the servers loaded the synced weights (vLLM: "
              + "VLLM_ALLOW_RUNTIME_LORA_UPDATING=True) and that rollouts.engine_logprobs names the kind they "
              + "return (vLLM --logprobs-mode); docs/SCALE.md",
          step, s.maxAbs(), s.tokens(), s.meanAbs(), tolerance));
    return s;
  }

  /** Max and mean |trainer − engine| over every sampled token. */
  static Stats measure(List<Rollout> rs, double[][] trainer) {
    double max = 0, sum = 0;
    long n = 0;
    for (int i = 0; i < rs.size(); i++) {
      double[] engine = rs.get(i).samplerLogp();
      if (engine.length != trainer[i].length)
        throw new IllegalStateException("rollout " + i + ": " + engine.length + " engine log-probs, " + trainer[i].length + " trainer log-probs");
      for (int k = 0; k < engine.length; k++) {
        double d = Math.abs(trainer[i][k] - engine[k]);
        if (Double.isNaN(d)) d = Double.POSITIVE_INFINITY;
        max = Math.max(max, d);
        sum += d;
        n++;
      }
    }
    return new Stats(max, n == 0 ? 0 : sum / n, n);
  }

  /** The engine's log-probs disagree with the trainer's: its weights are not the trainer's. */
  static final class WeightsNotSyncedException extends IllegalStateException {
    WeightsNotSyncedException(String message) {
      super(message);
    }
  }
}
