package dev.tulu4j.runtime;

import dev.tulu4j.tensor.Gemm;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A {@link Gemm} decorator for {@code tulu4j bench ... --gemm-profile}: calls, wall time, calling-thread
 * CPU time and flops per call shape ({@code transA transB m n k}). With one thread the caller's CPU
 * time is all of the GEMM's work, so GFLOP per CPU-second per shape reads cleanly on a shared
 * machine. {@link #onCallingThread()} profiles into the same table, so the attention blocks'
 * products are counted too. The first call of a shape is also shown apart, with the rate of the
 * others: a shape that first appears in the warm-up step runs that call before C2 has compiled its
 * kernel (the tiny model's LM-head gradient {@code TN 2048x256x2048}: 0.47 CPU-s for its first call
 * in the tiny bench, 12–13 ms for later ones, docs/PERFORMANCE.md), which drags a short run's total
 * rate down.
 */
public final class GemmProfile implements Gemm {
  private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();
  private final Gemm inner;
  private final Map<String, double[]> shapes; // key -> {calls, wall s, caller cpu s, flops, first call's caller cpu s}
  private final GemmProfile callingThread;

  public GemmProfile(Gemm inner) {
    this.inner = inner;
    this.shapes = new TreeMap<>();
    Gemm own = inner.onCallingThread();
    this.callingThread = own == inner ? this : new GemmProfile(own, shapes);
  }

  private GemmProfile(Gemm inner, Map<String, double[]> shapes) {
    this.inner = inner;
    this.shapes = shapes;
    this.callingThread = this;
  }

  @Override
  public String name() {
    return inner.name();
  }

  @Override
  public Gemm onCallingThread() {
    return callingThread;
  }

  @Override
  public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a,
      int aOff, int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
    long w0 = System.nanoTime();
    long c0 = MX.getCurrentThreadCpuTime();
    inner.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    long c1 = MX.getCurrentThreadCpuTime();
    long w1 = System.nanoTime();
    record(String.format(Locale.ROOT, "%s%s %5dx%5dx%5d", transA ? "T" : "N", transB ? "T" : "N", m, n, k), m, n, k, w1 - w0, c1 - c0);
  }

  /** Profiled as {@code NN*} / {@code TN*}: B read in place ({@link Gemm#sgemmInPlaceB}). */
  @Override
  public void sgemmInPlaceB(boolean transA, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
      float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
    long w0 = System.nanoTime();
    long c0 = MX.getCurrentThreadCpuTime();
    inner.sgemmInPlaceB(transA, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    long c1 = MX.getCurrentThreadCpuTime();
    long w1 = System.nanoTime();
    record(String.format(Locale.ROOT, "%sN*%5dx%5dx%5d", transA ? "T" : "N", m, n, k), m, n, k, w1 - w0, c1 - c0);
  }

  @Override
  public boolean transposedBSameBits(int m, int n, int k) {
    return inner.transposedBSameBits(m, n, k);
  }

  private void record(String key, int m, int n, int k, long wallNs, long cpuNs) {
    synchronized (shapes) {
      double[] s = shapes.computeIfAbsent(key, x -> new double[5]);
      if (s[0] == 0) {
        s[4] = cpuNs / 1e9;
      }
      s[0]++;
      s[1] += wallNs / 1e9;
      s[2] += cpuNs / 1e9;
      s[3] += 2.0 * m * n * k;
    }
  }

  /** Prints one line per shape seen since the last call, then forgets them. */
  public void reportAndReset(PrintWriter out, String workload) {
    synchronized (shapes) {
      double cpu = 0;
      double wall = 0;
      out.printf(Locale.ROOT, "  gemm profile, %s:%n", workload);
      for (Map.Entry<String, double[]> e : shapes.entrySet()) {
        double[] s = e.getValue();
        cpu += s[2];
        wall += s[1];
        String rest = s[0] > 1 && s[2] > s[4]
            ? String.format(Locale.ROOT, "%6.1f", s[3] * (s[0] - 1) / s[0] / (s[2] - s[4]) / 1e9) : "     -";
        out.printf(Locale.ROOT, "    %s  calls %6.0f  wall %7.3fs  callerCpu %7.3fs  %6.1f GF/caller-cpu-s"
            + "  (first call %6.3fs, the others %s)%n", e.getKey(), s[0], s[1], s[2], s[3] / s[2] / 1e9, s[4], rest);
      }
      out.printf(Locale.ROOT, "    all shapes: wall %.3fs, caller cpu %.3fs (attention blocks run inside tasks: their wall overlaps)%n",
          wall, cpu);
      shapes.clear();
    }
  }
}
