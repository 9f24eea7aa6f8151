package dev.tulu4j.train;

/**
 * Learning rate per optimizer step, with linear warmup from 0.
 *
 * <p>Follows Hugging Face {@code transformers.optimization} exactly ({@code
 * get_linear_schedule_with_warmup}, {@code get_cosine_schedule_with_warmup}, {@code
 * get_constant_schedule_with_warmup}), which open-instruct uses for Tülu 3: the optimizer step with
 * 0-based index {@code s} uses {@code peak × f(s)} where, with {@code W} warmup and {@code T} total
 * steps,
 *
 * <pre>
 *   s &lt; W:   f = s / max(1, W)                       (so the very first step has lr 0 when W &gt; 0)
 *   linear:   f = max(0, (T - s) / max(1, T - W))
 *   cosine:   f = max(0, 0.5 · (1 + cos(π · (s - W) / max(1, T - W))))
 *   constant: f = 1
 * </pre>
 *
 * and {@code W = floor(T × warmup_ratio)} (open-instruct {@code finetune.py}: {@code
 * int(num_training_steps * warmup_ratio)}). The schedule is a pure function of the step, so its
 * checkpointed state is just {@code (kind, peak, W, T)}.
 */
public record LrSchedule(Kind kind, double peak, int warmupSteps, int totalSteps) {

  /** Shape after warmup. */
  public enum Kind {
    LINEAR,
    COSINE,
    CONSTANT
  }

  public LrSchedule {
    if (kind == null) throw new IllegalArgumentException("schedule kind is required");
    if (!(peak >= 0)) throw new IllegalArgumentException("peak lr must be >= 0, got " + peak);
    if (totalSteps < 1) throw new IllegalArgumentException("total steps must be >= 1, got " + totalSteps);
    if (warmupSteps < 0 || warmupSteps > totalSteps)
      throw new IllegalArgumentException("warmup steps " + warmupSteps + " not in [0, " + totalSteps + "]");
  }

  /** The schedule of a run: warmup = floor(total × ratio). */
  public static LrSchedule of(OptimConfig o, int totalSteps) {
    return new LrSchedule(o.schedule(), o.lr(), (int) Math.floor(totalSteps * o.warmupRatio()), totalSteps);
  }

  /** Multiplier f(s) of the peak for 0-based optimizer step {@code s}. */
  public double factor(long s) {
    if (s < warmupSteps) return (double) s / Math.max(1, warmupSteps);
    return switch (kind) {
      case LINEAR -> Math.max(0.0, (double) (totalSteps - s) / Math.max(1, totalSteps - warmupSteps));
      case COSINE -> {
        double progress = (double) (s - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
        yield Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * progress)));
      }
      case CONSTANT -> 1.0;
    };
  }

  /** Learning rate of 0-based optimizer step {@code s}. */
  public double lr(long s) {
    return peak * factor(s);
  }
}
