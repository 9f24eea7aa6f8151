package dev.tulu4j.model;

import dev.tulu4j.tensor.Gemm;
import dev.tulu4j.tensor.Parallel;
import dev.tulu4j.tensor.VectorGemm;
import dev.tulu4j.tensor.VectorMath;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Where one layer's training attention spends its CPU, by piece: the seven products, the softmax
 * rows, the softmax gradient, the transposes. A copy of {@link BlockAttention}'s loops (one thread,
 * no start masks) with a thread-CPU timer around each piece; the harness checks its outputs equal
 * {@code BlockAttention}'s bits so the copy is the real work.
 * Usage: {@code java … dev.tulu4j.model.AttentionProductsMain [tiny|135m] [reps]}.
 */
public final class AttentionProductsMain {
  private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();
  private static final String[] NAMES = {"S fwd", "softmax", "O=PV", "transp K", "S bwd", "dP", "transp V",
      "di+grad+fill", "dQ", "dK", "dV", "S fwd hot", "O=PV hot"};
  private static final long[] NS = new long[NAMES.length];
  private static long t0;
  private static final boolean HOT = Boolean.getBoolean("hot");

  private static void tick() {
    t0 = MX.getCurrentThreadCpuTime();
  }

  private static void tock(int i) {
    long t = MX.getCurrentThreadCpuTime();
    NS[i] += t - t0;
    t0 = t;
  }

  public static void main(String[] args) {
    boolean tiny = args.length > 0 && args[0].equals("tiny");
    int reps = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    int batch = tiny ? 8 : 8, time = tiny ? 256 : 512, heads = tiny ? 8 : 9, kvHeads = tiny ? 8 : 3, d = tiny ? 32 : 64;
    SplittableRandom r = new SplittableRandom(7);
    int n = batch * time;
    float[] q = randn(r, n * heads * d), k = randn(r, n * kvHeads * d), v = randn(r, n * kvHeads * d);
    float[] dout = randn(r, n * heads * d);
    int[] start = new int[n];
    try (Parallel par = Parallel.create(1)) {
      Gemm gemm = new VectorGemm(par).onCallingThread();
      ModelParallel mp = new ModelParallel(par);
      float[] o = new float[n * heads * d], lse = new float[n * heads], dq = new float[o.length];
      float[] dk = new float[k.length], dv = new float[k.length];
      float[] o2 = new float[o.length], lse2 = new float[lse.length], dq2 = new float[o.length];
      float[] dk2 = new float[k.length], dv2 = new float[k.length];
      for (int w = 0; w < 3; w++) {
        BlockAttention.forward(mp, gemm, q, k, v, o, lse, batch, time, heads, kvHeads, d, start);
        BlockAttention.backward(mp, gemm, q, k, v, o, lse, dout, dq, dk, dv, batch, time, heads, kvHeads, d, start);
        forward(gemm, q, k, v, o2, lse2, batch, time, heads, kvHeads, d);
        backward(gemm, q, k, v, o2, lse2, dout, dq2, dk2, dv2, batch, time, heads, kvHeads, d);
      }
      if (!Arrays.equals(o, o2) || !Arrays.equals(dq, dq2) || !Arrays.equals(dk, dk2) || !Arrays.equals(dv, dv2)) {
        throw new IllegalStateException("copy differs from BlockAttention");
      }
      Arrays.fill(NS, 0);
      long w0 = MX.getCurrentThreadCpuTime();
      for (int i = 0; i < reps; i++) {
        forward(gemm, q, k, v, o2, lse2, batch, time, heads, kvHeads, d);
        backward(gemm, q, k, v, o2, lse2, dout, dq2, dk2, dv2, batch, time, heads, kvHeads, d);
      }
      double all = (MX.getCurrentThreadCpuTime() - w0) / 1e6 / reps;
      long c0 = MX.getCurrentThreadCpuTime();
      for (int i = 0; i < reps; i++) {
        BlockAttention.forward(mp, gemm, q, k, v, o, lse, batch, time, heads, kvHeads, d, start);
        BlockAttention.backward(mp, gemm, q, k, v, o, lse, dout, dq, dk, dv, batch, time, heads, kvHeads, d, start);
      }
      double real = (MX.getCurrentThreadCpuTime() - c0) / 1e6 / reps;
      double fl = AttentionBench.flops(batch, time, heads, d) / 7;
      System.out.printf(Locale.ROOT, "%s: timed copy %.1f ms per fwd+bwd, BlockAttention untimed %.1f ms (%.1f GF/cpu-s)%n",
          tiny ? "tiny" : "135m", all, real, 7 * fl / real / 1e6);
      for (int i = 0; i < NAMES.length; i++) {
        double ms = NS[i] / 1e6 / reps;
        boolean prod = !NAMES[i].startsWith("softmax") && !NAMES[i].startsWith("transp") && !NAMES[i].startsWith("di");
        System.out.printf(Locale.ROOT, "  %-14s %7.2f ms %5.1f%%%s%n", NAMES[i], ms, 100 * ms / all,
            prod ? String.format(Locale.ROOT, "  %6.1f GF/cpu-s", fl / ms / 1e6) : "");
      }
    }
  }

  static void forward(Gemm gemm, float[] q, float[] k, float[] v, float[] out, float[] lse,
      int batch, int time, int heads, int kvHeads, int d) {
    int group = heads / kvHeads, qw = heads * d, kw = kvHeads * d, QB = BlockAttention.QB;
    float scale = (float) (1.0 / Math.sqrt(d));
    int ldt = BlockAttention.padded(time);
    float[] s = new float[QB * (time + 16) + 16], kt = new float[d * ldt + 16];
    int so = (16 - dev.tulu4j.tensor.CacheLines.lead(s)) & 15;
    so = dev.tulu4j.tensor.CacheLines.lead(s);
    int kto = dev.tulu4j.tensor.CacheLines.lead(kt);
    float[] lanes = new float[VectorMath.L];
    float[] s2 = new float[s.length];
    int so2 = dev.tulu4j.tensor.CacheLines.lead(s2);
    int[] start = new int[batch * time];
    for (int task = 0; task < batch * kvHeads; task++) {
      int b = task / kvHeads, g = task % kvHeads;
      tick();
      BlockAttention.transpose(k, b * time * kw + g * d, kw, time, d, kt, kto, ldt);
      tock(3);
      for (int h = g * group; h < (g + 1) * group; h++) for (int t0 = 0; t0 < time; t0 += QB) {
        int rows = Math.min(QB, time - t0), r0 = b * time + t0, nk = t0 + rows;
        int qOff = r0 * qw + h * d, kOff = b * time * kw + g * d;
        int ld = BlockAttention.padded(nk);
        tick();
        gemm.sgemmInPlaceB(false, rows, nk, d, scale, q, qOff, qw, kt, kto, ldt, 0f, s, so, ld);
        tock(0);
        BlockAttention.softmaxRows(s, so, ld, rows, r0, t0, 0, nk, start, lse, heads, h, lanes);
        tock(1);
        gemm.sgemmInPlaceB(false, rows, d, nk, 1f, s, so, ld, v, kOff, kw, 0f, out, qOff, qw);
        tock(2);
        if (HOT) {
          gemm.sgemmInPlaceB(false, rows, nk, d, scale, q, qOff, qw, kt, kto, ldt, 0f, s2, so2, ld);
          tock(11);
          gemm.sgemmInPlaceB(false, rows, d, nk, 1f, s, so, ld, v, kOff, kw, 0f, out, qOff, qw);
          tock(12);
        }
      }
    }
  }

  static void backward(Gemm gemm, float[] q, float[] k, float[] v, float[] out, float[] lse, float[] dout,
      float[] dq, float[] dk, float[] dv, int batch, int time, int heads, int kvHeads, int d) {
    int group = heads / kvHeads, qw = heads * d, kw = kvHeads * d, QB = BlockAttention.QB;
    float scale = (float) (1.0 / Math.sqrt(d));
    int ldt = BlockAttention.padded(time);
    float[] p = new float[QB * (time + 16) + 16], ds = new float[p.length];
    float[] kt = new float[d * ldt + 16], vt = new float[d * ldt + 16];
    int po = dev.tulu4j.tensor.CacheLines.lead(p), dso = dev.tulu4j.tensor.CacheLines.lead(ds);
    int kto = dev.tulu4j.tensor.CacheLines.lead(kt), vto = dev.tulu4j.tensor.CacheLines.lead(vt);
    for (int task = 0; task < batch * kvHeads; task++) {
      int b = task / kvHeads, g = task % kvHeads, base = b * time * kw + g * d;
      for (int t = 0; t < time; t++) {
        Arrays.fill(dk, base + t * kw, base + t * kw + d, 0f);
        Arrays.fill(dv, base + t * kw, base + t * kw + d, 0f);
      }
      tick();
      BlockAttention.transpose(k, base, kw, time, d, kt, kto, ldt);
      tock(3);
      BlockAttention.transpose(v, base, kw, time, d, vt, vto, ldt);
      tock(6);
      for (int h = g * group; h < (g + 1) * group; h++) {
        for (int t0 = 0; t0 < time; t0 += QB) {
          int rows = Math.min(QB, time - t0), r0 = b * time + t0, nk = t0 + rows;
          int qOff = r0 * qw + h * d, kOff = base;
          int ld = BlockAttention.padded(nk);
          tick();
          gemm.sgemmInPlaceB(false, rows, nk, d, scale, q, qOff, qw, kt, kto, ldt, 0f, p, po, ld);
          tock(4);
          gemm.sgemmInPlaceB(false, rows, nk, d, 1f, dout, qOff, qw, vt, vto, ldt, 0f, ds, dso, ld);
          tock(5);
          for (int i = 0; i < rows; i++) {
            int rr = r0 + i, nn = t0 + i + 1, row = i * ld;
            float di = VectorMath.dotOneChain(dout, qOff + i * qw, out, qOff + i * qw, d);
            BlockAttention.softmaxGrad(p, po + row, ds, dso + row, 0, nn, lse[rr * heads + h], di, scale);
            Arrays.fill(p, po + row + nn, po + row + nk, 0f);
            Arrays.fill(ds, dso + row + nn, dso + row + nk, 0f);
          }
          tock(7);
          gemm.sgemmInPlaceB(false, rows, d, nk, 1f, ds, dso, ld, k, kOff, kw, 0f, dq, qOff, qw);
          tock(8);
          gemm.sgemmInPlaceB(true, nk, d, rows, 1f, ds, dso, ld, q, qOff, qw, 1f, dk, kOff, kw);
          tock(9);
          gemm.sgemmInPlaceB(true, nk, d, rows, 1f, p, po, ld, dout, qOff, qw, 1f, dv, kOff, kw);
          tock(10);
        }
      }
    }
  }

  private static float[] randn(SplittableRandom r, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = (float) (r.nextDouble() * 2 - 1);
    return a;
  }
}
