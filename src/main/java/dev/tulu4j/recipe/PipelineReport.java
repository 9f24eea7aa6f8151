package dev.tulu4j.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tulu4j.eval.Stats;
import dev.tulu4j.io.FileOps;
import dev.tulu4j.report.HtmlReport;
import dev.tulu4j.report.Report;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Assembles the pipeline's {@link Report} from what the stages left on disk and writes
 * {@code OUT/report.json} and {@code OUT/report.html}: the stage × task table, paired differences
 * between consecutive stages with 95% intervals (a table in the HTML, one line per pair in text), the training curves, the decontamination table,
 * sample generations side by side and the exact configs.
 */
public final class PipelineReport {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The stage-table column holding each stage's judged win rate over the previous stage. */
  public static final String WIN_RATE = "win rate vs prev";

  private PipelineReport() {}

  public static Report build(Pipeline p, PipelineConfig cfg, List<StageRunner.Outcome> outcomes, String command,
      Map<String, String> configs) throws IOException {
    Map<String, Double> seconds = new LinkedHashMap<>();
    for (var o : outcomes) seconds.put(o.name(), o.seconds());
    Path evalDir = p.dir("eval");

    // decontamination rows, and each eval's highest contamination over the training files
    List<Report.DeconRow> decon = new ArrayList<>();
    Map<String, Double> contamination = new LinkedHashMap<>();
    collectDecon(outcomes, decon, contamination);

    // the stage table: one row per model stage that was evaluated
    List<Report.Stage> stages = stageRows(p, evalDir, contamination, seconds);
    List<String> tasks = cfg.eval().tasks();

    List<String> notes = new ArrayList<>();
    // win rates over the previous stage, judged by the reward model (a column of the table)
    Path winFile = evalDir.resolve("win_rate.json");
    if (Files.exists(winFile) && !stages.isEmpty()) {
      tasks = new ArrayList<>(tasks);
      tasks.add(WIN_RATE);
      stages = withWinRates(stages, JSON.readTree(winFile.toFile()));
      notes.add("win rate vs prev: each stage's responses against the previous stage's on every eval prompt, "
          + "judged by the reward model of the reward stage (1 win, ½ tie, 0 loss; 0.5 = no change).");
    }
    // the judge's own quality: held-out pair accuracy of the reward stage's model
    addRewardNote(p, cfg, notes);

    // paired differences between consecutive stages on the same items
    List<Report.Difference> differences = differences(evalDir, stages, tasks);
    double total = seconds.values().stream().mapToDouble(Double::doubleValue).sum();
    notes.add(String.format("Stage times (s): %s; total %.0f s (skipped stages show their original time).", seconds.entrySet().stream()
        .map(e -> String.format("%s %.0f", e.getKey(), e.getValue())).toList(), total));

    // curves
    List<Report.Curve> curves = curves(p, cfg);

    // samples: the first prompts of each task, every stage's answer
    List<Report.Sample> samples = samples(evalDir, stages, tasks);
    return new Report("tulu4j pipeline: " + p.dir("").getFileName(), command, stages, tasks, curves, decon, samples,
        configs, notes, differences);
  }

  /** Adds the decontamination stage's rows to {@code decon} and each eval's highest percent to {@code contamination}. */
  private static void collectDecon(List<StageRunner.Outcome> outcomes, List<Report.DeconRow> decon,
      Map<String, Double> contamination) {
    for (var o : outcomes) {
      if (!o.name().equals("decontaminate")) continue;
      for (JsonNode r : o.summary().path("rows")) {
        decon.add(new Report.DeconRow(r.path("train").asText(), r.path("eval").asText(), r.path("contaminated").asInt(),
            r.path("instances").asInt(), r.path("percent").asDouble(), r.path("flagged").asBoolean()));
        contamination.merge(r.path("eval").asText(), r.path("percent").asDouble(), Math::max);
      }
    }
  }

  /** One row per model stage that has an eval summary, with its training stage's time. */
  private static List<Report.Stage> stageRows(Pipeline p, Path evalDir, Map<String, Double> contamination,
      Map<String, Double> seconds) throws IOException {
    List<Report.Stage> stages = new ArrayList<>();
    for (String ms : p.modelStages()) {
      Path summary = evalDir.resolve(ms).resolve("summary.json");
      if (!Files.exists(summary)) continue;
      String trainStage = ms.equals("base") ? "pretrain" : ms;
      stages.add(new Report.Stage(ms, ReportInputs.scores(summary, contamination), seconds.getOrDefault(trainStage, 0.0)));
    }
    return stages;
  }

  /** The stages with a {@link #WIN_RATE} score added wherever {@code win_rate.json} has one. */
  private static List<Report.Stage> withWinRates(List<Report.Stage> stages, JsonNode w) {
    List<Report.Stage> withWin = new ArrayList<>();
    for (Report.Stage st : stages) {
      JsonNode all = w.path(st.name()).path("all");
      if (all.isMissingNode()) {
        withWin.add(st);
        continue;
      }
      Map<String, Report.Score> scores = new LinkedHashMap<>(st.scores());
      scores.put(WIN_RATE, new Report.Score(all.path("score").asDouble(), all.path("ci_low").asDouble(),
          all.path("ci_high").asDouble(), all.path("n").asInt(), null));
      withWin.add(new Report.Stage(st.name(), scores, st.seconds()));
    }
    return withWin;
  }

  /** Notes the reward stage's held-out pair accuracy, when that stage ran and left its eval. */
  private static void addRewardNote(Pipeline p, PipelineConfig cfg, List<String> notes) throws IOException {
    Path rewardEval = cfg.has("reward") ? p.dir("reward").resolve("reward_eval.json") : null;
    if (rewardEval != null && Files.exists(rewardEval)) {
      JsonNode r = JSON.readTree(rewardEval.toFile());
      notes.add(String.format(java.util.Locale.ROOT,
          "reward model: held-out pair accuracy %.3f on %d pairs (%.3f before training)",
          r.path("accuracy_after").asDouble(), r.path("eval_pairs").asInt(), r.path("accuracy_before").asDouble()));
    }
  }

  /** Paired differences between each stage and the one before it, per task, on the items both answered. */
  private static List<Report.Difference> differences(Path evalDir, List<Report.Stage> stages, List<String> tasks)
      throws IOException {
    List<Report.Difference> differences = new ArrayList<>();
    for (int i = 1; i < stages.size(); i++) {
      String a = stages.get(i - 1).name();
      String b = stages.get(i).name();
      Map<String, Report.Score> byTask = new LinkedHashMap<>();
      for (String t : tasks) {
        if (t.equals(WIN_RATE)) continue;
        Path fa = evalDir.resolve(a).resolve(t + ".jsonl");
        Path fb = evalDir.resolve(b).resolve(t + ".jsonl");
        if (!Files.exists(fa) || !Files.exists(fb)) continue;
        double[] sa = ReportInputs.itemScores(fa);
        Stats.Estimate d = Stats.pairedDifference(sa, ReportInputs.itemScores(fb));
        byTask.put(t, new Report.Score(d.value(), d.lo(), d.hi(), sa.length, null));
      }
      differences.add(new Report.Difference(b, a, byTask));
    }
    return differences;
  }

  /** The training curves of the stages the config runs; curves with no series are dropped. */
  private static List<Report.Curve> curves(Pipeline p, PipelineConfig cfg) throws IOException {
    List<Report.Curve> curves = new ArrayList<>();
    if (cfg.has("pretrain"))
      curves.add(ReportInputs.curve(p.dir("pretrain").resolve("metrics.jsonl"), "Pretraining loss", "step", List.of("loss")));
    if (cfg.has("sft"))
      curves.add(ReportInputs.curve(p.dir("sft").resolve("metrics.jsonl"), "SFT loss (per trained token)", "step", List.of("loss")));
    if (cfg.has("dpo")) {
      curves.add(ReportInputs.curve(p.dir("dpo").resolve("metrics.jsonl"), "DPO loss", "step", List.of("loss")));
      curves.add(ReportInputs.curve(p.dir("dpo").resolve("metrics.jsonl"), "DPO implicit rewards", "step",
          List.of("rewards/chosen", "rewards/rejected", "rewards/margin", "rewards/accuracy")));
    }
    if (cfg.has("rlvr")) {
      curves.add(ReportInputs.curve(p.dir("rlvr").resolve("metrics.jsonl"), "RLVR reward and verified accuracy", "step",
          List.of("reward", "accuracy")));
      curves.add(ReportInputs.curve(p.dir("rlvr").resolve("metrics.jsonl"), "RLVR KL to the reference", "step", List.of("kl1", "kl3")));
    }
    curves.removeIf(c -> c.series().isEmpty());
    return curves;
  }

  /** The first prompts of each task with every stage's answer side by side. */
  private static List<Report.Sample> samples(Path evalDir, List<Report.Stage> stages, List<String> tasks)
      throws IOException {
    List<Report.Sample> samples = new ArrayList<>();
    for (String t : tasks) {
      Map<String, Map<String, String>> byStage = new LinkedHashMap<>();
      for (Report.Stage s : stages) byStage.put(s.name(), ReportInputs.responses(evalDir.resolve(s.name()).resolve(t + ".jsonl"), 2));
      if (byStage.isEmpty()) continue;
      for (String prompt : byStage.values().iterator().next().keySet()) {
        Map<String, String> responses = new LinkedHashMap<>();
        byStage.forEach((st, m) -> responses.put(st, m.getOrDefault(prompt, "")));
        samples.add(new Report.Sample(t, prompt, responses));
      }
    }
    return samples;
  }

  public static void write(Report r, Path out) throws IOException {
    FileOps.writeAtomically(out.resolve("report.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(r));
    FileOps.writeAtomically(out.resolve("report.html"), HtmlReport.render(r).getBytes(StandardCharsets.UTF_8));
  }

  /** The stage table as plain text (printed at the end of a run, and pasted in the README). */
  public static String table(Report r) {
    StringBuilder b = new StringBuilder();
    b.append(String.format("%-8s", "stage"));
    for (String t : r.tasks()) b.append(String.format(" | %-24s", t));
    b.append('\n');
    for (Report.Stage s : r.stages()) {
      b.append(String.format("%-8s", s.name()));
      for (String t : r.tasks()) {
        Report.Score sc = s.scores().get(t);
        b.append(sc == null ? String.format(" | %-24s", "–")
            : String.format(" | %.3f [%.3f, %.3f]   ", sc.value(), sc.lo(), sc.hi()));
      }
      b.append('\n');
    }
    for (Report.Difference d : r.differences()) b.append(differenceLine(d)).append('\n');
    for (String n : r.notes()) b.append(n).append('\n');
    return b.toString();
  }

  /** {@code sft − base (paired, 95% CI):  task +0.588 [+0.538, +0.637] …} */
  static String differenceLine(Report.Difference d) {
    StringBuilder line = new StringBuilder(d.stage() + " − " + d.previous() + " (paired, 95% CI):");
    d.byTask().forEach((t, e) -> line.append(String.format("  %s %+.3f [%+.3f, %+.3f]", t, e.value(), e.lo(), e.hi())));
    return line.toString();
  }
}
