package dev.tulu4j.tensor;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Manual benchmark (a main, not a test): what cache-line alignment is worth to the decode step's
 * batch-1 product ({@code FewRowsGemm.columns(1, ..)}, one {@code VectorMath.dot} per W row), one
 * thread, calling-thread CPU time, over a set of matrices (W from L2, L3 or memory by the set's
 * size) with every W row at line offset 0 (aligned) and 4 (where a humongous array's element 0
 * sits), x aligned and not, the four cases interleaved call by call; medians. Arguments:
 * {@code n k matrices [reps]}, e.g. {@code 768 256 30} (tiny's step, 23.6 MB) or {@code 1536 576 8}.
 */
public final class DecodeRow1AlignBench {
  private DecodeRow1AlignBench() {}

  public static void main(String[] args) {
    int n = Integer.parseInt(args[0]), k = Integer.parseInt(args[1]), count = Integer.parseInt(args[2]);
    int reps = args.length > 3 ? Integer.parseInt(args[3]) : 60;
    int line = CacheLines.FLOATS;
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    SplittableRandom rnd = new SplittableRandom(1);
    float[][] ws = new float[count][n * k + 2 * line];
    for (float[] w : ws) for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextDouble();
    float[] x = new float[k + 2 * line], c = new float[n];
    for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextDouble();
    int[] wOffs = new int[count];
    int[][] cases = {{0, 0}, {4, 0}, {0, 4}, {4, 4}}; // W row line offset, x line offset
    long[][] t = new long[cases.length][reps];
    for (int r = -reps; r < reps; r++) { // the first reps untimed: C2 has compiled the kernel
      for (int q = 0; q < cases.length; q++) {
        for (int i = 0; i < count; i++) wOffs[i] = (CacheLines.lead(ws[i]) + cases[q][0]) % line;
        int xOff = (CacheLines.lead(x) + cases[q][1]) % line;
        long a = mx.getCurrentThreadCpuTime();
        for (int i = 0; i < count; i++) FewRowsGemm.columns(1, k, 0, n, x, xOff, k, ws[i], wOffs[i], k, 0f, c, 0, n);
        if (r >= 0) t[q][r] = mx.getCurrentThreadCpuTime() - a;
      }
    }
    double bytes = 4.0 * n * k * count;
    System.out.printf(Locale.ROOT, "n %d k %d, %d matrices (%.1f MB), medians of %d, W rows / x at line offset:", n, k,
        count, bytes / 1e6, reps);
    double base = 0;
    for (int q = 0; q < cases.length; q++) {
      Arrays.sort(t[q]);
      double gbs = bytes / t[q][reps / 2];
      if (q == 0) base = gbs;
      System.out.printf(Locale.ROOT, "  %d/%d %.1f GB/s (%.2f)", cases[q][0], cases[q][1], gbs, gbs / base);
    }
    System.out.println();
  }
}
