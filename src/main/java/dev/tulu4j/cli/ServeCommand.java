package dev.tulu4j.cli;

import dev.tulu4j.runtime.ModelBundle;
import dev.tulu4j.serve.OpenAiServer;
import dev.tulu4j.serve.Serving;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tulu4j serve}: an OpenAI-compatible HTTP server over a checkpoint folder; blocks until killed. */
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

  @Override
  public Integer call() throws Exception {
    String key = null;
    if (apiKeyEnv != null) {
      key = System.getenv(apiKeyEnv);
      if (key == null || key.isEmpty())
        throw new IllegalArgumentException("--api-key-env: environment variable " + apiKeyEnv + " is not set or empty");
    }
    var limits = new Serving.Limits(maxBatch, maxSeqLen, defaultMaxTokens, 16, 4 << 20);
    try (ModelBundle bundle = model.load(); OpenAiServer server = Serving.create(bundle, host, port, key, limits)) {
      server.start();
      PrintWriter out = spec.commandLine().getOut();
      out.println("serving " + bundle.dir() + " (" + bundle.gemmReason() + ") at http://" + host + ":" + server.port()
          + "/v1" + (key != null ? " (API key required)" : ""));
      out.flush();
      new CountDownLatch(1).await(); // until the process is killed
    }
    return 0;
  }
}
