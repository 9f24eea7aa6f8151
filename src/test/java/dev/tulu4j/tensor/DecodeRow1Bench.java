package dev.tulu4j.tensor;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Manual benchmark (a main, not a test): the decode step's batch-1 product, {@link DecodeGemm#row1}
 * against the path it replaced ({@code FewRowsGemm.columns(1, ..)}), one thread, calling-thread CPU
 * time, the two interleaved call by call over a set of matrices (so W comes from L2, L3 or memory,
 * depending on the set's size), every W placed at each line offset 0..15 of its array. Arguments:
 * {@code n k matrices [reps]}, e.g. {@code 768 256 60} (tiny, W from L3) or {@code 1536 576 8}.
 */
public final class DecodeRow1Bench {
  private DecodeRow1Bench() {}

  public static void main(String[] args) {
    int n = Integer.parseInt(args[0]), k = Integer.parseInt(args[1]), count = Integer.parseInt(args[2]);
    int reps = args.length > 3 ? Integer.parseInt(args[3]) : 200;
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    SplittableRandom rnd = new SplittableRandom(1);
    float[][] ws = new float[count][n * k + 2 * CacheLines.FLOATS];
    for (float[] w : ws) for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextDouble();
    float[] x = new float[k + CacheLines.FLOATS], xs = new float[k + 2 * CacheLines.FLOATS], c = new float[n];
    for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextDouble();
    int xLead = CacheLines.lead(x);
    double bytes = 4.0 * n * k * count;
    System.out.printf(Locale.ROOT, "n %d k %d, %d matrices (%.1f MB), x lead %d, W leads %d..%n", n, k, count, bytes / 1e6,
        xLead, CacheLines.lead(ws[0]));
    for (int warm = 0; warm < 2000; warm++) { // both compiled by C2 before any timing
      int wOff = warm % CacheLines.FLOATS;
      FewRowsGemm.columns(1, k, 0, n, x, 0, k, ws[0], wOff, k, 0f, c, 0, n);
      DecodeGemm.row1(k, 0, n, x, 0, ws[0], wOff, k, DecodeGemm.Mode.ROWS_SET, c, 0, xs);
    }
    double sumOld = 0, sumNew = 0;
    for (int pass = 0; pass < 2; pass++) // pass 0 untimed: every branch seen before C2's final code
    for (int off = 0; off < CacheLines.FLOATS; off++) {
      int wOff = (CacheLines.lead(ws[0]) + off) % CacheLines.FLOATS; // W rows at line offset `off`
      long[] tOld = new long[reps], tNew = new long[reps];
      for (int r = -reps / 4; r < reps; r++) {
        long a = mx.getCurrentThreadCpuTime();
        for (float[] w : ws) FewRowsGemm.columns(1, k, 0, n, x, 0, k, w, wOff, k, 0f, c, 0, n);
        long b = mx.getCurrentThreadCpuTime();
        for (float[] w : ws) DecodeGemm.row1(k, 0, n, x, 0, w, wOff, k, DecodeGemm.Mode.ROWS_SET, c, 0, xs);
        long e = mx.getCurrentThreadCpuTime();
        if (r >= 0) {
          tOld[r] = b - a;
          tNew[r] = e - b;
        }
      }
      java.util.Arrays.sort(tOld);
      java.util.Arrays.sort(tNew);
      double mo = tOld[reps / 2], mn = tNew[reps / 2];
      if (pass == 0) continue;
      sumOld += mo;
      sumNew += mn;
      System.out.printf(Locale.ROOT, "W line offset %2d: old %6.1f GB/s, row1 %6.1f GB/s (%.2fx), medians of %d%n", off,
          bytes / mo, bytes / mn, mo / mn, reps);
    }
    System.out.printf(Locale.ROOT, "all offsets: old %.1f GB/s, row1 %.1f GB/s (%.2fx)%n", 16 * bytes / sumOld,
        16 * bytes / sumNew, sumOld / sumNew);
  }
}
