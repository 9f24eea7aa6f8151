package dev.tulu4j.tensor;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Manual benchmark (a main, not a test) of the decode products y = x·Wᵀ, W stored [n, k]: the
 * {@link VectorGemm} dispatch (Gemv for m = 1, FewRowsGemm for m ≤ 64) and {@link FewRowsGemm#columns}
 * split over the pool in column halves, on 1 and 2 threads. Prints the weight stream rate (GB/s of W)
 * and GFLOP/s, best of the timed calls after a warm-up.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes dev.tulu4j.tensor.DecodeKernelBench
 * </pre>
 */
public final class DecodeKernelBench {
  private DecodeKernelBench() {}

  public static void main(String[] args) {
    int[][] shapes = {{1, 768, 256}, {1, 1536, 576}, {1, 49152, 576}, {32, 768, 256}, {32, 1536, 576}, {32, 49152, 576}};
    SplittableRandom rnd = new SplittableRandom(1);
    for (int threads : new int[] {1, 2}) {
      try (Parallel pool = Parallel.create(threads)) {
        VectorGemm g = new VectorGemm(pool);
        for (int[] s : shapes) {
          int m = s[0], n = s[1], k = s[2];
          float[] x = new float[m * k];
          float[] w = new float[n * k];
          float[] c = new float[m * n];
          for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextDouble();
          for (int i = 0; i < w.length; i += 7) w[i] = (float) rnd.nextDouble();
          double tg = best(() -> g.sgemm(false, true, m, n, k, 1f, x, 0, k, w, 0, k, 0f, c, 0, n), n * (long) k);
          int chunks = Math.max(1, Math.min(8 * threads, n / 4));
          double tc = best(() -> pool.parallelFor(chunks, t -> {
            int j0 = Parallel.split(n / 4, chunks, t) * 4;
            int j1 = t == chunks - 1 ? n : Parallel.split(n / 4, chunks, t + 1) * 4;
            FewRowsGemm.columns(m, k, j0, j1, x, 0, k, w, 0, k, 0f, c, 0, n);
          }), n * (long) k);
          double bytes = 4.0 * n * k;
          double flops = 2.0 * m * n * k;
          System.out.printf(Locale.ROOT, "threads %d  %3d x %5d x %4d  vector-dispatch %7.1f us %6.1f GB/s %6.1f GF/s"
              + "  |  columns %7.1f us %6.1f GB/s %6.1f GF/s%n", threads, m, n, k,
              tg * 1e6, bytes / tg / 1e9, flops / tg / 1e9, tc * 1e6, bytes / tc / 1e9, flops / tc / 1e9);
        }
      }
    }
  }

  private static double best(Runnable r, long elements) {
    int reps = (int) Math.max(20, Math.min(2000, 400_000_000L / Math.max(1, elements)));
    for (int i = 0; i < reps; i++) r.run();
    double best = Double.MAX_VALUE;
    for (int i = 0; i < reps; i++) {
      long t0 = System.nanoTime();
      r.run();
      best = Math.min(best, (System.nanoTime() - t0) / 1e9);
    }
    return best;
  }
}
