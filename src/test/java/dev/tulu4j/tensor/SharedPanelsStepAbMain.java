package dev.tulu4j.tensor;

import dev.tulu4j.model.Activations;
import dev.tulu4j.model.Batch;
import dev.tulu4j.model.LlamaConfig;
import dev.tulu4j.model.LlamaModel;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Manual A/B (a main, not a test): the SmolLM2-135M training step (B8×T512, forward, loss and
 * backward; no optimizer step, so every step does the same work) with
 * {@link VectorGemm#sharedPanelsRule} on and off, alternating step by step in one JVM (the order
 * flips every round); prints each step's wall and process CPU and the medians. Args:
 * {@code [threads] [rounds]}.
 */
public final class SharedPanelsStepAbMain {
  private SharedPanelsStepAbMain() {}

  public static void main(String[] args) throws Exception {
    int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
    System.out.println("cpu: " + CpuInfo.detect().describe());
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    try (Parallel par = Parallel.create(threads)) {
      LlamaConfig cfg = LlamaConfig.smollm2_135m();
      LlamaModel m = LlamaModel.random(cfg, 42, new VectorGemm(par));
      int b = 8, t = 512, n = b * t;
      SplittableRandom r = new SplittableRandom(3);
      int[] ids = r.ints(n, 0, cfg.vocabSize()).toArray();
      int[] targets = new int[n];
      for (int i = 0; i < n; i++) targets[i] = (i + 1) % t == 0 ? -100 : ids[i + 1];
      Batch batch = new Batch(b, t, ids, targets, null, null);
      Activations act = Activations.training(cfg, n, false);
      double[][] wall = new double[2][rounds], cpu = new double[2][rounds];
      for (int round = -1; round < rounds; round++) {
        for (int v = 0; v < 2; v++) {
          int path = (round & 1) == 0 ? v : 1 - v; // 0: shared (default), 1: whole panels
          VectorGemm.sharedPanelsRule = path == 0;
          m.zeroGrad();
          long c1 = os.getProcessCpuTime(), w1 = System.nanoTime();
          m.lossAndBackward(batch, act, 1f / n);
          long c2 = os.getProcessCpuTime(), w2 = System.nanoTime();
          VectorGemm.sharedPanelsRule = true;
          System.out.printf(Locale.ROOT, "round %d %s wall %.3f s cpu %.3f s%n", round, path == 0 ? "shared" : "whole ",
              (w2 - w1) / 1e9, (c2 - c1) / 1e9);
          if (round >= 0) {
            wall[path][round] = (w2 - w1) / 1e9;
            cpu[path][round] = (c2 - c1) / 1e9;
          }
        }
      }
      System.out.printf(Locale.ROOT, "median wall shared %.3f s whole %.3f s (%.3fx); cpu shared %.3f s whole %.3f s (%.3fx)%n",
          median(wall[0]), median(wall[1]), median(wall[1]) / median(wall[0]), median(cpu[0]), median(cpu[1]),
          median(cpu[1]) / median(cpu[0]));
    }
  }

  private static double median(double[] x) {
    double[] s = x.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }
}
