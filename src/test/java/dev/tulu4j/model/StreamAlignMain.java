package dev.tulu4j.model;

import dev.tulu4j.tensor.CacheLines;
import dev.tulu4j.tensor.Parallel;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * What an activation lead would give a streaming pass: tiny's RMSNorm forward (rows 4,096, C 256,
 * x and y 4 MB each, the shape of prefill's ln1/ln2 passes) with x and y read and written from their
 * first line boundary, against 8 bytes past it (the leads 2/6/10/14 the parallel collector gave
 * every activation array in session 13's probe) and 16 bytes past it (lead 12: a G1 humongous array),
 * alternating in one JVM, thread CPU time of the calling thread (1 thread).
 * {@code java … StreamAlignMain [rounds]}; docs/PERFORMANCE.md, "Session 13".
 */
public final class StreamAlignMain {
  private StreamAlignMain() {}

  public static void main(String[] args) {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
    int rows = 4096, c = 256, reps = 20;
    Random r = new Random(1);
    float[] x = new float[rows * c + CacheLines.FLOATS], y = new float[rows * c + CacheLines.FLOATS];
    float[] w = new float[c], rstd = new float[rows];
    for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
    for (int i = 0; i < c; i++) w[i] = 1f + 0.1f * (float) r.nextGaussian();
    var bean = ManagementFactory.getThreadMXBean();
    int[] shifts = {0, 2, 4}; // floats past the line: 0, 8 and 16 bytes
    double[][] ms = new double[shifts.length][rounds];
    try (Parallel p1 = Parallel.create(1)) {
      ModelParallel par = new ModelParallel(p1);
      for (int warm = 0; warm < 200; warm++) RmsNorm.forward(par, x, warm % 16, w, y, warm % 16, rstd, 0, rows, c, 1e-5f);
      for (int k = 0; k < rounds; k++) {
        for (int s = 0; s < shifts.length; s++) {
          int v = (s + k) % shifts.length;
          int xo = (CacheLines.lead(x) + shifts[v]) & 15, yo = (CacheLines.lead(y) + shifts[v]) & 15;
          long t0 = bean.getCurrentThreadCpuTime();
          for (int i = 0; i < reps; i++) RmsNorm.forward(par, x, xo, w, y, yo, rstd, 0, rows, c, 1e-5f);
          ms[v][k] = (bean.getCurrentThreadCpuTime() - t0) / 1e6 / reps;
        }
      }
    }
    for (double[] m : ms) Arrays.sort(m);
    System.out.printf(Locale.ROOT, "RMSNorm forward 4096 x 256, ms per call (median of %d rounds of %d): on a line %.3f, 8 bytes off %.3f, 16 bytes off %.3f%n",
        rounds, reps, ms[0][rounds / 2], ms[1][rounds / 2], ms[2][rounds / 2]);
  }
}
