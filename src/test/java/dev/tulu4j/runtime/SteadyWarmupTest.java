package dev.tulu4j.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The warm-up's stopping rule on a scripted clock: each repetition advances the clock by the next
 * scripted duration, so the windows, medians and the decision are exact.
 */
class SteadyWarmupTest {
  /** A clock that only moves when a repetition runs: by {@code durations[i]} ms for repetition i (the last repeats). */
  private static final class Script implements Runnable {
    final double[] durationsMs;
    long now;
    int runs;

    Script(double... durationsMs) {
      this.durationsMs = durationsMs;
    }

    @Override
    public void run() {
      now += (long) (durationsMs[Math.min(runs, durationsMs.length - 1)] * 1e6);
      runs++;
    }

    long clock() {
      return now;
    }
  }

  @Test
  void stopsAtTheFirstWindowNoLongerFaster() {
    // 600 ms reps: two per 1 s window. Windows: [600, 600] → [400 ×3] → [300 ×4] → [295 ×4]: 295 ≥ 0.97·300, steady
    Script s = new Script(600, 600, 600, 400, 400, 400, 300, 300, 300, 300, 295);
    SteadyWarmup.Summary w = SteadyWarmup.run(s, 1, 0, true, s::clock);
    assertThat(w.steady()).isTrue();
    assertThat(w.lastWindowMedianSeconds()).isEqualTo(0.295);
    // 1 minimum rep, then windows of 2 (600), 3 (400), 4 (300) and 4 (290) reps
    assertThat(w.reps()).isEqualTo(1 + 2 + 3 + 4 + 4);
    assertThat(s.runs).isEqualTo(w.reps());
  }

  /**
   * One 100 ms repetition (the minimum), then one window per speed level: level k repeats
   * {@code t_k = max(floor, first·factor^k)} ms as many times as fill exactly one 1 s window.
   */
  private static double[] levels(double first, double factor, double floor, int count) {
    java.util.List<Double> d = new java.util.ArrayList<>(java.util.List.of(100.0));
    double t = first;
    for (int k = 0; k < count; k++) {
      for (int i = 0, n = (int) Math.ceil(1000 / t); i < n; i++) d.add(t);
      t = Math.max(floor, t * factor);
    }
    return d.stream().mapToDouble(Double::doubleValue).toArray();
  }

  @Test
  void aWindowThreePointFivePercentFasterIsNotSteady() {
    // each window 3.5% faster than the one before until 50 ms, then flat: it must not stop before 50 ms
    Script s = new Script(levels(100, 0.965, 50, 40));
    SteadyWarmup.Summary w = SteadyWarmup.run(s, 1, 0, true, s::clock);
    assertThat(w.steady()).isTrue();
    assertThat(w.lastWindowMedianSeconds()).isEqualTo(0.050);
  }

  @Test
  void capsAtThirtySecondsWhileStillGettingFaster() {
    // every window 10% faster than the one before, for longer than the cap
    Script s = new Script(levels(500, 0.9, 1, 60));
    SteadyWarmup.Summary w = SteadyWarmup.run(s, 1, 0, true, s::clock);
    assertThat(w.steady()).isFalse();
    assertThat(w.seconds()).isBetween(30.0, 31.5);
    assertThat(w.describe()).contains("capped");
  }

  @Test
  void honoursTheMinimumCountAndTimeBeforeJudging() {
    // constant speed from the start: the minimum (5 reps and 2 s) runs first, then two windows to compare
    Script s = new Script(100);
    SteadyWarmup.Summary w = SteadyWarmup.run(s, 5, 2_000_000_000L, true, s::clock);
    assertThat(w.steady()).isTrue();
    assertThat(w.reps()).isEqualTo(20 + 10 + 10);
    assertThat(w.seconds()).isEqualTo(4.0);
  }

  @Test
  void withoutTheSteadyPhaseRunsOnlyTheMinimum() {
    Script s = new Script(100);
    SteadyWarmup.Summary w = SteadyWarmup.run(s, 3, 0, false, s::clock);
    assertThat(w.reps()).isEqualTo(3);
    assertThat(w.steady()).isFalse();
    assertThat(w.describe()).isEqualTo("warm-up 3 reps, 0.3 s, fixed");
    Script none = new Script(100);
    assertThat(SteadyWarmup.run(none, 0, 0, false, none::clock).reps()).isZero();
    assertThat(none.runs).isZero();
  }
}
