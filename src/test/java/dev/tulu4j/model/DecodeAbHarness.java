package dev.tulu4j.model;

import dev.tulu4j.tensor.Parallel;
import dev.tulu4j.tensor.VectorGemm;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;

/**
 * The loop the decode A/B mains share ({@link DecodeAttentionAbMain}, {@link DecodeTouchAbMain},
 * {@link DecodeAlignMain}; not a test): {@link DecodeProfileMain}'s workload (random weights, a prompt,
 * greedy single-token steps) in one JVM for each configuration in turn, round by round, the first
 * configuration rotating so a drift of a shared host falls on all of them alike; one warm-up round.
 * The configurations must give the same bits: only their speed is compared.
 */
final class DecodeAbHarness {
  static final String[] KINDS = {"qkv", "attn", "o", "mlp", "down", "head", "wait"};
  /** Column of {@link #run}'s result with the CPU ms per step summed over phases. */
  static final int TOTAL = KINDS.length;
  /** Column of {@link #run}'s result with the wall ms per step. */
  static final int WALL = KINDS.length + 1;

  private DecodeAbHarness() {}

  /**
   * Runs {@code rounds} timed rounds (after one warm-up round) of {@code reps} generations per
   * configuration, calling {@code select} with the configuration's index before each; returns
   * ms[configuration][round][column]: the phases' CPU ms per step summed over threads ({@link #KINDS}),
   * then {@link #TOTAL} and {@link #WALL}.
   */
  static double[][][] run(String shape, int batch, int threads, int rounds, int reps, int promptLen, int newTokens,
      int configurations, IntConsumer select) {
    LlamaConfig c = shape.equals("tiny") ? LlamaConfig.tiny() : LlamaConfig.smollm2_135m();
    double[][][] ms = new double[configurations][rounds][KINDS.length + 2];
    try (Parallel pool = Parallel.create(threads)) {
      LlamaModel m = LlamaModel.random(c, 0, new VectorGemm(pool));
      SplittableRandom rnd = new SplittableRandom(4);
      int[][] prompt = new int[batch][];
      for (int b = 0; b < batch; b++) prompt[b] = rnd.ints(promptLen, 0, c.vocabSize()).toArray();
      KvCache cache = m.newCache(batch, promptLen + newTokens);
      int v = c.vocabSize();
      int[] next = new int[batch];
      for (int round = -1; round < rounds; round++) {
        for (int i = 0; i < configurations; i++) {
          int cfg = (i + Math.max(round, 0)) % configurations; // each round starts with the next configuration
          select.accept(cfg);
          long[][] prof = new long[threads][2 * DecodeStep.PROFILE_KINDS + 1];
          int steps = 0;
          long wall = 0;
          for (int r = 0; r < reps; r++) {
            cache.reset();
            cache.decodeProfile = null;
            DecodeProfileMain.argmax(m.prefill(cache, prompt), v, next);
            cache.decodeProfile = prof;
            for (int s = 1; s < newTokens; s++) {
              long w0 = System.nanoTime();
              float[] logits = m.decode(cache, next);
              wall += System.nanoTime() - w0;
              DecodeProfileMain.argmax(logits, v, next);
              steps++;
            }
          }
          if (round < 0) continue; // warm-up round
          ms[cfg][round][WALL] = wall / 1e6 / steps;
          for (int k = 0; k <= DecodeStep.PROFILE_KINDS; k++) {
            long ns = 0;
            for (int t = 0; t < threads; t++) ns += prof[t][k];
            ms[cfg][round][k] = ns / 1e6 / steps;
            ms[cfg][round][TOTAL] += ns / 1e6 / steps;
          }
        }
      }
    }
    return ms;
  }

  /**
   * Prints the CPU, then per configuration the median over rounds of every column of {@link #run}'s
   * result and, for each column in {@code ratioColumns}, the median over rounds of its ratio to the
   * first configuration's in the same round, with the range.
   */
  static void print(String header, String[] configs, double[][][] ms, int... ratioColumns) {
    int rounds = ms[0].length;
    System.out.println(cpu());
    System.out.println(header);
    for (int cfg = 0; cfg < configs.length; cfg++) {
      StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "  %-12s", configs[cfg]));
      for (int k = 0; k <= WALL; k++) {
        double[] col = new double[rounds];
        for (int r = 0; r < rounds; r++) col[r] = ms[cfg][r][k];
        Arrays.sort(col);
        sb.append(String.format(Locale.ROOT, " %s %.3f", k < KINDS.length ? KINDS[k] : k == TOTAL ? "| total" : "| wall", col[rounds / 2]));
      }
      for (int k : ratioColumns) {
        double[] ratio = new double[rounds];
        for (int r = 0; r < rounds; r++) ratio[r] = ms[cfg][r][k] / ms[0][r][k];
        Arrays.sort(ratio);
        sb.append(String.format(Locale.ROOT, " | %s/%s %.3f [%.3f..%.3f]", k < KINDS.length ? KINDS[k] : k == TOTAL ? "total" : "wall", configs[0],
            ratio[rounds / 2], ratio[0], ratio[rounds - 1]));
      }
      System.out.println(sb);
    }
  }

  /** The CPU's model name, family and model from /proc/cpuinfo. */
  static String cpu() {
    try {
      java.util.List<String> lines = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/cpuinfo"));
      StringBuilder sb = new StringBuilder("cpu:");
      for (String key : new String[] {"model name", "cpu family", "model"})
        lines.stream().filter(x -> x.matches(key + "\\s*:.*")).findFirst().ifPresent(x -> sb.append(" ").append(x.trim()).append(";"));
      return sb.toString();
    } catch (java.io.IOException e) {
      return "cpu: unknown";
    }
  }
}
