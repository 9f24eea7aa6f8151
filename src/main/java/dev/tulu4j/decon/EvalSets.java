package dev.tulu4j.decon;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tulu4j.data.Conversations;
import dev.tulu4j.data.DataFormatException;
import dev.tulu4j.data.JsonlReader;
import dev.tulu4j.data.Message;
import dev.tulu4j.data.OnError;
import dev.tulu4j.data.RejectSink;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Loads eval sets by name from the repository's own {@code data/} folder (no downloads), or any
 * JSONL file. The built-in sets and the field holding their prompt follow the Tülu 3 eval suite in
 * open-instruct's {@code decontamination/search.py}: gsm8k {@code question}, MATH {@code problem},
 * IFEval {@code prompt}.
 */
public final class EvalSets {
  /** Built-in name → (path under data/, prompt field). */
  public static final Map<String, String[]> BUILT_IN = Map.of(
      "gsm8k", new String[] {"gsm8k/test.jsonl", "question"},
      "math", new String[] {"math/test.jsonl", "problem"},
      "math500", new String[] {"math500/test.jsonl", "problem"},
      "ifeval", new String[] {"ifeval/input_data.jsonl", "prompt"});

  /** Fields tried, in order, when a custom eval file's field is not given. */
  public static final List<String> AUTO_FIELDS = List.of("messages", "prompt", "question", "problem");

  private EvalSets() {}

  /**
   * Resolves a comma-list entry: a built-in name, or a path to a JSONL file.
   *
   * @param field prompt field for custom files, or null to auto-detect
   */
  public static EvalSet load(String nameOrPath, Path dataDir, String field) {
    return load(nameOrPath, dataDir, Map.of(), field);
  }

  /**
   * As {@link #load(String, Path, String)}, and the Tülu 3 suite's sets ({@link SuiteEvalSets}: mmlu, popqa,
   * truthfulqa, bbh, bbh_&lt;task&gt;, drop, humaneval, humanevalplus, alpaca_eval) from {@code taskData.get(name)}
   * or {@code dataDir/<name>}, the folders {@code tulu4j eval} reads.
   */
  public static EvalSet load(String nameOrPath, Path dataDir, Map<String, Path> taskData, String field) {
    if (!BUILT_IN.containsKey(nameOrPath) && SuiteEvalSets.isSuite(nameOrPath) && !Files.isRegularFile(Path.of(nameOrPath)))
      return SuiteEvalSets.load(nameOrPath, dataDir, taskData);
    String[] builtIn = BUILT_IN.get(nameOrPath);
    if (builtIn != null) {
      if (dataDir == null) {
        throw new IllegalArgumentException("cannot find the data/ folder for eval '" + nameOrPath
            + "': pass --data-dir (the folder holding gsm8k/test.jsonl)");
      }
      Path file = dataDir.resolve(builtIn[0]);
      if (!Files.isRegularFile(file)) {
        throw new IllegalArgumentException("eval '" + nameOrPath + "' expects " + file + ", which does not exist");
      }
      return loadFile(nameOrPath, file, builtIn[1]);
    }
    Path file = Path.of(nameOrPath);
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("unknown eval '" + nameOrPath + "': not one of "
          + BUILT_IN.keySet().stream().sorted().toList() + ", the suite sets " + dev.tulu4j.eval.Tulu3Tasks.names()
          + " and no such file");
    }
    String base = file.getFileName().toString().replaceFirst("\\.(jsonl|parquet)$", "");
    return loadFile(base, file, field);
  }

  /** Reads one prompt per line from {@code field} (or the first of {@link #AUTO_FIELDS} present). */
  public static EvalSet loadFile(String name, Path file, String field) {
    List<EvalSet.Instance> out = new ArrayList<>();
    try (JsonlReader<JsonNode> r = JsonlReader.openObjects(file, OnError.FAIL, RejectSink.NONE)) {
      while (r.hasNext()) {
        JsonNode o = r.next();
        long line = r.lineNumber();
        String f = field;
        if (f == null) {
          f = AUTO_FIELDS.stream().filter(o::has).findFirst().orElseThrow(() -> new DataFormatException(
              file, line, "", "no prompt field found (tried " + AUTO_FIELDS + "); pass --eval-field"));
        }
        JsonNode v = o.get(f);
        String text;
        if (v == null || v.isNull()) {
          throw new DataFormatException(file, line, f, "missing");
        } else if (v.isTextual()) {
          text = v.asText();
        } else if (v.isArray()) {
          List<Message> msgs = new ArrayList<>();
          for (JsonNode m : v) {
            msgs.add(new Message(m.path("role").asText(), m.path("content").asText()));
          }
          text = Conversations.userText(msgs);
        } else {
          throw new DataFormatException(file, line, f, "must be a string or a messages array");
        }
        out.add(new EvalSet.Instance(idOf(o, name, line), text));
      }
    }
    return new EvalSet(name, out);
  }

  private static String idOf(JsonNode o, String name, long line) {
    for (String k : List.of("id", "key", "unique_id")) {
      JsonNode v = o.get(k);
      if (v != null && (v.isTextual() || v.isNumber())) {
        return v.asText();
      }
    }
    return name + ":" + line;
  }

  /**
   * Finds the repository's {@code data/} folder: the parent chain of the running jar or classes
   * folder (the launcher runs {@code target/tulu4j-*.jar}), then the working directory. Null if
   * none holds {@code gsm8k/test.jsonl}.
   */
  public static Path findDataDir() {
    List<Path> starts = new ArrayList<>();
    try {
      var src = EvalSets.class.getProtectionDomain().getCodeSource();
      if (src != null) {
        starts.add(Path.of(src.getLocation().toURI()).toAbsolutePath());
      }
    } catch (URISyntaxException | SecurityException | IllegalArgumentException ignored) {
      // fall back to the working directory
    }
    starts.add(Path.of("").toAbsolutePath());
    for (Path p : starts) {
      for (Path d = p; d != null; d = d.getParent()) {
        if (Files.isRegularFile(d.resolve("data/gsm8k/test.jsonl"))) {
          return d.resolve("data");
        }
      }
    }
    return null;
  }
}
