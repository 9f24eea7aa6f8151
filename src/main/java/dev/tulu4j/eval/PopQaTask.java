package dev.tulu4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tulu4j.data.Message;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * PopQA as OLMES {@code popqa::tulu} ({@code oe_eval/configs/tasks.py}) over
 * {@code oe_eval/tasks/oe_eval_tasks/popqa.py}.
 *
 * <ul>
 *   <li>Data: {@code akariasai/PopQA}, the {@code test} split ({@code test.tsv} as the repository ships
 *       it, or a Parquet/JSONL export); fields {@code id}, {@code question}, {@code obj} and
 *       {@code possible_answers} (a JSON list, stored as a string).
 *   <li>Exemplars: the first 15 of OLMES' hard-coded {@code FEWSHOT_SOURCES["popqa"]}
 *       ({@code oe_eval/tasks/fewshot_sources.py}, vendored as {@code /eval/olmes/popqa_fewshot.jsonl}),
 *       the same for every question, as chat turns ({@code fewshot_as_multiturn}): user
 *       {@code "Q: <question> A:"}, assistant {@code <obj>}; then the question as the last user turn.
 *   <li>Generation: greedy, 15 tokens, stop at a blank line.
 *   <li>Metric ({@code process_results}): correct when some possible answer {@code a} occurs in the
 *       response as {@code a}, {@code a.lower()} or {@code a.capitalize()} (the response itself is not
 *       lower-cased); the headline is the mean ("exact_match").
 * </ul>
 */
public final class PopQaTask {
  private static final ObjectMapper JSON = new ObjectMapper();
  public static final int SHOTS = 15;

  private PopQaTask() {}

  public static EvalTask load(String name, Path dir, int limit) {
    return new EvalTask(name, items(dir, limit), PopQaTask::score, 15, List.of("\n\n"), EvalTask.Aggregation.MEAN);
  }

  static List<EvalItem> items(Path dir, int limit) {
    List<Message> shots = new ArrayList<>();
    List<JsonNode> fewshot = resource("popqa_fewshot.jsonl");
    for (JsonNode ex : fewshot.subList(0, SHOTS)) {
      shots.add(Message.user("Q: " + ex.get("question").asText() + " A:"));
      shots.add(Message.assistant(PyFloat.stripPy(ex.get("obj").asText())));
    }
    List<EvalItem> items = new ArrayList<>();
    for (HfSplit.Row row : HfSplit.read(dir, "test", limit)) {
      String q = HfSplit.text(row, "question");
      JsonNode idNode = HfSplit.field(row, "id");
      ArrayNode aliases = aliases(row);
      List<Message> msgs = new ArrayList<>(shots);
      msgs.add(Message.user("Q: " + q + " A:"));
      items.add(new EvalItem("popqa-" + idNode.asText(), msgs, q, aliases, null));
    }
    return items;
  }

  /** {@code json.loads(doc["possible_answers"])}: a list of strings. */
  static ArrayNode aliases(HfSplit.Row row) {
    String raw = HfSplit.text(row, "possible_answers");
    try {
      JsonNode a = JSON.readTree(raw);
      if (a instanceof ArrayNode arr && !arr.isEmpty()) {
        for (JsonNode x : arr) if (!x.isTextual()) throw new IOException("not a list of strings");
        return arr;
      }
      throw new IOException("not a non-empty list");
    } catch (IOException e) {
      throw new IllegalArgumentException(row.where() + ": field 'possible_answers' must hold a JSON list of strings: " + e.getMessage());
    }
  }

  /** OLMES {@code PopQA.process_results} for one response. */
  public static boolean correct(String response, List<String> labels) {
    for (String label : labels) {
      if (response.contains(label) || response.contains(label.toLowerCase(Locale.ROOT)) || response.contains(capitalize(label))) {
        return true;
      }
    }
    return false;
  }

  /** Python's {@code str.capitalize()}: the first character in title case, the rest lower-cased. */
  static String capitalize(String s) {
    if (s.isEmpty()) return s;
    int first = s.codePointAt(0);
    int n = Character.charCount(first);
    return new String(Character.toChars(Character.toTitleCase(first))) + s.substring(n).toLowerCase(Locale.ROOT);
  }

  static EvalTask.ItemScore score(EvalItem item, String response) {
    List<String> labels = new ArrayList<>();
    item.groundTruth().forEach(x -> labels.add(x.asText()));
    boolean ok = correct(response, labels);
    ObjectNode d = JSON.createObjectNode();
    d.putObject("submetrics").put("exact_match", ok ? 1.0 : 0.0);
    return new EvalTask.ItemScore(ok ? 1 : 0, null, d);
  }

  /** The JSON lines of classpath resource {@code /eval/olmes/NAME} (OLMES' exemplars). */
  static List<JsonNode> resource(String name) {
    return BenchmarkPrompts.resource("olmes/" + name);
  }
}
