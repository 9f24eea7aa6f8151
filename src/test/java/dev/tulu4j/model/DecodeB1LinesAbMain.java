package dev.tulu4j.model;

import dev.tulu4j.tensor.FewRowsGemm;
import java.util.Locale;

/**
 * What reading W's rows as whole cache lines ({@code FewRowsGemm.lineLoads}) buys in the batch-1
 * decode step (not a test: a {@code main} for docs/PERFORMANCE.md). In one JVM, alternating round by
 * round ({@link DecodeAbHarness}), line loads two rows at a time, line loads one row at a time, and
 * plain loads (same bits); prints the median CPU ms
 * per step per phase (all threads) and wall ms per step, and the ratios to the first.
 *
 * <p>Arguments: {@code shape threads rounds [reps per round]}.
 */
public final class DecodeB1LinesAbMain {
  private static final String[] CONFIGS = {"paired", "lines", "plain"};

  public static void main(String[] args) {
    int threads = Integer.parseInt(args[1]), rounds = Integer.parseInt(args[2]);
    int reps = args.length > 3 ? Integer.parseInt(args[3]) : 1;
    double[][][] ms = DecodeAbHarness.run(args[0], 1, threads, rounds, reps, 64, 64, CONFIGS.length,
        cfg -> {
          FewRowsGemm.lineLoads = cfg < 2;
          FewRowsGemm.pairedRows = cfg == 0;
        });
    FewRowsGemm.lineLoads = true;
    FewRowsGemm.pairedRows = true;
    DecodeAbHarness.print(String.format(Locale.ROOT, "%s b1, %d threads, %d rounds x %d runs of 63 steps: median CPU ms/step (all threads)",
        args[0], threads, rounds, reps), CONFIGS, ms, DecodeAbHarness.TOTAL, DecodeAbHarness.WALL);
  }
}
