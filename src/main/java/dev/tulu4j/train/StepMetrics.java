package dev.tulu4j.train;

import java.util.Map;

/**
 * One line of metrics.jsonl.
 *
 * @param step optimizer steps completed (1-based; matches checkpoint names)
 * @param loss the reduced loss of the step (see {@link LossReduction})
 * @param lr learning rate used by this step
 * @param gradNorm global L2 norm of the reduced gradient before clipping
 * @param tokensPerS trained tokens per second of this step's wall time ({@link StepStats#tokens})
 * @param trainedTokens trained tokens in this step
 * @param totalTokens trained tokens over the whole run so far
 * @param elapsedS training wall time so far, across restarts
 * @param extras the step function's free-form numbers
 */
public record StepMetrics(long step, double loss, double lr, double gradNorm, double tokensPerS,
    long trainedTokens, long totalTokens, double elapsedS, Map<String, Double> extras) {}
