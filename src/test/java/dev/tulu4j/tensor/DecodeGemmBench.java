package dev.tulu4j.tensor;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Manual benchmark (a main, not a test): {@link DecodeGemm} (rows in the lanes) against
 * {@link FewRowsGemm#columns} (k in the lanes) on the decode products of the tiny and 135M shapes,
 * one thread, W in cache, best of the timed calls. Arguments: none.
 */
public final class DecodeGemmBench {
  private DecodeGemmBench() {}

  public static void main(String[] args) {
    int[][] shapes = args.length > 0 ? new int[][] {{1, 768, 256}, {2, 768, 256}, {3, 768, 256}, {4, 768, 256}, {6, 768, 256}, {2, 1536, 576}, {4, 1536, 576}, {1, 16384, 256}, {1, 49152, 576}} : new int[][] {{32, 768, 256}, {32, 256, 768}, {32, 2048, 256}, {8, 768, 256}, {16, 768, 256},
        {32, 1536, 576}, {32, 576, 1536}, {64, 768, 256}};
    SplittableRandom rnd = new SplittableRandom(1);
    for (int[] s : shapes) {
      int m = s[0], n = s[1], k = s[2], mp = DecodeGemm.padded(m);
      float[] x = new float[m * k], xt = new float[k * mp], w = new float[n * k], c = new float[n * mp];
      float[] tmp = new float[DecodeGemm.L + 1];
      for (int i = 0; i < m; i++) for (int p = 0; p < k; p++) xt[p * mp + i] = x[i * k + p] = (float) rnd.nextDouble();
      for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextDouble();
      double fr = best(() -> FewRowsGemm.columns(m, k, 0, n, x, 0, k, w, 0, k, 0f, c, 0, n));
      double dr = best(() -> DecodeGemm.columns(m, mp, k, 0, n, xt, w, k, DecodeGemm.Mode.ROWS_SET, c, 0, n, tmp));
      float[] big = new float[DecodeGemm.tmpFloats(mp)];
      double dg = best(() -> DecodeGemm.columns(m, mp, k, 0, n, xt, w, k, DecodeGemm.Mode.ROWS_SET, c, 0, n, big));
      double dt = best(() -> DecodeGemm.columns(m, mp, k, 0, n, xt, w, k, DecodeGemm.Mode.TRANSPOSED, c, 0, n, tmp));
      double sr = best(() -> DecodeGemm.rows(m, k, 0, n, x, 0, k, w, k, DecodeGemm.Mode.ROWS_SET, c, 0, n));
      double f = 2.0 * m * n * k / 1e9;
      System.out.printf(Locale.ROOT, "   rows (1x4) %6.1f us %5.1f GF/s %5.1f GB/s%n", sr * 1e6, f / sr, 4e-9 * n * k / sr);
      System.out.printf(Locale.ROOT, "%2d x %5d x %4d  FewRows %6.1f us %5.1f GF/s | DecodeGemm rows %6.1f us %5.1f GF/s, rows grouped %6.1f us %5.1f GF/s, transposed %6.1f us %5.1f GF/s%n",
          m, n, k, fr * 1e6, f / fr, dr * 1e6, f / dr, dg * 1e6, f / dg, dt * 1e6, f / dt);
    }
  }

  private static double best(Runnable r) {
    for (int i = 0; i < 300; i++) r.run();
    double best = Double.MAX_VALUE;
    for (int i = 0; i < 200; i++) {
      long t0 = System.nanoTime();
      r.run();
      best = Math.min(best, (System.nanoTime() - t0) / 1e9);
    }
    return best;
  }
}
