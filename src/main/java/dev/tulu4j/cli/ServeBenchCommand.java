package dev.tulu4j.cli;

import dev.tulu4j.runtime.ModelBundle;
import dev.tulu4j.serve.Serving;
import dev.tulu4j.serve.LoadDriver;
import dev.tulu4j.serve.OpenAiServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tulu4j bench serve}: starts the server on 127.0.0.1 (a free port, in this process) and
 * drives it with streaming clients at each concurrency level ({@link LoadDriver}); prints requests/s,
 * p50/p99 latency, time to first token and errors per level. Bounded by request count and time.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Load-test the OpenAI server on loopback: requests/s, p50/p99 latency and errors per concurrency level.")
final class ServeBenchCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  ModelOptions model;

  @Option(names = "--clients", split = ",", defaultValue = "1,8,32,64",
      description = "Concurrency levels (default: ${DEFAULT-VALUE}).")
  List<Integer> clients;

  @Option(names = "--requests", defaultValue = "128",
      description = "Requests per level, at least one per client (default: ${DEFAULT-VALUE}).")
  int requests;

  @Option(names = "--max-tokens", defaultValue = "32", description = "max_tokens of each request (default: ${DEFAULT-VALUE}).")
  int maxTokens;

  @Option(names = "--max-batch", defaultValue = "32", description = "Server KV-cache slots (default: ${DEFAULT-VALUE}).")
  int maxBatch;

  @Option(names = "--seconds", defaultValue = "120", description = "Time budget per level (default: ${DEFAULT-VALUE}).")
  int seconds;

  @Override
  public Integer call() throws IOException {
    if (requests < 1 || maxTokens < 1 || seconds < 1) throw new IllegalArgumentException("--requests, --max-tokens and --seconds must be >= 1");
    for (int c : clients) if (c < 1 || c > 1024) throw new IllegalArgumentException("--clients must be in 1..1024, got " + c);
    PrintWriter out = spec.commandLine().getOut();
    var limits = new Serving.Limits(maxBatch, 2048, maxTokens, 1, 1 << 20, Duration.ofSeconds(seconds));
    int errors = 0;
    try (ModelBundle bundle = model.load(); OpenAiServer server = Serving.create(bundle, "127.0.0.1", 0, null, limits)) {
      server.start();
      URI base = URI.create("http://127.0.0.1:" + server.port());
      out.println("model " + bundle.dir() + ", " + bundle.gemmReason() + ", max batch " + maxBatch + ", max_tokens " + maxTokens);
      out.println("cpu: " + cpu() + "; load average before: " + loadAverage());
      out.println(LoadDriver.Level.header());
      out.flush();
      LoadDriver.run(base, null, 1, 2, maxTokens, Duration.ofSeconds(seconds)); // warm-up, not reported
      for (int c : clients) {
        LoadDriver.Level level = LoadDriver.run(base, null, c, Math.max(requests, c), maxTokens, Duration.ofSeconds(seconds));
        errors += level.errors();
        out.println(level.row());
        out.flush();
      }
      out.println("load average after: " + loadAverage());
    }
    out.flush();
    return errors == 0 ? 0 : 2;
  }

  static String cpu() {
    try {
      List<String> info = Files.readAllLines(Path.of("/proc/cpuinfo"));
      String name = info.stream().filter(l -> l.startsWith("model name")).findFirst().map(l -> l.split(":", 2)[1].trim()).orElse("?");
      String family = info.stream().filter(l -> l.startsWith("cpu family")).findFirst().map(l -> l.split(":", 2)[1].trim()).orElse("?");
      return name + " (cpu family " + family + ", " + Runtime.getRuntime().availableProcessors() + " cpus)";
    } catch (IOException e) {
      return "unknown";
    }
  }

  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "unknown";
    }
  }
}
