package dev.tulu4j.tensor;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Manual benchmark (a main, not a test): batch-1 products y = x·Wᵀ streamed over many distinct
 * weight matrices (the tiny model's 768 × 256 shape, about the 23 MB of its decode step, so W comes
 * from L3/memory as inside a step), one thread: FewRowsGemm's dot product per W row against
 * {@link DecodeGemm#rows} (1 × 4 tile). Prints GB/s of W, best pass of the timed ones.
 */
public final class DecodeGemvBench {
  private DecodeGemvBench() {}

  public static void main(String[] args) {
    int n = 768, k = 256, mats = args.length > 0 ? Integer.parseInt(args[0]) : 30;
    SplittableRandom rnd = new SplittableRandom(1);
    float[][] w = new float[mats][n * k];
    for (float[] a : w) for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextDouble();
    float[] x = new float[k];
    for (int i = 0; i < k; i++) x[i] = (float) rnd.nextDouble();
    float[] c = new float[n];
    if (args.length > 1) { // batch-32 transposed kernel over the same matrices: args[1] = rows
      int m = Integer.parseInt(args[1]), mp = DecodeGemm.padded(m);
      float[] xt = new float[k * mp];
      for (int i = 0; i < xt.length; i++) xt[i] = (float) rnd.nextDouble();
      float[] ct = new float[n * mp];
      float[] tmp = new float[DecodeGemm.L + 1];
      for (int round = 0; round < 3; round++) {
        double t = best(() -> { for (float[] a : w) DecodeGemm.columns(m, mp, k, 0, n, xt, a, k, DecodeGemm.Mode.TRANSPOSED, ct, 0, 0, tmp); });
        System.out.printf(Locale.ROOT, "%d x %d x %d x %d (T_SET): %.1f GFLOP/s%n", mats, m, n, k, 2.0 * m * n * k * mats / t / 1e9);
      }
      return;
    }
    for (int round = 0; round < 3; round++) {
      double dot = best(() -> { for (float[] a : w) FewRowsGemm.columns(1, k, 0, n, x, 0, k, a, 0, k, 0f, c, 0, n); });
      double r4 = best(() -> { for (float[] a : w) DecodeGemm.rows(1, k, 0, n, x, 0, k, a, k, DecodeGemm.Mode.ROWS_SET, c, 0, n); });
      double bytes = 4.0 * n * k * mats;
      System.out.printf(Locale.ROOT, "%d x %d x %d MB: dot %.1f GB/s | rows1x4 %.1f GB/s%n", mats, n, k,
          bytes / dot / 1e9, bytes / r4 / 1e9);
    }
  }

  private static double best(Runnable r) {
    for (int i = 0; i < 20; i++) r.run();
    double best = Double.MAX_VALUE;
    for (int i = 0; i < 30; i++) {
      long t0 = System.nanoTime();
      r.run();
      best = Math.min(best, (System.nanoTime() - t0) / 1e9);
    }
    return best;
  }
}
