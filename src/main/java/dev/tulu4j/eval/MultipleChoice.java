package dev.tulu4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.util.function.Function;

/**
 * Multiple-choice questions scored by log-likelihood, for user-supplied MMLU-style JSONL
 * ({@code {"question": str, "choices": [str, ...], "answer": 0 | "A" | "<choice text>"}}). Each
 * choice is scored as the continuation {@code " " + choice} of the prompt {@code "Question: …\nAnswer:"}
 * (the cloze formulation OLMES uses for MMLU); the prediction is the choice with the highest summed
 * log-probability ({@code acc}) and, separately, per character of the choice ({@code acc_per_char},
 * which removes the bias toward short answers). No generation is involved.
 */
public final class MultipleChoice {
  private static final ObjectMapper JSON = new ObjectMapper();

  private MultipleChoice() {}

  /** One question: its choices and the index of the right one. */
  public record Item(String id, String question, List<String> choices, int answer) {}

  /** Per-token log-probabilities of each completion given its prompt (e.g. {@code runtime.Scorer::score}). */
  @FunctionalInterface
  public interface LogProbs {
    List<double[]> score(List<int[]> prompts, List<int[]> completions);
  }

  public static List<Item> load(Path file, int limit) {
    List<Item> items = new ArrayList<>();
    int line = 0;
    for (JsonNode row : BenchmarkPrompts.readJsonl(file, limit)) {
      line++;
      String where = file + ":" + line;
      JsonNode q = row.get("question");
      JsonNode ch = row.get("choices");
      JsonNode a = row.get("answer");
      if (q == null || !q.isTextual()) throw new IllegalArgumentException(where + ": field 'question' must be a string");
      if (ch == null || !ch.isArray() || ch.size() < 2)
        throw new IllegalArgumentException(where + ": field 'choices' must be a list of at least two strings");
      List<String> choices = new ArrayList<>();
      for (JsonNode c : ch) {
        if (!c.isTextual()) throw new IllegalArgumentException(where + ": field 'choices' must hold strings");
        choices.add(c.asText());
      }
      int answer;
      if (a != null && a.isIntegralNumber()) answer = a.asInt();
      else if (a != null && a.isTextual() && a.asText().matches("[A-Z]")) answer = a.asText().charAt(0) - 'A';
      else if (a != null && a.isTextual()) answer = choices.indexOf(a.asText());
      else throw new IllegalArgumentException(where + ": field 'answer' must be an index, a letter or a choice text");
      if (answer < 0 || answer >= choices.size())
        throw new IllegalArgumentException(where + ": field 'answer' does not name one of the " + choices.size() + " choices");
      items.add(new Item(row.path("id").asText("mc-" + line), q.asText(), choices, answer));
    }
    return items;
  }

  /**
   * Scores every choice, writes {@code itemsOut} (per question: the choice log-likelihoods, both
   * predictions, correctness) and returns the task result with {@code acc} as its headline.
   *
   * @param encodePrompt prompt text → ids with the tokenizer's BOS
   * @param encodeContinuation continuation text → ids without special tokens
   */
  public static EvalRunner.TaskResult run(String task, List<Item> items, LogProbs scorer,
      Function<String, int[]> encodePrompt, Function<String, int[]> encodeContinuation, Path itemsOut) throws IOException {
    List<int[]> prompts = new ArrayList<>();
    List<int[]> conts = new ArrayList<>();
    for (Item it : items) {
      int[] p = encodePrompt.apply("Question: " + it.question() + "\nAnswer:");
      for (String c : it.choices()) {
        prompts.add(p);
        conts.add(encodeContinuation.apply(" " + c));
      }
    }
    List<double[]> lps = scorer.score(prompts, conts);
    double[] acc = new double[items.size()];
    int correct = 0;
    int correctPerChar = 0;
    Files.createDirectories(itemsOut.toAbsolutePath().getParent());
    Path tmp = FileOps.tmpSibling(itemsOut);
    int k = 0;
    try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
      for (int i = 0; i < items.size(); i++) {
        Item it = items.get(i);
        int best = 0;
        int bestPerChar = 0;
        double[] sums = new double[it.choices().size()];
        for (int c = 0; c < sums.length; c++) {
          for (double lp : lps.get(k++)) sums[c] += lp;
          if (sums[c] > sums[best]) best = c;
          double perChar = sums[c] / Math.max(1, it.choices().get(c).length());
          if (perChar > sums[bestPerChar] / Math.max(1, it.choices().get(bestPerChar).length())) bestPerChar = c;
        }
        acc[i] = best == it.answer() ? 1 : 0;
        correct += best == it.answer() ? 1 : 0;
        correctPerChar += bestPerChar == it.answer() ? 1 : 0;
        ObjectNode row = JSON.createObjectNode().put("id", it.id()).put("prompt", it.question())
            .put("answer", it.answer()).put("predicted", best).put("predicted_per_char", bestPerChar).put("score", acc[i]);
        var arr = row.putArray("loglikelihoods");
        for (double s : sums) arr.add(s);
        w.write(JSON.writeValueAsString(row));
        w.write('\n');
      }
    }
    FileOps.replace(tmp, itemsOut);
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("acc", (double) correct / Math.max(1, items.size()));
    metrics.put("acc_per_char", (double) correctPerChar / Math.max(1, items.size()));
    List<String> qs = items.stream().map(Item::question).toList();
    List<String> preds = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) preds.add(acc[i] == 1 ? "correct" : "wrong");
    return new EvalRunner.TaskResult(task, Stats.wilson(correct, items.size()), metrics, acc, qs, preds);
  }
}
