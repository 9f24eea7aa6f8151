package dev.tulu4j.model;

import dev.tulu4j.tensor.Parallel;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Random;

/**
 * Old ({@link ElementwiseBefore}) against new elementwise passes at the tiny training step's shapes
 * (N = 4,096 rows, C = 256, 8 heads of 32; attention rows of one (row, head): T = 256 in blocks of 64), one thread, thread CPU time, old and new alternating in
 * rounds; prints the median ms per pass of each. Not a test (timings): run by hand, as
 * {@code java --add-modules jdk.incubator.vector -cp 'target/test-classes:target/tulu4j-0.1.0.jar:target/lib/*'
 * dev.tulu4j.model.ElementwiseProfileMain [rounds]}. The last row runs the same code on both sides
 * (softmaxGrad, unchanged: an unmasked loop with the tail through a scratch measured 0.63× here and
 * was dropped), as a control for the noise of the machine. A kernel alone can compile differently from the
 * whole step (session 11), so this measures the kernels, not the step.
 */
public final class ElementwiseProfileMain {
  private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();
  private static final ModelParallel SERIAL = new ModelParallel(Parallel.serial());

  private ElementwiseProfileMain() {}

  private static float[] randn(Random r, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
    return a;
  }

  private static double ms(Runnable body, int reps) {
    long t0 = MX.getCurrentThreadCpuTime();
    for (int i = 0; i < reps; i++) body.run();
    return (MX.getCurrentThreadCpuTime() - t0) / 1e6 / reps;
  }

  private static double median(double[] a) {
    double[] s = a.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  public static void main(String[] args) {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 9;
    int n = 4096, c = 256, heads = 8, d = 32, half = d / 2, t = 256;
    Random r = new Random(1);
    float[] x = randn(r, n * c), w = randn(r, c), y = new float[n * c], rstd = new float[n];
    float[] dy = randn(r, n * c), dx = new float[n * c], res = new float[n * c];
    float[] q = randn(r, n * heads * d), k = randn(r, n * heads * d);
    float[] cos = new float[n * half], sin = new float[n * half];
    int[] pos = new int[n];
    for (int i = 0; i < n; i++) pos[i] = i % t;
    float[] inv = new float[half];
    for (int i = 0; i < half; i++) inv[i] = 1f / (float) Math.pow(10000.0, (float) (2 * i) / d);
    Rope.tables(inv, pos, n, cos, sin);
    // one head's backward softmax rows of a query block of 64: causal rows of 1..256 keys
    int ld = 256 + 16;
    float[] p0 = randn(r, 64 * ld), ds0 = randn(r, 64 * ld), p = new float[p0.length], ds = new float[ds0.length];
    int[] start = new int[t]; // the forward's softmax rows: the four query blocks of one (row, head), no packing
    float[] lse = new float[t], lanes = new float[dev.tulu4j.tensor.VectorMath.L];
    String[] names = {"rope q+k fwd", "rmsnorm fwd", "rmsnorm fwd + res copy", "rmsnorm bwd dx", "softmax rows 4 blocks", "softmaxGrad (control)"};
    Runnable[] before = {
        () -> {
          ElementwiseBefore.rotate(q, 0, n, heads, d, cos, sin, 1f);
          ElementwiseBefore.rotate(k, 0, n, heads, d, cos, sin, 1f);
        },
        () -> ElementwiseBefore.rmsForward(x, w, y, rstd, n, c, 1e-5f),
        () -> {
          ElementwiseBefore.rmsForward(x, w, y, rstd, n, c, 1e-5f);
          System.arraycopy(x, 0, res, 0, n * c);
        },
        () -> ElementwiseBefore.rmsBackwardDx(dy, x, w, rstd, dx, n, c),
        () -> {
          for (int t0 = 0; t0 < t; t0 += 64) {
            System.arraycopy(p0, 0, p, 0, p.length);
            ElementwiseBefore.softmaxRows(p, ld, 64, t0, t0, 0, t0 + 64, start, lse, 1, 0, lanes);
          }
        },
        () -> {
          System.arraycopy(p0, 0, p, 0, p.length);
          System.arraycopy(ds0, 0, ds, 0, ds.length);
          for (int i = 0; i < 256; i++) ElementwiseBefore.softmaxGrad(p, ds, (i % 64) * ld, i + 1, 3f, 0.1f, 0.17f);
        }};
    Runnable[] after = {
        () -> Rope.forward(SERIAL, q, heads, k, heads, n, d, cos, sin),
        () -> RmsNorm.forward(SERIAL, x, w, y, rstd, n, c, 1e-5f),
        () -> RmsNorm.forward(SERIAL, x, w, y, rstd, n, c, 1e-5f, res),
        () -> RmsNorm.backward(SERIAL, dy, x, w, rstd, dx, null, n, c),
        () -> {
          for (int t0 = 0; t0 < t; t0 += 64) {
            System.arraycopy(p0, 0, p, 0, p.length);
            BlockAttention.softmaxRows(p, ld, 64, t0, t0, 0, t0 + 64, start, lse, 1, 0, lanes);
          }
        },
        () -> {
          System.arraycopy(p0, 0, p, 0, p.length);
          System.arraycopy(ds0, 0, ds, 0, ds.length);
          for (int i = 0; i < 256; i++) BlockAttention.softmaxGrad(p, ds, (i % 64) * ld, i + 1, 3f, 0.1f, 0.17f);
        }};
    for (int kk = 0; kk < names.length; kk++) { // warm-up: C2 for both
      ms(before[kk], 300);
      ms(after[kk], 300);
    }
    for (int kk = 0; kk < names.length; kk++) {
      double[] b = new double[rounds], a = new double[rounds];
      for (int i = 0; i < rounds; i++) {
        b[i] = ms(before[kk], 20);
        a[i] = ms(after[kk], 20);
      }
      System.out.printf("%-22s before %.4f ms  after %.4f ms  (medians of %d rounds, thread CPU) = %.2fx%n",
          names[kk], median(b), median(a), rounds, median(b) / median(a));
    }
  }
}
