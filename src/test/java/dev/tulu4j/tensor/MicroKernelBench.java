package dev.tulu4j.tensor;

import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;
import jdk.incubator.vector.FloatVector;

/**
 * Manual benchmark (a main, not a test): the register-tile micro-kernels alone on one thread, data
 * in L1/L2 (one packed B panel of depth kc, 96 rows of A), against a register-only FMA loop (the
 * core's peak) in alternating 100 ms slices of one JVM; prints the best GFLOP/s of each and the
 * kernel's share of the loop's. Args: {@code [kc] [rounds]}.
 */
public final class MicroKernelBench {
  private MicroKernelBench() {}

  static float sink;

  public static void main(String[] args) {
    int kc = args.length > 0 ? Integer.parseInt(args[0]) : 512;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
    SplittableRandom rnd = new SplittableRandom(3);
    int rowsA = 96;
    float[] a = new float[rowsA * kc];
    for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextDouble();
    float[] bp = new float[kc * GemmPack.NR];
    for (int i = 0; i < bp.length; i++) bp[i] = (float) rnd.nextDouble();
    float[] c = new float[rowsA * GemmPack.NR];
    float[] tile = new float[GemmKernels.TILE];
    LongSupplier wide = () -> {
      for (int r0 = 0; r0 + GemmPack.MR <= rowsA; r0 += GemmPack.MR) {
        GemmKernels.wideRows(kc, a, r0 * kc, kc, bp, 0, c, r0 * GemmPack.NR, GemmPack.NR, GemmPack.MR,
            GemmPack.NR, 1f, 0f, tile);
      }
      return 2L * rowsA * GemmPack.NR * kc;
    };
    LongSupplier peak = () -> peakLoop(100_000);
    String[] names = {"peak loop", "wideRows 6x4v"};
    LongSupplier[] ks = {peak, wide};
    if (args.length > 2) { // gemm m n k threads TT
      int m = Integer.parseInt(args[2]), n = Integer.parseInt(args[3]), k = Integer.parseInt(args[4]);
      int threads = Integer.parseInt(args[5]);
      boolean ta = args[6].charAt(0) == 'T', tb = args[6].charAt(1) == 'T';
      Parallel par = Parallel.create(threads);
      VectorGemm g = new VectorGemm(par);
      float[] ga = new float[m * k], gb = new float[k * n], gc = new float[m * n];
      for (int i = 0; i < ga.length; i++) ga[i] = (float) rnd.nextDouble();
      for (int i = 0; i < gb.length; i++) gb[i] = (float) rnd.nextDouble();
      LongSupplier gemm = () -> {
        g.sgemm(ta, tb, m, n, k, 1f, ga, 0, ta ? m : k, gb, 0, tb ? k : n, 0f, gc, 0, n);
        return 2L * m * n * k;
      };
      LongSupplier rows = () -> { // the row split for every shape (the rule before OWN_PANELS_MAX_M)
        VectorGemm.ownPanelsRule = false;
        g.sgemm(ta, tb, m, n, k, 1f, ga, 0, ta ? m : k, gb, 0, tb ? k : n, 0f, gc, 0, n);
        VectorGemm.ownPanelsRule = true;
        return 2L * m * n * k;
      };
      names = new String[] {"peak loop", "gemm " + args[6] + " " + m + "x" + n + "x" + k + " t" + threads,
          "gemm rows split", "wideRows 6x4v"};
      ks = new LongSupplier[] {peak, gemm, rows, wide};
    }
    double[] best = new double[ks.length];
    for (int r = 0; r < rounds; r++) {
      for (int i = 0; i < ks.length; i++) {
        long t0 = System.nanoTime(), flops = 0;
        while (System.nanoTime() - t0 < 100_000_000L) flops += ks[i].getAsLong();
        best[i] = Math.max(best[i], flops / ((System.nanoTime() - t0) / 1e9) / 1e9);
      }
    }
    for (int i = 0; i < ks.length; i++) {
      System.out.printf(Locale.ROOT, "%-16s kc=%d best %.1f GFLOP/s (%.0f%% of the loop)%n", names[i], kc, best[i],
          100 * best[i] / best[0]);
    }
  }

  /** The register-only FMA loop of {@link FmaPeak#loop}, {@code n} steps: its flop count. */
  static long peakLoop(int n) {
    return FmaPeak.loop(n);
  }
}
