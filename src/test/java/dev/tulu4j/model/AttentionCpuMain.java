package dev.tulu4j.model;

import dev.tulu4j.tensor.Gemm;
import dev.tulu4j.tensor.Parallel;
import dev.tulu4j.tensor.VectorGemm;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * One layer's training attention (forward + backward, {@link Attention}) on one thread, timed in
 * that thread's CPU time (no JIT or GC threads in the figure), per round the median of its passes.
 * Calls only what main had before session 15, so the same class runs against an older build's
 * classes to compare builds in alternating JVMs:
 * {@code java … -cp 'target/test-classes:OLD.jar:lib/*' dev.tulu4j.model.AttentionCpuMain 135m 5 10}.
 * Prints a hash of the outputs' bits, which must agree between builds.
 */
public final class AttentionCpuMain {
  public static void main(String[] args) {
    boolean tiny = args[0].equals("tiny");
    int rounds = Integer.parseInt(args[1]), reps = Integer.parseInt(args[2]);
    int batch = 8, time = tiny ? 256 : 512, heads = tiny ? 8 : 9, kvHeads = tiny ? 8 : 3, d = tiny ? 32 : 64;
    SplittableRandom r = new SplittableRandom(7);
    int n = batch * time;
    float[] q = randn(r, n * heads * d), k = randn(r, n * kvHeads * d), v = randn(r, n * kvHeads * d);
    float[] dout = randn(r, n * heads * d);
    int[] start = new int[n];
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    int threads = args.length > 4 ? Integer.parseInt(args[4]) : 1;
    try (Parallel par = Parallel.create(threads)) {
      Gemm gemm = new VectorGemm(par).onCallingThread();
      ModelParallel mp = new ModelParallel(par);
      float[] o = new float[n * heads * d], lse = new float[n * heads], dq = new float[o.length];
      float[] dk = new float[k.length], dv = new float[k.length];
      for (int w = 0; w < 3; w++) pass(mp, gemm, q, k, v, dout, start, o, lse, dq, dk, dv, batch, time, heads, kvHeads, d);
      if (args.length > 3) {
        probe(mp, gemm, q, k, v, dout, start, o, lse, dq, dk, dv, batch, time, heads, kvHeads, d, rounds, reps, mx,
            threads > 1);
        return;
      }
      double[] med = new double[rounds];
      for (int round = 0; round < rounds; round++) {
        double[] ms = new double[reps];
        for (int i = 0; i < reps; i++) {
          long t = mx.getCurrentThreadCpuTime();
          pass(mp, gemm, q, k, v, dout, start, o, lse, dq, dk, dv, batch, time, heads, kvHeads, d);
          ms[i] = (mx.getCurrentThreadCpuTime() - t) / 1e6;
        }
        Arrays.sort(ms);
        med[round] = ms[reps / 2];
      }
      long h = 17;
      for (float[] a : new float[][] {o, lse, dq, dk, dv}) for (float x : a) h = h * 31 + Float.floatToRawIntBits(x);
      double[] s = med.clone();
      Arrays.sort(s);
      System.out.printf(Locale.ROOT, "%s rounds %s ms, median %.2f ms (%.1f GF/cpu-s), bits %016x%n", tiny ? "tiny" : "135m",
          Arrays.toString(med), s[rounds / 2], AttentionBench.flops(batch, time, heads, d) / s[rounds / 2] / 1e6, h);
    }
  }

  /**
   * Session 15's changes against what they replaced, alternating in one JVM: per round the median
   * pass of each of three ways (all new; the forward's tasks per head; and also the four last rows
   * through the six-row kernel), with the bits checked equal. With more than one thread (fifth
   * argument) the figure is wall time, the tasks spread over the pool as in the model.
   */
  private static void probe(ModelParallel mp, Gemm gemm, float[] q, float[] k, float[] v, float[] dout, int[] start,
      float[] o, float[] lse, float[] dq, float[] dk, float[] dv, int batch, int time, int heads, int kvHeads, int d,
      int rounds, int reps, ThreadMXBean mx, boolean wall) {
    String[] names = {"new", "per-head tasks", "per-head + six-row remainder"};
    double[][] med = new double[3][rounds];
    float[][] ref = null;
    for (int round = 0; round < rounds; round++) {
      for (int w0 = 0; w0 < 3; w0++) {
        int w = (w0 + round) % 3;
        BlockAttention.probePerHeadTasks = w >= 1;
        dev.tulu4j.tensor.InPlaceProbe.sixRowRemainder(w == 2);
        double[] ms = new double[reps];
        for (int i = 0; i < reps; i++) {
          long t = wall ? System.nanoTime() : mx.getCurrentThreadCpuTime();
          pass(mp, gemm, q, k, v, dout, start, o, lse, dq, dk, dv, batch, time, heads, kvHeads, d);
          ms[i] = ((wall ? System.nanoTime() : mx.getCurrentThreadCpuTime()) - t) / 1e6;
        }
        Arrays.sort(ms);
        med[w][round] = ms[reps / 2];
        float[][] got = {o.clone(), lse.clone(), dq.clone(), dk.clone(), dv.clone()};
        if (ref == null) ref = got;
        for (int i = 0; i < 5; i++) if (!Arrays.equals(ref[i], got[i])) throw new IllegalStateException("bits differ: " + names[w]);
      }
    }
    BlockAttention.probePerHeadTasks = false;
    dev.tulu4j.tensor.InPlaceProbe.sixRowRemainder(false);
    for (int w = 0; w < 3; w++) {
      double[] s = med[w].clone();
      Arrays.sort(s);
      double[] ratio = new double[rounds];
      for (int r = 0; r < rounds; r++) ratio[r] = med[w][r] / med[0][r];
      Arrays.sort(ratio);
      System.out.printf(Locale.ROOT, "%-30s median %.2f ms, per-round ratio to new: median %.3f (%.3f..%.3f)%n", names[w],
          s[rounds / 2], ratio[rounds / 2], ratio[0], ratio[rounds - 1]);
    }
  }

  private static void pass(ModelParallel mp, Gemm g, float[] q, float[] k, float[] v, float[] dout, int[] start, float[] o,
      float[] lse, float[] dq, float[] dk, float[] dv, int batch, int time, int heads, int kvHeads, int d) {
    Attention.forward(mp, g, q, k, v, o, lse, batch, time, heads, kvHeads, d, start);
    Attention.backward(mp, g, q, k, v, o, lse, dout, dq, dk, dv, batch, time, heads, kvHeads, d, start);
  }

  private static float[] randn(SplittableRandom r, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = (float) (r.nextDouble() * 2 - 1);
    return a;
  }
}
