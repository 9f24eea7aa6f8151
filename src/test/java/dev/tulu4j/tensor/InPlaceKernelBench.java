package dev.tulu4j.tensor;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A main (not a test): the attention blocks' product shapes, one thread, GFLOP per thread-CPU-second,
 * {@link VectorGemm#sgemmInPlaceB} against {@link VectorGemm#sgemm} (packed B) in alternating rounds.
 * Run: {@code java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes
 * dev.tulu4j.tensor.InPlaceKernelBench [d]}.
 */
public final class InPlaceKernelBench {
  public static void main(String[] args) {
    int d = args.length > 0 ? Integer.parseInt(args[0]) : 32;
    VectorGemm g = new VectorGemm(Parallel.serial());
    SplittableRandom r = new SplittableRandom(1);
    int nk = 256, rows = 64;
    float[] a = new float[rows * 1024], b = new float[1024 * 1024], c = new float[1024 * 1024];
    for (int i = 0; i < a.length; i++) a[i] = (float) r.nextDouble();
    for (int i = 0; i < b.length; i++) b[i] = (float) r.nextDouble();
    var mx = ManagementFactory.getThreadMXBean();
    // name, transA, transB(plain), m, n, k, lda, ldb (in place: B as (k, n) row-major)
    Object[][] shapes = {
        {"S   = Q·Kt (NT)", false, true, rows, nk, d},
        {"O   = P·V  (NN)", false, false, rows, d, nk},
        {"dK  = dSt·Q (TN)", true, false, nk, d, rows},
    };
    for (int round = 0; round < 3; round++) {
      for (Object[] s : shapes) {
        boolean ta = (boolean) s[1], tb = (boolean) s[2];
        int m = (int) s[3], n = (int) s[4], k = (int) s[5];
        int lda = ta ? m : k;
        double[] gf = new double[2];
        for (int way = 0; way < 2; way++) {
          int reps = 20000;
          long c0 = mx.getCurrentThreadCpuTime();
          for (int i = 0; i < reps; i++) {
            if (way == 0) g.sgemm(ta, tb, m, n, k, 1f, a, 0, lda, b, 0, tb ? k : n, 0f, c, 0, n);
            else g.sgemmInPlaceB(ta, m, n, k, 1f, a, 0, lda, b, 0, n, 0f, c, 0, n);
          }
          gf[way] = 2.0 * m * n * k * reps / (mx.getCurrentThreadCpuTime() - c0);
        }
        System.out.printf(Locale.ROOT, "%-18s %4dx%4dx%4d  sgemm %6.1f  in place %6.1f GF/cpu-s%n", s[0], m, n, k, gf[0], gf[1]);
      }
    }
  }
}
