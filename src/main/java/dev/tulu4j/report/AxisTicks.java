package dev.tulu4j.report;

/**
 * "Nice" axis ticks: a step of 1, 2 or 5 × 10^k chosen so that the range takes at most
 * {@code maxTicks} ticks, and the range widened to whole steps (Heckbert, "Nice numbers for graph
 * labels", Graphics Gems, 1990, with ceiling rounding so the count bound holds). On an integer axis
 * (optimizer steps) the step is at least 1, so no label reads 1.5.
 *
 * @param lo first tick (≤ the data minimum)
 * @param hi last tick (≥ the data maximum)
 * @param step distance between ticks
 */
public record AxisTicks(double lo, double hi, double step) {
  /** Ticks covering [min, max] with at most {@code maxTicks} (≥ 2) ticks. */
  public static AxisTicks nice(double min, double max, int maxTicks, boolean integer) {
    if (!(min <= max) || Double.isInfinite(min) || Double.isInfinite(max))
      throw new IllegalArgumentException("axis range [" + min + ", " + max + "] is not finite and ordered");
    if (maxTicks < 2) throw new IllegalArgumentException("maxTicks " + maxTicks + " < 2");
    if (min == max) { // one value: centre it in a unit (or ±5% of it)
      double half = integer || min == 0 ? 0.5 : Math.abs(min) * 0.05;
      min -= half;
      max += half;
    }
    double span = max - min;
    double step = ceilNice(span / (maxTicks - 1));
    if (integer) step = Math.max(1, step);
    for (;;) { // widening to whole steps can add a tick: take the next nice step until the count fits
      double lo = Math.floor(min / step + 1e-9) * step;
      double hi = Math.ceil(max / step - 1e-9) * step;
      if (hi == lo) hi = lo + step;
      if (Math.round((hi - lo) / step) + 1 <= maxTicks) return new AxisTicks(lo, hi, step);
      step = ceilNice(step * 1.000001);
    }
  }

  /** The smallest of 1, 2, 5 × 10^k that is ≥ x (x &gt; 0). */
  static double ceilNice(double x) {
    double p = Math.pow(10, Math.floor(Math.log10(x)));
    double f = x / p;
    double m = f <= 1 + 1e-9 ? 1 : f <= 2 + 1e-9 ? 2 : f <= 5 + 1e-9 ? 5 : 10;
    return m * p;
  }

  /** Number of ticks from lo to hi. */
  public int count() {
    return (int) Math.round((hi - lo) / step) + 1;
  }

  /** Whether {@code v} falls on a tick (within a millionth of a step). */
  public boolean isTick(double v) {
    double k = (v - lo) / step;
    return Math.abs(k - Math.rint(k)) < 1e-6 && v >= lo - step * 1e-6 && v <= hi + step * 1e-6;
  }
}
