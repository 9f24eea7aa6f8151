package dev.tulu4j.model;

import dev.tulu4j.tensor.GemmBackend;
import dev.tulu4j.tensor.KernelConfig;
import dev.tulu4j.tensor.Kernels;
import dev.tulu4j.tensor.TaskRunner;
import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * Command-line harness for {@link ModelBench} that also reports CPU time, so runs on a shared
 * machine can be read per CPU-second: {@code java ... dev.tulu4j.model.ModelBenchMain
 * [backend=vector|openblas|auto] [threads=2] [model=tiny|smollm2] [what=train:16x256,train:8x256,
 * prefill:16x256,decode:32x64x32] [reps=3] [runner=pool|common|default] [profile=false]}. Each workload runs the model the way the CLI builds it:
 * the selected GEMM and the shared pool as the model's task runner.
 */
public final class ModelBenchMain {
  private ModelBenchMain() {}

  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static ModelBench.Result run(LlamaModel m, String kind, String[] d, int reps) {
    int b = Integer.parseInt(d[0]);
    return switch (kind) {
      case "train" -> ModelBench.trainStep(m, b, Integer.parseInt(d[1]), reps);
      case "prefill" -> ModelBench.prefill(m, b, Integer.parseInt(d[1]), reps);
      case "decode" -> ModelBench.decode(m, b, Integer.parseInt(d[1]), Integer.parseInt(d[2]));
      default -> throw new IllegalArgumentException("unknown workload " + kind);
    };
  }

  public static void main(String[] args) {
    String backend = "vector";
    int threads = 2;
    String model = "tiny";
    String what = "train:16x256,train:8x256,decode:32x64x32";
    int reps = 3;
    boolean profile = false;
    String runner = "pool";
    for (String a : args) {
      String[] kv = a.split("=", 2);
      switch (kv[0]) {
        case "backend" -> backend = kv[1];
        case "threads" -> threads = Integer.parseInt(kv[1]);
        case "model" -> model = kv[1];
        case "what" -> what = kv[1];
        case "reps" -> reps = Integer.parseInt(kv[1]);
        case "profile" -> profile = Boolean.parseBoolean(kv[1]);
        case "runner" -> runner = kv[1];
        default -> throw new IllegalArgumentException("unknown argument " + a);
      }
    }
    LlamaConfig cfg = model.equals("tiny") ? LlamaConfig.tiny() : LlamaConfig.smollm2_135m();
    try (Kernels k = Kernels.create(new KernelConfig(GemmBackend.valueOf(backend.toUpperCase(Locale.ROOT)), threads))) {
      System.out.println("gemm: " + k.gemmReason());
      ShapeProfile prof = profile ? new ShapeProfile(k.gemm()) : null;
      dev.tulu4j.tensor.Gemm g = profile ? prof : k.gemm();
      LlamaModel m = switch (runner) {
        case "pool" -> LlamaModel.random(cfg, 1, g, k.parallel()::parallelFor);
        case "common" -> LlamaModel.random(cfg, 1, g, TaskRunner.commonPool());
        case "default" -> LlamaModel.random(cfg, 1, g);
        default -> throw new IllegalArgumentException("runner must be pool, common or default");
      };
      for (String w : what.split(",")) {
        String[] p = w.split(":");
        String[] d = p[1].split("x");
        if (!p[0].equals("decode")) run(m, p[0], d, 1); // warm-up: JIT and scratch buffers
        if (prof != null) prof.reset();
        long c0 = cpuNanos();
        long t0 = System.nanoTime();
        ModelBench.Result r = run(m, p[0], d, reps);
        double wall = (System.nanoTime() - t0) / 1e9;
        double cpu = (cpuNanos() - c0) / 1e9;
        // timed repetitions plus ModelBench's own warm-up repetition (decode: prefill + steps)
        int repsDone = p[0].equals("decode") ? 1 : reps + 1;
        double tokAll = (double) r.tokensPerRep() * repsDone;
        System.out.printf(Locale.ROOT, "%s | wall %.2fs cpu %.2fs (%.2f cores) | %.0f tok/cpu-s%n",
            r, wall, cpu, cpu / wall, tokAll / cpu);
        if (prof != null) {
          prof.report(cpu);
        }
      }
    }
  }
}
