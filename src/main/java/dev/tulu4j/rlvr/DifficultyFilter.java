package dev.tulu4j.rlvr;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Prompt selection by difficulty for the starting policy (Tülu 3 §6 filtered its RLVR prompts by
 * difficulty; DAPO's "dynamic sampling" (Yu et al. 2025 §3.2) makes the same observation: a GRPO group
 * whose rewards are all equal has zero advantage and carries no gradient). Before training, every
 * prompt is sampled {@code samples} times with the starting policy at the rollout temperature and
 * response length; a prompt is kept when at least one and not all of its samples are correct
 * ({@code 0 < correct < samples}), i.e. the policy sometimes solves it.
 */
public final class DifficultyFilter {
  private DifficultyFilter() {}

  /** What the filter kept and how long it took. */
  public record Result(List<RlvrPrompt> kept, int screened, int neverSolved, int alwaysSolved, double seconds) {}

  /**
   * Screens {@code pool} (in order) with {@code rollouts} of the starting policy and returns the prompts
   * with mixed outcomes. Sampling is seeded by {@code seed}, so the selection is reproducible.
   *
   * @param chunk prompts generated per call (memory only)
   */
  public static Result select(Rollouts rollouts, List<RlvrPrompt> pool, int samples, double temperature,
      int maxNewTokens, long seed, int chunk, PrintStream log) {
    if (samples < 2) throw new IllegalArgumentException("filter_samples must be >= 2, got " + samples);
    if (chunk <= 0) throw new IllegalArgumentException("chunk must be > 0, got " + chunk);
    List<RlvrPrompt> kept = new ArrayList<>();
    int never = 0, always = 0;
    double seconds = 0;
    // correctness only: the non-EOS penalty does not change which samples the verifier accepts
    Rollouts.Sampling s = new Rollouts.Sampling(samples, temperature, maxNewTokens, 1.0, Double.NaN);
    for (int from = 0; from < pool.size(); from += chunk) {
      List<RlvrPrompt> part = pool.subList(from, Math.min(pool.size(), from + chunk));
      Rollouts.Batch b = rollouts.generate(part, s, seed ^ (0x5DEECE66DL * (from + 1)));
      seconds += b.seconds();
      int[] correct = new int[part.size()];
      for (Rollout r : b.rollouts()) if (r.correct()) correct[r.prompt()]++;
      for (int i = 0; i < part.size(); i++) {
        if (correct[i] == 0) never++;
        else if (correct[i] == samples) always++;
        else kept.add(part.get(i));
      }
    }
    if (log != null)
      log.printf("difficulty filter: %d of %d prompts kept (%d never solved, %d always solved in %d samples), %.1f s%n",
          kept.size(), pool.size(), never, always, samples, seconds);
    return new Result(List.copyOf(kept), pool.size(), never, always, seconds);
  }
}
