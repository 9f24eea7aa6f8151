package dev.tulu4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tulu4j.model.LlamaConfig;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.runtime.EngineBench;
import dev.tulu4j.tensor.GemmBackend;
import dev.tulu4j.tensor.KernelConfig;
import dev.tulu4j.tensor.Kernels;
import dev.tulu4j.tensor.Parallel;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tulu4j bench train|prefill|decode|all}: engine throughput on random weights for the tiny
 * shape (B16 × T256) and the SmolLM2-135M shape (B8 × T512), the workloads of the peer PyTorch
 * script (see {@link EngineBench}).
 */
final class EngineBenchCommands {
  private EngineBenchCommands() {}

  /** A benchmark shape: the model config and its default training/prefill batch. */
  record Shape(String name, LlamaConfig config, int batch, int seq) {
    static Shape of(String name) {
      return switch (name.toLowerCase(Locale.ROOT)) {
        case "tiny" -> new Shape("tiny", LlamaConfig.tiny(), 16, 256);
        case "smollm2-135m", "135m" -> new Shape("smollm2-135m", LlamaConfig.smollm2_135m(), 8, 512);
        default -> throw new IllegalArgumentException("--shape must be tiny, smollm2-135m or both, got '" + name + "'");
      };
    }

    static List<Shape> parse(String s) {
      return s.equalsIgnoreCase("both") ? List.of(of("tiny"), of("smollm2-135m")) : List.of(of(s));
    }
  }

  /** Options every engine benchmark takes. */
  static final class Common {
    @Option(names = "--shape", description = "tiny, smollm2-135m or both (default: both; decode: smollm2-135m).")
    String shape;

    @Option(names = "--batch", description = "Override the batch (train/prefill: rows; default 16 tiny, 8 for 135M).")
    Integer batch;

    @Option(names = "--seq", description = "Override the sequence length (default 256 tiny, 512 for 135M).")
    Integer seq;

    @Option(names = "--steps", defaultValue = "3", description = "Timed repetitions per measurement (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--warmup", defaultValue = "1", description = "Untimed repetitions before timing; decode also warms up for at least 2 s when > 0 (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--decode-batches", split = ",", defaultValue = "1,32", description = "Decode batch sizes (default: ${DEFAULT-VALUE}).")
    List<Integer> decodeBatches;

    @Option(names = "--prompt-len", defaultValue = "64", description = "Decode prompt length (default: ${DEFAULT-VALUE}).")
    int promptLen;

    @Option(names = "--new-tokens", defaultValue = "64", description = "Decode new tokens (default: ${DEFAULT-VALUE}).")
    int newTokens;

    @Option(names = "--peak", defaultValue = "480", description = "fp32 peak GFLOP/s for MFU (default: ${DEFAULT-VALUE}, 2-core Zen 5).")
    double peak;

    @Option(names = "--gemm", defaultValue = "auto", description = "GEMM backend: auto, vector or openblas (default: ${DEFAULT-VALUE}).")
    String gemm;

    @Option(names = "--threads", description = "Kernel threads (default: available processors).")
    Integer threads;

    @Option(names = "--bandwidth-mib", defaultValue = "1024",
        description = "Array size of the read-bandwidth measurement behind the decode floor, MiB (default: ${DEFAULT-VALUE}).")
    int bandwidthMib;

    @Option(names = "--json", description = "Also write the results as JSON to this file.")
    Path json;

    /** Runs the chosen parts, prints a table per part, writes the JSON document. */
    int run(CommandSpec spec, String defaultShape, boolean train, boolean prefill, boolean decode) throws IOException {
      if (warmup < 0) throw new IllegalArgumentException("--warmup must be >= 0, got " + warmup);
      PrintWriter out = spec.commandLine().getOut();
      List<Shape> shapes = Shape.parse(shape != null ? shape : defaultShape);
      int t = threads == null ? Parallel.defaultThreads() : threads;
      double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("time", Instant.now().toString());
      doc.put("threads", t);
      doc.put("loadAverageAtStart", load);
      doc.put("peakGflops", peak);
      List<Map<String, Object>> rows = new ArrayList<>();
      try (Kernels k = Kernels.create(new KernelConfig(GemmBackend.parse(gemm), t))) {
        doc.put("gemm", k.gemmReason());
        out.printf(Locale.ROOT, "engine bench: %d threads, gemm %s, load average %.2f at start (shared machine)%n",
            t, k.gemmReason(), load);
        double bw = 0;
        if (decode) {
          bw = EngineBench.readBandwidth(k.parallel(), (long) bandwidthMib << 20, 3);
          doc.put("readBandwidthGBs", bw / 1e9);
          out.printf(Locale.ROOT, "read bandwidth (%d MiB fp32 sum, %d threads, best of 3): %.1f GB/s%n", bandwidthMib, t, bw / 1e9);
        }
        for (Shape s : shapes) {
          int b = batch != null ? batch : s.batch();
          int q = seq != null ? seq : s.seq();
          LlamaModel m = LlamaModel.random(s.config(), 0, k.gemm());
          out.printf(Locale.ROOT, "%s: %.1fM parameters%n", s.name(), EngineBench.millions(m));
          if (decode) {
            for (int db : decodeBatches) {
              var r = EngineBench.decode(m, db, promptLen, newTokens, warmup, steps, bw);
              out.printf(Locale.ROOT, "  decode  b%-3d prompt %d + %d new: %8.1f tok/s  %7.2f ms/step  "
                  + "(floor %.0f tok/s from %.0f MB fp32 weights/step at %.1f GB/s: %.0f%% of it)  "
                  + "%.2f cpu-ms/step, %.0f tok/cpu-s, others %.0f%%%n",
                  db, promptLen, newTokens, r.tokensPerSecond(), r.msPerStep(), r.floorTokensPerSecond(),
                  EngineBench.decodeWeightBytes(s.config()) / 1e6, bw / 1e9, 100 * r.tokensPerSecond() / r.floorTokensPerSecond(),
                  r.cpuMsPerStep(), r.tokensPerCpuSecond(), 100 * r.othersCpuShare());
              out.flush();
              rows.add(row(s, "decode", Map.ofEntries(Map.entry("batch", db), Map.entry("promptLen", promptLen),
                  Map.entry("newTokens", newTokens), Map.entry("medianSeconds", r.steps().medianSeconds()),
                  Map.entry("bestSeconds", r.steps().bestSeconds()), Map.entry("tokensPerSecond", r.tokensPerSecond()),
                  Map.entry("msPerStep", r.msPerStep()), Map.entry("floorTokensPerSecond", r.floorTokensPerSecond()),
                  Map.entry("weightBytesPerStep", EngineBench.decodeWeightBytes(s.config())),
                  Map.entry("cpuMsPerStep", r.cpuMsPerStep()), Map.entry("tokensPerCpuSecond", Double.isNaN(r.tokensPerCpuSecond()) ? -1.0 : r.tokensPerCpuSecond()),
                  Map.entry("othersCpuShare", Double.isNaN(r.othersCpuShare()) ? -1.0 : r.othersCpuShare()))));
            }
          }
          if (prefill) {
            var r = EngineBench.prefill(m, b, q, warmup, steps);
            out.printf(Locale.ROOT, "  prefill B%d x T%d: %10.1f tok/s  %8.3f s/pass  %6.1f GFLOP/s%n",
                b, q, r.tokensPerSecond(), r.pass().medianSeconds(), r.gflops());
            out.flush();
            rows.add(row(s, "prefill", Map.of("batch", b, "seq", q, "medianSeconds", r.pass().medianSeconds(),
                "bestSeconds", r.pass().bestSeconds(), "tokensPerSecond", r.tokensPerSecond(), "gflops", r.gflops())));
          }
          if (train) {
            var r = EngineBench.train(m, b, q, warmup, steps, peak);
            out.printf(Locale.ROOT, "  train   B%d x T%d: %10.1f tok/s  %8.3f s/step  %6.1f GFLOP/s  MFU %4.1f%%  "
                + "(%.1f MFLOP/token, loss %.3f)%n", b, q, r.tokensPerSecond(), r.step().medianSeconds(), r.gflops(),
                100 * r.mfu(), r.flopsPerToken() / 1e6, r.lastLoss());
            out.flush();
            rows.add(row(s, "train", Map.of("batch", b, "seq", q, "medianSeconds", r.step().medianSeconds(),
                "bestSeconds", r.step().bestSeconds(), "tokensPerSecond", r.tokensPerSecond(),
                "flopsPerToken", r.flopsPerToken(), "gflops", r.gflops(), "mfu", r.mfu())));
          }
        }
      }
      doc.put("results", rows);
      if (json != null) {
        Path parent = json.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), doc);
        out.println("wrote " + json);
      }
      out.flush();
      return 0;
    }

    private static Map<String, Object> row(Shape s, String bench, Map<String, Object> values) {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("bench", bench);
      r.put("shape", s.name());
      new java.util.TreeMap<>(values).forEach(r::put);
      return r;
    }
  }

  @Command(name = "train", mixinStandardHelpOptions = true,
      description = "Training-step throughput and MFU: forward, cross-entropy, backward, AdamW.")
  static final class Train implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Common common;

    @Override
    public Integer call() throws IOException {
      return common.run(spec, "both", true, false, false);
    }
  }

  @Command(name = "prefill", mixinStandardHelpOptions = true,
      description = "Prefill throughput: forward only over B x T with every position's logits.")
  static final class Prefill implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Common common;

    @Override
    public Integer call() throws IOException {
      return common.run(spec, "both", false, true, false);
    }
  }

  @Command(name = "decode", mixinStandardHelpOptions = true,
      description = "Greedy decode throughput with the KV cache, and the memory-bandwidth floor.")
  static final class Decode implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Common common;

    @Override
    public Integer call() throws IOException {
      return common.run(spec, "smollm2-135m", false, false, true);
    }
  }

  @Command(name = "all", mixinStandardHelpOptions = true, description = "decode, prefill and train, per shape.")
  static final class All implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Common common;

    @Override
    public Integer call() throws IOException {
      return common.run(spec, "both", true, true, true);
    }
  }
}
