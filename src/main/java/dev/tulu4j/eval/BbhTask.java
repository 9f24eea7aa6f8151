package dev.tulu4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.tulu4j.data.Message;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * BIG-Bench Hard as OLMES {@code bbh:cot-v1::tulu}: the 27 tasks {@code bbh_<task>:cot-v1::tulu}
 * ({@code oe_eval/configs/tasks.py}), scored together ({@code "primary_metric": "micro"} in
 * {@code oe_eval/configs/task_suites.py}), over {@code GenericBBH} in
 * {@code oe_eval/tasks/oe_eval_tasks/bbh.py}.
 *
 * <ul>
 *   <li>Data: {@code lukaemon/bbh}, one configuration per task, split {@code test}, fields
 *       {@code input} and {@code target}; read from {@code bbh/<task>/}.
 *   <li>Prompt (chat, {@code fewshot_as_multiturn}): the task's 3 exemplars
 *       ({@code FEWSHOT_SOURCES["STD:bbh_<task>"]}) as user {@code "Q: <input>\nA: Let's think step by
 *       step."} (the first prefixed with the task description) and assistant {@code <CoT target>};
 *       then the question the same way.
 *   <li>Generation: greedy, 512 tokens, no stop string (the chat turn ends it).
 *   <li>Answer ({@code _extract_answer_regex}, {@code answer_extract_fn: answer_regex}): the task's
 *       answer pattern ({@link #ANSWER_REGEX}; "MC" is {@code \([A-Z]\)}) tried inside, in turn,
 *       {@code So the answer is (…)\.?}, {@code answer is (…)}, {@code answer:.*?(…)},
 *       {@code answer\b.*?(…)} (all case-insensitive), {@code (…)}, for MC tasks
 *       {@code "\b([A-Z])\b"} — which in OLMES' non-raw Python string is a pair of backspace
 *       characters and so never matches — and finally {@code (?i)(…)}; the last match of the first
 *       pattern that matches; wrapping {@code $…$}, {@code \(…\)}, {@code (…)}, {@code **…**},
 *       {@code \[…\]}, quotes and backticks stripped (unless the answer pattern itself matches the
 *       opening delimiter); a single MC letter gets its parentheses back.
 *   <li>Metric: exact match with the target, case ignored, punctuation ignored except for
 *       {@code dyck_languages}; the headline is the mean over all questions of all tasks.
 * </ul>
 */
public final class BbhTask {
  /** OLMES {@code BBH_ANSWER_REGEX}, in {@code BBH_TASKS} order. */
  public static final Map<String, String> ANSWER_REGEX = answerRegex();
  private static final int FLAGS = Pattern.UNICODE_CHARACTER_CLASS | Pattern.UNIX_LINES;
  private static final String[][] DELIMITERS = {{"$", "$"}, {"\\(", "\\)"}, {"(", ")"}, {"**", "**"}, {"***", "***"},
      {"\\[", "\\]"}, {"'", "'"}, {"`", "`"}, {"\"", "\""}};

  private BbhTask() {}

  private static Map<String, String> answerRegex() {
    Map<String, String> m = new LinkedHashMap<>();
    String[] rows = {
        "boolean_expressions", "[tT]rue|[fF]alse", "causal_judgement", "[yY]es|[nN]o", "date_understanding", "MC",
        "disambiguation_qa", "MC", "dyck_languages", "[\\]\\)\\}\\> ]+", "formal_fallacies", "[iI]nvalid|[vV]alid",
        "geometric_shapes", "MC", "hyperbaton", "MC", "logical_deduction_five_objects", "MC",
        "logical_deduction_seven_objects", "MC", "logical_deduction_three_objects", "MC", "movie_recommendation", "MC",
        "multistep_arithmetic_two", "-?\\d+", "navigate", "[nN]o|[yY]es", "object_counting", "\\d+",
        "penguins_in_a_table", "MC", "reasoning_about_colored_objects", "MC", "ruin_names", "MC",
        "salient_translation_error_detection", "MC", "snarks", "MC", "sports_understanding", "[yY]es|[nN]o",
        "temporal_sequences", "MC", "tracking_shuffled_objects_five_objects", "MC",
        "tracking_shuffled_objects_seven_objects", "MC", "tracking_shuffled_objects_three_objects", "MC",
        "web_of_lies", "[yY]es|[nN]o", "word_sorting", "[a-z ]+"};
    for (int i = 0; i < rows.length; i += 2) m.put(rows[i], rows[i + 1]);
    return java.util.Collections.unmodifiableMap(m);
  }

  public static List<String> tasks() {
    return List.copyOf(ANSWER_REGEX.keySet());
  }

  /** All 27 tasks from {@code dir/<task>/} (every one must be present). */
  public static EvalTask load(String name, Path dir, int limit) {
    List<String> missing = tasks().stream().filter(t -> !Files.isDirectory(dir.resolve(t))).toList();
    if (!missing.isEmpty())
      throw new IllegalArgumentException(dir + ": BBH needs a folder per task (lukaemon/bbh's configurations); missing: "
          + String.join(", ", missing));
    List<EvalItem> items = new ArrayList<>();
    for (String t : tasks()) items.addAll(items(t, dir.resolve(t), limit));
    return new EvalTask(name, items, BbhTask::score, 512, List.of(), EvalTask.Aggregation.MEAN);
  }

  /** One task ({@code bbh_<task>}) from its folder. */
  public static EvalTask loadOne(String name, String task, Path taskDir, int limit) {
    return new EvalTask(name, items(task, taskDir, limit), BbhTask::score, 512, List.of(), EvalTask.Aggregation.MEAN);
  }

  static List<EvalItem> items(String task, Path dir, int limit) {
    if (!ANSWER_REGEX.containsKey(task)) throw new IllegalArgumentException("unknown BBH task '" + task + "'");
    JsonNode spec = null;
    for (JsonNode row : PopQaTask.resource("bbh_fewshot.jsonl")) if (row.get("task").asText().equals(task)) spec = row;
    List<Message> shots = new ArrayList<>();
    String description = spec.get("description").asText();
    for (JsonNode ex : spec.get("exemplars")) {
      String user = query(ex.get("input").asText());
      shots.add(Message.user(shots.isEmpty() ? description + user : user));
      String solution = ex.get("target").asText().replaceFirst("^Let's think step by step.", "");
      shots.add(Message.assistant(PyFloat.stripPy(" " + solution)));
    }
    List<EvalItem> items = new ArrayList<>();
    int k = 0;
    for (HfSplit.Row row : HfSplit.read(dir, "test", limit)) {
      String input = HfSplit.text(row, "input");
      String target = HfSplit.text(row, "target");
      Matcher m = Pattern.compile("(?<=answer is )(.*)(?=.)", FLAGS).matcher(target);
      String answer = m.find() ? m.group() : target;
      List<Message> msgs = new ArrayList<>(shots);
      msgs.add(Message.user(query(input)));
      items.add(new EvalItem("bbh_" + task + "-" + (k++), msgs, input, TextNode.valueOf(answer), task));
    }
    return items;
  }

  static String query(String input) {
    return "Q: " + input + "\nA: Let's think step by step.";
  }

  /** OLMES {@code _extract_answer_regex} for {@code task}. */
  public static String extract(String task, String continuation) {
    String answerRegex = ANSWER_REGEX.getOrDefault(task, "MC");
    boolean mc = answerRegex.equals("MC");
    if (mc) answerRegex = "\\([A-Z]\\)";
    List<String> regexes = new ArrayList<>(List.of("(?i)So the answer is ($ANS$)\\.?", "(?i)answer is ($ANS$)",
        "(?i)answer:.*?($ANS$)", "(?i)answer\\b.*?($ANS$)", "($ANS$)"));
    if (mc) regexes.add("\b([A-Z])\b"); // backspaces, exactly as OLMES' non-raw "\b([A-Z])\b"
    regexes.add("(?i)($ANS$)");
    String extracted = "";
    for (String r : regexes) {
      Matcher m = Pattern.compile(r.replace("$ANS$", answerRegex), FLAGS).matcher(continuation);
      String last = null;
      while (m.find()) last = m.group(1);
      if (last != null) {
        extracted = last;
        break;
      }
    }
    Pattern ans = Pattern.compile(answerRegex, FLAGS);
    for (String[] d : DELIMITERS) {
      if (ans.matcher(d[0]).lookingAt()) continue; // don't strip valid answers (dyck_languages)
      extracted = PyFloat.stripPy(Pattern.compile("^" + Pattern.quote(d[0]) + "(.*)" + Pattern.quote(d[1]) + "$", FLAGS)
          .matcher(extracted).replaceAll("$1"));
    }
    if (mc && extracted.length() == 1) extracted = "(" + extracted + ")";
    return extracted;
  }

  static EvalTask.ItemScore score(EvalItem item, String response) {
    String task = item.subject();
    String extracted = extract(task, response);
    boolean ok = OlmesExactMatch.matches(extracted, item.groundTruth().asText(), !task.equals("dyck_languages"));
    ObjectNode d = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
    d.putObject("submetrics").put("exact_match", ok ? 1.0 : 0.0);
    return new EvalTask.ItemScore(ok ? 1 : 0, extracted, d);
  }
}
