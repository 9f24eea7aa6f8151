package dev.tulu4j.model;

import dev.tulu4j.tensor.CacheLines;
import dev.tulu4j.tensor.DecodeGemm;
import dev.tulu4j.tensor.Parallel;
import dev.tulu4j.tensor.VectorGemm;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * What starting the decode step's buffers on cache lines buys (not a test: a {@code main} for
 * docs/PERFORMANCE.md, "Session 13: decode b32 and cache lines"). In one JVM, alternating round by
 * round, it runs {@link DecodeProfileMain}'s workload (64-token prompt, 63 greedy steps) with every
 * buffer on a line (skew 0), the step's scratch (transposed activations, tmp, scores) 16 bytes off
 * ({@link DecodeGemm#lineSkew} 4), the KV cache 16 bytes off ({@link KvCache#lineSkew} 4), and both;
 * rotating which comes first; prints per configuration the median over rounds of the per-phase CPU ms per step (thread 0 plus
 * thread 1 when there are two).
 *
 * <p>Arguments: {@code shape batch threads rounds [reps per round]}.
 */
public final class DecodeAlignMain {
  private static final String[] KINDS = {"qkv", "attn", "o", "mlp", "down", "head", "wait"};
  private static final String[] CONFIGS = {"aligned", "scratch+16B", "kv+16B", "both+16B"};

  public static void main(String[] args) {
    LlamaConfig c = args[0].equals("tiny") ? LlamaConfig.tiny() : LlamaConfig.smollm2_135m();
    int batch = Integer.parseInt(args[1]);
    int threads = Integer.parseInt(args[2]);
    int rounds = Integer.parseInt(args[3]);
    int reps = args.length > 4 ? Integer.parseInt(args[4]) : 1;
    int promptLen = 64, newTokens = 64;
    System.out.println("CacheLines.known() = " + CacheLines.known());
    double[][][] ms = new double[CONFIGS.length][rounds][KINDS.length + 1];
    try (Parallel pool = Parallel.create(threads)) {
      LlamaModel m = LlamaModel.random(c, 0, new VectorGemm(pool));
      SplittableRandom rnd = new SplittableRandom(4);
      int[][] prompt = new int[batch][];
      for (int b = 0; b < batch; b++) prompt[b] = rnd.ints(promptLen, 0, c.vocabSize()).toArray();
      KvCache cache = m.newCache(batch, promptLen + newTokens);
      int v = c.vocabSize();
      int[] next = new int[batch];
      for (int round = -1; round < rounds; round++) {
        for (int i = 0; i < CONFIGS.length; i++) {
          int cfg = (i + Math.max(round, 0)) % CONFIGS.length; // each round starts with the next configuration
          DecodeGemm.lineSkew = (cfg & 1) != 0 ? 4 : 0;
          KvCache.lineSkew = (cfg & 2) != 0 ? 4 : 0;
          long[][] prof = new long[threads][2 * DecodeStep.PROFILE_KINDS + 1];
          int steps = 0;
          for (int r = 0; r < reps; r++) {
            cache.reset();
            cache.decodeProfile = null;
            float[] first = m.prefill(cache, prompt);
            DecodeProfileMain.argmax(first, v, next);
            cache.decodeProfile = prof;
            for (int s = 1; s < newTokens; s++) {
              DecodeProfileMain.argmax(m.decode(cache, next), v, next);
              steps++;
            }
          }
          if (round < 0) continue; // warm-up round
          for (int k = 0; k <= DecodeStep.PROFILE_KINDS; k++) {
            long ns = 0;
            for (int t = 0; t < threads; t++) ns += prof[t][k];
            ms[cfg][round][k] = ns / 1e6 / steps;
            ms[cfg][round][KINDS.length] += ns / 1e6 / steps;
          }
        }
      }
    }
    DecodeGemm.lineSkew = 0;
    KvCache.lineSkew = 0;
    System.out.printf(Locale.ROOT, "%s b%d, %d threads, %d rounds x %d runs of %d steps: median CPU ms/step (all threads)%n",
        args[0], batch, threads, rounds, reps, newTokens - 1);
    for (int cfg = 0; cfg < CONFIGS.length; cfg++) {
      StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "  %-12s", CONFIGS[cfg]));
      for (int k = 0; k <= KINDS.length; k++) {
        double[] col = new double[rounds];
        for (int r = 0; r < rounds; r++) col[r] = ms[cfg][r][k];
        java.util.Arrays.sort(col);
        sb.append(String.format(Locale.ROOT, " %s %.3f", k < KINDS.length ? KINDS[k] : "| total", col[rounds / 2]));
      }
      System.out.println(sb);
    }
  }
}
