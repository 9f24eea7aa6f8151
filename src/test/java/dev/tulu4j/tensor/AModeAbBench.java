package dev.tulu4j.tensor;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Manual benchmark (a main, not a test): {@link VectorGemm.AMode#IN_PLACE} against
 * {@link VectorGemm.AMode#ROWS_IN_PLACE} (transposed A packed) on the weight-gradient shapes (TN),
 * alternating single calls in one JVM, best time of each. Args: {@code threads rounds}.
 */
public final class AModeAbBench {
  private AModeAbBench() {}

  public static void main(String[] args) {
    int threads = args.length > 0 ? Integer.parseInt(args[0]) : 1;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    int[][] shapes = {{256, 256, 4096}, {768, 256, 4096}, {256, 768, 4096}, {2048, 256, 2048}, {576, 576, 4096},
        {1536, 576, 4096}, {576, 1536, 4096}};
    SplittableRandom rnd = new SplittableRandom(9);
    try (Parallel par = Parallel.create(threads)) {
      VectorGemm[] g = {new VectorGemm(par, VectorGemm.Blocking.defaults(), VectorGemm.AMode.IN_PLACE),
          new VectorGemm(par, VectorGemm.Blocking.defaults(), VectorGemm.AMode.ROWS_IN_PLACE)};
      for (int[] s : shapes) {
        int m = s[0], n = s[1], k = s[2];
        float[] a = new float[k * m], b = new float[k * n], c = new float[m * n], c2 = new float[m * n];
        for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextDouble();
        for (int i = 0; i < b.length; i++) b[i] = (float) rnd.nextDouble();
        double[] best = {Double.MAX_VALUE, Double.MAX_VALUE};
        for (int r = 0; r < rounds; r++) {
          for (int v = 0; v < 2; v++) {
            long t0 = System.nanoTime();
            g[v].sgemm(true, false, m, n, k, 1f, a, 0, m, b, 0, n, 0f, v == 0 ? c : c2, 0, n);
            best[v] = Math.min(best[v], (System.nanoTime() - t0) / 1e9);
          }
        }
        if (!java.util.Arrays.equals(c, c2)) throw new AssertionError("modes differ");
        double f = 2.0 * m * n * k / 1e9;
        System.out.printf(Locale.ROOT, "TN %5dx%5dx%5d in place %6.1f  packed %6.1f GF/s  (packed/in place %.2f)%n",
            m, n, k, f / best[0], f / best[1], best[0] / best[1]);
      }
    }
  }
}
