package dev.tulu4j.report;

import java.util.List;
import java.util.Map;

/**
 * Everything the pipeline's report shows, as plain data: written as {@code report.json} and rendered
 * by {@link HtmlReport}. Stages are in recipe order; each score carries its 95% interval.
 *
 * @param title heading of the report
 * @param command the exact command line that produced it
 * @param stages the stage table rows (base, sft, dpo, rlvr...)
 * @param tasks column order of the stage table (task names)
 * @param curves training curves (loss, reward, KL, accuracy...)
 * @param decontamination rows of the decontamination report
 * @param samples the same prompts answered by each stage
 * @param configs stage name → the exact config text it ran with
 * @param notes free text lines shown under the table (timings, sample sizes)
 * @param differences paired differences between consecutive stages on the same items
 */
public record Report(
    String title,
    String command,
    List<Stage> stages,
    List<String> tasks,
    List<Curve> curves,
    List<DeconRow> decontamination,
    List<Sample> samples,
    Map<String, String> configs,
    List<String> notes,
    List<Difference> differences) {

  /** One row of the stage table: the stage's score on each task. */
  public record Stage(String name, Map<String, Score> scores, double seconds) {}

  /** A score with its 95% interval and sample size; {@code contamination} is the eval's overlap with training data, or null. */
  public record Score(double value, double lo, double hi, int n, Double contamination) {}

  /** A plotted series family: one chart with a line per series. */
  public record Curve(String title, String xLabel, String yLabel, Map<String, Series> series) {}

  public record Series(double[] x, double[] y) {}

  public record DeconRow(String train, String eval, int contaminated, int evalSize, double percent, boolean flagged) {}

  /**
   * {@code stage} minus {@code previous} on the same eval items, per task: the mean paired
   * difference with its 95% interval ({@link Score#n()} = paired items, no contamination).
   */
  public record Difference(String stage, String previous, Map<String, Score> byTask) {}

  /** One prompt and each stage's response to it. */
  public record Sample(String task, String prompt, Map<String, String> responses) {}
}
