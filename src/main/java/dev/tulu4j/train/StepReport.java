package dev.tulu4j.train;

import java.util.Map;

/**
 * What one step of {@link TrainLoop} did, before it becomes a {@link StepMetrics} line.
 *
 * @param loss the step's loss (logged as {@code loss})
 * @param lr the learning rate of the step's last optimizer update
 * @param gradNorm the global gradient norm before clipping (an {@link UpdateStep} with several
 *     updates reports their mean)
 * @param tokens tokens trained in the step
 * @param seconds the time {@code tokens_per_s} is measured over (the whole step, or an
 *     {@link UpdateStep}'s update phase)
 * @param extras further numbers for metrics.jsonl
 */
public record StepReport(double loss, double lr, double gradNorm, long tokens, double seconds,
    Map<String, Double> extras) {
  public StepReport {
    extras = extras == null ? Map.of() : extras;
  }
}
