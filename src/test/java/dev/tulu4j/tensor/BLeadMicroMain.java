package dev.tulu4j.tensor;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import java.util.SplittableRandom;

/** The in-place products with B on a cache line against B 8 bytes past one (activations' leads). Scratch micro-bench. */
public final class BLeadMicroMain {
  public static void main(String[] args) {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    SplittableRandom r = new SplittableRandom(1);
    float[] a = new float[64 * 600 + 32], b = new float[4096 * 192 + 32], c = new float[4096 * 192 + 32];
    for (int i = 0; i < a.length; i++) a[i] = (float) r.nextDouble();
    for (int i = 0; i < b.length; i++) b[i] = (float) r.nextDouble();
    VectorGemm g = new VectorGemm(Parallel.serial());
    int la = CacheLines.lead(a), lb = CacheLines.lead(b), lc = CacheLines.lead(c);
    // O = P·V: A (64 × 512, lda 528) on a line, B = V (512 × 64, ldb 192), C (64 × 64, ldc 576)
    // dK += dSᵀ·Q: A = dS (64 × 512, lda 528) transposed, B = Q (64 × 64, ldb 576), C = dK (512 × 64, ldc 192)
    for (int round = 0; round < 7; round++) {
      StringBuilder sb = new StringBuilder();
      for (int shift : new int[] {0, 2, 0, 6}) {
        int reps = 400;
        long t = mx.getCurrentThreadCpuTime();
        for (int i = 0; i < reps; i++) g.sgemmInPlaceB(false, 64, 64, 512, 1f, a, la, 528, b, lb + shift, 192, 0f, c, lc, 576);
        double ns = (mx.getCurrentThreadCpuTime() - t) / (double) reps;
        t = mx.getCurrentThreadCpuTime();
        for (int i = 0; i < reps; i++) g.sgemmInPlaceB(true, 512, 64, 64, 1f, a, la, 528, c, lc + shift, 576, 1f, b, lb + shift, 192);
        double ns2 = (mx.getCurrentThreadCpuTime() - t) / (double) reps;
        sb.append(String.format(Locale.ROOT, "shift %d: PV %.0f dK %.0f GF   ", shift, 2.0 * 64 * 64 * 512 / ns, 2.0 * 64 * 64 * 512 / ns2));
      }
      System.out.println(sb);
    }
  }
}
