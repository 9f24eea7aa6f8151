package dev.tulu4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.tulu4j.data.Message;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * MMLU, 0-shot chain of thought with the "summarize" instruction, as OLMES {@code mmlu:cot::summarize}
 * ({@code oe_eval/configs/tasks.py}: one {@code mmlu_<subject>:cot::summarize} task per subject, the
 * suite averaged as {@code "primary_metric": "macro"} in {@code oe_eval/configs/task_suites.py}) over
 * {@code GenericMMLU_OneTurnCoT} in {@code oe_eval/tasks/oe_eval_tasks/mmlu.py}.
 *
 * <ul>
 *   <li>Data: {@code cais/mmlu}, the {@code test} split of its {@code all} configuration
 *       ({@code mmlu/all/test-00000-of-00001.parquet}), fields {@code question}, {@code subject},
 *       {@code choices} (4 strings) and {@code answer} (0-3).
 *   <li>Prompt (one user turn): {@code "The following are multiple choice questions about <subject with
 *       spaces>. Summarize your reasoning concisely, then conclude with 'Therefore, the answer is: X'
 *       where X is one of A, B, C, or D.\n\n"} then {@code make_mcq_prompt(question, choices,
 *       answer_prefix="")}: {@code "Question: q\n A. c0\n B. c1\n C. c2\n D. c3\n"}.
 *   <li>Generation: greedy, 512 tokens, stop at {@code "Question:"}.
 *   <li>Answer ({@code _extract_answer} with no answer regexes configured): the first match of, in
 *       turn, {@code therefore, the answer is X}, {@code answer is X} (both case-insensitive, so a
 *       lower-case letter counts, upper-cased), {@code X) is correct}, {@code (X)}, and finally the last
 *       stand-alone A-D on the first line that has one; parentheses removed.
 *   <li>Metric: exact match with the gold letter (case and punctuation ignored), macro average over subjects.
 * </ul>
 */
public final class MmluCotTask {
  private static final String[] LABELS = {"A", "B", "C", "D", "E"};
  private static final int FLAGS = Pattern.UNICODE_CHARACTER_CLASS | Pattern.UNIX_LINES;
  private static final List<Pattern> BACKUP = List.of(
      Pattern.compile("(?i)therefore,?\\s*the\\s*answer\\s*is:?\\s*\\(?([A-D])\\b", FLAGS),
      Pattern.compile("(?i)answer\\s*is:?\\s*\\(?([A-D])\\b", FLAGS),
      Pattern.compile("(?i)([A-D])\\)?\\s+is\\s+correct", FLAGS),
      Pattern.compile("\\(([A-D])\\)", FLAGS),
      Pattern.compile(".*\\b([A-D])\\b", FLAGS));

  private MmluCotTask() {}

  public static EvalTask load(String name, Path dir, int limit) {
    return new EvalTask(name, items(dir, limit), MmluCotTask::score, 512, List.of("Question:"),
        EvalTask.Aggregation.MACRO_SUBJECT);
  }

  /** The description OLMES puts before each question of {@code subject}. */
  static String description(String subject) {
    return "The following are multiple choice questions about " + subject.replace('_', ' ')
        + ". Summarize your reasoning concisely, then conclude with 'Therefore, the answer is: X' where X is one of A, B, C, or D.\n\n";
  }

  static List<EvalItem> items(Path dir, int limit) {
    Path split = Files.isDirectory(dir.resolve("all")) ? dir.resolve("all") : dir;
    List<EvalItem> items = new ArrayList<>();
    int k = 0;
    for (HfSplit.Row row : HfSplit.read(split, "test", limit)) {
      String q = HfSplit.text(row, "question");
      String subject = HfSplit.text(row, "subject");
      JsonNode choices = HfSplit.field(row, "choices");
      JsonNode answer = HfSplit.field(row, "answer");
      if (!choices.isArray() || choices.size() < 2 || choices.size() > LABELS.length)
        throw new IllegalArgumentException(row.where() + ": field 'choices' must be a list of 2 to 5 strings");
      if (!answer.isIntegralNumber() || answer.asInt() < 0 || answer.asInt() >= choices.size())
        throw new IllegalArgumentException(row.where() + ": field 'answer' must be the index of one of the choices");
      StringBuilder prompt = new StringBuilder("Question: ").append(q).append('\n');
      for (int i = 0; i < choices.size(); i++) {
        prompt.append(' ').append(LABELS[i]).append(". ").append(choices.get(i).asText()).append('\n');
      }
      String user = description(subject) + prompt;
      items.add(new EvalItem("mmlu-" + subject + "-" + (k++), List.of(Message.user(user)), prompt.toString(),
          TextNode.valueOf(LABELS[answer.asInt()]), subject));
    }
    return items;
  }

  /** OLMES' {@code _extract_answer} for the summarize configuration: the letter, or "" if none is found. */
  public static String extract(String continuation) {
    for (Pattern p : BACKUP) {
      Matcher m = p.matcher(continuation);
      if (m.find()) return m.group(1).toUpperCase(java.util.Locale.ROOT).replaceAll("[()]", "");
    }
    return "";
  }

  static EvalTask.ItemScore score(EvalItem item, String response) {
    String extracted = extract(response);
    boolean ok = OlmesExactMatch.matches(extracted, item.groundTruth().asText(), true);
    ObjectNode d = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
    d.putObject("submetrics").put("exact_match", ok ? 1.0 : 0.0);
    return new EvalTask.ItemScore(ok ? 1 : 0, extracted, d);
  }
}
