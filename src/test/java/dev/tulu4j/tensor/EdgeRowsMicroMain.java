package dev.tulu4j.tensor;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import java.util.SplittableRandom;

/** The in-place products at m = 60 (whole 6-row tiles) against m = 64 (a 4-row remainder). Scratch micro-bench. */
public final class EdgeRowsMicroMain {
  public static void main(String[] args) {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    SplittableRandom r = new SplittableRandom(1);
    float[] a = new float[600 * 600], b = new float[600 * 600], c = new float[600 * 600];
    for (int i = 0; i < a.length; i++) { a[i] = (float) r.nextDouble(); b[i] = (float) r.nextDouble(); }
    VectorGemm g = new VectorGemm(Parallel.serial());
    int[][] shapes = args.length > 0
        ? new int[][] {{64, 64, 64, 0}, {64, 128, 64, 0}, {64, 256, 64, 0}, {64, 512, 64, 0}, {64, 64, 128, 0}, {64, 64, 512, 0}, {128, 64, 64, 1}, {512, 64, 64, 1}}
        : new int[][] {{60, 256, 64, 0}, {64, 256, 64, 0}, {60, 64, 256, 0}, {64, 64, 256, 0}, {252, 64, 64, 1}, {256, 64, 64, 1}};
    for (int round = 0; round < 5; round++) {
      StringBuilder sb = new StringBuilder();
      for (int[] s : shapes) {
        int m = s[0], n = s[1], k = s[2];
        boolean ta = s[3] == 1;
        long t = mx.getCurrentThreadCpuTime();
        int reps = 3000;
        for (int i = 0; i < reps; i++) g.sgemmInPlaceB(ta, m, n, k, 1f, a, 0, ta ? 576 : 576, b, 0, 528, ta ? 1f : 0f, c, 0, 528);
        double ns = (mx.getCurrentThreadCpuTime() - t) / (double) reps;
        sb.append(String.format(Locale.ROOT, "%s%dx%dx%d %.0f GF  ", ta ? "T" : "N", m, n, k, 2.0 * m * n * k / ns));
      }
      System.out.println(sb);
    }
  }
}
