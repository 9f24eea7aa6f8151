package dev.tulu4j.tensor;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Manual benchmark (a main, not a test): the TN weight-gradient product {@code C = Aᵀ·B} on one
 * thread in thread CPU time, A stored {@code [k, lda]}: in place with {@code lda = m}, A packed
 * ({@link VectorGemm.AMode#ROWS_IN_PLACE}), and in place with the same A copied to a padded stride
 * {@code lda = m + 16}, and {@link VectorGemm#sgemmInPlaceB} (B read where it lies, no B packing); rounds alternate the variants, medians printed (after the CPU time of the
 * first three calls of the fresh JVM). Args: {@code m n k rounds}.
 */
public final class TnStrideBench {
  private TnStrideBench() {}

  public static void main(String[] args) {
    int m = Integer.parseInt(args[0]), n = Integer.parseInt(args[1]), k = Integer.parseInt(args[2]);
    int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 9;
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    SplittableRandom rnd = new SplittableRandom(5);
    int pad = m + 16;
    float[] a = new float[k * m], ap = new float[k * pad], b = new float[k * n];
    for (int p = 0; p < k; p++) {
      for (int i = 0; i < m; i++) {
        a[p * m + i] = ap[p * pad + i] = (float) rnd.nextGaussian();
      }
    }
    for (int i = 0; i < b.length; i++) b[i] = (float) rnd.nextGaussian();
    try (Parallel par = Parallel.create(1)) {
      VectorGemm inPlace = new VectorGemm(par, VectorGemm.Blocking.defaults(), VectorGemm.AMode.IN_PLACE);
      VectorGemm packed = new VectorGemm(par, VectorGemm.Blocking.defaults(), VectorGemm.AMode.ROWS_IN_PLACE);
      String[] names = {"in place lda=m", "A packed", "in place lda=m+16", "B in place too"};
      float[][] cs = new float[4][m * n];
      double[][] t = new double[4][rounds];
      double flops = 2.0 * m * n * k;
      for (int call = 1; call <= 3; call++) { // a fresh JVM: the first calls run before C2 has compiled the kernel
        long t0 = mx.getCurrentThreadCpuTime();
        inPlace.sgemm(true, false, m, n, k, 1f, a, 0, m, b, 0, n, 0f, cs[0], 0, n);
        System.out.printf(Locale.ROOT, "  call %d of a fresh JVM: %.3f cpu-s%n", call, (mx.getCurrentThreadCpuTime() - t0) / 1e9);
      }
      for (int r = 0; r < rounds; r++) {
        for (int v = 0; v < 4; v++) {
          long t0 = mx.getCurrentThreadCpuTime();
          int reps = 0;
          while (mx.getCurrentThreadCpuTime() - t0 < 300_000_000L) {
            switch (v) {
              case 0 -> inPlace.sgemm(true, false, m, n, k, 1f, a, 0, m, b, 0, n, 0f, cs[0], 0, n);
              case 1 -> packed.sgemm(true, false, m, n, k, 1f, a, 0, m, b, 0, n, 0f, cs[1], 0, n);
              case 2 -> inPlace.sgemm(true, false, m, n, k, 1f, ap, 0, pad, b, 0, n, 0f, cs[2], 0, n);
              default -> inPlace.sgemmInPlaceB(true, m, n, k, 1f, a, 0, m, b, 0, n, 0f, cs[3], 0, n);
            }
            reps++;
          }
          t[v][r] = (mx.getCurrentThreadCpuTime() - t0) / 1e9 / reps;
        }
      }
      if (!Arrays.equals(cs[0], cs[1]) || !Arrays.equals(cs[0], cs[2]) || !Arrays.equals(cs[0], cs[3])) throw new AssertionError("variants differ");
      System.out.printf(Locale.ROOT, "TN %dx%dx%d, 1 thread, thread CPU time, median of %d alternating rounds%n", m, n, k, rounds);
      for (int v = 0; v < 4; v++) {
        double[] s = t[v].clone();
        Arrays.sort(s);
        double med = s[rounds / 2];
        System.out.printf(Locale.ROOT, "  %-20s %8.3f ms  %6.1f GFLOP/cpu-s%n", names[v], med * 1e3, flops / med / 1e9);
      }
    }
  }
}
