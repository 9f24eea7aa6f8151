package dev.tulu4j.model;

import dev.tulu4j.tensor.DecodeGemm;
import dev.tulu4j.tensor.Parallel;
import dev.tulu4j.tensor.VectorGemm;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * What the touching 2 × 6 tile ({@link DecodeGemm#touchTile}) buys inside the batched decode step (not
 * a test: a {@code main} for docs/PERFORMANCE.md, "Session 15: decode b32"). In one JVM, alternating
 * round by round with the first configuration rotating, it runs {@link DecodeProfileMain}'s workload
 * (64-token prompt, 63 greedy steps) with the touching tile and with the tiles it replaced (session
 * 8's 2 × 6 above depth 256, the read-ahead 2 × 8 up to it; same bits), and prints per configuration
 * the median over rounds of the per-phase CPU ms per step (all threads). Comparing in one JVM matters here: the same kernel ran at 100 or 185 GFLOP per
 * CPU-second in different JVMs on this shared machine.
 *
 * <p>Arguments: {@code shape batch threads rounds [reps per round]}.
 */
public final class DecodeTouchAbMain {
  private static final String[] KINDS = {"qkv", "attn", "o", "mlp", "down", "head", "wait"};
  private static final String[] CONFIGS = {"touch", "old"};

  public static void main(String[] args) {
    LlamaConfig c = args[0].equals("tiny") ? LlamaConfig.tiny() : LlamaConfig.smollm2_135m();
    int batch = Integer.parseInt(args[1]);
    int threads = Integer.parseInt(args[2]);
    int rounds = Integer.parseInt(args[3]);
    int reps = args.length > 4 ? Integer.parseInt(args[4]) : 1;
    int promptLen = 64, newTokens = 64;
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
          DecodeGemm.touchTile = cfg == 0;
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
    DecodeGemm.touchTile = true;
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
