package dev.tulu4j.cli;

import dev.tulu4j.client.OpenAiClient;
import dev.tulu4j.decon.EvalSets;
import dev.tulu4j.eval.EndpointLogProbs;
import dev.tulu4j.eval.EndpointResponder;
import dev.tulu4j.eval.EvalRunner;
import dev.tulu4j.eval.EvalTask;
import dev.tulu4j.eval.ModelResponder;
import dev.tulu4j.eval.MultipleChoice;
import dev.tulu4j.eval.Tasks;
import dev.tulu4j.runtime.ChatCodec;
import dev.tulu4j.runtime.ModelBundle;
import dev.tulu4j.sft.ModelFiles;
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
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--model", description = "Hugging Face checkpoint folder.")
  Path model;

  @Option(names = "--tasks", split = ",", description = "Tasks: gsm8k, math, math500, ifeval, synth_gsm8k, synth_ifeval, synth_popqa, "
      + "and mc:FILE.jsonl for multiple-choice questions scored by log-likelihood.")
  List<String> tasks;

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

  @Option(names = "--threads", description = "Kernel threads (default: all processors).")
  Integer threads;

  @Option(names = "--gemm", defaultValue = "vector", description = "GEMM backend: vector, openblas or auto.")
  String gemm;

  @CommandLine.Mixin EndpointArgs endpoint;

  @Option(names = "--api", defaultValue = "chat", description = "With --endpoint: chat (/v1/chat/completions; the server "
      + "applies its chat template) or completions (the template is rendered here from --model's tokenizer files and "
      + "the token ids go to /v1/completions). Requests are cached in OUT/requests.jsonl: a re-run after a kill "
      + "re-sends nothing it already has.")
  String api;

  @Override
  public Integer call() throws Exception {
    if (model == null && !endpoint.given() && tasks == null && out == null) {
      spec.commandLine().usage(spec.commandLine().getOut());
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
      } else {
        loaded.add(Tasks.load(t, data, synthDir, limit));
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
    try (ModelBundle bundle = ModelBundle.load(model, choice, kc)) {
      Tokenizer tok = bundle.tokenizer();
      ChatTemplate tpl = choice == TemplateChoice.MODEL && tok.chatTemplate() == null ? ChatTemplate.tulu() : bundle.template();
      var responder = new ModelResponder(bundle.model(), tok, tpl, batch, maxLength, System.err);
      var results = new ArrayList<>(EvalRunner.run(loaded, responder, out));
      var scorer = new dev.tulu4j.runtime.Scorer(bundle.model(), 8192);
      multipleChoice(mc, scorer::score, tok, results);
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
      multipleChoice(mc, new EndpointLogProbs(client), tok, results);
      System.err.println("eval: " + client.usage());
      return results;
    }
  }

  private void multipleChoice(List<String> mc, MultipleChoice.LogProbs scorer, Tokenizer tok,
      List<EvalRunner.TaskResult> results) throws java.io.IOException {
    if (mc.isEmpty()) return;
    var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
    var summary = (com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(out.resolve("summary.json").toFile());
    for (String t : mc) {
      Path file = Path.of(t.substring(3));
      String name = "mc_" + file.getFileName().toString().replaceFirst("\\.jsonl$", "");
      var r = MultipleChoice.run(name, MultipleChoice.load(file, limit), scorer,
          s -> tok.encode(s, true), s -> tok.encode(s, false), out.resolve(name + ".jsonl"));
      results.add(r);
      var node = summary.putObject(name).put("score", r.headline().value()).put("ci_low", r.headline().lo())
          .put("ci_high", r.headline().hi()).put("n", r.headline().n());
      r.metrics().forEach(node::put);
    }
    dev.tulu4j.recipe.StageRunner.writeAtomically(out.resolve("summary.json"), mapper.writerWithDefaultPrettyPrinter().writeValueAsBytes(summary));
  }
}
