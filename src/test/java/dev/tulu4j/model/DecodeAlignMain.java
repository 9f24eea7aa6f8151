package dev.tulu4j.model;

import dev.tulu4j.tensor.CacheLines;
import dev.tulu4j.tensor.DecodeGemm;
import java.util.Locale;

/**
 * What starting the decode step's buffers on cache lines buys (not a test: a {@code main} for
 * docs/PERFORMANCE.md, "Session 13: decode b32 and cache lines"). In one JVM, alternating round by
 * round, it runs {@link DecodeProfileMain}'s workload (64-token prompt, 63 greedy steps) with every
 * buffer on a line (skew 0), the step's scratch (transposed activations, tmp, scores) 16 bytes off
 * ({@link DecodeGemm#lineSkew} 4), the KV cache 16 bytes off ({@link KvCache#lineSkew} 4), and both;
 * rotating which comes first ({@link DecodeAbHarness}); prints per configuration the median over rounds
 * of the per-phase CPU ms per step (all threads) and of the wall ms per step.
 *
 * <p>Arguments: {@code shape batch threads rounds [reps per round]}.
 */
public final class DecodeAlignMain {
  private static final String[] CONFIGS = {"aligned", "scratch+16B", "kv+16B", "both+16B"};

  public static void main(String[] args) {
    int batch = Integer.parseInt(args[1]), threads = Integer.parseInt(args[2]), rounds = Integer.parseInt(args[3]);
    int reps = args.length > 4 ? Integer.parseInt(args[4]) : 1;
    System.out.println("CacheLines.known() = " + CacheLines.known());
    double[][][] ms = DecodeAbHarness.run(args[0], batch, threads, rounds, reps, 64, 64, CONFIGS.length, cfg -> {
      DecodeGemm.lineSkew = (cfg & 1) != 0 ? 4 : 0;
      KvCache.lineSkew = (cfg & 2) != 0 ? 4 : 0;
    });
    DecodeGemm.lineSkew = 0;
    KvCache.lineSkew = 0;
    DecodeAbHarness.print(String.format(Locale.ROOT, "%s b%d, %d threads, %d rounds x %d runs of 63 steps: median CPU ms/step (all threads)",
        args[0], batch, threads, rounds, reps), CONFIGS, ms);
  }
}
