package dev.tulu4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * TruthfulQA multiple choice, MC2, as OLMES {@code truthfulqa::tulu} ({@code oe_eval/configs/tasks.py}:
 * 6 shots, chat format, {@code short_prefix}, primary metric {@code mc2}) over
 * {@code oe_eval/tasks/oe_eval_tasks/truthfulqa.py} and {@code MC1MC2Accuracy} in
 * {@code oe_eval/metrics/metric.py}.
 *
 * <ul>
 *   <li>Data: {@code truthfulqa/truthful_qa}, configuration {@code multiple_choice}, split
 *       {@code validation} ({@code multiple_choice/validation-00000-of-00001.parquet}): {@code question},
 *       {@code mc1_targets} and {@code mc2_targets} ({@code choices}, {@code labels}).
 *   <li>Choices ({@code _process_doc}): the MC1 choices, then each MC2 choice not already listed; a
 *       choice in both keeps one log-likelihood (labels must agree).
 *   <li>Context: one user turn of the 6 {@code "Original:TruthfulQA"} exemplars
 *       ({@code "Q: …\nA: …"}, blank-line separated) and {@code "Q: <question>\nA:"}, rendered with the
 *       chat template and its generation prompt; each choice is scored as the continuation
 *       {@code choice} (OLMES strips the leading space when there is no assistant prefix,
 *       {@code convert_chat_instance} in {@code oe_eval/run_eval.py}).
 *   <li>MC2: {@code Σ_true exp(ll) / (Σ_true exp(ll) + Σ_false exp(ll))} over the MC2 choices, with
 *       {@code ll} the summed log-probability; MC1: the label of the MC1 choice with the highest
 *       {@code ll} (first on ties). Headline: mean MC2.
 * </ul>
 */
public final class TruthfulQaTask {
  private static final ObjectMapper JSON = new ObjectMapper();
  public static final int SHOTS = 6;

  private TruthfulQaTask() {}

  /** One question after {@code _process_doc}. */
  public record Doc(String id, String question, List<String> choices, List<Integer> labels, int mc1Count,
      List<Integer> mc2Indices) {}

  public static List<Doc> load(Path dir, int limit) {
    Path split = Files.isDirectory(dir.resolve("multiple_choice")) ? dir.resolve("multiple_choice") : dir;
    List<Doc> docs = new ArrayList<>();
    for (HfSplit.Row row : HfSplit.read(split, "validation", limit)) {
      String q = HfSplit.text(row, "question");
      List<String> choices = new ArrayList<>();
      List<Integer> labels = new ArrayList<>();
      targets(row, "mc1_targets", choices, labels);
      int mc1 = choices.size();
      List<String> c2 = new ArrayList<>();
      List<Integer> l2 = new ArrayList<>();
      targets(row, "mc2_targets", c2, l2);
      List<Integer> mc2 = new ArrayList<>();
      for (int i = 0; i < c2.size(); i++) {
        int at = choices.indexOf(c2.get(i));
        if (at < 0) {
          choices.add(c2.get(i));
          labels.add(l2.get(i));
          mc2.add(choices.size() - 1);
        } else {
          if (!labels.get(at).equals(l2.get(i)))
            throw new IllegalArgumentException(row.where() + ": mismatching labels between mc1 and mc2 for choice '" + c2.get(i) + "'");
          mc2.add(at);
        }
      }
      docs.add(new Doc("truthfulqa-" + docs.size(), q, List.copyOf(choices), List.copyOf(labels), mc1, List.copyOf(mc2)));
    }
    return docs;
  }

  private static void targets(HfSplit.Row row, String field, List<String> choices, List<Integer> labels) {
    JsonNode t = HfSplit.field(row, field);
    JsonNode c = t.get("choices");
    JsonNode l = t.get("labels");
    if (c == null || l == null || !c.isArray() || !l.isArray() || c.size() != l.size() || c.isEmpty())
      throw new IllegalArgumentException(row.where() + ": field '" + field + "' needs equally long, non-empty 'choices' and 'labels' lists");
    for (int i = 0; i < c.size(); i++) {
      choices.add(c.get(i).asText());
      labels.add(l.get(i).asInt());
    }
  }

  /** The user turn: the six exemplars, then the question. */
  public static String userPrompt(String question) {
    StringBuilder b = new StringBuilder();
    for (JsonNode ex : PopQaTask.resource("truthfulqa_fewshot.jsonl").subList(0, SHOTS)) {
      b.append("Q: ").append(ex.get("question").asText()).append("\nA: ").append(ex.get("choices").get(0).asText()).append("\n\n");
    }
    return b.append("Q: ").append(question).append("\nA:").toString();
  }

  /** MC1 and MC2 of one question from the summed log-likelihood of each of its choices. */
  public record Score(double mc1, double mc2) {}

  public static Score score(Doc doc, double[] ll) {
    double max = Double.NEGATIVE_INFINITY;
    double mc1 = 0;
    for (int i = 0; i < doc.mc1Count(); i++) {
      if (ll[i] > max) {
        max = ll[i];
        mc1 = doc.labels().get(i);
      }
    }
    double t = 0;
    double f = 0;
    for (int i : doc.mc2Indices()) {
      if (doc.labels().get(i) != 0) t += Math.exp(ll[i]);
      else f += Math.exp(ll[i]);
    }
    double mc2 = t / (t + f);
    if (t + f == 0) mc2 = stableMc2(doc, ll); // OLMES divides by zero here; the same ratio in log space
    return new Score(mc1, mc2);
  }

  private static double stableMc2(Doc doc, double[] ll) {
    double m = Double.NEGATIVE_INFINITY;
    for (int i : doc.mc2Indices()) m = Math.max(m, ll[i]);
    double t = 0;
    double all = 0;
    for (int i : doc.mc2Indices()) {
      double e = Math.exp(ll[i] - m);
      all += e;
      if (doc.labels().get(i) != 0) t += e;
    }
    return t / all;
  }

  /**
   * Scores every choice and writes {@code itemsOut} (per question: choices, labels, log-likelihoods,
   * MC1, MC2); the headline is mean MC2 with its normal 95% interval.
   *
   * @param encodeContext the user turn → prompt ids (chat template with the generation prompt)
   * @param encodeContinuation a choice → ids without special tokens
   * @param maxTokens context + choice longer than this keep the context's last tokens (the left
   *     truncation of lm-evaluation-harness' loglikelihood, which OLMES' HF model inherits)
   */
  public static EvalRunner.TaskResult run(String task, List<Doc> docs, MultipleChoice.LogProbs scorer,
      Function<String, int[]> encodeContext, Function<String, int[]> encodeContinuation, int maxTokens, Path itemsOut)
      throws IOException {
    List<int[]> prompts = new ArrayList<>();
    List<int[]> conts = new ArrayList<>();
    for (Doc d : docs) {
      int[] ctx = encodeContext.apply(userPrompt(d.question()));
      for (String c : d.choices()) {
        int[] cont = encodeContinuation.apply(c);
        int keep = Math.max(1, maxTokens - cont.length);
        prompts.add(ctx.length > keep ? java.util.Arrays.copyOfRange(ctx, ctx.length - keep, ctx.length) : ctx);
        conts.add(cont);
      }
    }
    List<double[]> lps = scorer.score(prompts, conts);
    double[] mc2 = new double[docs.size()];
    double mc1Sum = 0;
    int k = 0;
    Files.createDirectories(itemsOut.toAbsolutePath().getParent());
    Path tmp = itemsOut.resolveSibling(itemsOut.getFileName() + ".tmp");
    try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
      for (int i = 0; i < docs.size(); i++) {
        Doc d = docs.get(i);
        double[] ll = new double[d.choices().size()];
        for (int c = 0; c < ll.length; c++) for (double lp : lps.get(k++)) ll[c] += lp;
        Score s = score(d, ll);
        mc2[i] = s.mc2();
        mc1Sum += s.mc1();
        ObjectNode row = JSON.createObjectNode().put("id", d.id()).put("prompt", d.question()).put("mc1", s.mc1()).put("mc2", s.mc2());
        row.set("choices", JSON.valueToTree(d.choices()));
        row.set("labels", JSON.valueToTree(d.labels()));
        row.set("loglikelihoods", JSON.valueToTree(ll));
        row.put("score", s.mc2());
        w.write(JSON.writeValueAsString(row));
        w.write('\n');
      }
    }
    Files.move(tmp, itemsOut, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("mc2", Stats.mean(mc2).value());
    metrics.put("mc1", mc1Sum / Math.max(1, docs.size()));
    Stats.Estimate m = Stats.mean(mc2);
    Stats.Estimate headline = new Stats.Estimate(m.value(), Math.max(0, m.lo()), Math.min(1, m.hi()), docs.size());
    List<String> qs = docs.stream().map(Doc::question).toList();
    List<String> preds = new ArrayList<>();
    for (double v : mc2) preds.add(String.valueOf(v));
    return new EvalRunner.TaskResult(task, headline, metrics, mc2, qs, preds);
  }
}
