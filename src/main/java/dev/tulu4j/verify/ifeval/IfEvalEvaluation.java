package dev.tulu4j.verify.ifeval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A whole IFEval run over a response file (the reference's {@code evaluation_main.py}): responses
 * are matched to prompts by exact prompt text, every prompt is scored strictly and loosely, and
 * the results are written as {@code eval_results_strict.jsonl}, {@code eval_results_loose.jsonl}
 * and {@code summary.json}.
 */
public final class IfEvalEvaluation {
  private IfEvalEvaluation() {}

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Everything one run produced. */
  public record Result(
      List<IfEvalOutcome> strict,
      List<IfEvalOutcome> loose,
      IfEvalSummary summary,
      int missingResponses,
      int unmatchedResponses) {
    public Result {
      strict = List.copyOf(strict);
      loose = List.copyOf(loose);
    }
  }

  /**
   * Reads a response file: one JSON object per line with string fields {@code prompt} and
   * {@code response}. A later line with the same prompt replaces an earlier one (as the reference's
   * dict does). Errors name the file, line and field.
   */
  public static Map<String, String> readResponses(Path file) throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    IfEvalExample.forEachRow(file, (row, where) -> {
      for (String field : List.of("prompt", "response")) {
        if (!row.hasNonNull(field) || !row.get(field).isTextual()) {
          throw new IllegalArgumentException(where + ": field '" + field + "' must be a string");
        }
      }
      out.put(row.get("prompt").textValue(), row.get("response").textValue());
    });
    return out;
  }

  /**
   * Scores every input against its response.
   *
   * @param allowMissing score only the prompts that have a response instead of failing
   * @throws IllegalArgumentException if an input prompt has no response (naming the first key)
   *     and {@code allowMissing} is false
   */
  public static Result run(List<IfEvalExample> inputs, Map<String, String> responses, boolean allowMissing) {
    List<IfEvalOutcome> strict = new ArrayList<>();
    List<IfEvalOutcome> loose = new ArrayList<>();
    int missing = 0;
    IfEvalExample firstMissing = null;
    for (IfEvalExample ex : inputs) {
      String response = responses.get(ex.prompt());
      if (response == null) {
        missing++;
        if (firstMissing == null) {
          firstMissing = ex;
        }
        continue;
      }
      strict.add(IfEvalScorer.evaluate(ex, response, true));
      loose.add(IfEvalScorer.evaluate(ex, response, false));
    }
    if (missing > 0 && !allowMissing) {
      throw new IllegalArgumentException(
          missing + " of " + inputs.size() + " prompts have no response (first: key "
              + firstMissing.key() + ", prompt \"" + abbreviate(firstMissing.prompt())
              + "\"); pass --allow-missing to score the rest");
    }
    java.util.Set<String> known = new java.util.HashSet<>();
    inputs.forEach(ex -> known.add(ex.prompt()));
    int unmatched = (int) responses.keySet().stream().filter(p -> !known.contains(p)).count();
    return new Result(strict, loose, IfEvalSummary.of(strict, loose), missing, unmatched);
  }

  /** Writes the two per-prompt result files and {@code summary.json} into {@code dir}. */
  public static void write(Result result, Path dir) throws IOException {
    Files.createDirectories(dir);
    writeOutcomes(result.strict(), dir.resolve("eval_results_strict.jsonl"));
    writeOutcomes(result.loose(), dir.resolve("eval_results_loose.jsonl"));
    JSON.writer(SerializationFeature.INDENT_OUTPUT)
        .writeValue(dir.resolve("summary.json").toFile(), summaryJson(result.summary()));
  }

  /** The summary as written to {@code summary.json}. */
  public static ObjectNode summaryJson(IfEvalSummary s) {
    ObjectNode o = JSON.createObjectNode();
    o.put("prompt_level_strict_acc", s.promptLevelStrictAcc());
    o.put("inst_level_strict_acc", s.instLevelStrictAcc());
    o.put("prompt_level_loose_acc", s.promptLevelLooseAcc());
    o.put("inst_level_loose_acc", s.instLevelLooseAcc());
    o.put("num_prompts", s.numPrompts());
    o.put("num_instructions", s.numInstructions());
    ObjectNode by = o.putObject("by_instruction");
    s.byInstruction()
        .forEach(
            (id, p) -> {
              ObjectNode e = by.putObject(id);
              e.put("count", p.count());
              e.put("strict_acc", p.strictAcc());
              e.put("loose_acc", p.looseAcc());
            });
    return o;
  }

  private static void writeOutcomes(List<IfEvalOutcome> outcomes, Path file) throws IOException {
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      for (IfEvalOutcome o : outcomes) {
        ObjectNode row = JSON.createObjectNode();
        row.put("prompt", o.prompt());
        ArrayNode ids = row.putArray("instruction_id_list");
        o.instructionIds().forEach(ids::add);
        row.put("response", o.response());
        row.put("follow_all_instructions", o.followAllInstructions());
        ArrayNode fl = row.putArray("follow_instruction_list");
        o.followInstructionList().forEach(fl::add);
        w.write(JSON.writeValueAsString(row));
        w.write('\n');
      }
    }
  }

  private static String abbreviate(String s) {
    String one = s.replace('\n', ' ');
    return one.length() <= 60 ? one : one.substring(0, 57) + "...";
  }
}
