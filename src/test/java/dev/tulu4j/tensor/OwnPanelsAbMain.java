package dev.tulu4j.tensor;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * Manual A/B (a main, not a test): the 135M training step's products of at most
 * {@link VectorGemm#OWN_PANELS_MAX_M} rows (the weight gradients and the LM head's dX per 256-row
 * chunk) three ways, alternating in one JVM on a shared machine: own panels with the leftover panel
 * split by rows (the default, {@link VectorGemm#sharedPanelsRule}), own panels whole (before), and
 * rows split over the threads with panels packed by both ({@link VectorGemm#ownPanelsRule} off).
 * Prints the medians of process CPU and wall per call, the busiest thread's share of the threads' CPU
 * (the calling thread and the pool's; 1/threads when balanced: on a machine whose cores are taken by
 * others the wall shows the balance only when every thread has a core, this share always), and checks
 * that all give the same bits. N = 576 columns is 9 panels of 64: 5 and 4 per thread before. Args:
 * {@code [threads] [rounds] [calls]}.
 */
public final class OwnPanelsAbMain {
  private OwnPanelsAbMain() {}

  public static void main(String[] args) throws Exception {
    int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 9;
    int reps = args.length > 2 ? Integer.parseInt(args[2]) : 6;
    System.out.println("cpu: " + CpuInfo.detect().describe());
    int[][] shapes = { // transA, m, n, k, beta (as --gemm-profile names them: TN, NN)
        {1, 1536, 576, 4096, 1}, {1, 576, 576, 4096, 1}, {1, 192, 576, 4096, 1}, {0, 256, 576, 49152, 0},
        {1, 576, 1536, 4096, 1}}; // the last: 24 panels, even (a control)
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    Random r = new Random(5);
    try (Parallel par = Parallel.create(threads)) {
      VectorGemm g = new VectorGemm(par);
      par.parallelFor(threads, t -> { }); // the workers exist from here on
      long[] ids = Arrays.stream(THREADS.getAllThreadIds()).filter(id -> {
        java.lang.management.ThreadInfo ti = THREADS.getThreadInfo(id);
        return ti != null && (id == Thread.currentThread().threadId() || ti.getThreadName().startsWith("tulu4j-kernel"));
      }).toArray();
      System.out.println("threads measured: " + ids.length);
      for (int[] s : shapes) {
        boolean ta = s[0] == 1;
        int m = s[1], n = s[2], k = s[3];
        float beta = s[4];
        float[] a = rand(r, m * k), b = rand(r, k * n), c0 = rand(r, m * n);
        int lda = ta ? m : k;
        double[][] cpu = new double[3][rounds], wall = new double[3][rounds], busiest = new double[3][rounds];
        float[][] out = new float[3][];
        for (int round = -2; round < rounds; round++) {
          for (int v = 0; v < 3; v++) {
            int path = (v + round + 3) % 3; // rotate which goes first
            VectorGemm.sharedPanelsRule = path == 0;
            VectorGemm.ownPanelsRule = path != 2;
            float[] c = c0.clone();
            long[] t1 = threadCpu(ids);
            long c1 = os.getProcessCpuTime(), w1 = System.nanoTime();
            for (int rep = 0; rep < reps; rep++) g.sgemm(ta, false, m, n, k, 1f, a, 0, lda, b, 0, n, beta, c, 0, n);
            long c2 = os.getProcessCpuTime(), w2 = System.nanoTime();
            long[] t2 = threadCpu(ids);
            VectorGemm.ownPanelsRule = true;
            VectorGemm.sharedPanelsRule = true;
            if (round >= 0) {
              cpu[path][round] = (c2 - c1) / (reps * 1e6);
              wall[path][round] = (w2 - w1) / (reps * 1e6);
              long sum = 0, max = 0;
              for (int i = 0; i < ids.length; i++) {
                sum += t2[i] - t1[i];
                max = Math.max(max, t2[i] - t1[i]);
              }
              busiest[path][round] = (double) max / sum;
            }
            out[path] = c;
          }
        }
        for (int v = 1; v < 3; v++) {
          for (int i = 0; i < out[0].length; i++) {
            if (Float.floatToRawIntBits(out[0][i]) != Float.floatToRawIntBits(out[v][i])) {
              throw new AssertionError("bits differ at " + i + " for shape " + Arrays.toString(s));
            }
          }
        }
        System.out.printf(Locale.ROOT, "%sN %5dx%5dx%5d  cpu-ms shared %6.2f whole %6.2f (%.3fx) rows %6.2f (%.3fx)"
            + "  wall-ms shared %6.2f whole %6.2f (%.3fx) rows %6.2f (%.3fx)%n",
            ta ? "T" : "N", m, n, k, median(cpu[0]), median(cpu[1]), median(cpu[1]) / median(cpu[0]),
            median(cpu[2]), median(cpu[2]) / median(cpu[0]), median(wall[0]), median(wall[1]),
            median(wall[1]) / median(wall[0]), median(wall[2]), median(wall[2]) / median(wall[0]));
        System.out.printf(Locale.ROOT, "    busiest thread's share of the threads' CPU: shared %.3f whole %.3f rows %.3f%n",
            median(busiest[0]), median(busiest[1]), median(busiest[2]));
      }
    }
  }

  private static final java.lang.management.ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private static long[] threadCpu(long[] ids) {
    long[] t = new long[ids.length];
    for (int i = 0; i < ids.length; i++) t[i] = THREADS.getThreadCpuTime(ids[i]);
    return t;
  }

  private static float[] rand(Random r, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
    return x;
  }

  private static double median(double[] x) {
    double[] s = x.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }
}
