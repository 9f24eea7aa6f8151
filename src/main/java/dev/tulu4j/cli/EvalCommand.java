package dev.tulu4j.cli;

import dev.tulu4j.checkpoint.ModelFiles;
import dev.tulu4j.client.OpenAiClient;
import dev.tulu4j.decon.EvalSets;
import dev.tulu4j.eval.EndpointLogProbs;
import dev.tulu4j.eval.EndpointResponder;
import dev.tulu4j.eval.EvalRunner;
import dev.tulu4j.eval.EvalSuite;
import dev.tulu4j.eval.ModelResponder;
import dev.tulu4j.runtime.ChatCodec;
import dev.tulu4j.runtime.ModelBundle;
import dev.tulu4j.tensor.KernelConfig;
import dev.tulu4j.tokenizer.ChatTemplate;
import dev.tulu4j.tokenizer.TemplateChoice;
import dev.tulu4j.tokenizer.Tokenizer;
import java.nio.file.Path;
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
  static final String SUITE = "drop, mmlu, popqa, bbh, truthfulqa, humaneval, humanevalplus, alpaca_eval";

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--model", description = "Hugging Face checkpoint folder.")
  Path model;

  @Option(names = "--adapter", description = "A PEFT LoRA adapter folder, merged into --model's weights at load.")
  Path adapter;

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

  @Option(names = "--judge-endpoint", paramLabel = "URL[,URL...]", description = "alpaca_eval: the judge's "
      + "OpenAI-compatible /v1 root(s); it must return logprobs/top_logprobs. Requests are cached in OUT/judge_requests.jsonl.")
  String judgeEndpoint;

  @Option(names = "--judge-model", description = "alpaca_eval: the judge model's name (AlpacaEval 2: gpt-4-1106-preview; "
      + "default: the first id the judge's /v1/models lists).")
  String judgeModel;

  @Option(names = "--judge-api-key-env", description = "alpaca_eval: environment variable holding the judge's API key.")
  String judgeApiKeyEnv;

  @Option(names = "--judge-max-in-flight", defaultValue = "8", description = "alpaca_eval: judge requests in flight per server.")
  int judgeMaxInFlight;

  @Option(names = "--api", defaultValue = "chat", description = "With --endpoint: chat (/v1/chat/completions; the server "
      + "applies its chat template) or completions (the template is rendered here from --model's tokenizer files and "
      + "the token ids go to /v1/completions). Requests are cached in OUT/requests.jsonl: a re-run after a kill "
      + "re-sends nothing it already has.")
  String api;

  private EvalSuite suite;

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
    var judge = judgeEndpoint == null ? null
        : dev.tulu4j.client.EndpointOptions.of(dev.tulu4j.client.EndpointOptions.parseUrls(judgeEndpoint), judgeModel,
            EndpointArgs.apiKey(judgeApiKeyEnv)).withMaxInFlight(judgeMaxInFlight);
    suite = EvalSuite.load(tasks, new EvalSuite.Sources(data, synthDir, taskData, limit, allowCodeExecution, python, judge));
    if (adapter != null && endpoint.given())
      throw new IllegalArgumentException("--adapter applies to a local --model; an --endpoint serves its own weights");
    List<EvalRunner.TaskResult> results = endpoint.given() ? onEndpoint() : onLocalModel();
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

  private List<EvalRunner.TaskResult> onLocalModel() throws Exception {
    KernelConfig kc = new KernelConfig(dev.tulu4j.tensor.GemmBackend.parse(gemm),
        threads == null ? KernelConfig.defaults().threads() : threads);
    TemplateChoice choice = TemplateChoice.parse(template);
    try (ModelBundle bundle = ModelBundle.load(model, choice, kc, dev.tulu4j.model.WeightsDtype.parse(weightsDtype), adapter)) {
      Tokenizer tok = bundle.tokenizer();
      ChatTemplate tpl = choice == TemplateChoice.MODEL && tok.chatTemplate() == null ? ChatTemplate.tulu() : bundle.template();
      var responder = new ModelResponder(bundle.model(), tok, tpl, batch, maxLength, System.err);
      var scorer = new dev.tulu4j.runtime.Scorer(bundle.model(), 8192);
      int maxLen = Math.min(maxLength, bundle.model().config().maxPositions());
      return suite.run(responder, scorer::score, tok::encode, responder::encode, maxLen, out, System.err);
    }
  }

  /** Generates on the endpoint; a local tokenizer (from --model) only for --api completions and mc: tasks. */
  private List<EvalRunner.TaskResult> onEndpoint() throws Exception {
    var mode = EndpointResponder.Api.parse(api);
    if (model == null && (mode == EndpointResponder.Api.COMPLETIONS || suite.needsLogProbs()))
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
      var results = suite.run(responder, new EndpointLogProbs(client), tok == null ? null : tok::encode,
          codec == null ? null : codec::encodeChat, maxLength, out, System.err);
      System.err.println("eval: " + client.usage());
      return results;
    }
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
