package dev.tulu4j.cli;

import dev.tulu4j.runtime.ModelBundle;
import dev.tulu4j.serve.ConnectionTimeouts;
import dev.tulu4j.serve.OpenAiServer;
import dev.tulu4j.serve.Serving;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tulu4j serve}: an OpenAI-compatible HTTP server over a checkpoint folder. Runs until the
 * process is stopped; on SIGTERM or Ctrl-C a JVM shutdown hook stops accepting connections, lets
 * in-flight requests finish (up to {@code --drain-seconds}) and then lets the JVM exit.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Serve a checkpoint with an OpenAI-compatible API (/v1/models, /v1/completions, /v1/chat/completions).")
public final class ServeCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  ModelOptions model;

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(names = "--port", defaultValue = "8000", description = "Port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--api-key-env", description = "Name of the environment variable holding the API key (clients send 'Authorization: Bearer KEY').")
  String apiKeyEnv;

  @Option(names = "--max-batch", defaultValue = "32", description = "Sequences decoded together (KV-cache slots) (default: ${DEFAULT-VALUE}).")
  int maxBatch;

  @Option(names = "--max-seq-len", defaultValue = "2048",
      description = "Longest prompt + completion per sequence, capped by the model (default: ${DEFAULT-VALUE}).")
  int maxSeqLen;

  @Option(names = "--default-max-tokens", defaultValue = "256", description = "max_tokens when a request gives none (default: ${DEFAULT-VALUE}).")
  int defaultMaxTokens;

  @Option(names = "--request-timeout", defaultValue = "600",
      description = "Seconds a completion request may take before it is cancelled (504) (default: ${DEFAULT-VALUE}).")
  int requestTimeoutSeconds;

  @Option(names = "--read-timeout", defaultValue = "30",
      description = "Seconds a client has to send a whole request (headers and body) once it starts; slower "
          + "connections are closed (slow-loris clients) (default: ${DEFAULT-VALUE}).")
  int readTimeoutSeconds;

  @Option(names = "--idle-timeout", defaultValue = "60",
      description = "Seconds a keep-alive connection may wait between requests before it is closed; a new "
          + "connection that sends nothing is closed after the shorter of this and --read-timeout "
          + "(default: ${DEFAULT-VALUE}).")
  int idleTimeoutSeconds;

  @Option(names = "--served-model-name", description = "The base model's name in /v1/models and requests (default: the folder's name).")
  String servedModelName;

  @Option(names = "--enable-lora", description = "Serve LoRA adapters: a request whose 'model' names a loaded adapter runs on it.")
  boolean enableLora;

  @Option(names = "--max-loras", defaultValue = "4",
      description = "Adapters loaded at once; each is merged into its own fp32 copy of the weights (default: ${DEFAULT-VALUE}).")
  int maxLoras;

  @Option(names = "--lora-modules", arity = "1..*", paramLabel = "NAME=PATH",
      description = "PEFT adapter folders to load at start (needs --enable-lora).")
  java.util.List<String> loraModules = new java.util.ArrayList<>();

  @Option(names = "--allow-runtime-lora-updating",
      description = "Serve POST /v1/load_lora_adapter and /v1/unload_lora_adapter (needs --enable-lora; also "
          + "turned on by the environment variable VLLM_ALLOW_RUNTIME_LORA_UPDATING=true, as in vLLM).")
  boolean runtimeLora;

  @Option(names = "--logprobs-mode", defaultValue = "raw_logprobs",
      description = "What 'logprobs' report for sampled tokens, as vLLM's flag: raw_logprobs (the model's log-softmax, "
          + "vLLM's default) or processed_logprobs (the distribution the token was drawn from: temperature and top_p "
          + "applied) (default: ${DEFAULT-VALUE}).")
  String logprobsMode;

  @Option(names = "--drain-seconds", defaultValue = "30",
      description = "On SIGTERM, seconds to wait for in-flight requests before exiting (default: ${DEFAULT-VALUE}).")
  int drainSeconds;

  @Override
  public Integer call() throws Exception {
    if (drainSeconds < 0) throw new IllegalArgumentException("--drain-seconds must be >= 0, got " + drainSeconds);
    String key = null;
    if (apiKeyEnv != null) {
      key = System.getenv(apiKeyEnv);
      if (key == null || key.isEmpty())
        throw new IllegalArgumentException("--api-key-env: environment variable " + apiKeyEnv + " is not set or empty");
    }
    var limits = new Serving.Limits(maxBatch, maxSeqLen, defaultMaxTokens, 16, 4 << 20, Duration.ofSeconds(requestTimeoutSeconds));
    // before the server exists: the JDK's HTTP server reads its connection timeouts once, when it starts
    new ConnectionTimeouts(Duration.ofSeconds(readTimeoutSeconds), Duration.ofSeconds(idleTimeoutSeconds)).apply();
    java.util.Map<String, java.nio.file.Path> modules = new java.util.LinkedHashMap<>();
    for (String m : loraModules) {
      int eq = m.indexOf('=');
      if (eq <= 0 || eq == m.length() - 1)
        throw new IllegalArgumentException("--lora-modules: expected NAME=PATH, got '" + m + "'");
      if (modules.put(m.substring(0, eq), java.nio.file.Path.of(m.substring(eq + 1))) != null)
        throw new IllegalArgumentException("--lora-modules: the name '" + m.substring(0, eq) + "' is given twice");
    }
    String env = System.getenv("VLLM_ALLOW_RUNTIME_LORA_UPDATING");
    boolean runtime = runtimeLora || (env != null && (env.equalsIgnoreCase("true") || env.equals("1")));
    if (runtime && !enableLora && !runtimeLora) runtime = false; // the environment alone does not turn LoRA on
    var adapters = new Serving.Adapters(servedModelName, enableLora, maxLoras, runtime, modules);
    Serving.LogprobsMode mode = switch (logprobsMode) {
      case "raw_logprobs" -> Serving.LogprobsMode.RAW_LOGPROBS;
      case "processed_logprobs" -> Serving.LogprobsMode.PROCESSED_LOGPROBS;
      default -> throw new IllegalArgumentException("--logprobs-mode must be raw_logprobs or processed_logprobs, got '"
          + logprobsMode + "'");
    };
    PrintWriter out = spec.commandLine().getOut();
    try (ModelBundle bundle = model.load();
        OpenAiServer server = Serving.create(bundle, host, port, key, limits, adapters, mode)) {
      CountDownLatch stopped = new CountDownLatch(1);
      Thread hook = new Thread(() -> {
        out.println("stopping: no new connections; waiting up to " + drainSeconds + " s for "
            + server.inFlight() + " request(s) in flight");
        out.flush();
        int left = server.drain(Duration.ofSeconds(drainSeconds));
        out.println(left == 0 ? "stopped: every request finished" : "stopped: " + left + " request(s) cut off");
        out.flush();
        stopped.countDown();
      }, "tulu4j-serve-drain");
      Runtime.getRuntime().addShutdownHook(hook);
      server.start();
      out.println("serving " + bundle.dir() + " (" + bundle.gemmReason() + ") at http://" + host + ":" + server.port()
          + "/v1" + (key != null ? " (API key required)" : ""));
      out.flush();
      stopped.await(); // until SIGTERM/Ctrl-C runs the hook
    }
    return 0;
  }
}
