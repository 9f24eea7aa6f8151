package dev.tulu4j.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tulu4j.data.Message;
import dev.tulu4j.io.FileOps;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A list of eval tasks split by how they are scored, loaded once (so a bad data file fails before a
 * model is loaded) and run against one model: generative tasks through a {@link Responder}
 * ({@link EvalRunner}), HumanEval(+) through the code sandbox, TruthfulQA and {@code mc:FILE} by
 * log-likelihood. {@code tulu4j eval} and the pipeline's eval stage both run tasks through here, so
 * every task of the Tülu 3 suite runs the same way in either.
 */
public final class EvalSuite {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Where the task data comes from, whether model-written code may run, and the judge AlpacaEval's
   * comparisons go to ({@code judge} null: none; {@code alpaca_eval} then refuses to load).
   */
  public record Sources(Path dataDir, Path synthDir, Map<String, Path> taskData, int limit, boolean allowCodeExecution,
      String python, dev.tulu4j.client.EndpointOptions judge) {
    public Sources {
      taskData = taskData == null ? Map.of() : Map.copyOf(taskData);
      if (python == null || python.isBlank()) python = "python3";
    }

    /** Without a judge. */
    public Sources(Path dataDir, Path synthDir, Map<String, Path> taskData, int limit, boolean allowCodeExecution,
        String python) {
      this(dataDir, synthDir, taskData, limit, allowCodeExecution, python, null);
    }
  }

  private final Sources src;
  private final List<EvalTask> generative = new ArrayList<>();
  private final List<String> multipleChoice = new ArrayList<>();
  private final Map<String, List<HumanEvalTask.Problem>> code = new LinkedHashMap<>();
  private List<TruthfulQaTask.Doc> truthfulQa;
  private AlpacaEvalTask.Data alpacaEval;

  private EvalSuite(Sources src) {
    this.src = src;
  }

  /** Loads every task's data (and refuses code tasks without {@code allowCodeExecution}). */
  public static EvalSuite load(List<String> tasks, Sources src) {
    EvalSuite s = new EvalSuite(src);
    for (String t : tasks) {
      if (t.startsWith("mc:")) {
        s.multipleChoice.add(t);
        MultipleChoice.load(Path.of(t.substring(3)), src.limit()); // fail on a bad file before loading the model
      } else if (isCode(t)) {
        if (!src.allowCodeExecution())
          throw new IllegalArgumentException("task '" + t + "' executes model-written Python; pass --allow-code-execution "
              + "(pipeline: eval.allow_code_execution: true) to run it (each program in a separate python3 process with "
              + "time, memory and network limits)");
        s.code.put(t, HumanEvalTask.load(Tulu3Tasks.dir(t, src.dataDir(), src.taskData()), src.limit()));
      } else if (t.equals(ALPACA_EVAL)) {
        if (src.judge() == null)
          throw new IllegalArgumentException("task '" + t + "' is judged by an LLM: pass --judge-endpoint URL (and "
              + "--judge-model, e.g. gpt-4-1106-preview, AlpacaEval 2's judge; pipeline: eval.judge_endpoint)");
        s.alpacaEval = AlpacaEvalTask.load(Tulu3Tasks.dir(t, src.dataDir(), src.taskData()), src.limit());
      } else if (t.equals("truthfulqa")) {
        s.multipleChoice.add(t);
        s.truthfulQa = TruthfulQaTask.load(Tulu3Tasks.dir(t, src.dataDir(), src.taskData()), src.limit());
      } else {
        s.generative.add(Tasks.load(t, src.dataDir(), src.synthDir(), src.limit(), src.taskData()));
      }
    }
    return s;
  }

  /** AlpacaEval 2's task name. */
  public static final String ALPACA_EVAL = "alpaca_eval";

  /** HumanEval and HumanEval+ run model-written code. */
  public static boolean isCode(String task) {
    return task.equals("humaneval") || task.equals("humanevalplus");
  }

  /** Whether the task's {@code <task>.jsonl} holds one greedy response per prompt (what a win rate compares). */
  public static boolean isGreedyGenerative(String task) {
    return !task.contains("@") && !task.startsWith("mc:") && !task.equals("truthfulqa") && !isCode(task)
        && !task.equals(ALPACA_EVAL);
  }

  /** Whether any task needs log-likelihood scoring (a scorer and a tokenizer). */
  public boolean needsLogProbs() {
    return !multipleChoice.isEmpty();
  }

  /**
   * Runs every task, writing {@code <task>.jsonl} and one {@code summary.json} to {@code out}.
   *
   * @param scorer log-likelihoods for TruthfulQA and mc: tasks (may be null when there are none)
   * @param encode plain-text tokenizer (BOS added when {@code bos}); may be null without mc: tasks
   * @param chat a conversation rendered with the chat template to token ids; may be null without mc: tasks
   */
  public List<EvalRunner.TaskResult> run(Responder responder, MultipleChoice.LogProbs scorer,
      java.util.function.BiFunction<String, Boolean, int[]> encode, Function<List<Message>, int[]> chat, int maxLen,
      Path out, PrintStream log) throws IOException {
    List<EvalRunner.TaskResult> results = new ArrayList<>(EvalRunner.run(generative, responder, out));
    ObjectNode summary = (ObjectNode) JSON.readTree(out.resolve("summary.json").toFile());
    if (!code.isEmpty()) {
      boolean unshare = CodeSandbox.probeUnshare();
      for (var e : code.entrySet()) {
        var box = new CodeSandbox(src.python(), unshare, HumanEvalTask.timeoutSeconds(e.getKey()), 1L << 30);
        log.println(e.getKey() + ": executing code with " + box.networkIsolation());
        var r = HumanEvalTask.run(e.getKey(), e.getValue(), responder, box, Runtime.getRuntime().availableProcessors(),
            out.resolve(e.getKey() + ".jsonl"));
        results.add(record(summary, e.getKey(), r));
      }
    }
    if (alpacaEval != null) {
      try (var judge = dev.tulu4j.client.OpenAiClient.open(src.judge().withCache(out.resolve("judge_requests.jsonl")))) {
        var r = AlpacaEvalTask.run(ALPACA_EVAL, alpacaEval, responder, judge, out.resolve(ALPACA_EVAL + ".jsonl"), log);
        log.println(ALPACA_EVAL + ": judge " + judge.usage());
        results.add(record(summary, ALPACA_EVAL, r));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted while judging " + ALPACA_EVAL);
      }
    }
    for (String t : multipleChoice) {
      if (scorer == null || encode == null || chat == null)
        throw new IllegalArgumentException("task '" + t + "' is scored by log-likelihood and needs a local tokenizer");
      if (t.equals("truthfulqa")) {
        var r = TruthfulQaTask.run(t, truthfulQa, scorer, s -> chat.apply(List.of(Message.user(s))),
            s -> encode.apply(s, false), maxLen, out.resolve(t + ".jsonl"));
        results.add(record(summary, t, r));
      } else {
        Path file = Path.of(t.substring(3));
        String name = "mc_" + file.getFileName().toString().replaceFirst("\\.jsonl$", "");
        var r = MultipleChoice.run(name, MultipleChoice.load(file, src.limit()), scorer,
            s -> encode.apply(s, true), s -> encode.apply(s, false), out.resolve(name + ".jsonl"));
        results.add(record(summary, name, r));
      }
    }
    FileOps.writeAtomically(out.resolve("summary.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(summary));
    return results;
  }

  private static EvalRunner.TaskResult record(ObjectNode summary, String name, EvalRunner.TaskResult r) {
    var node = summary.putObject(name).put("score", r.headline().value()).put("ci_low", r.headline().lo())
        .put("ci_high", r.headline().hi()).put("n", r.headline().n());
    r.metrics().forEach(node::put);
    return r;
  }
}
