package dev.tulu4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tulu4j.data.Message;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * DROP as Tülu 3 evaluates it: OLMES {@code drop::llama3} ({@code oe_eval/configs/tasks.py}) over the
 * task class in {@code oe_eval/tasks/oe_eval_tasks/drop.py}, in chat format.
 *
 * <ul>
 *   <li>Data: {@code EleutherAI/drop}, the {@code validation} split scored, the {@code train} split the
 *       exemplar pool; fields {@code query_id}, {@code passage}, {@code question}, {@code answer}
 *       ({@code number}, {@code date.day/month/year}, {@code spans}) and {@code validated_answers}
 *       (the same fields as parallel lists).
 *   <li>Gold answers ({@code get_answers}/{@code parse_answer}): the answer then each validated
 *       answer, as a tuple — {@code (number,)} if the number is non-empty, else the spans if any,
 *       else {@code ("day month year".strip(),)} — duplicates dropped, order kept.
 *   <li>Prompt: {@code "Passage: " + passage + "\nQuestion: " + question + "\nAnswer:"}; 3 exemplars
 *       {@code random.Random(1234).sample(train_docs, 3)} (the same three for every question, see
 *       {@link PyRandom}), each followed by {@code " " + ", ".join(first gold answer)}, joined by
 *       blank lines into one user turn ending with the question's prompt.
 *   <li>Generation: greedy, at most 50 tokens, stop at {@code "Passage:"} or {@code "Question:"}
 *       (the chat overrides; the end-of-turn token ends it too).
 *   <li>Metric: {@link DropMetric} F1 (headline, mean over questions) and exact match.
 * </ul>
 */
public final class DropTask {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** OLMES {@code TASK_DEFAULTS["fewshot_seed"]} ({@code oe_eval/default_configs.py}). */
  public static final long FEWSHOT_SEED = 1234;
  public static final int SHOTS = 3;

  private DropTask() {}

  /** The task over {@code dir} (an {@code EleutherAI/drop} folder with train and validation splits). */
  public static EvalTask load(String name, Path dir, int limit) {
    return new EvalTask(name, items(dir, limit), DropTask::score, 50, List.of("Passage:", "Question:"),
        EvalTask.Aggregation.MEAN_SCORE);
  }

  static List<EvalItem> items(Path dir, int limit) {
    List<HfSplit.Row> train = HfSplit.read(dir, "train", 0);
    if (train.size() < SHOTS) throw new IllegalArgumentException(dir + ": the train split needs at least " + SHOTS + " rows for the exemplars");
    StringBuilder shots = new StringBuilder();
    for (int idx : new PyRandom(FEWSHOT_SEED).sampleIndices(train.size(), SHOTS)) {
      HfSplit.Row ex = train.get(idx);
      shots.append(query(ex)).append(" ").append(String.join(", ", answers(ex).get(0))).append("\n\n");
    }
    List<EvalItem> items = new ArrayList<>();
    for (HfSplit.Row row : HfSplit.read(dir, "validation", limit)) {
      String q = query(row);
      ArrayNode gold = JSON.createArrayNode();
      for (List<String> a : answers(row)) {
        ArrayNode t = gold.addArray();
        a.forEach(t::add);
      }
      items.add(new EvalItem(HfSplit.text(row, "query_id"), List.of(Message.user(shots + q)), q, gold, null));
    }
    return items;
  }

  static String query(HfSplit.Row row) {
    return "Passage: " + HfSplit.text(row, "passage") + "\nQuestion: " + HfSplit.text(row, "question") + "\nAnswer:";
  }

  /** {@code get_answers}: the answer, then the validated answers, as span tuples, without duplicates. */
  static List<List<String>> answers(HfSplit.Row row) {
    LinkedHashSet<List<String>> out = new LinkedHashSet<>();
    out.add(parseAnswer(HfSplit.field(row, "answer"), row.where() + ": field 'answer'"));
    JsonNode v = row.json().get("validated_answers");
    if (v != null && !v.isNull()) {
      JsonNode numbers = v.path("number");
      for (int i = 0; i < numbers.size(); i++) {
        ObjectNode a = JSON.createObjectNode();
        a.set("number", numbers.get(i));
        a.set("date", v.path("date").path(i));
        a.set("spans", v.path("spans").path(i));
        out.add(parseAnswer(a, row.where() + ": field 'validated_answers' entry " + i));
      }
    }
    return new ArrayList<>(out);
  }

  /** {@code parse_answer}: {@code (number,)}, else the spans, else the date "day month year", stripped. */
  static List<String> parseAnswer(JsonNode a, String where) {
    JsonNode number = a.get("number");
    JsonNode spans = a.get("spans");
    JsonNode date = a.get("date");
    if (number == null || spans == null || !spans.isArray() || date == null || !date.isObject())
      throw new IllegalArgumentException(where + " needs 'number', 'spans' (a list) and 'date' (day, month, year)");
    if (!number.asText().isEmpty()) return List.of(number.asText());
    if (!spans.isEmpty()) {
      List<String> s = new ArrayList<>();
      spans.forEach(x -> s.add(x.asText()));
      return List.copyOf(s);
    }
    String d = date.path("day").asText() + " " + date.path("month").asText() + " " + date.path("year").asText();
    return List.of(PyFloat.stripPy(d));
  }

  static EvalTask.ItemScore score(EvalItem item, String response) {
    List<List<String>> gold = new ArrayList<>();
    for (JsonNode a : item.groundTruth()) {
      List<String> spans = new ArrayList<>();
      a.forEach(x -> spans.add(x.asText()));
      gold.add(spans);
    }
    DropMetric.Score s = DropMetric.score(List.of(response), gold);
    ObjectNode d = JSON.createObjectNode();
    d.putObject("submetrics").put("f1", s.f1()).put("exact_match", s.exactMatch());
    return new EvalTask.ItemScore(s.f1(), response, d);
  }
}
