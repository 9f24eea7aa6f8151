package dev.tulu4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.tulu4j.data.Message;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Loads the benchmark sets shipped in the repo's {@code data/} folder and turns each question into
 * the chat prompt Tülu 3's evaluation uses:
 *
 * <ul>
 *   <li>GSM8K: 8-shot chain of thought (Wei et al. 2022 exemplars), few-shot turns as chat turns,
 *       each user turn {@code "Question: …"} and each assistant turn ending {@code "So the answer is N."}.
 *   <li>MATH / MATH-500: 4-shot Minerva prompt, user {@code "Problem:\n…"}, assistant
 *       {@code "Solution:\n…"} ending in {@code "Final Answer: The final answer is X. I hope it is correct."};
 *       the subject is kept for the macro average.
 *   <li>IFEval: the prompt alone, zero-shot; the ground truth is the instruction list and kwargs.
 * </ul>
 */
public final class BenchmarkPrompts {
  private static final ObjectMapper JSON = new ObjectMapper();

  private BenchmarkPrompts() {}

  public static List<EvalItem> gsm8k(Path file, int limit) {
    List<Message> shots = new ArrayList<>();
    for (JsonNode ex : resource("gsm8k_8shot.jsonl")) {
      shots.add(Message.user("Question: " + ex.get("question").asText()));
      shots.add(Message.assistant(ex.get("cot").asText() + " So the answer is " + ex.get("answer").asText() + "."));
    }
    List<EvalItem> items = new ArrayList<>();
    int line = 0;
    for (JsonNode row : readJsonl(file, limit)) {
      line++;
      String q = required(row, "question", file, line);
      String answer = required(row, "answer", file, line);
      List<Message> msgs = new ArrayList<>(shots);
      msgs.add(Message.user("Question: " + q));
      items.add(new EvalItem("gsm8k-" + line, msgs, q, TextNode.valueOf(answer), null));
    }
    return items;
  }

  /** MATH (data/math/test.jsonl, gold = last \boxed{} of the solution) or MATH-500 (gold = answer). */
  public static List<EvalItem> math(Path file, int limit) {
    List<Message> shots = new ArrayList<>();
    for (JsonNode ex : resource("minerva_math_4shot.jsonl")) {
      shots.add(Message.user("Problem:\n" + ex.get("problem").asText()));
      shots.add(Message.assistant("Solution:\n" + ex.get("solution").asText()));
    }
    List<EvalItem> items = new ArrayList<>();
    int line = 0;
    for (JsonNode row : readJsonl(file, limit)) {
      line++;
      String problem = required(row, "problem", file, line);
      String gold;
      if (row.hasNonNull("answer")) {
        gold = row.get("answer").asText();
      } else {
        String solution = required(row, "solution", file, line);
        gold = lastBoxed(solution);
        if (gold == null) throw new IllegalArgumentException(file + ":" + line + ": field 'solution' has no \\boxed{} answer");
      }
      String subject = row.hasNonNull("subject") ? row.get("subject").asText()
          : row.hasNonNull("type") ? row.get("type").asText() : null;
      String id = row.hasNonNull("unique_id") ? row.get("unique_id").asText() : "math-" + line;
      List<Message> msgs = new ArrayList<>(shots);
      msgs.add(Message.user("Problem:\n" + problem));
      items.add(new EvalItem(id, msgs, problem, TextNode.valueOf(gold), subject));
    }
    return items;
  }

  public static List<EvalItem> ifeval(Path file, int limit) {
    List<EvalItem> items = new ArrayList<>();
    int line = 0;
    for (JsonNode row : readJsonl(file, limit)) {
      line++;
      String prompt = required(row, "prompt", file, line);
      if (!row.has("instruction_id_list") || !row.has("kwargs"))
        throw new IllegalArgumentException(file + ":" + line + ": needs fields 'instruction_id_list' and 'kwargs'");
      var gt = JSON.createObjectNode();
      gt.set("instruction_id_list", row.get("instruction_id_list"));
      gt.set("kwargs", row.get("kwargs"));
      String id = row.has("key") ? "ifeval-" + row.get("key").asText() : "ifeval-" + line;
      items.add(new EvalItem(id, List.of(Message.user(prompt)), prompt, gt, null));
    }
    return items;
  }

  /** The content of the last {@code \boxed{…}} (brace-matched), or null. */
  static String lastBoxed(String s) {
    int i = s.lastIndexOf("\\boxed{");
    if (i < 0) return null;
    int start = i + "\\boxed{".length();
    int depth = 1;
    for (int j = start; j < s.length(); j++) {
      char c = s.charAt(j);
      if (c == '{') depth++;
      else if (c == '}' && --depth == 0) return s.substring(start, j);
    }
    return null;
  }

  private static String required(JsonNode row, String field, Path file, int line) {
    JsonNode v = row.get(field);
    if (v == null || !v.isTextual())
      throw new IllegalArgumentException(file + ":" + line + ": field '" + field + "' is missing or not a string");
    return v.asText();
  }

  /** Reads up to {@code limit} JSON lines (limit ≤ 0: all), naming file and line on bad JSON. */
  public static List<JsonNode> readJsonl(Path file, int limit) {
    List<JsonNode> rows = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String s;
      int line = 0;
      while ((s = r.readLine()) != null && (limit <= 0 || rows.size() < limit)) {
        line++;
        if (s.isBlank()) continue;
        try {
          rows.add(JSON.readTree(s));
        } catch (IOException e) {
          throw new IllegalArgumentException(file + ":" + line + ": not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    return rows;
  }

  /** The JSON lines of classpath resource {@code /eval/NAME} (few-shot exemplars shipped in the jar). */
  static List<JsonNode> resource(String name) {
    try (InputStream in = BenchmarkPrompts.class.getResourceAsStream("/eval/" + name)) {
      if (in == null) throw new IllegalStateException("missing resource /eval/" + name);
      List<JsonNode> rows = new ArrayList<>();
      for (String s : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (!s.isBlank()) rows.add(JSON.readTree(s));
      }
      return rows;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
