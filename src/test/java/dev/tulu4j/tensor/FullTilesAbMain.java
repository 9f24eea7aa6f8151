package dev.tulu4j.tensor;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * Manual A/B (a main, not a test): the 135M training step's weight products (B8×T512 = 4096 rows,
 * C 576, F 1536, kv width 192), each with {@link VectorGemm#probeParkedTiles} off ({@link GemmFullTiles},
 * the default) and on (the parked tiles and {@link GemmKernels#update}), alternating product by product
 * in one JVM on a shared machine; prints the medians of process CPU and wall per product and the
 * ratio, and checks that both paths give the same bits. Args: {@code [threads] [rounds] [calls per measurement]}.
 */
public final class FullTilesAbMain {
  private FullTilesAbMain() {}

  public static void main(String[] args) throws Exception {
    int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 9;
    int reps = args.length > 2 ? Integer.parseInt(args[2]) : 8;
    for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
      if (l.startsWith("model name") || l.startsWith("cpu family") || l.startsWith("model\t")) System.out.println(l);
      if (l.isEmpty()) break;
    }
    int[][] shapes = { // transA, transB, m, n, k (as --gemm-profile names them: NN, NT, TN)
        {0, 0, 4096, 576, 1536}, {0, 0, 4096, 576, 576}, {0, 1, 4096, 1536, 576}, {0, 1, 4096, 576, 576},
        {1, 0, 1536, 576, 4096}, {1, 0, 576, 576, 4096}, {1, 0, 576, 1536, 4096}, {1, 0, 192, 576, 4096}};
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    Random r = new Random(5);
    try (Parallel par = Parallel.create(threads)) {
      VectorGemm g = new VectorGemm(par);
      double sumNew = 0, sumOld = 0;
      for (int[] s : shapes) {
        boolean ta = s[0] == 1, tb = s[1] == 1;
        int m = s[2], n = s[3], k = s[4];
        float[] a = rand(r, m * k), b = rand(r, k * n), c0 = rand(r, m * n);
        int lda = ta ? m : k, ldb = tb ? k : n;
        float beta = ta ? 1f : 0f; // weight gradients accumulate, the rest overwrite
        double[][] cpu = new double[2][rounds], wall = new double[2][rounds];
        float[][] out = new float[2][];
        for (int round = -2; round < rounds; round++) {
          for (int v = 0; v < 2; v++) {
            int path = (round & 1) == 0 ? v : 1 - v; // alternate which goes first
            VectorGemm.probeParkedTiles = path == 1;
            float[] c = c0.clone();
            long c1 = os.getProcessCpuTime(), w1 = System.nanoTime();
            for (int rep = 0; rep < reps; rep++) {
              g.sgemm(ta, tb, m, n, k, 1f, a, 0, lda, b, 0, ldb, beta, c, 0, n);
            }
            long c2 = os.getProcessCpuTime(), w2 = System.nanoTime();
            VectorGemm.probeParkedTiles = false;
            if (round >= 0) {
              cpu[path][round] = (c2 - c1) / (reps * 1e6);
              wall[path][round] = (w2 - w1) / (reps * 1e6);
            }
            out[path] = c;
          }
        }
        for (int i = 0; i < out[0].length; i++) {
          if (Float.floatToRawIntBits(out[0][i]) != Float.floatToRawIntBits(out[1][i])) {
            throw new AssertionError("bits differ at " + i + " for shape " + Arrays.toString(s));
          }
        }
        double cn = median(cpu[0]), co = median(cpu[1]);
        sumNew += cn;
        sumOld += co;
        System.out.printf(Locale.ROOT, "%s%s %5dx%5dx%5d  cpu-ms full %7.2f parked %7.2f (%.3fx)  wall-ms full %7.2f parked %7.2f (%.3fx)%n",
            ta ? "T" : "N", tb ? "T" : "N", m, n, k, cn, co, co / cn, median(wall[0]), median(wall[1]),
            median(wall[1]) / median(wall[0]));
      }
      System.out.printf(Locale.ROOT, "sum of medians: cpu-ms full %.1f parked %.1f (%.3fx); same bits%n", sumNew, sumOld,
          sumOld / sumNew);
    }
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
