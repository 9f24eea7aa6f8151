package dev.tulu4j.model;

import java.util.Locale;

/**
 * What eight and four (row, kv head) attention tasks at once ({@link DecodeStep#octAttention},
 * {@link DecodeStep#quadAttention}, {@link DecodeAttentionWide}) buy inside the batched decode step
 * against two at once (not a test: a {@code main} for docs/experiments/2026-12-07-s16-b32.md). In one
 * JVM, alternating round by round with the first configuration rotating, it runs
 * {@link DecodeProfileMain}'s workload (64-token prompt, 63 greedy steps) with each configuration (same
 * bits) and prints per configuration the median over rounds of the per-phase CPU ms per step (all
 * threads) and of the wall ms per step, and the median over rounds of its attention and total CPU
 * against the first configuration's in the same round (with the range), which cancels the drifts of a
 * shared host.
 *
 * <p>Arguments: {@code shape batch threads rounds [reps per round [promptLen newTokens]]}.
 */
public final class DecodeAttentionAbMain {
  private static final String[] CONFIGS = {"eight", "four", "pair"};

  public static void main(String[] args) {
    int batch = Integer.parseInt(args[1]), threads = Integer.parseInt(args[2]), rounds = Integer.parseInt(args[3]);
    int reps = args.length > 4 ? Integer.parseInt(args[4]) : 1;
    int promptLen = args.length > 5 ? Integer.parseInt(args[5]) : 64, newTokens = args.length > 6 ? Integer.parseInt(args[6]) : 64;
    double[][][] ms = DecodeAbHarness.run(args[0], batch, threads, rounds, reps, promptLen, newTokens, CONFIGS.length, cfg -> {
      DecodeStep.quadAttention = cfg < 2;
      DecodeStep.octAttention = cfg == 0;
    });
    DecodeStep.quadAttention = true;
    DecodeStep.octAttention = true;
    DecodeAbHarness.print(String.format(Locale.ROOT, "%s b%d, %d threads, %d rounds x %d runs of %d steps: median CPU ms/step (all threads)",
        args[0], batch, threads, rounds, reps, newTokens - 1), CONFIGS, ms, 1, DecodeAbHarness.TOTAL);
  }
}
