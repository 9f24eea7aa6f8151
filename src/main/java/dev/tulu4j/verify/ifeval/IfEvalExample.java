package dev.tulu4j.verify.ifeval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One IFEval prompt with its bound instructions (a line of {@code input_data.jsonl}:
 * {@code key}, {@code prompt}, {@code instruction_id_list}, {@code kwargs}).
 */
public record IfEvalExample(long key, String prompt, List<String> instructionIds, List<Instruction> instructions) {
  public IfEvalExample {
    if (prompt == null) {
      throw new IllegalArgumentException("prompt must not be null");
    }
    instructionIds = List.copyOf(instructionIds);
    instructions = List.copyOf(instructions);
    if (instructionIds.size() != instructions.size()) {
      throw new IllegalArgumentException("one instruction per id is required");
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Builds an example from the IFEval JSON form ({@code instruction_id_list} and a parallel
   * {@code kwargs} list; {@code key} and {@code prompt} optional).
   */
  public static IfEvalExample fromJson(JsonNode row, String where) {
    if (row == null || !row.isObject()) {
      throw new IllegalArgumentException(where + ": expected a JSON object");
    }
    JsonNode ids = row.get("instruction_id_list");
    if (ids == null || !ids.isArray()) {
      throw new IllegalArgumentException(where + ": field 'instruction_id_list' must be a list");
    }
    JsonNode kwargs = row.get("kwargs");
    if (kwargs != null && !kwargs.isNull() && !kwargs.isArray()) {
      throw new IllegalArgumentException(where + ": field 'kwargs' must be a list");
    }
    if (kwargs != null && kwargs.isArray() && kwargs.size() != ids.size()) {
      throw new IllegalArgumentException(
          where + ": 'kwargs' has " + kwargs.size() + " entries for " + ids.size() + " instructions");
    }
    List<String> idList = new ArrayList<>();
    List<Instruction> built = new ArrayList<>();
    for (int i = 0; i < ids.size(); i++) {
      JsonNode id = ids.get(i);
      if (!id.isTextual()) {
        throw new IllegalArgumentException(where + ": instruction_id_list[" + i + "] must be a string");
      }
      JsonNode kw = kwargs == null || kwargs.isNull() ? null : kwargs.get(i);
      idList.add(id.textValue());
      built.add(InstructionRegistry.build(id.textValue(), kw, where));
    }
    JsonNode prompt = row.get("prompt");
    JsonNode key = row.get("key");
    return new IfEvalExample(
        key != null && key.canConvertToLong() ? key.longValue() : -1,
        prompt != null && prompt.isTextual() ? prompt.textValue() : "",
        idList,
        built);
  }

  /** Reads an IFEval {@code input_data.jsonl}; errors name the file and line. */
  public static List<IfEvalExample> readJsonl(Path file) throws IOException {
    List<IfEvalExample> out = new ArrayList<>();
    forEachRow(file, (row, where) -> {
      if (!row.hasNonNull("prompt") || !row.get("prompt").isTextual()) {
        throw new IllegalArgumentException(where + ": field 'prompt' must be a string");
      }
      out.add(fromJson(row, where));
    });
    return out;
  }

  /** What {@link #forEachRow} hands over: a JSON object and its "FILE line N" location. */
  interface RowConsumer {
    void accept(JsonNode row, String where);
  }

  /**
   * Calls {@code consumer} for each non-blank line of a JSON-lines file, parsed as a JSON object;
   * a line that is not valid JSON or not an object is an error naming the file and line.
   */
  static void forEachRow(Path file, RowConsumer consumer) throws IOException {
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      int n = 0;
      while ((line = r.readLine()) != null) {
        n++;
        if (line.isBlank()) {
          continue;
        }
        String where = file + " line " + n;
        JsonNode row;
        try {
          row = JSON.readTree(line);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
          throw new IllegalArgumentException(where + ": not valid JSON: " + e.getOriginalMessage());
        }
        if (row == null || !row.isObject()) {
          throw new IllegalArgumentException(where + ": expected a JSON object");
        }
        consumer.accept(row, where);
      }
    }
  }
}
