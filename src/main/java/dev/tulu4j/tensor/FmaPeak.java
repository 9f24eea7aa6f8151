package dev.tulu4j.tensor;

import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The fp32 FMA rate this machine gives right now: a register-only Vector API loop (16 independent
 * FMA chains, no memory traffic) on {@code threads} threads at once, best of a few short slices.
 * Every benchmark prints it beside its figures: the table peak of {@link CpuInfo} says what the CPU
 * can do on a quiet machine, this says what it did during the run (another job on a core halves it),
 * so a reader can tell a slow kernel from a busy machine. It is not the MFU denominator: that stays
 * the table figure or {@code --peak}, so figures from different runs keep one scale.
 *
 * <p>Measured on a quiet Zen 5 ({@code cpu family 26}): 215–219 GFLOP/s per core; Zen 4: ~115
 * (docs/PERFORMANCE.md). The loop is the one of {@code MicroKernelBench} (test sources).
 */
public final class FmaPeak {
  private FmaPeak() {}

  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

  /** Untimed warm-up per thread before the measured slices, ms, at least. */
  static final int WARMUP_MILLIS = 700;

  /**
   * The warm-up goes on past {@link #WARMUP_MILLIS}, up to this long, until one call of the loop has
   * run compiled: on a loaded machine C2 had not compiled it after 0.7 s, and the slices then
   * measured the interpreter (the line read 0 GFLOP/s in session 11).
   */
  static final int WARMUP_MAX_MILLIS = 10_000;

  /**
   * A call of {@code loop(2_000)} (2·16·16·2000 ≈ 1 Mflop at 16 lanes) faster than this has run
   * compiled: the interpreter does under 1 GFLOP/s (over 1 ms per call), C2's code ~200 (5 µs).
   */
  static final long COMPILED_CALL_NANOS = 200_000;

  /** Keeps the loop's result alive (C2 would drop a loop whose value is never read). */
  static volatile float sink;

  /** A measured rate: GFLOP/s summed over the threads, and the slowest thread's share. */
  public record Result(int threads, double gflops, double perThreadMin, double perThreadMax) {
    /** One line for a report. */
    public String describe() {
      return String.format(Locale.ROOT, "FMA loop now: %.0f GFLOP/s on %d thread%s (per thread %.0f–%.0f)", gflops,
          threads, threads == 1 ? "" : "s", perThreadMin, perThreadMax);
    }
  }

  /**
   * Runs the loop on {@code threads} platform threads started together: a warm-up of
   * {@link #WARMUP_MILLIS} (a cold JVM interprets the Vector API loop at under 1 GFLOP/s for about
   * 0.4 s before C2 compiles it), longer until a call has run compiled ({@link #WARMUP_MAX_MILLIS} at
   * most), then {@code slices} slices of {@code sliceMillis} each; per thread
   * the best slice counts.
   */
  public static Result measure(int threads, int slices, int sliceMillis) {
    if (threads < 1 || slices < 1 || sliceMillis < 1) throw new IllegalArgumentException("threads, slices and sliceMillis must be >= 1");
    double[] best = new double[threads];
    CountDownLatch start = new CountDownLatch(1);
    Thread[] ts = new Thread[threads];
    for (int i = 0; i < threads; i++) {
      int id = i;
      ts[i] = Thread.ofPlatform().name("fma-peak-" + i).daemon().start(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        long t = System.nanoTime(), warm = t + WARMUP_MILLIS * 1_000_000L, giveUp = t + WARMUP_MAX_MILLIS * 1_000_000L;
        long fastest = Long.MAX_VALUE;
        while (t < giveUp && (t < warm || fastest > COMPILED_CALL_NANOS)) {
          loop(2_000);
          long now = System.nanoTime();
          fastest = Math.min(fastest, now - t);
          t = now;
        }
        for (int s = 0; s < slices; s++) {
          long t0 = System.nanoTime(), end = t0 + sliceMillis * 1_000_000L, flops = 0, t1;
          do {
            flops += loop(2_000);
            t1 = System.nanoTime();
          } while (t1 < end);
          best[id] = Math.max(best[id], flops / ((t1 - t0) / 1e9) / 1e9);
        }
      });
    }
    start.countDown();
    for (Thread t : ts) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while measuring the FMA peak", e);
      }
    }
    double sum = 0, min = Double.MAX_VALUE, max = 0;
    for (double b : best) {
      sum += b;
      min = Math.min(min, b);
      max = Math.max(max, b);
    }
    return new Result(threads, sum, min, max);
  }

  /** 16 independent FMA chains in registers, {@code n} steps: {@code 2 · lanes · 16 · n} flops. */
  static long loop(int n) {
    FloatVector x = FloatVector.broadcast(S, 1.0000001f), y = FloatVector.broadcast(S, 0.9999999f);
    FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0,
        a8 = a0, a9 = a0, a10 = a0, a11 = a0, a12 = a0, a13 = a0, a14 = a0, a15 = a0;
    for (int i = 0; i < n; i++) {
      a0 = a0.fma(x, y); a1 = a1.fma(x, y); a2 = a2.fma(x, y); a3 = a3.fma(x, y);
      a4 = a4.fma(x, y); a5 = a5.fma(x, y); a6 = a6.fma(x, y); a7 = a7.fma(x, y);
      a8 = a8.fma(x, y); a9 = a9.fma(x, y); a10 = a10.fma(x, y); a11 = a11.fma(x, y);
      a12 = a12.fma(x, y); a13 = a13.fma(x, y); a14 = a14.fma(x, y); a15 = a15.fma(x, y);
    }
    FloatVector t = a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10)
        .add(a11).add(a12).add(a13).add(a14).add(a15);
    sink = t.lane(0);
    return 2L * S.length() * 16 * n;
  }
}
