package dev.tulu4j.train;

import java.util.Map;

/**
 * What one forward/backward over a micro-batch reports.
 *
 * @param lossSum the UNnormalised sum of the per-item losses (e.g. Σ token NLL over trained tokens)
 * @param count how many items were summed (trained tokens for SFT, pairs for DPO and the reward
 *     model): the divisor of {@link LossReduction#SUM}
 * @param tokens tokens trained in the micro-batch, for throughput and {@code trained_tokens}: the
 *     labelled tokens for SFT, both completions of every pair for DPO, both whole sequences of every
 *     pair for the reward model (whose score depends on all of them)
 * @param extras free-form numbers logged to metrics.jsonl (summed over micro-batches, then divided
 *     by the number of micro-batches: step functions report per-micro-batch means or rates)
 */
public record StepStats(double lossSum, long count, long tokens, Map<String, Double> extras) {
  public StepStats {
    if (count < 0) throw new IllegalArgumentException("count must be >= 0, got " + count);
    if (tokens < 0) throw new IllegalArgumentException("tokens must be >= 0, got " + tokens);
    extras = extras == null ? Map.of() : Map.copyOf(extras);
  }

  /** The items are the tokens (SFT: the loss is summed over trained tokens). */
  public StepStats(double lossSum, long count, Map<String, Double> extras) {
    this(lossSum, count, count, extras);
  }

  public StepStats(double lossSum, long count) {
    this(lossSum, count, count, Map.of());
  }
}
