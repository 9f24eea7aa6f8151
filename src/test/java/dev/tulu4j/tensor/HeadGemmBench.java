package dev.tulu4j.tensor;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Manual benchmark (a main, not a test): the 135M step's LM-head logits product, 16 chunks of
 * {@code 256 × 49,152 × 576} ({@code y = x·Wᵀ}, W stored {@code [49,152, 576]}) on one thread in
 * thread CPU time: (a) scattered transposed packing per chunk (main's route), (b) gathered packing
 * per chunk, (c) W packed once ({@link VectorGemm#packB}) and {@link VectorGemm#sgemmPacked} per
 * chunk; rounds alternate, medians printed, all three checked to give the same bits.
 * Run: {@code java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes dev.tulu4j.tensor.HeadGemmBench [rounds]}
 */
public final class HeadGemmBench {
  private HeadGemmBench() {}

  public static void main(String[] args) {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    int chunks = 16, m = 256, n = 49152, k = 576;
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    SplittableRandom rnd = new SplittableRandom(3);
    float[] x = new float[chunks * m * k], w = new float[n * k];
    for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
    for (int i = 0; i < w.length; i++) w[i] = (float) (0.05 * rnd.nextGaussian());
    float[][] c = new float[3][m * n];
    VectorGemm g = new VectorGemm(Parallel.serial());
    String[] names = {"scatter pack per chunk", "gather pack per chunk", "packed once"};
    double[][] t = new double[3][rounds];
    for (int round = -2; round < rounds; round++) {
      for (int v = 0; v < 3; v++) {
        GemmPack.gatherT = v >= 1;
        long t0 = mx.getCurrentThreadCpuTime();
        PackedB pb = v == 2 ? g.packB(true, n, k, w, 0, k, Long.MAX_VALUE) : null;
        for (int ch = 0; ch < chunks; ch++) {
          if (pb != null) g.sgemmPacked(m, 1f, x, ch * m * k, k, pb, 0f, c[v], 0, n);
          else g.sgemm(false, true, m, n, k, 1f, x, ch * m * k, k, w, 0, k, 0f, c[v], 0, n);
        }
        if (round >= 0) t[v][round] = (mx.getCurrentThreadCpuTime() - t0) * 1e-9;
      }
      GemmPack.gatherT = true;
      if (!Arrays.equals(c[0], c[1]) || !Arrays.equals(c[0], c[2])) throw new AssertionError("variants differ");
    }
    double flops = 2.0 * chunks * m * n * k;
    System.out.printf(Locale.ROOT, "LM head %d x (%dx%dx%d NT), 1 thread, thread CPU time, median of %d alternating rounds%n",
        chunks, m, n, k, rounds);
    for (int v = 0; v < 3; v++) {
      double[] s = t[v].clone();
      Arrays.sort(s);
      double med = s[rounds / 2];
      System.out.printf(Locale.ROOT, "  %-24s %8.1f ms  %6.1f GFLOP/cpu-s  (all rounds %s)%n", names[v], med * 1e3, flops / med / 1e9,
          Arrays.toString(Arrays.stream(t[v]).map(d -> Math.round(d * 1e4) / 10.0).toArray()));
    }
  }
}
