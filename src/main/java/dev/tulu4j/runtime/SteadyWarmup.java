package dev.tulu4j.runtime;

import java.util.Arrays;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * The benches' warm-up: untimed repetitions until the JIT-compiled code runs at its steady speed,
 * not for a fixed count. After the minimum the caller asks for (a number of repetitions and a
 * time), repetitions go in windows of at least {@link #WINDOW_NANOS}; the warm-up ends when a
 * window's median repetition is no longer {@link #TOLERANCE} faster than the window before it, or
 * after {@link #MAX_NANOS} in all.
 *
 * <p>Why: C2 keeps compiling the decode step's code for seconds after the first calls (many kernels
 * reached from one long region, on two cores that also run the work). The tiny model's batch-1
 * decode, timed after the former fixed 2 s, ran at 0.60–0.73 ms per step; after ~10 s of warm-up at
 * 0.30–0.39 ms (42–55% against 79–98% of the bandwidth floor, four runs of one jar, Zen 5,
 * docs/experiments/2026-12-07-s18-warmup.md). The tiny training step gained 10% between 1 and 12
 * warm-up steps. The rule measures the code, whatever the machine or the JIT does.
 */
public final class SteadyWarmup {
  /** Shortest window: repetitions of the tiny decode (20–40 ms each) are medians of ~30. */
  static final long WINDOW_NANOS = 1_000_000_000L;
  /** A window this much faster than the one before means the code is still getting faster. */
  static final double TOLERANCE = 0.03;
  /** Longest warm-up (the cap is reported: the speed may still have been changing). */
  static final long MAX_NANOS = 30_000_000_000L;

  /**
   * What a warm-up did: repetitions, seconds, whether it ended steady (else at the cap or with no
   * steadiness phase, {@code --warmup 0}), and the last window's median repetition in seconds (NaN
   * without windows).
   */
  public record Summary(int reps, double seconds, boolean steady, double lastWindowMedianSeconds) {
    /** One line for the bench output. */
    public String describe() {
      return String.format(Locale.ROOT, "warm-up %d reps, %.1f s, %s", reps, seconds,
          steady ? "steady" : Double.isNaN(lastWindowMedianSeconds) ? "fixed" : "capped (still changing)");
    }
  }

  private SteadyWarmup() {}

  /**
   * Runs {@code rep} at least {@code minReps} times and for at least {@code minNanos}, then, when
   * {@code untilSteady}, in windows until steady or capped.
   */
  public static Summary run(Runnable rep, int minReps, long minNanos, boolean untilSteady) {
    return run(rep, minReps, minNanos, untilSteady, System::nanoTime);
  }

  static Summary run(Runnable rep, int minReps, long minNanos, boolean untilSteady, LongSupplier clock) {
    long start = clock.getAsLong();
    int reps = 0;
    while (reps < minReps || clock.getAsLong() - start < minNanos) {
      rep.run();
      reps++;
    }
    if (!untilSteady) return new Summary(reps, (clock.getAsLong() - start) / 1e9, false, Double.NaN);
    double previous = Double.NaN;
    double[] times = new double[16];
    while (true) {
      int n = 0;
      long w0 = clock.getAsLong();
      do {
        long t0 = clock.getAsLong();
        rep.run();
        if (n == times.length) times = Arrays.copyOf(times, 2 * n);
        times[n++] = (clock.getAsLong() - t0) / 1e9;
        reps++;
      } while (clock.getAsLong() - w0 < WINDOW_NANOS);
      double median = EngineBench.Timing.of(Arrays.copyOf(times, n)).medianSeconds();
      double seconds = (clock.getAsLong() - start) / 1e9;
      if (!Double.isNaN(previous) && steady(previous, median)) return new Summary(reps, seconds, true, median);
      if (clock.getAsLong() - start >= MAX_NANOS) return new Summary(reps, seconds, false, median);
      previous = median;
    }
  }

  /** The stopping rule: the current window's median is not {@link #TOLERANCE} faster than the previous one's. */
  static boolean steady(double previousMedian, double currentMedian) {
    return currentMedian >= previousMedian * (1 - TOLERANCE);
  }
}
