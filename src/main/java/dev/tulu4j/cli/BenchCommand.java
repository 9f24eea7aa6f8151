package dev.tulu4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tulu4j.tensor.CpuInfo;
import dev.tulu4j.tensor.FmaPeak;
import dev.tulu4j.tensor.Gemm;
import dev.tulu4j.tensor.GemmBench;
import dev.tulu4j.tensor.OpenBlasGemm;
import dev.tulu4j.tensor.Parallel;
import dev.tulu4j.tensor.VectorGemm;
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
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tulu4j bench ...}: micro-benchmarks of the engine (more subcommands join later). */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Micro-benchmarks of the engine.",
    subcommands = {BenchCommand.GemmCommand.class, BenchCommand.AttentionCommand.class, EngineBenchCommands.Train.class, EngineBenchCommands.Prefill.class,
        EngineBenchCommands.Decode.class, EngineBenchCommands.All.class, ServeBenchCommand.class})
public final class BenchCommand implements Runnable {

  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code tulu4j bench attention}: one layer's training attention, in-place products against plain sgemm. */
  @Command(name = "attention", mixinStandardHelpOptions = true,
      description = {"One layer's training attention (BlockAttention forward + backward, random inputs, the vector "
          + "GEMM) in process CPU time: the products with B read in place (what the model runs) against the same "
          + "GEMM through plain sgemm calls (the earlier path), alternating in rounds; checks both give the same bits.",
          "GF/cpu-s counts the blocks' seven products (2 forward, 5 backward)."})
  static final class AttentionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--shape", defaultValue = "tiny", description = "tiny (B16 T256 H8 D32) or smollm2-135m "
        + "(B8 T512 H9 Hkv3 D64) (default: ${DEFAULT-VALUE}).")
    String shape;

    @Option(names = "--threads", defaultValue = "1", description = "Threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--rounds", defaultValue = "7", description = "Alternating rounds (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--reps", defaultValue = "20", description = "Passes per way per round (default: ${DEFAULT-VALUE}).")
    int reps;

    @Option(names = "--warmup", defaultValue = "5", description = "Untimed passes per way (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Override
    public Integer call() {
      int[] sh = switch (shape.toLowerCase(Locale.ROOT)) {
        case "tiny" -> new int[] {16, 256, 8, 8, 32};
        case "smollm2-135m", "135m" -> new int[] {8, 512, 9, 3, 64};
        default -> throw new IllegalArgumentException("--shape must be tiny or smollm2-135m, got '" + shape + "'");
      };
      if (threads < 1 || rounds < 1 || reps < 1 || warmup < 1) {
        throw new IllegalArgumentException("--threads, --rounds, --reps and --warmup must be >= 1");
      }
      PrintWriter out = spec.commandLine().getOut();
      CpuInfo cpu = CpuInfo.detect();
      double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
      out.printf(Locale.ROOT, "attention bench: %s B%d T%d H%d Hkv%d D%d, %d threads, load average %.2f at start%n",
          shape, sh[0], sh[1], sh[2], sh[3], sh[4], threads, load);
      out.printf(Locale.ROOT, "cpu: %s; vector kernel %s%n", cpu.describe(), VectorGemm.KERNEL);
      double flops = dev.tulu4j.model.AttentionBench.flops(sh[0], sh[1], sh[2], sh[4]);
      try (Parallel parallel = Parallel.create(threads)) {
        List<dev.tulu4j.model.AttentionBench.Round> rs = dev.tulu4j.model.AttentionBench.run(new VectorGemm(parallel),
            parallel, sh[0], sh[1], sh[2], sh[3], sh[4], warmup, reps, rounds);
        out.printf(Locale.ROOT, "%5s %14s %14s %10s %10s %8s%n", "round", "in place ms", "plain ms", "in place", "plain",
            "speedup");
        double[] sp = new double[rs.size()], a = new double[rs.size()], b = new double[rs.size()];
        for (int i = 0; i < rs.size(); i++) {
          var r = rs.get(i);
          sp[i] = r.speedup();
          a[i] = r.inPlaceCpuSeconds();
          b[i] = r.plainCpuSeconds();
          out.printf(Locale.ROOT, "%5d %14.2f %14.2f %5.1f GF/cpu-s %5.1f GF/cpu-s %7.2fx%n", i + 1, a[i] * 1e3, b[i] * 1e3,
              flops / a[i] / 1e9, flops / b[i] / 1e9, sp[i]);
        }
        java.util.Arrays.sort(sp);
        java.util.Arrays.sort(a);
        java.util.Arrays.sort(b);
        int mid = rs.size() / 2;
        out.printf(Locale.ROOT, "median: in place %.2f ms (%.1f GF/cpu-s), plain %.2f ms (%.1f GF/cpu-s), per-round speedup "
            + "median %.2fx (same bits: checked)%n", a[mid] * 1e3, flops / a[mid] / 1e9, b[mid] * 1e3, flops / b[mid] / 1e9,
            sp[mid]);
      }
      return 0;
    }
  }

  /** {@code tulu4j bench gemm}: fp32 GEMM throughput of the backends. */
  @Command(name = "gemm", mixinStandardHelpOptions = true,
      description = {"fp32 GEMM throughput (2·m·n·k flops / median time after warm-up).",
          "GF/cpu-s: flops per CPU-second of this process; others: share of all CPUs that other "
              + "processes used meanwhile (0%% = clean run)."})
  static final class GemmCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--size", split = ",", defaultValue = "1024,4096",
        description = "Shapes: N (square) or MxNxK, comma-separated (default: ${DEFAULT-VALUE}).")
    List<String> sizes;

    @Option(names = "--backend", defaultValue = "all",
        description = "vector, openblas or all (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--threads", description = "Threads (default: available processors).")
    Integer threads;

    @Option(names = "--trans", defaultValue = "NN",
        description = "Transposes of A and B: NN, NT, TN or TT (default: ${DEFAULT-VALUE}).")
    String trans;

    @Option(names = "--reps", description = "Timed calls per shape (default: about 3 s of work, 3..50).")
    Integer reps;

    @Option(names = "--warmup-seconds", defaultValue = "1.0",
        description = "Untimed warm-up per shape and backend, seconds (default: ${DEFAULT-VALUE}).")
    double warmupSeconds;

    @Option(names = "--peak", description = "fp32 peak for the utilisation column, GFLOP/s "
        + "(default: the detected CPU's measured FMA peak per core x threads: Zen 5 215, Zen 4 115; "
        + "the Zen 5 figure, marked ASSUMED, on any other CPU).")
    Double peak;

    @Option(names = "--json", description = "Also write the results as JSON to this file.")
    Path json;

    @Override
    public Integer call() throws IOException {
      int t = threads == null ? Parallel.defaultThreads() : threads;
      if (t < 1) {
        throw new IllegalArgumentException("--threads must be >= 1, got " + t);
      }
      String tr = trans.toUpperCase(Locale.ROOT);
      if (!tr.matches("[NT][NT]")) {
        throw new IllegalArgumentException("--trans must be NN, NT, TN or TT, got '" + trans + "'");
      }
      boolean transA = tr.charAt(0) == 'T';
      boolean transB = tr.charAt(1) == 'T';
      List<int[]> shapes = new ArrayList<>();
      for (String s : sizes) {
        shapes.add(parseShape(s));
      }
      String b = backend.toLowerCase(Locale.ROOT);
      if (!List.of("vector", "openblas", "all").contains(b)) {
        throw new IllegalArgumentException("--backend must be vector, openblas or all, got '" + backend + "'");
      }
      CpuInfo cpu = CpuInfo.detect();
      CpuInfo.Peak assumed = cpu.assumedPeak(t);
      CpuInfo.Peak used = peak == null ? assumed : new CpuInfo.Peak(peak, "--peak");
      double peakGflops = used.gflops();
      PrintWriter out = spec.commandLine().getOut();
      double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
      out.printf(Locale.ROOT, "gemm bench: %d threads, trans %s, load average %.2f at start%n", t, tr, load);
      out.printf(Locale.ROOT, "cpu: %s; peak %.0f GFLOP/s (%s); vector kernel %s%n", cpu.describe(), peakGflops,
          used.source(), VectorGemm.KERNEL);
      FmaPeak.Result fmaNow = FmaPeak.measure(t, 3, 100);
      out.println(fmaNow.describe() + String.format(Locale.ROOT, " = %.0f%% of the peak above", 100 * fmaNow.gflops() / peakGflops));

      List<GemmBench.Result> results = new ArrayList<>();
      String coreName = null;
      String coreConfig = null;
      try (Parallel parallel = Parallel.create(t)) {
        List<Gemm> gemms = new ArrayList<>();
        if (b.equals("vector") || b.equals("all")) {
          gemms.add(new VectorGemm(parallel));
        }
        if (b.equals("openblas") || b.equals("all")) {
          String why = OpenBlasGemm.unavailableReason();
          if (why != null) {
            if (b.equals("openblas")) {
              throw new IllegalStateException(why);
            }
            out.println("skipping openblas: " + why);
          } else {
            OpenBlasGemm ob = OpenBlasGemm.load(t);
            coreName = ob.coreName();
            coreConfig = ob.config();
            out.println(openBlasLine(ob));
            gemms.add(ob);
          }
        }
        out.printf(Locale.ROOT, "%-9s %6s %6s %6s %5s %10s %9s %9s %8s %9s %7s%n",
            "backend", "m", "n", "k", "reps", "median ms", "GFLOP/s", "best", "of peak", "GF/cpu-s", "others");
        for (int[] s : shapes) {
          for (Gemm g : gemms) {
            int r = reps != null ? reps : GemmBench.repsFor(s[0], s[1], s[2], 3.0, 300);
            GemmBench.Result res = GemmBench.run(g, t, s[0], s[1], s[2], transA, transB, 2, warmupSeconds, r);
            results.add(res);
            out.printf(Locale.ROOT, "%-9s %6d %6d %6d %5d %10.3f %9.1f %9.1f %7.0f%% %9.1f %6.0f%%%n",
                g.name(), s[0], s[1], s[2], r, res.medianSeconds() * 1e3, res.medianGflops(),
                res.bestGflops(), 100 * res.medianGflops() / peakGflops, res.gflopsPerCpuSecond(),
                100 * res.othersCpuShare());
            out.flush();
          }
        }
      }
      if (json != null) {
        writeJson(json, t, tr, load, cpu, used, fmaNow, coreName, coreConfig, results);
        out.println("wrote " + json);
      }
      return 0;
    }

    /**
     * The OpenBLAS kernels that will run and why: {@code openblas_get_corename}, {@code openblas_get_config}
     * and the environment variables that steer them (the machines here export OPENBLAS_CORETYPE=Haswell;
     * a benchmark of the library's own choice unsets it for its command only).
     */
    static String openBlasLine(OpenBlasGemm ob) {
      return "openblas kernels: " + ob.coreName() + " (" + ob.config() + "; " + openBlasEnv() + ")";
    }

    static String openBlasEnv() {
      return "OPENBLAS_CORETYPE=" + System.getenv().getOrDefault("OPENBLAS_CORETYPE", "unset")
          + " OPENBLAS_L2_SIZE=" + System.getenv().getOrDefault("OPENBLAS_L2_SIZE", "unset");
    }

    static int[] parseShape(String s) {
      String[] d = s.trim().toLowerCase(Locale.ROOT).split("x");
      try {
        if (d.length == 1) {
          int n = Integer.parseInt(d[0]);
          return checked(s, n, n, n);
        }
        if (d.length == 3) {
          return checked(s, Integer.parseInt(d[0]), Integer.parseInt(d[1]), Integer.parseInt(d[2]));
        }
      } catch (NumberFormatException e) {
        // fall through to the error below
      }
      throw new IllegalArgumentException("--size: '" + s + "' is not N or MxNxK");
    }

    private static int[] checked(String s, int m, int n, int k) {
      if (m < 1 || n < 1 || k < 1 || (long) m * k > Integer.MAX_VALUE || (long) k * n > Integer.MAX_VALUE
          || (long) m * n > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("--size: '" + s + "' must be positive and fit a Java array");
      }
      return new int[] {m, n, k};
    }

    private static void writeJson(Path file, int threads, String trans, double load, CpuInfo cpu, CpuInfo.Peak peak,
        FmaPeak.Result fmaNow, String coreName, String coreConfig, List<GemmBench.Result> results) throws IOException {
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("bench", "gemm");
      doc.put("time", Instant.now().toString());
      doc.put("cpu", cpu.toJson());
      doc.put("gemmKernel", VectorGemm.KERNEL);
      doc.put("threads", threads);
      doc.put("trans", trans);
      doc.put("loadAverageAtStart", load);
      doc.put("peakGflops", peak.gflops());
      doc.put("peakSource", peak.source());
      doc.put("fmaNowGflops", fmaNow.gflops());
      doc.put("openblasCore", coreName);
      doc.put("openblasConfig", coreConfig);
      doc.put("openblasEnv", openBlasEnv());
      List<Map<String, Object>> rows = new ArrayList<>();
      for (GemmBench.Result r : results) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("backend", r.backend());
        row.put("m", r.m());
        row.put("n", r.n());
        row.put("k", r.k());
        row.put("reps", r.reps());
        row.put("medianSeconds", r.medianSeconds());
        row.put("bestSeconds", r.bestSeconds());
        row.put("medianGflops", r.medianGflops());
        row.put("bestGflops", r.bestGflops());
        row.put("cpuSecondsPerCall", r.cpuSecondsPerCall());
        row.put("gflopsPerCpuSecond", r.gflopsPerCpuSecond());
        row.put("othersCpuShare", Double.isNaN(r.othersCpuShare()) ? null : r.othersCpuShare());
        rows.add(row);
      }
      doc.put("results", rows);
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), doc);
    }
  }
}
