package dev.tulu4j.tensor;

import dev.tulu4j.model.LlamaConfig;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.runtime.EngineBench;
import java.util.Arrays;
import java.util.Locale;

/**
 * Manual A/B (a main, not a test): the tiny (or 135M) model's prefill pass, training step (forward,
 * loss, backward; no optimizer) or decode call with one engine switch on and off, alternating pass by
 * pass in one JVM after a warm-up of 20 s (the order flips every round); prints the medians and the
 * median of the per-round ratios. Switches: {@code ownerFirst} ({@link Parallel#ownerFirst}),
 * {@code ownPanels} ({@link VectorGemm#ownPanelsRule}). Args: {@code [threads] [rounds] [prefill|train|decodeN] [tiny|smollm2-135m] [switch]}; decodeN is
 * {@code tulu4j bench decode}'s call at batch N (a 64-token prompt, 63 steps).
 */
public final class PassAbMain {
  private PassAbMain() {}

  public static void main(String[] args) throws Exception {
    int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 41;
    String what = args.length > 2 ? args[2] : "prefill";
    boolean big = args.length > 3 && args[3].startsWith("smol");
    String flag = args.length > 4 ? args[4] : "ownerFirst";
    java.util.function.Consumer<Boolean> set = switch (flag) {
      case "ownerFirst" -> on -> Parallel.ownerFirst = on;
      case "ownPanels" -> on -> VectorGemm.ownPanelsRule = on;
      default -> throw new IllegalArgumentException("switch " + flag);
    };
    System.out.println("cpu: " + CpuInfo.detect().describe());
    try (Parallel par = Parallel.create(threads)) {
      LlamaConfig cfg = big ? LlamaConfig.smollm2_135m() : LlamaConfig.tiny();
      LlamaModel m = LlamaModel.random(cfg, 42, new VectorGemm(par));
      int b = big ? 8 : 16, t = big ? 512 : 256;
      Runnable pass = switch (what) {
        case "train" -> EngineBench.trainStepWithoutUpdate(m, b, t, false);
        case "prefill" -> EngineBench.prefillPass(m, b, t);
        default -> EngineBench.decodeCall(m, Integer.parseInt(what.substring("decode".length())), 64, 64); // decodeN: batch N
      };
      long until = System.nanoTime() + 20_000_000_000L;
      int w = 0;
      while (System.nanoTime() < until) {
        set.accept((w++ & 1) == 0);
        pass.run();
      }
      double[][] wall = new double[2][rounds];
      double[] ratio = new double[rounds];
      for (int round = 0; round < rounds; round++) {
        for (int v = 0; v < 2; v++) {
          int path = (round & 1) == 0 ? v : 1 - v; // 0: switch on, 1: off
          set.accept(path == 0);
          long w1 = System.nanoTime();
          pass.run();
          wall[path][round] = (System.nanoTime() - w1) / 1e9;
        }
        ratio[round] = wall[1][round] / wall[0][round];
      }
      set.accept(true);
      System.out.printf(Locale.ROOT, "%s %s, %d threads, %d rounds (warm-up %d passes): median wall %s on %.4f s, off %.4f s "
          + "(%.3fx); per-round ratio median %.3f, on faster in %d of %d%n", big ? "smollm2-135m" : "tiny", what,
          threads, rounds, w, flag, median(wall[0]), median(wall[1]), median(wall[1]) / median(wall[0]), median(ratio),
          Arrays.stream(ratio).filter(x -> x > 1).count(), rounds);
    }
  }

  private static double median(double[] x) {
    double[] s = x.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }
}
