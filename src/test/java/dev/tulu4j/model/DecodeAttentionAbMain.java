package dev.tulu4j.model;

import dev.tulu4j.tensor.Parallel;
import dev.tulu4j.tensor.VectorGemm;
import java.util.Locale;
import java.util.SplittableRandom;

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
  private static final String[] KINDS = {"qkv", "attn", "o", "mlp", "down", "head", "wait"};
  private static final String[] CONFIGS = {"eight", "four", "pair"};

  public static void main(String[] args) {
    LlamaConfig c = args[0].equals("tiny") ? LlamaConfig.tiny() : LlamaConfig.smollm2_135m();
    int batch = Integer.parseInt(args[1]);
    int threads = Integer.parseInt(args[2]);
    int rounds = Integer.parseInt(args[3]);
    int reps = args.length > 4 ? Integer.parseInt(args[4]) : 1;
    int promptLen = args.length > 5 ? Integer.parseInt(args[5]) : 64, newTokens = args.length > 6 ? Integer.parseInt(args[6]) : 64;
    double[][][] ms = new double[CONFIGS.length][rounds][KINDS.length + 2];
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
          DecodeStep.quadAttention = cfg < 2;
          DecodeStep.octAttention = cfg == 0;
          long[][] prof = new long[threads][2 * DecodeStep.PROFILE_KINDS + 1];
          int steps = 0;
          long wall = 0;
          for (int r = 0; r < reps; r++) {
            cache.reset();
            cache.decodeProfile = null;
            float[] first = m.prefill(cache, prompt);
            DecodeProfileMain.argmax(first, v, next);
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
          ms[cfg][round][KINDS.length + 1] = wall / 1e6 / steps;
          for (int k = 0; k <= DecodeStep.PROFILE_KINDS; k++) {
            long ns = 0;
            for (int t = 0; t < threads; t++) ns += prof[t][k];
            ms[cfg][round][k] = ns / 1e6 / steps;
            ms[cfg][round][KINDS.length] += ns / 1e6 / steps;
          }
        }
      }
    }
    DecodeStep.quadAttention = true;
    DecodeStep.octAttention = true;
    System.out.println(cpu());
    System.out.printf(Locale.ROOT, "%s b%d, %d threads, %d rounds x %d runs of %d steps: median CPU ms/step (all threads)%n",
        args[0], batch, threads, rounds, reps, newTokens - 1);
    for (int cfg = 0; cfg < CONFIGS.length; cfg++) {
      StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "  %-12s", CONFIGS[cfg]));
      for (int k = 0; k <= KINDS.length + 1; k++) {
        double[] col = new double[rounds];
        for (int r = 0; r < rounds; r++) col[r] = ms[cfg][r][k];
        java.util.Arrays.sort(col);
        sb.append(String.format(Locale.ROOT, " %s %.3f", k < KINDS.length ? KINDS[k] : k == KINDS.length ? "| total" : "| wall", col[rounds / 2]));
      }
      // per round against the first configuration of the list measured in the same round: drifts of the host cancel
      for (int k : new int[] {1, KINDS.length}) {
        double[] ratio = new double[rounds];
        for (int r = 0; r < rounds; r++) ratio[r] = ms[cfg][r][k] / ms[0][r][k];
        java.util.Arrays.sort(ratio);
        sb.append(String.format(Locale.ROOT, " | %s/%s %.3f [%.3f..%.3f]", k == 1 ? "attn" : "total", CONFIGS[0], ratio[rounds / 2], ratio[0],
            ratio[rounds - 1]));
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
