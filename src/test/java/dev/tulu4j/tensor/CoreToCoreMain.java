package dev.tulu4j.tensor;

import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Manual measurement (a main, not a test): how long a cache line takes to go from one core to the
 * other and back. Two threads take turns incrementing one counter (each waits, spinning, for the
 * other's value); the time per turn pair is a round trip of the line. Prints the median of
 * {@code rounds} rounds of {@code turns} round trips. On this project's 2-vCPU Zen 5 machine
 * (2026-12-07/08) it read 0.45–0.50 µs in most runs, 0.91 µs once and 62 ns twice (the host places
 * the vCPUs), mostly well above a trip within one CCX:
 * rows one core writes are expensive for the other to read ({@link Parallel#ownerFirst}). Args:
 * {@code [rounds] [turns]}.
 */
public final class CoreToCoreMain {
  private CoreToCoreMain() {}

  private static final AtomicLong TURN = new AtomicLong();

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
    int turns = args.length > 1 ? Integer.parseInt(args[1]) : 500_000;
    System.out.println("cpu: " + CpuInfo.detect().describe());
    long total = (long) rounds * turns;
    Thread other = new Thread(() -> { // odd values are ours to answer with the next even one
      for (long i = 1; i <= total; i++) {
        while (TURN.get() != 2 * i - 1) Thread.onSpinWait();
        TURN.set(2 * i);
      }
    });
    other.setDaemon(true);
    other.start();
    double[] ns = new double[rounds];
    long i = 0;
    for (int r = 0; r < rounds; r++) {
      long t0 = System.nanoTime();
      for (int k = 0; k < turns; k++) {
        i++;
        TURN.set(2 * i - 1);
        while (TURN.get() != 2 * i) Thread.onSpinWait();
      }
      ns[r] = (System.nanoTime() - t0) / (double) turns;
    }
    other.join();
    double[] s = ns.clone();
    Arrays.sort(s);
    System.out.printf(Locale.ROOT, "cache-line round trip between two threads: median %.0f ns (rounds %s)%n", s[rounds / 2],
        Arrays.toString(Arrays.stream(ns).mapToLong(Math::round).toArray()));
  }
}
