package dev.tulu4j.model;

import dev.tulu4j.tensor.DecodeGemm;
import java.util.Locale;

/**
 * What the touching 2 × 6 tile ({@link DecodeGemm#touchTile}) buys inside the batched decode step (not
 * a test: a {@code main} for docs/PERFORMANCE.md, "Session 15: decode b32"). In one JVM, alternating
 * round by round with the first configuration rotating, it runs {@link DecodeProfileMain}'s workload
 * (64-token prompt, 63 greedy steps) with the touching tile and with the tiles it replaced (session
 * 8's 2 × 6 above depth 256, the read-ahead 2 × 8 up to it; same bits), and prints per configuration
 * the median over rounds of the per-phase CPU ms per step (all threads) and of the wall ms per step ({@link DecodeAbHarness}). Comparing in one JVM matters here: the same kernel ran at 100 or 185 GFLOP per
 * CPU-second in different JVMs on this shared machine.
 *
 * <p>Arguments: {@code shape batch threads rounds [reps per round]}.
 */
public final class DecodeTouchAbMain {
  private static final String[] CONFIGS = {"touch", "old"};

  public static void main(String[] args) {
    int batch = Integer.parseInt(args[1]), threads = Integer.parseInt(args[2]), rounds = Integer.parseInt(args[3]);
    int reps = args.length > 4 ? Integer.parseInt(args[4]) : 1;
    double[][][] ms = DecodeAbHarness.run(args[0], batch, threads, rounds, reps, 64, 64, CONFIGS.length, cfg -> DecodeGemm.touchTile = cfg == 0);
    DecodeGemm.touchTile = true;
    DecodeAbHarness.print(String.format(Locale.ROOT, "%s b%d, %d threads, %d rounds x %d runs of 63 steps: median CPU ms/step (all threads)",
        args[0], batch, threads, rounds, reps), CONFIGS, ms);
  }
}
