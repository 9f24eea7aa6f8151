package dev.tulu4j.cli;

import dev.tulu4j.checkpoint.ModelFiles;
import dev.tulu4j.client.OpenAiClient;
import dev.tulu4j.data.Message;
import dev.tulu4j.decon.EvalSets;
import dev.tulu4j.eval.CodeSandbox;
import dev.tulu4j.eval.EndpointLogProbs;
import dev.tulu4j.eval.EndpointResponder;
import dev.tulu4j.eval.EvalRunner;
import dev.tulu4j.eval.EvalTask;
import dev.tulu4j.eval.HumanEvalTask;
import dev.tulu4j.eval.ModelResponder;
import dev.tulu4j.eval.MultipleChoice;
import dev.tulu4j.eval.Tasks;
import dev.tulu4j.eval.Responder;
import dev.tulu4j.eval.TruthfulQaTask;
import dev.tulu4j.eval.Tulu3Tasks;
import dev.tulu4j.io.FileOps;
import dev.tulu4j.runtime.ChatCodec;
import dev.tulu4j.runtime.ModelBundle;
import dev.tulu4j.tensor.KernelConfig;
import dev.tulu4j.tokenizer.ChatTemplate;
import dev.tulu4j.tokenizer.TemplateChoice;
import dev.tulu4j.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tulu4j eval --model DIR --tasks gsm8k,math500,ifeval --out DIR}: generates with a local
 * checkpoint (or, with {@code --endpoint URL}, on OpenAI-compatible servers) and scores every task; {@code tulu4j eval ifeval ...} scores an existing response file.
 */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    description = "Evaluate a checkpoint on the Tülu 3 benchmarks and the built-in synthetic tasks, "
        + "or score existing responses (eval ifeval).",
    subcommands = {EvalIfEvalCommand.class})
final class EvalCommand implements Callable<Integer> {
  /** The Tülu 3 suite's task names for the help text (kept equal to {@code Tulu3Tasks.names()} by EvalCommandTest). */
  static final String SUITE = "drop, mmlu, popqa, bbh, truthfulqa, humaneval, humanevalplus";

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--model", description = "Hugging Face checkpoint folder.")
  Path model;

  @Option(names = "--tasks", split = ",", arity = "0..1", paramLabel = "TASK[,TASK...]",
      description = "Tasks: gsm8k, math, math500, ifeval; the Tülu 3 suite: " + SUITE + "; synth_gsm8k, synth_ifeval, "
      + "synth_popqa; and mc:FILE.jsonl for multiple-choice questions scored by log-likelihood. "
      + "'eval --tasks' alone lists every task with its shots, metric and data layout.")
  List<String> tasks;

  @Option(names = "--task-data", paramLabel = "TASK=DIR", description = "Dataset folder of one Tülu 3 suite task "
      + "(default: <data-dir>/<task>), in the layout its Hugging Face repository ships, e.g. --task-data drop=/data/EleutherAI-drop.")
  java.util.Map<String, Path> taskData = new java.util.LinkedHashMap<>();

  @Option(names = "--out", description = "Output folder: <task>.jsonl per task and summary.json.")
  Path out;

  @Option(names = "--limit", defaultValue = "0", description = "At most this many items per task (0 = all).")
  int limit;

  @Option(names = "--batch", defaultValue = "32", description = "Sequences decoded together.")
  int batch;

  @Option(names = "--max-length", defaultValue = "4096", description = "Context length used for prompt + response.")
  int maxLength;

  @Option(names = "--template", defaultValue = "model", description = "Chat template: tulu or model (falls back to tulu when the model has none).")
  String template;

  @Option(names = "--data-dir", description = "Folder with the benchmark sets (default: the install's data/).")
  Path dataDir;

  @Option(names = "--synth-dir", description = "A 'tulu4j data synth' folder, for the synth_* tasks.")
  Path synthDir;

  @Option(names = "--allow-code-execution", description = "Run model-written Python for humaneval/humanevalplus: each "
      + "program in its own python3 process with a time limit, a 1 GiB memory limit and no network (unshare -rn when "
      + "available, and socket functions disabled). Untrusted code: use a machine you can afford to lose.")
  boolean allowCodeExecution;

  @Option(names = "--python", defaultValue = "python3", description = "Interpreter for --allow-code-execution.")
  String python;

  @Option(names = "--threads", description = "Kernel threads (default: all processors).")
  Integer threads;

  @Option(names = "--gemm", defaultValue = "vector", description = "GEMM backend: vector, openblas or auto.")
  String gemm;

  @Option(names = "--weights-dtype", defaultValue = "auto",
      description = "Weight matrices in memory: auto (the checkpoint's: bf16 if stored bf16), fp32 or bf16 (default: ${DEFAULT-VALUE}).")
  String weightsDtype;

  @CommandLine.Mixin EndpointArgs endpoint;

  @Option(names = "--api", defaultValue = "chat", description = "With --endpoint: chat (/v1/chat/completions; the server "
      + "applies its chat template) or completions (the template is rendered here from --model's tokenizer files and "
      + "the token ids go to /v1/completions). Requests are cached in OUT/requests.jsonl: a re-run after a kill "
      + "re-sends nothing it already has.")
  String api;

  private List<TruthfulQaTask.Doc> truthfulQa;
  private final java.util.Map<String, List<HumanEvalTask.Problem>> codeTasks = new java.util.LinkedHashMap<>();

  @Override
  public Integer call() throws Exception {
    if (model == null && !endpoint.given() && tasks == null && out == null) {
      spec.commandLine().usage(spec.commandLine().getOut());
      return 0;
    }
    if (tasks != null && tasks.stream().allMatch(String::isBlank)) {
      printTaskList(spec.commandLine().getOut());
      return 0;
    }
    if ((model == null && !endpoint.given()) || tasks == null || out == null)
      throw new IllegalArgumentException("eval needs --model or --endpoint, --tasks and --out (or a subcommand such as 'eval ifeval')");
    if (batch < 1) throw new IllegalArgumentException("--batch must be >= 1");
    Path data = dataDir != null ? dataDir : EvalSets.findDataDir();
    List<EvalTask> loaded = new ArrayList<>();
    List<String> mc = new ArrayList<>();
    for (String t : tasks) {
      if (t.startsWith("mc:")) {
        mc.add(t);
        MultipleChoice.load(Path.of(t.substring(3)), limit); // fail on a bad file before loading the model
      } else if (t.equals("humaneval") || t.equals("humanevalplus")) {
        if (!allowCodeExecution)
          throw new IllegalArgumentException("task '" + t + "' executes model-written Python; pass --allow-code-execution "
              + "to run it (each program in a separate python3 process with time, memory and network limits)");
        codeTasks.put(t, HumanEvalTask.load(Tulu3Tasks.dir(t, data, taskData), limit));
      } else if (t.equals("truthfulqa")) {
        mc.add(t);
        truthfulQa = TruthfulQaTask.load(Tulu3Tasks.dir(t, data, taskData), limit);
      } else {
        loaded.add(Tasks.load(t, data, synthDir, limit, taskData));
      }
    }
    List<EvalRunner.TaskResult> results = endpoint.given() ? onEndpoint(loaded, mc) : onLocalModel(loaded, mc);
    var w = spec.commandLine().getOut();
    w.printf("%-14s %8s  %-17s %6s%n", "task", "score", "95% CI", "n");
    for (var r : results) {
      w.printf("%-14s %8.4f  [%.4f, %.4f] %6d%n", r.task(), r.headline().value(), r.headline().lo(), r.headline().hi(), r.headline().n());
      r.metrics().forEach((k, v) -> { if (!k.startsWith("subject/")) w.printf("  %-28s %.4f%n", k, v); });
    }
    w.println("wrote " + out.resolve("summary.json"));
    w.flush();
    return 0;
  }

  private List<EvalRunner.TaskResult> onLocalModel(List<EvalTask> loaded, List<String> mc) throws Exception {
    KernelConfig kc = new KernelConfig(dev.tulu4j.tensor.GemmBackend.parse(gemm),
        threads == null ? KernelConfig.defaults().threads() : threads);
    TemplateChoice choice = TemplateChoice.parse(template);
    try (ModelBundle bundle = ModelBundle.load(model, choice, kc, dev.tulu4j.model.WeightsDtype.parse(weightsDtype))) {
      Tokenizer tok = bundle.tokenizer();
      ChatTemplate tpl = choice == TemplateChoice.MODEL && tok.chatTemplate() == null ? ChatTemplate.tulu() : bundle.template();
      var responder = new ModelResponder(bundle.model(), tok, tpl, batch, maxLength, System.err);
      var results = new ArrayList<>(EvalRunner.run(loaded, responder, out));
      if (!codeTasks.isEmpty()) results.addAll(runCode(codeTasks, responder, out));
      var scorer = new dev.tulu4j.runtime.Scorer(bundle.model(), 8192);
      int maxLen = Math.min(maxLength, bundle.model().config().maxPositions());
      multipleChoice(mc, scorer::score, tok, responder::encode, maxLen, results);
      return results;
    }
  }

  /** Generates on the endpoint; a local tokenizer (from --model) only for --api completions and mc: tasks. */
  private List<EvalRunner.TaskResult> onEndpoint(List<EvalTask> loaded, List<String> mc) throws Exception {
    var mode = EndpointResponder.Api.parse(api);
    if (model == null && (mode == EndpointResponder.Api.COMPLETIONS || !mc.isEmpty()))
      throw new IllegalArgumentException("--api completions and mc: tasks need --model DIR for the tokenizer and chat template "
          + "(no weights are loaded with --endpoint)");
    var options = endpoint.options(out.resolve("requests.jsonl"));
    java.nio.file.Files.createDirectories(out);
    try (OpenAiClient client = OpenAiClient.open(options);
        Tokenizer tok = model == null ? null : Tokenizer.load(ModelFiles.resolveModelDir(model))) {
      ChatCodec codec = null;
      if (tok != null) {
        TemplateChoice choice = TemplateChoice.parse(template);
        codec = new ChatCodec(tok, choice == TemplateChoice.MODEL && tok.chatTemplate() == null ? ChatTemplate.tulu() : choice.resolve(tok));
      }
      System.err.println("eval: generating on " + options.baseUrls() + " (model " + client.model() + ", " + mode.name().toLowerCase()
          + " API, " + options.maxInFlight() + " in flight per server)");
      var responder = new EndpointResponder(client, mode, codec, System.err);
      var results = new ArrayList<>(EvalRunner.run(loaded, responder, out));
      if (!codeTasks.isEmpty()) results.addAll(runCode(codeTasks, responder, out));
      multipleChoice(mc, new EndpointLogProbs(client), tok, codec == null ? null : codec::encodeChat, maxLength, results);
      System.err.println("eval: " + client.usage());
      return results;
    }
  }

  /**
   * mc: files and TruthfulQA, scored by log-likelihood; {@code chat} renders a conversation with the
   * chat template (TruthfulQA's context goes through it, as in OLMES).
   */
  private void multipleChoice(List<String> mc, MultipleChoice.LogProbs scorer, Tokenizer tok,
      java.util.function.Function<List<Message>, int[]> chat, int maxLen, List<EvalRunner.TaskResult> results)
      throws java.io.IOException {
    if (mc.isEmpty()) return;
    var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
    var summary = (com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(out.resolve("summary.json").toFile());
    for (String t : mc) {
      String name;
      EvalRunner.TaskResult r;
      if (t.equals("truthfulqa")) {
        name = t;
        r = TruthfulQaTask.run(name, truthfulQa, scorer, s -> chat.apply(List.of(Message.user(s))),
            s -> tok.encode(s, false), maxLen, out.resolve(name + ".jsonl"));
      } else {
        Path file = Path.of(t.substring(3));
        name = "mc_" + file.getFileName().toString().replaceFirst("\\.jsonl$", "");
        r = MultipleChoice.run(name, MultipleChoice.load(file, limit), scorer,
            s -> tok.encode(s, true), s -> tok.encode(s, false), out.resolve(name + ".jsonl"));
      }
      results.add(r);
      var node = summary.putObject(name).put("score", r.headline().value()).put("ci_low", r.headline().lo())
          .put("ci_high", r.headline().hi()).put("n", r.headline().n());
      r.metrics().forEach(node::put);
    }
    FileOps.writeAtomically(out.resolve("summary.json"), mapper.writerWithDefaultPrettyPrinter().writeValueAsBytes(summary));
  }

  /** HumanEval(+): samples, executes in the sandbox, and adds each task to summary.json. */
  private List<EvalRunner.TaskResult> runCode(java.util.Map<String, List<HumanEvalTask.Problem>> codeTasks,
      Responder responder, Path out) throws java.io.IOException {
    boolean unshare = CodeSandbox.probeUnshare();
    List<EvalRunner.TaskResult> results = new ArrayList<>();
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    var summary = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(out.resolve("summary.json").toFile());
    for (var e : codeTasks.entrySet()) {
      var box = new CodeSandbox(python, unshare, HumanEvalTask.timeoutSeconds(e.getKey()), 1L << 30);
      System.err.println(e.getKey() + ": executing code with " + box.networkIsolation());
      var r = HumanEvalTask.run(e.getKey(), e.getValue(), responder, box, Runtime.getRuntime().availableProcessors(),
          out.resolve(e.getKey() + ".jsonl"));
      results.add(r);
      var node = summary.putObject(e.getKey()).put("score", r.headline().value()).put("ci_low", r.headline().lo())
          .put("ci_high", r.headline().hi()).put("n", r.headline().n());
      r.metrics().forEach(node::put);
    }
    java.nio.file.Files.write(out.resolve("summary.json.tmp"), json.writerWithDefaultPrettyPrinter().writeValueAsBytes(summary));
    java.nio.file.Files.move(out.resolve("summary.json.tmp"), out.resolve("summary.json"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    return results;
  }

  /** {@code eval --tasks} with no value: every task with its shots, metric and data. */
  private static void printTaskList(java.io.PrintWriter w) {
    w.println("Tülu 3 benchmarks (data from --data-dir, default: the install's data/):");
    w.println("  gsm8k          GSM8K, 8-shot CoT, exact match on the last number; data/gsm8k/test.jsonl");
    w.println("  math           MATH, 4-shot Minerva, flex match, macro over subjects; data/math/test.jsonl");
    w.println("  math500        MATH-500, as math; data/math500/test.jsonl");
    w.println("  ifeval         IFEval, 0-shot, prompt-level loose accuracy; data/ifeval/input_data.jsonl");
    w.println("Tülu 3 suite, OLMES ::tulu configurations (data from <data-dir>/<task>/ or --task-data TASK=DIR):");
    dev.tulu4j.eval.Tulu3Tasks.DESCRIPTIONS.forEach((k, v) -> w.printf("  %-14s %s%n", k, v));
    w.println("Built-in synthetic world (--synth-dir): synth_gsm8k, synth_ifeval, synth_popqa");
    w.println("Any task with @tTEMPxK (e.g. gsm8k@t0.7x4): K samples per item at temperature TEMP (avg@K).");
    w.println("mc:FILE.jsonl: multiple-choice questions scored by log-likelihood.");
    w.flush();
  }
}
