package dev.tulu4j.eval;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The generative tasks of Tülu 3's development suite beyond GSM8K, MATH and IFEval, each as OLMES
 * defines it for Tülu 3 (the {@code tulu_3_dev} suite of {@code oe_eval/configs/task_suites.py}), each
 * reading the public dataset's own files from a folder: {@code <data-dir>/<task>/} unless the user
 * names the folder ({@code --task-data TASK=DIR}). Nothing is downloaded.
 *
 * <p>TruthfulQA (log-likelihood) and HumanEval (code execution) are not plain generative tasks and
 * are run by {@code eval} through their own classes; they are listed here so {@code --tasks} knows them.
 */
public final class Tulu3Tasks {
  /** Task name → what it is, in the order {@code eval --help} lists them. */
  public static final Map<String, String> DESCRIPTIONS = descriptions();

  private Tulu3Tasks() {}

  private static Map<String, String> descriptions() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("drop", "DROP, 3-shot, F1 (OLMES drop::llama3); EleutherAI/drop train + validation");
    m.put("mmlu", "MMLU, 0-shot CoT 'summarize', exact match, macro over subjects (OLMES mmlu:cot::summarize); "
        + "cais/mmlu all/test");
    m.put("popqa", "PopQA, 15-shot as chat turns, answer-in-response match (OLMES popqa::tulu); akariasai/PopQA test");
    m.put("bbh", "BBH, 27 tasks, 3-shot CoT as chat turns, per-task answer regex, exact match, 512 tokens, micro average "
        + "(OLMES bbh:cot-v1::tulu); lukaemon/bbh <task>/test; bbh_<task> runs one task");
    m.put("truthfulqa", "TruthfulQA, 6-shot, MC2 by log-likelihood (OLMES truthfulqa::tulu); "
        + "truthfulqa/truthful_qa multiple_choice/validation");
    m.put("humaneval", "HumanEval, pass@10 of 20 samples at T 0.8, top-p 0.95, needs --allow-code-execution "
        + "(OLMES codex_humaneval::tulu); openai/openai_humaneval openai_humaneval/test");
    m.put("humanevalplus", "HumanEval+, as humaneval with its extra tests, 20 s per program "
        + "(OLMES codex_humanevalplus::tulu); evalplus/humanevalplus test");
    m.put("alpaca_eval", "AlpacaEval 2, length-controlled win rate against gpt4_turbo's outputs, judged on "
        + "--judge-endpoint with weighted_alpaca_eval_gpt4_turbo's prompt and m/M log-probs (OLMES alpaca_eval_v2::tulu); "
        + "tatsu-lab/alpaca_eval alpaca_eval_gpt4_baseline.json + df_gamed.csv");
    return java.util.Collections.unmodifiableMap(m);
  }

  public static List<String> names() {
    return List.copyOf(DESCRIPTIONS.keySet());
  }

  /** The folder a task reads: the user's {@code --task-data} entry, else {@code dataDir/<task>}. */
  public static Path dir(String task, Path dataDir, Map<String, Path> taskData) {
    Path p = taskData == null ? null : taskData.get(task);
    if (p != null) return p;
    if (dataDir == null) throw new IllegalArgumentException("task '" + task + "' needs --data-dir or --task-data " + task + "=DIR");
    return dataDir.resolve(task);
  }

  /** Loads a generative task of the suite, or returns null when {@code name} is not one. */
  public static EvalTask load(String name, Path dataDir, Map<String, Path> taskData, int limit) {
    return switch (name) {
      case "drop" -> DropTask.load(name, dir(name, dataDir, taskData), limit);
      case "mmlu" -> MmluCotTask.load(name, dir(name, dataDir, taskData), limit);
      case "popqa" -> PopQaTask.load(name, dir(name, dataDir, taskData), limit);
      case "bbh" -> BbhTask.load(name, dir(name, dataDir, taskData), limit);
      default -> name.startsWith("bbh_") && BbhTask.ANSWER_REGEX.containsKey(name.substring(4))
          ? BbhTask.loadOne(name, name.substring(4), dir("bbh", dataDir, taskData).resolve(name.substring(4)), limit)
          : null;
    };
  }
}
