package dev.tulu4j.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tulu4j.data.Message;
import dev.tulu4j.io.FileOps;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Runs generative tasks against a {@link Responder}: generates (greedy, as the responder is set
 * up), scores each item, writes {@code OUT/<task>.jsonl} (prompt, response, extracted answer, score)
 * and {@code OUT/summary.json}, and returns the headline of each task with its 95% interval.
 */
public final class EvalRunner {
  private static final ObjectMapper JSON = new ObjectMapper();

  private EvalRunner() {}

  /**
   * One task's outcome.
   *
   * @param headline the task's main number with a 95% interval (Wilson for a proportion; for a
   *     macro average, the normal interval of item scores)
   * @param metrics every reported number (e.g. IFEval's four accuracies, MATH per subject)
   * @param scores per-item scores in item order (paired comparisons between stages)
   */
  public record TaskResult(String task, Stats.Estimate headline, Map<String, Double> metrics, double[] scores,
      List<String> prompts, List<String> responses) {}

  public static List<TaskResult> run(List<EvalTask> tasks, Responder responder, Path out) throws IOException {
    Files.createDirectories(out);
    List<TaskResult> results = new ArrayList<>();
    ObjectNode summary = JSON.createObjectNode();
    for (EvalTask task : tasks) {
      List<List<Message>> prompts = task.items().stream().map(EvalItem::messages).toList();
      TaskResult r;
      if (task.sampling().greedy()) {
        r = score(task, responder.respond(prompts, task.maxNewTokens(), task.stop()), out.resolve(task.name() + ".jsonl"));
      } else {
        r = scoreSamples(task, responder.sample(prompts, task.maxNewTokens(), task.stop(), task.sampling()),
            out.resolve(task.name() + ".jsonl"));
      }
      results.add(r);
      ObjectNode t = summary.putObject(task.name());
      t.put("score", r.headline().value()).put("ci_low", r.headline().lo()).put("ci_high", r.headline().hi())
          .put("n", r.headline().n());
      r.metrics().forEach(t::put);
    }
    FileOps.writeAtomically(out.resolve("summary.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(summary));
    return results;
  }

  /** Scores responses (aligned with the task's items) and writes the per-item JSONL. */
  public static TaskResult score(EvalTask task, List<String> responses, Path itemsOut) throws IOException {
    int n = task.items().size();
    if (responses.size() != n) throw new IllegalStateException(task.name() + ": " + responses.size() + " responses for " + n + " items");
    if (!task.sampling().greedy()) return scoreSamples(task, responses.stream().map(List::of).toList(), itemsOut);
    double[] scores = new double[n];
    Map<String, List<Double>> bySubject = new TreeMap<>();
    long promptStrict = 0, instTotal = 0, instStrict = 0, instLoose = 0;
    Map<String, Double> submetrics = new LinkedHashMap<>(); // summed item metrics a task reports (DROP's f1, exact_match)
    Path tmp = FileOps.tmpSibling(itemsOut);
    try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
      for (int i = 0; i < n; i++) {
        EvalItem item = task.items().get(i);
        String resp = responses.get(i) == null ? "" : responses.get(i);
        EvalTask.ItemScore s = task.scorer().score(item, resp);
        scores[i] = s.score();
        if (item.subject() != null) bySubject.computeIfAbsent(item.subject(), k -> new ArrayList<>()).add(s.score());
        if (s.details() != null && s.details().has("submetrics")) {
          s.details().get("submetrics").properties().forEach(e -> submetrics.merge(e.getKey(), e.getValue().asDouble(), Double::sum));
        }
        if (s.details() != null && s.details().has("inst_total")) {
          promptStrict += s.details().get("prompt_strict").asBoolean() ? 1 : 0;
          instTotal += s.details().get("inst_total").asLong();
          instStrict += s.details().get("inst_strict").asLong();
          instLoose += s.details().get("inst_loose").asLong();
        }
        ObjectNode row = JSON.createObjectNode().put("id", item.id()).put("prompt", item.prompt()).put("response", resp);
        row.put("extracted", s.extracted());
        row.set("ground_truth", item.groundTruth());
        row.put("score", s.score());
        if (s.details() != null) row.set("details", s.details());
        w.write(JSON.writeValueAsString(row));
        w.write('\n');
      }
    }
    FileOps.replace(tmp, itemsOut);
    Map<String, Double> metrics = new LinkedHashMap<>();
    int correct = 0;
    for (double s : scores) correct += s >= 0.5 ? 1 : 0;
    Stats.Estimate headline;
    if (task.aggregation() == EvalTask.Aggregation.MACRO_SUBJECT && !bySubject.isEmpty()) {
      headline = macroOverSubjects(bySubject, Stats.mean(scores), metrics);
    } else if (task.aggregation() == EvalTask.Aggregation.MEAN_SCORE) {
      Stats.Estimate m = Stats.mean(scores);
      headline = new Stats.Estimate(m.value(), Math.max(0, m.lo()), Math.min(1, m.hi()), n);
    } else {
      headline = Stats.wilson(correct, n);
    }
    submetrics.forEach((k, v) -> metrics.put(k, v / n));
    if (instTotal > 0) {
      metrics.put("prompt_level_loose_acc", (double) correct / n);
      metrics.put("prompt_level_strict_acc", (double) promptStrict / n);
      metrics.put("inst_level_loose_acc", (double) instLoose / instTotal);
      metrics.put("inst_level_strict_acc", (double) instStrict / instTotal);
    }
    List<String> prompts = task.items().stream().map(EvalItem::prompt).toList();
    return new TaskResult(task.name(), headline, metrics, scores, prompts, List.copyOf(responses));
  }

  /**
   * Scores {@code k} sampled responses per item (aligned with the task's items): the item's score is
   * their mean (avg@k, the expected accuracy of one sample), the headline the mean of item scores
   * with a normal 95% interval ({@link Stats#mean}; macro over subjects as in {@link #score}), and
   * IFEval's four accuracies are pooled over all samples. The per-item JSONL keeps the first sample as
   * {@code response} and every sample with its score under {@code samples}.
   */
  public static TaskResult scoreSamples(EvalTask task, List<List<String>> responses, Path itemsOut) throws IOException {
    int n = task.items().size();
    if (responses.size() != n) throw new IllegalStateException(task.name() + ": " + responses.size() + " response sets for " + n + " items");
    double[] scores = new double[n];
    List<String> firsts = new ArrayList<>();
    Map<String, List<Double>> bySubject = new TreeMap<>();
    long drawn = 0, promptStrict = 0, promptLoose = 0, instTotal = 0, instStrict = 0, instLoose = 0;
    Path tmp = FileOps.tmpSibling(itemsOut);
    try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
      for (int i = 0; i < n; i++) {
        EvalItem item = task.items().get(i);
        List<String> rs = responses.get(i);
        if (rs == null || rs.isEmpty()) throw new IllegalStateException(task.name() + ": no response for item " + item.id());
        ObjectNode row = JSON.createObjectNode().put("id", item.id()).put("prompt", item.prompt());
        var arr = JSON.createArrayNode();
        double sum = 0;
        EvalTask.ItemScore first = null;
        for (String r0 : rs) {
          String resp = r0 == null ? "" : r0;
          EvalTask.ItemScore sc = task.scorer().score(item, resp);
          if (first == null) first = sc;
          sum += sc.score();
          drawn++;
          if (sc.details() != null && sc.details().has("inst_total")) {
            promptStrict += sc.details().get("prompt_strict").asBoolean() ? 1 : 0;
            promptLoose += sc.score() >= 0.5 ? 1 : 0;
            instTotal += sc.details().get("inst_total").asLong();
            instStrict += sc.details().get("inst_strict").asLong();
            instLoose += sc.details().get("inst_loose").asLong();
          }
          arr.addObject().put("response", resp).put("extracted", sc.extracted()).put("score", sc.score());
        }
        scores[i] = sum / rs.size();
        if (item.subject() != null) bySubject.computeIfAbsent(item.subject(), k -> new ArrayList<>()).add(scores[i]);
        String firstResp = rs.get(0) == null ? "" : rs.get(0);
        firsts.add(firstResp);
        row.put("response", firstResp).put("extracted", first.extracted());
        row.set("ground_truth", item.groundTruth());
        row.put("score", scores[i]);
        if (first.details() != null) row.set("details", first.details());
        row.set("samples", arr);
        w.write(JSON.writeValueAsString(row));
        w.write('\n');
      }
    }
    FileOps.replace(tmp, itemsOut);
    Map<String, Double> metrics = new LinkedHashMap<>();
    Stats.Estimate items = Stats.mean(scores);
    Stats.Estimate headline;
    if (task.aggregation() == EvalTask.Aggregation.MACRO_SUBJECT && !bySubject.isEmpty()) {
      headline = macroOverSubjects(bySubject, items, metrics);
    } else {
      double lo = Double.isNaN(items.lo()) ? items.lo() : Math.max(0, items.lo());
      double hi = Double.isNaN(items.hi()) ? items.hi() : Math.min(1, items.hi());
      headline = new Stats.Estimate(items.value(), lo, hi, n);
    }
    metrics.put("samples_per_item", (double) task.sampling().samples());
    metrics.put("temperature", task.sampling().temperature());
    if (instTotal > 0) {
      metrics.put("prompt_level_loose_acc", (double) promptLoose / drawn);
      metrics.put("prompt_level_strict_acc", (double) promptStrict / drawn);
      metrics.put("inst_level_loose_acc", (double) instLoose / instTotal);
      metrics.put("inst_level_strict_acc", (double) instStrict / instTotal);
    }
    List<String> prompts = task.items().stream().map(EvalItem::prompt).toList();
    return new TaskResult(task.name(), headline, metrics, scores, prompts, List.copyOf(firsts));
  }

  /**
   * Tülu 3's MATH headline: the mean of per-subject means (each also put in {@code metrics} as
   * {@code subject/<name>}), with the half-width of the item-level interval {@code items}, and
   * {@code micro_accuracy} = the item mean.
   */
  private static Stats.Estimate macroOverSubjects(Map<String, List<Double>> bySubject, Stats.Estimate items,
      Map<String, Double> metrics) {
    double macro = 0;
    for (var e : bySubject.entrySet()) {
      double m = e.getValue().stream().mapToDouble(Double::doubleValue).average().orElse(0);
      metrics.put("subject/" + e.getKey(), m);
      macro += m;
    }
    macro /= bySubject.size();
    double half = (items.hi() - items.lo()) / 2;
    metrics.put("micro_accuracy", items.value());
    return new Stats.Estimate(macro, Math.max(0, macro - half), Math.min(1, macro + half), items.n());
  }
}
