package dev.tulu4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.tulu4j.data.Message;
import dev.tulu4j.verify.Gsm8kVerifier;
import dev.tulu4j.verify.MathVerifier;
import dev.tulu4j.verify.VerificationResult;
import dev.tulu4j.verify.ifeval.IfEvalExample;
import dev.tulu4j.verify.ifeval.IfEvalOutcome;
import dev.tulu4j.verify.ifeval.IfEvalScorer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The task registry of {@code tulu4j eval}: one explicit switch from name to loader.
 *
 * <ul>
 *   <li>{@code gsm8k}: 8-shot CoT, last-number match ({@link Gsm8kVerifier}).
 *   <li>{@code math}, {@code math500}: 4-shot Minerva, flex match ({@link MathVerifier}), macro average over subjects.
 *   <li>{@code ifeval}: zero-shot; headline prompt-level loose accuracy, all four reported.
 *   <li>{@code synth_gsm8k}, {@code synth_ifeval}, {@code synth_popqa}: the built-in world's test sets
 *       (zero-shot chat, as the tiny model is trained), read from {@code synthDir/test/}.
 * </ul>
 *
 * <p>Any of them with the suffix {@code @tTEMPxK} (e.g. {@code synth_gsm8k@t0.7x4}) is scored on K
 * responses per item sampled at temperature TEMP instead of one greedy response: the item's score is
 * the mean over its samples (avg@K), the accuracy a policy's samples have, which is what RLVR optimises.
 */
public final class Tasks {
  private static final ObjectMapper JSON = new ObjectMapper();
  public static final List<String> BENCHMARKS = List.of("gsm8k", "math", "math500", "ifeval");
  public static final List<String> SYNTHETIC = List.of("synth_gsm8k", "synth_ifeval", "synth_popqa");

  private static final java.util.regex.Pattern SAMPLED = java.util.regex.Pattern.compile("@t([0-9]+(?:\\.[0-9]+)?)x([0-9]{1,4})");

  private Tasks() {}

  /**
   * @param dataDir the install's {@code data/} folder (benchmarks)
   * @param synthDir a {@code tulu4j data synth} output folder, or null
   * @param limit at most this many items per task (≤ 0: all)
   */
  public static EvalTask load(String name, Path dataDir, Path synthDir, int limit) {
    return load(name, dataDir, synthDir, limit, java.util.Map.of());
  }

  /**
   * As {@link #load(String, Path, Path, int)}, with per-task dataset folders for the Tülu 3 suite
   * ({@link Tulu3Tasks}: {@code drop}, ...) that override {@code dataDir/<task>}.
   */
  public static EvalTask load(String name, Path dataDir, Path synthDir, int limit, java.util.Map<String, Path> taskData) {
    String n = name.toLowerCase(Locale.ROOT).trim();
    int at = n.indexOf('@');
    if (at >= 0) {
      var m = SAMPLED.matcher(n.substring(at));
      if (!m.matches())
        throw new IllegalArgumentException("eval task '" + name + "': the sampling suffix must look like @t0.7x4 "
            + "(temperature 0.7, 4 samples per item)");
      double temperature = Double.parseDouble(m.group(1));
      int samples = Integer.parseInt(m.group(2));
      if (!(temperature > 0) || samples < 1)
        throw new IllegalArgumentException("eval task '" + name + "': sampling needs a temperature > 0 and at least 1 sample");
      return load(n.substring(0, at), dataDir, synthDir, limit, taskData).withSampling(n, new EvalTask.Sampling(temperature, samples, 0));
    }
    return switch (n) {
      case "gsm8k" -> new EvalTask(n, BenchmarkPrompts.gsm8k(need(dataDir, "gsm8k/test.jsonl"), limit),
          Tasks::gsm8kScore, 512, List.of("Question:", "</s>"), EvalTask.Aggregation.MEAN);
      case "math" -> mathTask(n, need(dataDir, "math/test.jsonl"), limit);
      case "math500" -> mathTask(n, need(dataDir, "math500/test.jsonl"), limit);
      case "ifeval" -> new EvalTask(n, BenchmarkPrompts.ifeval(need(dataDir, "ifeval/input_data.jsonl"), limit),
          Tasks::ifevalScore, 1024, List.of(), EvalTask.Aggregation.MEAN);
      case "synth_gsm8k" -> new EvalTask(n, zeroShot(BenchmarkPrompts.gsm8k(needSynth(synthDir, "gsm8k.jsonl"), limit)),
          Tasks::gsm8kScore, 96, List.of(), EvalTask.Aggregation.MEAN);
      case "synth_ifeval" -> new EvalTask(n, BenchmarkPrompts.ifeval(needSynth(synthDir, "ifeval.jsonl"), limit),
          Tasks::ifevalScore, 96, List.of(), EvalTask.Aggregation.MEAN);
      case "synth_popqa" -> new EvalTask(n, popqa(needSynth(synthDir, "popqa.jsonl"), limit),
          Tasks::popqaScore, 32, List.of(), EvalTask.Aggregation.MEAN);
      default -> {
        EvalTask t = Tulu3Tasks.load(n, dataDir, taskData, limit);
        if (t == null) throw new IllegalArgumentException("unknown eval task '" + name + "' (known: "
            + String.join(", ", BENCHMARKS) + ", " + String.join(", ", Tulu3Tasks.names()) + ", "
            + String.join(", ", SYNTHETIC) + ")");
        yield t;
      }
    };
  }

  private static EvalTask mathTask(String name, Path file, int limit) {
    return new EvalTask(name, BenchmarkPrompts.math(file, limit), Tasks::mathScore, 1024,
        List.of("Problem:"), EvalTask.Aggregation.MACRO_SUBJECT);
  }

  private static Path need(Path dir, String rel) {
    if (dir == null) throw new IllegalArgumentException("no data/ folder found for the benchmark sets (pass --data-dir)");
    Path p = dir.resolve(rel);
    if (!Files.isRegularFile(p)) throw new IllegalArgumentException("benchmark file missing: " + p);
    return p;
  }

  private static Path needSynth(Path dir, String file) {
    if (dir == null) throw new IllegalArgumentException("synthetic tasks need --synth-dir (a 'tulu4j data synth' output folder)");
    Path p = dir.resolve("test").resolve(file);
    if (!Files.isRegularFile(p)) throw new IllegalArgumentException("synthetic test set missing: " + p);
    return p;
  }

  /** Drops the few-shot turns: the built-in model is asked the question alone, as in its SFT data. */
  private static List<EvalItem> zeroShot(List<EvalItem> items) {
    List<EvalItem> out = new ArrayList<>();
    for (EvalItem it : items) {
      out.add(new EvalItem(it.id(), List.of(Message.user(it.prompt())), it.prompt(), it.groundTruth(), it.subject()));
    }
    return out;
  }

  private static List<EvalItem> popqa(Path file, int limit) {
    List<EvalItem> out = new ArrayList<>();
    int line = 0;
    for (JsonNode row : BenchmarkPrompts.readJsonl(file, limit)) {
      line++;
      JsonNode q = row.get("question");
      JsonNode answers = row.get("possible_answers");
      if (q == null || !q.isTextual() || answers == null || !answers.isArray() || answers.isEmpty())
        throw new IllegalArgumentException(file + ":" + line + ": needs 'question' (string) and 'possible_answers' (a non-empty list)");
      out.add(new EvalItem("popqa-" + row.path("id").asText(String.valueOf(line)), List.of(Message.user(q.asText())),
          q.asText(), answers, null));
    }
    return out;
  }

  private static final Gsm8kVerifier GSM8K = new Gsm8kVerifier();
  private static final MathVerifier MATH = new MathVerifier(MathVerifier.Mode.FLEX);

  static EvalTask.ItemScore gsm8kScore(EvalItem item, String response) {
    VerificationResult r = GSM8K.verify(response, item.groundTruth(), item.prompt());
    return new EvalTask.ItemScore(r.score(), r.extracted(), r.details());
  }

  static EvalTask.ItemScore mathScore(EvalItem item, String response) {
    VerificationResult r = MATH.verify(response, item.groundTruth(), item.prompt());
    return new EvalTask.ItemScore(r.score(), r.extracted(), r.details());
  }

  /** Prompt-level loose is the score (Tülu 3's headline); strict and instruction-level go in details. */
  static EvalTask.ItemScore ifevalScore(EvalItem item, String response) {
    ObjectNode row = JSON.createObjectNode().put("key", 0).put("prompt", item.prompt());
    row.setAll((ObjectNode) item.groundTruth());
    IfEvalExample ex = IfEvalExample.fromJson(row, item.id());
    IfEvalOutcome strict = IfEvalScorer.evaluate(ex, response, true);
    IfEvalOutcome loose = IfEvalScorer.evaluate(ex, response, false);
    ObjectNode d = JSON.createObjectNode();
    d.put("prompt_strict", strict.followAllInstructions());
    d.put("prompt_loose", loose.followAllInstructions());
    d.put("inst_total", strict.followInstructionList().size());
    d.put("inst_strict", strict.followInstructionList().stream().filter(b -> b).count());
    d.put("inst_loose", loose.followInstructionList().stream().filter(b -> b).count());
    return new EvalTask.ItemScore(loose.followAllInstructions() ? 1 : 0, null, d);
  }

  /** PopQA: correct when any possible answer occurs in the response (case-insensitive), as in Mallen et al. 2023. */
  static EvalTask.ItemScore popqaScore(EvalItem item, String response) {
    String r = response == null ? "" : response.toLowerCase(Locale.ROOT);
    for (JsonNode a : item.groundTruth()) {
      if (!a.asText().isEmpty() && r.contains(a.asText().toLowerCase(Locale.ROOT))) {
        return new EvalTask.ItemScore(1, a.asText(), TextNode.valueOf("match"));
      }
    }
    return new EvalTask.ItemScore(0, null, TextNode.valueOf("no match"));
  }
}
