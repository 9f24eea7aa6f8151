package dev.tulu4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tulu4j.client.OpenAiClient;
import dev.tulu4j.data.Message;
import dev.tulu4j.io.FileOps;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AlpacaEval 2 ({@code alpaca_eval_v2::tulu}, OLMES {@code oe_eval/tasks/oe_eval_tasks/alpaca_eval.py} with
 * {@code alpaca_eval_version: 2}): the model answers each instruction in one greedy chat turn (at most
 * 8192 new tokens, the task's {@code max_gen_toks}), {@link AlpacaEvalJudge} compares each answer with the
 * reference output (gpt4_turbo's, the {@code alpaca_eval_gpt4_baseline} configuration of
 * {@code tatsu-lab/alpaca_eval}), and {@link LengthControlledWinRate} turns the preferences into the
 * length-controlled win rate, OLMES' primary metric.
 *
 * <p>Data, from the task folder: {@code alpaca_eval_gpt4_baseline.json} (else {@code alpaca_eval.json}; a
 * JSON list, or {@code .jsonl}/{@code .parquet}) with {@code instruction}, {@code output},
 * {@code generator}, {@code dataset}; and {@code df_gamed.csv} from the same dataset repository (the
 * gamed-baseline annotations and instruction difficulties the GLM is fitted with).
 */
public final class AlpacaEvalTask {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** OLMES' {@code max_gen_toks} for AlpacaEval. */
  public static final int MAX_NEW_TOKENS = 8192;
  static final List<String> FILES = List.of("alpaca_eval_gpt4_baseline", "alpaca_eval");

  private AlpacaEvalTask() {}

  /** One instruction and its reference output. */
  public record Doc(int index, String instruction, String reference, String generator, String dataset) {}

  /** The loaded task: the instructions and the gamed-baseline rows of {@code df_gamed.csv}. */
  public record Data(List<Doc> docs, List<LengthControlledWinRate.GamedRow> gamed) {}

  /** Loads the first {@code limit} instructions (≤ 0: all) and {@code df_gamed.csv} from {@code dir}. */
  public static Data load(Path dir, int limit) {
    return new Data(loadDocs(dir, limit), readGamed(dir.resolve("df_gamed.csv")));
  }

  /** The first {@code limit} instructions (≤ 0: all) of {@code dir}, without the GLM's {@code df_gamed.csv}. */
  public static List<Doc> loadDocs(Path dir, int limit) {
    if (!Files.isDirectory(dir)) throw new IllegalArgumentException("alpaca_eval: dataset folder missing: " + dir);
    List<Doc> docs = new ArrayList<>();
    Path json = null;
    for (String name : FILES) if (json == null && Files.isRegularFile(dir.resolve(name + ".json"))) json = dir.resolve(name + ".json");
    List<HfSplit.Row> rows = new ArrayList<>();
    if (json != null) {
      JsonNode arr;
      try {
        arr = JSON.readTree(json.toFile());
      } catch (IOException e) {
        throw new IllegalArgumentException(json + ": not valid JSON: " + e.getMessage());
      }
      if (arr == null || !arr.isArray()) throw new IllegalArgumentException(json + ": expected a JSON list of records");
      for (int i = 0; i < arr.size(); i++) rows.add(new HfSplit.Row(arr.get(i), json + ":record " + (i + 1)));
    } else {
      IllegalArgumentException first = null;
      for (String name : FILES) {
        try {
          rows = HfSplit.read(dir, name, 0);
          break;
        } catch (IllegalArgumentException e) {
          if (first == null) first = e;
        }
      }
      if (rows.isEmpty() && first != null)
        throw new IllegalArgumentException("alpaca_eval: no alpaca_eval_gpt4_baseline.json (or alpaca_eval.json) in " + dir);
    }
    for (HfSplit.Row r : rows) {
      if (limit > 0 && docs.size() >= limit) break;
      JsonNode out = HfSplit.field(r, "output");
      String ref = out.isArray() ? out.path(0).asText() : out.asText(); // OLMES' doc_to_target takes output[0] of a list
      docs.add(new Doc(docs.size(), HfSplit.text(r, "instruction"), ref, r.json().path("generator").asText(""),
          r.json().path("dataset").asText("")));
    }
    if (docs.isEmpty()) throw new IllegalArgumentException("alpaca_eval: no instructions in " + dir);
    return docs;
  }

  /** One chat turn per instruction, as OLMES' {@code doc_to_text}. */
  public static List<Message> messages(Doc d) {
    return List.of(Message.user(d.instruction()));
  }

  /**
   * Generates, judges and scores; writes {@code itemsOut} (per instruction: both outputs, the order shown
   * to the judge, its log-probabilities, the preference and the GLM's length-controlled preference).
   */
  public static EvalRunner.TaskResult run(String task, Data data, Responder responder, OpenAiClient judge, Path itemsOut,
      PrintStream log) throws IOException, InterruptedException {
    List<List<Message>> prompts = data.docs().stream().map(AlpacaEvalTask::messages).toList();
    List<String> outputs = responder.respond(prompts, MAX_NEW_TOKENS, List.of());
    return score(task, data, outputs, judge, itemsOut, log);
  }

  /** Judges the model's {@code outputs} (one per instruction) and computes AlpacaEval 2's metrics. */
  public static EvalRunner.TaskResult score(String task, Data data, List<String> outputs, OpenAiClient judge, Path itemsOut,
      PrintStream log) throws IOException, InterruptedException {
    List<Doc> docs = data.docs();
    List<String> instructions = docs.stream().map(Doc::instruction).toList();
    List<String> refs = docs.stream().map(Doc::reference).toList();
    List<AlpacaEvalJudge.Verdict> verdicts = AlpacaEvalJudge.judge(judge, instructions, refs, outputs, log);
    double[] pref = verdicts.stream().mapToDouble(AlpacaEvalJudge.Verdict::preference).toArray();
    LengthControlledWinRate.Result r = LengthControlledWinRate.compute(pref, refs, outputs, data.gamed());
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < docs.size(); i++) {
      Doc d = docs.get(i);
      AlpacaEvalJudge.Verdict v = verdicts.get(i);
      ObjectNode row = JSON.createObjectNode().put("index", d.index()).put("instruction", d.instruction())
          .put("dataset", d.dataset()).put("output", outputs.get(i)).put("reference", d.reference())
          .put("reference_generator", d.generator()).put("is_switched_outputs", v.switched()).put("judged", v.requested());
      putNumber(row, "logprob_m", v.logprobLower());
      putNumber(row, "logprob_M", v.logprobUpper());
      putNumber(row, "preference", v.preference());
      row.put("glm_preference", r.glmPreference()[i]);
      sb.append(JSON.writeValueAsString(row)).append('\n');
    }
    FileOps.writeAtomically(itemsOut, sb.toString().getBytes(StandardCharsets.UTF_8));
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("length_controlled_winrate", r.lengthControlledWinRate());
    metrics.put("lc_standard_error", r.lcStandardError());
    metrics.put("win_rate", r.winRate());
    metrics.put("standard_error", r.standardError());
    metrics.put("discrete_win_rate", r.discreteWinRate());
    metrics.put("n_wins", (double) r.nWins());
    metrics.put("n_wins_base", (double) r.nWinsBase());
    metrics.put("n_draws", (double) r.nDraws());
    metrics.put("n_total", (double) r.nTotal());
    metrics.put("avg_length", (double) avgLength(outputs));
    metrics.put("glm_c", r.bestC());
    double lc = r.lengthControlledWinRate() / 100;
    double half = Stats.Z95 * r.lcStandardError() / 100;
    Stats.Estimate headline = new Stats.Estimate(lc, Math.max(0, lc - half), Math.min(1, lc + half), docs.size());
    return new EvalRunner.TaskResult(task, headline, metrics, r.glmPreference(), instructions, outputs);
  }

  /** alpaca_eval's leaderboard {@code avg_length}: {@code int(outputs.str.len().mean())}. */
  static int avgLength(List<String> outputs) {
    double s = 0;
    for (String o : outputs) s += LengthControlledWinRate.pyLen(o);
    return (int) (s / outputs.size());
  }

  private static void putNumber(ObjectNode row, String key, double v) {
    if (Double.isNaN(v)) row.putNull(key);
    else row.put(key, v);
  }

  /**
   * {@code df_gamed.csv}: a header naming at least {@code index}, {@code preference} (in [0, 1]),
   * {@code std_delta_len}, {@code instruction_difficulty} and {@code not_gamed_baseline}; other columns are
   * ignored. Rows stay in file order (alpaca_eval looks instruction difficulties up by row).
   */
  static List<LengthControlledWinRate.GamedRow> readGamed(Path csv) {
    if (!Files.isRegularFile(csv))
      throw new IllegalArgumentException("alpaca_eval: " + csv + " is missing; AlpacaEval 2's length-controlled win rate "
          + "is fitted with the df_gamed.csv of the tatsu-lab/alpaca_eval dataset repository (put it beside the "
          + "instructions)");
    List<String> lines;
    try {
      lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + csv, e);
    }
    if (lines.isEmpty()) throw new IllegalArgumentException(csv + ": empty file");
    List<String> header = splitCsv(lines.getFirst());
    String[] need = {"index", "preference", "std_delta_len", "instruction_difficulty", "not_gamed_baseline"};
    int[] col = new int[need.length];
    for (int k = 0; k < need.length; k++) {
      col[k] = header.indexOf(need[k]);
      if (col[k] < 0) throw new IllegalArgumentException(csv + ":1: no column '" + need[k] + "' in the header " + header);
    }
    List<LengthControlledWinRate.GamedRow> out = new ArrayList<>();
    for (int ln = 1; ln < lines.size(); ln++) {
      if (lines.get(ln).isBlank()) continue;
      List<String> f = splitCsv(lines.get(ln));
      String where = csv + ":" + (ln + 1);
      if (f.size() < header.size()) throw new IllegalArgumentException(where + ": " + f.size() + " fields, the header has " + header.size());
      try {
        int index = (int) Double.parseDouble(f.get(col[0]));
        double p = Double.parseDouble(f.get(col[1]));
        double d = Double.parseDouble(f.get(col[2]));
        double diff = Double.parseDouble(f.get(col[3]));
        out.add(new LengthControlledWinRate.GamedRow(index, p, d, diff, parseBool(f.get(col[4]), where)));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(where + ": not a number: " + e.getMessage());
      }
    }
    return out;
  }

  private static boolean parseBool(String s, String where) {
    return switch (s.strip()) {
      case "True", "true", "1", "1.0" -> true;
      case "False", "false", "0", "0.0" -> false;
      default -> throw new IllegalArgumentException(where + ": not_gamed_baseline must be True or False, got '" + s + "'");
    };
  }

  /** One CSV record (RFC 4180 quotes; no newlines inside fields). */
  static List<String> splitCsv(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
          cur.append('"');
          i++;
        } else if (c == '"') quoted = false;
        else cur.append(c);
      } else if (c == '"') quoted = true;
      else if (c == ',') {
        out.add(cur.toString());
        cur.setLength(0);
      } else cur.append(c);
    }
    out.add(cur.toString());
    return out;
  }
}
