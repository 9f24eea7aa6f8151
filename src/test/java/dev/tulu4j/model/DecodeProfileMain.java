package dev.tulu4j.model;

import dev.tulu4j.tensor.Parallel;
import dev.tulu4j.tensor.VectorGemm;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Per-phase profile of the fused decode step (not a test: a {@code main} for docs/PERFORMANCE.md,
 * "Decode, round 3"). Same workload as {@code tulu4j bench decode}: random weights, a 64-token
 * prompt, 63 greedy single-token steps, repeated; prints per thread the milliseconds per step spent
 * in chunks of each phase kind and waiting at phase boundaries, and the wall time of a step.
 *
 * <p>Arguments: {@code shape (tiny|smollm2-135m) batch threads reps [promptLen newTokens [cacheMaxLen]]}
 * (the cache is sized promptLen + newTokens unless given, as in the bench; the generator sizes it
 * for its maximum sequence length).
 */
public final class DecodeProfileMain {
  private static final String[] KINDS = {"qkv", "attn", "o", "mlp", "down", "head", "wait"};

  public static void main(String[] args) {
    LlamaConfig c = switch (args[0]) {
      case "tiny" -> LlamaConfig.tiny();
      case "smollm2-135m" -> LlamaConfig.smollm2_135m();
      default -> throw new IllegalArgumentException("shape " + args[0]);
    };
    int batch = Integer.parseInt(args[1]);
    int threads = Integer.parseInt(args[2]);
    int reps = Integer.parseInt(args[3]);
    int promptLen = args.length > 4 ? Integer.parseInt(args[4]) : 64;
    int newTokens = args.length > 5 ? Integer.parseInt(args[5]) : 64;
    try (Parallel pool = Parallel.create(threads)) {
      LlamaModel m = LlamaModel.random(c, 0, new VectorGemm(pool));
      SplittableRandom rnd = new SplittableRandom(4);
      int[][] prompt = new int[batch][];
      for (int b = 0; b < batch; b++) prompt[b] = rnd.ints(promptLen, 0, c.vocabSize()).toArray();
      KvCache cache = m.newCache(batch, args.length > 6 ? Integer.parseInt(args[6]) : promptLen + newTokens);
      int v = c.vocabSize();
      int[] next = new int[batch];
      long[][] prof = new long[threads][2 * DecodeStep.PROFILE_KINDS + 1];
      long wall = 0, argmaxNs = 0, prefillNs = 0;
      int steps = 0;
      for (int i = -2; i < reps; i++) { // two warm-up runs
        cache.reset();
        long p0 = System.nanoTime();
        float[] first = m.prefill(cache, prompt);
        if (i >= 0) prefillNs += System.nanoTime() - p0;
        argmax(first, v, next);
        cache.decodeProfile = i >= 0 ? prof : null;
        for (int s = 1; s < newTokens; s++) {
          long t0 = System.nanoTime();
          float[] logits = m.decode(cache, next);
          long t1 = System.nanoTime();
          argmax(logits, v, next);
          if (i >= 0) {
            wall += t1 - t0;
            argmaxNs += System.nanoTime() - t1;
            steps++;
          }
        }
      }
      long[][] p = prof;
      System.out.printf(Locale.ROOT, "%s b%d, %d threads, %d steps: wall %.3f ms/step (+ argmax %.3f); prompt pass %.1f ms%n",
          args[0], batch, threads, steps, wall / 1e6 / steps, argmaxNs / 1e6 / steps, prefillNs / 1e6 / reps);
      for (int t = 0; t < threads; t++) {
        StringBuilder sb = new StringBuilder("  thread " + t + ":");
        double sum = 0;
        for (int k = 0; k <= DecodeStep.PROFILE_KINDS; k++) {
          double ms = p[t][k] / 1e6 / steps;
          sum += ms;
          sb.append(String.format(Locale.ROOT, " %s %.3f", KINDS[k], ms));
          if (k < DecodeStep.PROFILE_KINDS)
            sb.append(String.format(Locale.ROOT, " (%d)", p[t][DecodeStep.PROFILE_KINDS + 1 + k] / steps));
        }
        sb.append(String.format(Locale.ROOT, " | in region %.3f ms/step", sum));
        System.out.println(sb);
      }
    }
  }

  /** Greedy next tokens of a batch's logits (also used by {@link DecodeAlignMain}). */
  static void argmax(float[] logits, int v, int[] out) {
    for (int b = 0; b < out.length; b++) {
      int best = 0;
      for (int j = 1; j < v; j++) if (logits[b * v + j] > logits[b * v + best]) best = j;
      out[b] = best;
    }
  }
}
