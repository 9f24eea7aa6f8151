package dev.tulu4j.tensor;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * A/B of the transposed B packing ({@link GemmPack#packB} with {@code transB}): scalar scatter
 * against gathers, on the shapes of the 135M training step's forward (LM head 49,152 × 576, the
 * MLP and attention weights), 1 thread, thread CPU time, alternating rounds, median. Also checks
 * that both fill the same panels bit for bit. Run:
 * {@code java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes dev.tulu4j.tensor.PackTBench}
 */
public final class PackTBench {
  public static void main(String[] args) {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    int rounds = 7;
    int[][] shapes = {{49152, 576}, {1536, 576}, {576, 576}, {576, 1536}};
    for (int[] sh : shapes) {
      int n = sh[0], k = sh[1];
      float[] b = new float[n * k];
      Random r = new Random(1);
      for (int i = 0; i < b.length; i++) b[i] = r.nextFloat();
      int kc = VectorGemm.depthBlock(k, 512), nc = 1024;
      float[][] dst = {new float[GemmPack.packedBSize(nc, kc)], new float[GemmPack.packedBSize(nc, kc)], new float[GemmPack.packedBSize(nc, kc)]};
      double[][] t = new double[3][rounds];
      for (int round = -3; round < rounds; round++) {
        for (int v = 0; v < 3; v++) {
          GemmPack.gatherT = v >= 1;
          GemmPack.gatherMode = v;
          long t0 = mx.getCurrentThreadCpuTime();
          for (int jc = 0; jc < n; jc += nc) {
            int ncb = Math.min(nc, n - jc);
            for (int pc = 0; pc < k; pc += kc) {
              GemmPack.packB(true, b, 0, k, pc, Math.min(kc, k - pc), jc, ncb, dst[v], 0, GemmPack.panels(ncb));
            }
          }
          if (round >= 0) t[v][round] = (mx.getCurrentThreadCpuTime() - t0) * 1e-9;
        }
        if (!Arrays.equals(dst[0], dst[1]) || !Arrays.equals(dst[0], dst[2])) throw new AssertionError("packings differ");
      }
      GemmPack.gatherT = true;
      GemmPack.gatherMode = 0;
      System.out.printf(Locale.ROOT, "packB transposed %d x %d (kc %d): ", n, k, kc);
      String[] names = {"scatter", "gather p-outer", "gather 16-deep"};
      for (int v = 0; v < 3; v++) {
        double[] s = t[v].clone();
        Arrays.sort(s);
        System.out.printf(Locale.ROOT, "%s %.3f ms (%.3f ns/float)  ", names[v], s[rounds / 2] * 1e3, s[rounds / 2] * 1e9 / b.length);
      }
      System.out.println();
    }
  }
}
