package dev.tulu4j.model;

import dev.tulu4j.tensor.Gemm;
import dev.tulu4j.tensor.Parallel;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code tulu4j bench attention}: the training attention of one layer ({@link BlockAttention} forward
 * and backward on random q, k, v, dO) timed in process CPU time, two ways in alternating rounds in one
 * JVM: "in place" (the GEMM's {@link Gemm#sgemmInPlaceB} and transposed-key scores, what the model
 * runs) and "plain sgemm" (the same GEMM reached only through {@link Gemm#sgemm}, what the blocks ran
 * before session 10). Both give the same bits (BlockAttentionBitsTest); the bench checks that too.
 */
public final class AttentionBench {
  private AttentionBench() {}

  /** One round: CPU seconds per forward + backward for each way, and their ratio. */
  public record Round(double inPlaceCpuSeconds, double plainCpuSeconds) {
    public double speedup() {
      return plainCpuSeconds / inPlaceCpuSeconds;
    }
  }

  /** Flops of the blocks' seven products (2 forward, 5 backward), as the blocks cut them. */
  public static double flops(int batch, int time, int heads, int d) {
    double f = 0;
    for (int t0 = 0; t0 < time; t0 += BlockAttention.QB) {
      int rows = Math.min(BlockAttention.QB, time - t0);
      f += 2.0 * rows * (t0 + rows) * d;
    }
    return 7 * f * batch * heads;
  }

  /**
   * Runs {@code rounds} rounds of {@code reps} forward + backward passes per way after
   * {@code warmup} untimed passes of each; tasks over {@code par}'s threads.
   */
  public static List<Round> run(Gemm gemm, Parallel par, int batch, int time, int heads, int kvHeads, int d, int warmup,
      int reps, int rounds) {
    if (heads % kvHeads != 0) throw new IllegalArgumentException("heads must be a multiple of kv heads");
    SplittableRandom r = new SplittableRandom(7);
    int n = batch * time;
    float[] q = randn(r, n * heads * d), k = randn(r, n * kvHeads * d), v = randn(r, n * kvHeads * d);
    float[] dout = randn(r, n * heads * d);
    int[] start = new int[n];
    ModelParallel mp = new ModelParallel(par);
    Gemm inPlace = gemm.onCallingThread();
    Gemm plain = new Gemm() {
      @Override
      public void sgemm(boolean transA, boolean transB, int m, int nn, int kk, float alpha, float[] a, int aOff, int lda,
          float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        inPlace.sgemm(transA, transB, m, nn, kk, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
      }

      @Override
      public String name() {
        return "plain";
      }
    };
    Buffers x = new Buffers(new float[n * heads * d], new float[n * heads], new float[n * heads * d],
        new float[n * kvHeads * d], new float[n * kvHeads * d]);
    Buffers y = new Buffers(new float[n * heads * d], new float[n * heads], new float[n * heads * d],
        new float[n * kvHeads * d], new float[n * kvHeads * d]);
    for (int i = 0; i < warmup; i++) {
      pass(mp, inPlace, q, k, v, dout, start, batch, time, heads, kvHeads, d, x);
      pass(mp, plain, q, k, v, dout, start, batch, time, heads, kvHeads, d, y);
    }
    if (warmup > 0 && !java.util.Arrays.equals(x.all(), y.all())) {
      throw new IllegalStateException("in-place and plain attention differ (expected the same bits)");
    }
    List<Round> out = new ArrayList<>();
    for (int round = 0; round < rounds; round++) {
      // alternate which way goes first, so a slow phase of the machine does not favour one
      double a = 0, b = 0;
      for (int order = 0; order < 2; order++) {
        boolean useInPlace = (order == 0) == (round % 2 == 0);
        Gemm g = useInPlace ? inPlace : plain;
        long c0 = cpu();
        for (int i = 0; i < reps; i++) pass(mp, g, q, k, v, dout, start, batch, time, heads, kvHeads, d, useInPlace ? x : y);
        double s = (cpu() - c0) / 1e9 / reps;
        if (g == inPlace) a = s;
        else b = s;
      }
      out.add(new Round(a, b));
    }
    return out;
  }

  /** Output buffers, allocated once so that the timed passes allocate nothing (no GC in the CPU time). */
  private record Buffers(float[] o, float[] lse, float[] dq, float[] dk, float[] dv) {
    float[] all() {
      float[] all = new float[o.length + dq.length + dk.length + dv.length];
      System.arraycopy(o, 0, all, 0, o.length);
      System.arraycopy(dq, 0, all, o.length, dq.length);
      System.arraycopy(dk, 0, all, o.length + dq.length, dk.length);
      System.arraycopy(dv, 0, all, o.length + dq.length + dk.length, dv.length);
      return all;
    }
  }

  private static void pass(ModelParallel mp, Gemm g, float[] q, float[] k, float[] v, float[] dout, int[] start,
      int batch, int time, int heads, int kvHeads, int d, Buffers w) {
    Attention.forward(mp, g, q, k, v, w.o, w.lse, batch, time, heads, kvHeads, d, start);
    Attention.backward(mp, g, q, k, v, w.o, w.lse, dout, w.dq, w.dk, w.dv, batch, time, heads, kvHeads, d, start);
  }

  private static long cpu() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static float[] randn(SplittableRandom r, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = (float) (r.nextDouble() * 2 - 1);
    return a;
  }
}
