package dev.tulu4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tulu4j.model.LlamaConfig;
import dev.tulu4j.train.MemoryPlan;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.model.LoraConfig;
import dev.tulu4j.model.WeightsDtype;
import dev.tulu4j.runtime.EngineBench;
import dev.tulu4j.runtime.GemmProfile;
import dev.tulu4j.runtime.SteadyWarmup;
import dev.tulu4j.tensor.AutoGemm;
import dev.tulu4j.tensor.CpuInfo;
import dev.tulu4j.tensor.Gemms;
import dev.tulu4j.tensor.OpenBlasGemm;
import java.util.Optional;
import dev.tulu4j.tensor.FmaPeak;
import dev.tulu4j.tensor.VectorGemm;
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
        case "olmo2-1b" -> new Shape("olmo2-1b", LlamaConfig.olmo2_1b(), 4, 512);
        case "qwen3-0.6b" -> new Shape("qwen3-0.6b", LlamaConfig.qwen3_06b(), 4, 512);
        case "gemma2-2b" -> new Shape("gemma2-2b", LlamaConfig.gemma2_2b(), 2, 512);
        case "qwen2.5-0.5b", "0.5b" -> new Shape("qwen2.5-0.5b", LlamaConfig.qwen25_05b(), 1, 4096);
        default -> throw new IllegalArgumentException("--shape must be tiny, smollm2-135m, olmo2-1b, qwen3-0.6b, gemma2-2b, "
            + "qwen2.5-0.5b or both, got '" + name + "'");
      };
    }

    static List<Shape> parse(String s) {
      return s.equalsIgnoreCase("both") ? List.of(of("tiny"), of("smollm2-135m")) : List.of(of(s));
    }
  }

  /** {@code bench --gemm auto}: the measurement of one workload may take this long. */
  static final double AUTO_BOUND_SECONDS = 60;

  /** Options every engine benchmark takes. */
  static final class Common {
    @Option(names = "--shape", description = "tiny, smollm2-135m, olmo2-1b, qwen3-0.6b, gemma2-2b, qwen2.5-0.5b "
        + "(B1 × T4096) or both = tiny and smollm2-135m (default: both; decode: smollm2-135m).")
    String shape;

    @Option(names = "--batch", description = "Override the batch (train/prefill: rows; default 16 tiny, 8 for 135M).")
    Integer batch;

    @Option(names = "--seq", description = "Override the sequence length (default 256 tiny, 512 for 135M).")
    Integer seq;

    @Option(names = "--steps", defaultValue = "3", description = "Timed repetitions per measurement (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--warmup", defaultValue = "1", description = "Untimed repetitions before timing; decode also for at least 2 s; when > 0, the warm-up then goes on until the speed is steady (a 1 s window of repetitions no longer 3%% faster than the one before; at most 30 s) (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--decode-batches", split = ",", defaultValue = "1,32", description = "Decode batch sizes (default: ${DEFAULT-VALUE}).")
    List<Integer> decodeBatches;

    @Option(names = "--prompt-len", defaultValue = "64", description = "Decode prompt length (default: ${DEFAULT-VALUE}).")
    int promptLen;

    @Option(names = "--new-tokens", defaultValue = "64", description = "Decode new tokens (default: ${DEFAULT-VALUE}).")
    int newTokens;

    @Option(names = "--peak", description = "fp32 peak GFLOP/s for MFU (default: the detected CPU's measured FMA peak "
        + "per core x threads: Zen 5 215, Zen 4 115; the Zen 5 figure, marked ASSUMED, on any other CPU).")
    Double peak;

    @Option(names = "--gemm", defaultValue = "auto", description = "GEMM backend: auto, vector or openblas (default: ${DEFAULT-VALUE}).")
    String gemm;

    @Option(names = "--threads", description = "Kernel threads (default: available processors).")
    Integer threads;

    @Option(names = "--bandwidth-mib", defaultValue = "1024",
        description = "Array size of the read-bandwidth measurement behind the decode floor, MiB (default: ${DEFAULT-VALUE}).")
    int bandwidthMib;

    @Option(names = "--json", description = "Also write the results as JSON to this file.")
    Path json;

    @Option(names = "--activation-checkpointing", description = "train: recompute each layer in the backward "
        + "(train.activation_checkpointing); prints the memory plan and the heap's peak use.")
    boolean activationCheckpointing;

    @Option(names = "--gemm-profile", description = "After each workload, print calls, wall and calling-thread CPU "
        + "time per GEMM shape (use --threads 1 to read GFLOP per CPU-second per shape).")
    boolean gemmProfile;

    @Option(names = "--weights-dtype", split = ",", defaultValue = "fp32",
        description = "Decode weights in memory: fp32, bf16 (a frozen bf16 copy of the same random weights), or "
            + "fp32,bf16 to alternate both in one session and print their speed ratio (default: ${DEFAULT-VALUE}; "
            + "prefill and train always use fp32).")
    List<String> weightsDtypes;

    @Option(names = "--rounds", defaultValue = "1",
        description = "Decode: measure every batch size this many times, alternating the weight dtypes; train with --lora: "
            + "measure the full and the LoRA step this many times each, alternating (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--lora", paramLabel = "r=N[,alpha=A][,dropout=P][,targets=all-linear|q_proj:v_proj...][,rslora]",
        description = "train: also time a LoRA step (frozen base sharing the same weights, adapter of rank r, PEFT's "
            + "meaning as in the config's lora: section; alpha defaults to 16) against the full step, alternating "
            + "--rounds times, and print the per-round and median time ratio.")
    String lora;

    /** Runs the chosen parts, prints a table per part, writes the JSON document. */
    int run(CommandSpec spec, String defaultShape, boolean train, boolean prefill, boolean decode) throws IOException {
      if (warmup < 0) throw new IllegalArgumentException("--warmup must be >= 0, got " + warmup);
      if (rounds < 1) throw new IllegalArgumentException("--rounds must be >= 1, got " + rounds);
      for (String d : weightsDtypes)
        if (WeightsDtype.parse(d) == WeightsDtype.AUTO) throw new IllegalArgumentException("--weights-dtype: random weights have no checkpoint dtype; use fp32 or bf16");
      LoraConfig loraConfig = lora == null ? null : parseLora(lora);
      PrintWriter out = spec.commandLine().getOut();
      List<Shape> shapes = Shape.parse(shape != null ? shape : defaultShape);
      int t = threads == null ? Parallel.defaultThreads() : threads;
      double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
      CpuInfo cpu = CpuInfo.detect();
      CpuInfo.Peak mfuPeak = peak == null ? cpu.assumedPeak(t) : new CpuInfo.Peak(peak, "--peak");
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("time", Instant.now().toString());
      doc.put("cpu", cpu.toJson());
      doc.put("gemmKernel", VectorGemm.KERNEL);
      doc.put("threads", t);
      doc.put("loadAverageAtStart", load);
      String heap = heapLine();
      doc.put("heap", heap);
      doc.put("peakGflops", mfuPeak.gflops());
      doc.put("peakSource", mfuPeak.source());
      List<Map<String, Object>> rows = new ArrayList<>();
      try (Kernels k = Kernels.create(new KernelConfig(GemmBackend.parse(gemm), t))) {
        doc.put("gemm", k.gemmReason());
        out.printf(Locale.ROOT, "engine bench: %d threads, gemm %s, load average %.2f at start (shared machine); %s%n",
            t, k.gemmReason(), load, heap);
        if (GemmBackend.parse(gemm) != GemmBackend.VECTOR && OpenBlasGemm.unavailableReason() == null) {
          OpenBlasGemm ob = OpenBlasGemm.load(t);
          doc.put("openblasCore", ob.coreName());
          doc.put("openblasConfig", ob.config());
          out.println(BenchCommand.GemmCommand.openBlasLine(ob));
        }
        Optional<AutoGemm> auto = Gemms.autoOf(k.gemm());
        List<String> autoLines = new ArrayList<>();
        if (auto.isPresent()) doc.put("gemmAutoMeasurements", autoLines);
        out.printf(Locale.ROOT, "cpu: %s; MFU peak %.0f GFLOP/s (%s); vector gemm kernel %s%n", cpu.describe(),
            mfuPeak.gflops(), mfuPeak.source(), VectorGemm.KERNEL);
        FmaPeak.Result fmaNow = FmaPeak.measure(t, 3, 100);
        doc.put("fmaNowGflops", fmaNow.gflops());
        out.println(fmaNow.describe() + String.format(Locale.ROOT, " = %.0f%% of the MFU peak", 100 * fmaNow.gflops() / mfuPeak.gflops()));
        double bw = 0;
        if (decode) {
          bw = EngineBench.readBandwidth(k.parallel(), (long) bandwidthMib << 20, 3);
          doc.put("readBandwidthGBs", bw / 1e9);
          out.printf(Locale.ROOT, "read bandwidth (%d MiB fp32 sum from a cache-line boundary, %d threads, best of 3): %.1f GB/s%n", bandwidthMib, t, bw / 1e9);
        }
        GemmProfile profile = gemmProfile ? new GemmProfile(k.gemm()) : null;
        for (Shape s : shapes) {
          LlamaModel m = LlamaModel.random(s.config(), 0, profile != null ? profile : k.gemm(), k.parallel());
          out.printf(Locale.ROOT, "%s: %.1fM parameters%n", s.name(), EngineBench.millions(m));
          int b = batch != null ? batch : s.batch();
          int q = seq != null ? seq : s.seq();
          int maxDecodeBatch = decodeBatches.stream().mapToInt(Integer::intValue).max().orElse(1);
          if (decode) autoChoose(auto, s.name() + " decode b" + maxDecodeBatch + " (prompt " + promptLen + " + "
              + newTokens + " new)", () -> EngineBench.decodeCall(m, maxDecodeBatch, promptLen, newTokens), out, autoLines);
          if (decode) rows.addAll(tagged(decodeRows(s, m, bw, out), k));
          if (profile != null && decode) profile.reportAndReset(out, s.name() + " decode (all batches, warm-up included)");
          if (prefill) autoChoose(auto, s.name() + " prefill B" + b + " x T" + q,
              () -> EngineBench.prefillPass(m, b, q), out, autoLines);
          if (prefill) rows.add(tagged(List.of(prefillRow(s, m, out)), k).getFirst());
          if (profile != null && prefill) profile.reportAndReset(out, s.name() + " prefill (warm-up included)");
          if (train) autoChoose(auto, s.name() + " train forward+backward B" + b + " x T" + q,
              () -> EngineBench.trainStepWithoutUpdate(m, b, q, activationCheckpointing), out, autoLines);
          if (train && loraConfig == null) rows.add(tagged(List.of(trainRow(s, m, mfuPeak.gflops(), out)), k).getFirst());
          if (train && loraConfig != null) rows.addAll(tagged(trainLoraRows(s, m, loraConfig, mfuPeak.gflops(), out), k));
          if (profile != null && train) profile.reportAndReset(out, s.name() + " train (warm-up included)");
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

    /**
     * {@code --gemm auto}: times whole calls of the workload about to run on both backends
     * ({@link AutoGemm#measure}, bounded by {@link #AUTO_BOUND_SECONDS}: a bench makes a few steps only,
     * and the measurement is part of what it reports) and keeps the faster for it; the rows record
     * what ran ({@code gemmBackend}).
     */
    private void autoChoose(Optional<AutoGemm> auto, String workload, java.util.function.Supplier<Runnable> step,
        PrintWriter out, List<String> lines) {
      if (auto.isEmpty()) return;
      AutoGemm.Measurement m = auto.get().measure(workload, step.get(), Math.max(1, warmup) + (long) steps * rounds,
          AUTO_BOUND_SECONDS);
      lines.add(m.line());
      out.println(m.line());
      out.flush();
    }

    /** The rows with the GEMM backend that ran their large products ({@link Gemms#id}). */
    private static List<Map<String, Object>> tagged(List<Map<String, Object>> rows, Kernels k) {
      for (Map<String, Object> r : rows) r.put("gemmBackend", Gemms.id(k.gemm()));
      return rows;
    }

    private List<Map<String, Object>> decodeRows(Shape s, LlamaModel fp32, double bw, PrintWriter out) {
      List<Map<String, Object>> rows = new ArrayList<>();
      List<WeightsDtype> dtypes = weightsDtypes.stream().map(WeightsDtype::parse).distinct().toList();
      Map<WeightsDtype, LlamaModel> models = new LinkedHashMap<>();
      for (WeightsDtype d : dtypes) models.put(d, d == WeightsDtype.BF16 ? fp32.frozenBf16Copy() : fp32);
      for (int db : decodeBatches) {
        Map<WeightsDtype, List<Double>> speeds = new LinkedHashMap<>();
        for (int round = 0; round < rounds; round++) {
          for (WeightsDtype d : dtypes) {
            LlamaModel m = models.get(d);
            var r = EngineBench.decode(m, db, promptLen, newTokens, warmup, steps, bw);
            speeds.computeIfAbsent(d, x -> new ArrayList<>()).add(r.tokensPerSecond());
            rows.add(decodeRow(s, m, d, round, db, bw, r, out));
          }
        }
        if (dtypes.size() == 2) {
          List<Double> a = speeds.get(dtypes.get(0)), b = speeds.get(dtypes.get(1));
          double[] ratio = new double[rounds];
          for (int i = 0; i < rounds; i++) ratio[i] = b.get(i) / a.get(i);
          double[] sorted = ratio.clone();
          java.util.Arrays.sort(sorted);
          out.printf(Locale.ROOT, "  decode  b%-3d %s/%s speed per round: %s; median %.2fx%n", db, dtypes.get(1).id(),
              dtypes.get(0).id(), java.util.Arrays.stream(ratio).mapToObj(x -> String.format(Locale.ROOT, "%.2fx", x)).toList(),
              sorted[rounds / 2]);
          out.flush();
        }
      }
      return rows;
    }

    /**
     * The collector, the heap's maximum and whether it asked for transparent huge pages: the benches'
     * large rows depend on them (a young collection that promotes gigabytes into fresh pages).
     */
    static String heapLine() {
      List<String> gcs = new ArrayList<>();
      for (var g : ManagementFactory.getGarbageCollectorMXBeans()) gcs.add(g.getName());
      boolean thp = ManagementFactory.getRuntimeMXBean().getInputArguments().contains("-XX:+UseTransparentHugePages");
      return String.format(Locale.ROOT, "heap %.1f GiB max, collectors %s, transparent huge pages %s",
          Runtime.getRuntime().maxMemory() / (double) (1L << 30), String.join(" + ", gcs), thp ? "asked" : "not asked");
    }

    private Map<String, Object> decodeRow(Shape s, LlamaModel m, WeightsDtype d, int round, int db, double bw,
        EngineBench.DecodeResult r, PrintWriter out) {
      long bytes = EngineBench.decodeWeightBytes(m);
      double floor = bw > 0 ? db * bw / bytes : 0;
      {
        out.printf(Locale.ROOT, "  decode  b%-3d %s prompt %d + %d new: %8.1f tok/s  %7.2f ms/step  "
            + "(floor %.0f tok/s from %.0f MB weights/step at %.1f GB/s: %.0f%% of it)  "
            + "%.2f cpu-ms/step, %.0f tok/cpu-s, others %.0f%%, gc %.2f s%n",
            db, d.id(), promptLen, newTokens, r.tokensPerSecond(), r.msPerStep(), floor,
            bytes / 1e6, bw / 1e9, 100 * r.tokensPerSecond() / floor,
            r.cpuMsPerStep(), r.tokensPerCpuSecond(), 100 * r.othersCpuShare(), r.gcSeconds());
        out.println("    " + r.warmup().describe());
        out.flush();
        return row(s, "decode", Map.ofEntries(Map.entry("batch", db), Map.entry("promptLen", promptLen),
            Map.entry("weightsDtype", d.id()), Map.entry("round", round),
            Map.entry("newTokens", newTokens), Map.entry("medianSeconds", r.steps().medianSeconds()),
            Map.entry("bestSeconds", r.steps().bestSeconds()), Map.entry("tokensPerSecond", r.tokensPerSecond()),
            Map.entry("msPerStep", r.msPerStep()), Map.entry("floorTokensPerSecond", floor),
            Map.entry("weightBytesPerStep", bytes),
            Map.entry("cpuMsPerStep", r.cpuMsPerStep()), Map.entry("tokensPerCpuSecond", Double.isNaN(r.tokensPerCpuSecond()) ? -1.0 : r.tokensPerCpuSecond()),
            Map.entry("othersCpuShare", Double.isNaN(r.othersCpuShare()) ? -1.0 : r.othersCpuShare()),
            Map.entry("gcSeconds", r.gcSeconds())), r.warmup());
      }
    }

    private Map<String, Object> prefillRow(Shape s, LlamaModel m, PrintWriter out) {
      int b = batch != null ? batch : s.batch();
      int q = seq != null ? seq : s.seq();
      var r = EngineBench.prefill(m, b, q, warmup, steps);
      out.printf(Locale.ROOT, "  prefill B%d x T%d: %10.1f tok/s  %8.3f s/pass  %6.1f GFLOP/s  (cpu %.3f s/pass, %.0f tok/cpu-s; gc %.2f s in %d passes)%n",
          b, q, r.tokensPerSecond(), r.pass().medianSeconds(), r.gflops(), r.cpuSecondsPerPass(),
          b * q / r.cpuSecondsPerPass(), r.gcSeconds(), r.pass().reps());
      out.println("    " + r.warmup().describe());
      out.flush();
      return row(s, "prefill", Map.of("batch", b, "seq", q, "medianSeconds", r.pass().medianSeconds(),
          "bestSeconds", r.pass().bestSeconds(), "tokensPerSecond", r.tokensPerSecond(), "gflops", r.gflops(),
          "cpuSecondsPerPass", r.cpuSecondsPerPass(), "gcSeconds", r.gcSeconds()), r.warmup());
    }

    private Map<String, Object> trainRow(Shape s, LlamaModel m, double peakGflops, PrintWriter out) {
      int b = batch != null ? batch : s.batch();
      int q = seq != null ? seq : s.seq();
      MemoryPlan plan = new MemoryPlan("bench train", "--seq").trained("policy", MemoryPlan.Trained.full(s.config()))
          .activations("policy", s.config(), b * q, activationCheckpointing);
      out.println("  " + plan.summary(MemoryPlan.usableHeap()));
      var r = EngineBench.train(m, b, q, warmup, steps, peakGflops, activationCheckpointing);
      out.printf(Locale.ROOT, "  heap: %.2f GiB peak used (sum of the heap pools' peaks), %.2f GiB max%n",
          heapPeakBytes() / (double) (1L << 30), Runtime.getRuntime().maxMemory() / (double) (1L << 30));
      out.printf(Locale.ROOT, "  train   B%d x T%d: %10.1f tok/s  %8.3f s/step  %6.1f GFLOP/s  MFU %4.1f%%  "
          + "(%.1f MFLOP/token, loss %.3f; cpu %.3f s/step, %.0f tok/cpu-s; gc %.2f s in %d steps)%n", b, q,
          r.tokensPerSecond(), r.step().medianSeconds(), r.gflops(), 100 * r.mfu(), r.flopsPerToken() / 1e6,
          r.lastLoss(), r.cpuSecondsPerStep(), b * q / r.cpuSecondsPerStep(), r.gcSeconds(), r.step().reps());
      out.println("    " + r.warmup().describe());
      out.flush();
      return row(s, "train", Map.of("batch", b, "seq", q, "medianSeconds", r.step().medianSeconds(),
          "bestSeconds", r.step().bestSeconds(), "tokensPerSecond", r.tokensPerSecond(),
          "flopsPerToken", r.flopsPerToken(), "gflops", r.gflops(), "mfu", r.mfu(),
          "cpuSecondsPerStep", r.cpuSecondsPerStep(), "gcSeconds", r.gcSeconds()), r.warmup());
    }

    /**
     * The full step and the LoRA step of the same weights (the LoRA model is a frozen view of the
     * full one plus a fresh adapter), timed alternately {@code --rounds} times: on a shared machine
     * only their ratio within a round means something, so the median ratio is the result.
     */
    private List<Map<String, Object>> trainLoraRows(Shape s, LlamaModel full, LoraConfig lc, double peakGflops, PrintWriter out) {
      int b = batch != null ? batch : s.batch();
      int q = seq != null ? seq : s.seq();
      LlamaModel lm = full.frozenView();
      lm.attachLora(lc, 0);
      MemoryPlan.Trained lt = MemoryPlan.Trained.lora(s.config(), lc, 4);
      out.printf(Locale.ROOT, "  lora: r %d, alpha %s, targets %s%s: %.2fM trainable of %.1fM (%.2f%%)%n", lc.r(),
          fmt(lc.alpha()), lc.targetNames(), lc.useRslora() ? ", rslora" : "", lt.trainableParams() / 1e6,
          lt.frozenParams() / 1e6, 100.0 * lt.trainableParams() / lt.frozenParams());
      out.println("  (the LoRA step alone; this bench also holds the full model, its gradients and AdamW state) "
          + new MemoryPlan("bench train --lora", "--seq").trained("policy", lt)
          .activations("policy", s.config(), b * q, activationCheckpointing).summary(MemoryPlan.usableHeap()));
      List<Map<String, Object>> rows = new ArrayList<>();
      double[] ratio = new double[rounds], cpuRatio = new double[rounds];
      for (int round = 0; round < rounds; round++) {
        int w = round == 0 ? warmup : 0; // later rounds run warm code
        var rf = EngineBench.train(full, b, q, w, steps, peakGflops, activationCheckpointing);
        var rl = EngineBench.train(lm, b, q, w, steps, peakGflops, activationCheckpointing);
        ratio[round] = rl.step().medianSeconds() / rf.step().medianSeconds();
        cpuRatio[round] = rf.cpuSecondsPerStep() > 0 ? rl.cpuSecondsPerStep() / rf.cpuSecondsPerStep() : Double.NaN;
        out.printf(Locale.ROOT, "  train   B%d x T%d round %d: full %8.3f s/step (%.2f cpu-s, %.1f tok/s, MFU %4.1f%%), "
            + "lora %8.3f s/step (%.2f cpu-s, %.1f tok/s): lora/full %.3fx wall, %.3fx cpu%n", b, q, round,
            rf.step().medianSeconds(), rf.cpuSecondsPerStep(), rf.tokensPerSecond(), 100 * rf.mfu(), rl.step().medianSeconds(),
            rl.cpuSecondsPerStep(), rl.tokensPerSecond(), ratio[round], cpuRatio[round]);
        out.flush();
        for (var e : List.of(Map.entry("full", rf), Map.entry("lora", rl))) {
          var r = e.getValue();
          Map<String, Object> v = new LinkedHashMap<>(Map.of("batch", b, "seq", q, "medianSeconds", r.step().medianSeconds(),
              "bestSeconds", r.step().bestSeconds(), "tokensPerSecond", r.tokensPerSecond(), "mode", e.getKey(),
              "round", round, "loss", r.lastLoss(), "cpuSecondsPerStep", r.cpuSecondsPerStep()));
          if (e.getKey().equals("lora")) {
            v.put("loraOverFull", ratio[round]);
            v.put("loraOverFullCpu", Double.isNaN(cpuRatio[round]) ? -1.0 : cpuRatio[round]);
          }
          rows.add(row(s, "train", v));
        }
      }
      out.printf(Locale.ROOT, "  train   lora/full step time per round: %s; median %.3fx%n", ratios(ratio), median(ratio));
      out.printf(Locale.ROOT, "  train   lora/full CPU time per round: %s; median %.3fx%n", ratios(cpuRatio), median(cpuRatio));
      out.flush();
      return rows;
    }

    private static List<String> ratios(double[] r) {
      return java.util.Arrays.stream(r).mapToObj(x -> String.format(Locale.ROOT, "%.3fx", x)).toList();
    }

    private static double median(double[] r) {
      double[] s = r.clone();
      java.util.Arrays.sort(s);
      return s[s.length / 2];
    }

    /** {@code r=16,alpha=32,dropout=0.05,targets=q_proj:v_proj,rslora} → the engine's LoRA config. */
    static LoraConfig parseLora(String spec) {
      Integer r = null;
      double alpha = 16, dropout = 0;
      boolean rslora = false;
      List<String> targets = List.of(LoraConfig.ALL_LINEAR);
      for (String part : spec.split(",")) {
        String p = part.trim();
        if (p.isEmpty()) continue;
        int eq = p.indexOf('=');
        String key = eq < 0 ? p : p.substring(0, eq).trim();
        String val = eq < 0 ? null : p.substring(eq + 1).trim();
        try {
          switch (key) {
            case "r" -> r = Integer.parseInt(need(key, val));
            case "alpha" -> alpha = Double.parseDouble(need(key, val));
            case "dropout" -> dropout = Double.parseDouble(need(key, val));
            case "targets" -> targets = List.of(need(key, val).split(":"));
            case "rslora" -> rslora = val == null || Boolean.parseBoolean(val);
            default -> throw new IllegalArgumentException("--lora: unknown key '" + key + "' (expected r, alpha, dropout, targets, rslora)");
          }
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("--lora: " + key + " must be a number, got '" + val + "'");
        }
      }
      if (r == null) throw new IllegalArgumentException("--lora: r=N is required, got '" + spec + "'");
      try {
        return new LoraConfig(r, alpha, dropout, targets, rslora, List.of());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--lora: " + e.getMessage());
      }
    }

    private static String need(String key, String val) {
      if (val == null || val.isEmpty()) throw new IllegalArgumentException("--lora: " + key + " needs a value (" + key + "=...)");
      return val;
    }

    private static String fmt(double x) {
      return x == Math.rint(x) ? Long.toString((long) x) : Double.toString(x);
    }

    /** Peak use of the heap pools since the JVM started (an upper bound of the live peak: includes garbage). */
    private static long heapPeakBytes() {
      long sum = 0;
      for (var pool : ManagementFactory.getMemoryPoolMXBeans())
        if (pool.getType() == java.lang.management.MemoryType.HEAP) sum += pool.getPeakUsage().getUsed();
      return sum;
    }

    private static Map<String, Object> row(Shape s, String bench, Map<String, Object> values) {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("bench", bench);
      r.put("shape", s.name());
      new java.util.TreeMap<>(values).forEach(r::put);
      return r;
    }

    /** {@link #row} with what the warm-up did ({@link SteadyWarmup}). */
    private static Map<String, Object> row(Shape s, String bench, Map<String, Object> values, SteadyWarmup.Summary w) {
      Map<String, Object> r = row(s, bench, values);
      r.put("warmupReps", w.reps());
      r.put("warmupSeconds", w.seconds());
      r.put("warmupSteady", w.steady());
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
