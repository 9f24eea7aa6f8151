import jdk.incubator.vector.*;
import java.lang.foreign.*;
import java.lang.invoke.MethodHandle;
import java.nio.ByteOrder;
import java.util.concurrent.*;

public class Bw {
  static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
  static final int W = 16;
  static volatile float sinkv;

  // one stream, 4 acc
  static float s1(float[] a, int from, int to) {
    FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
    int i = from;
    for (int up = from + (to - from) / (4 * W) * (4 * W); i < up; i += 4 * W) {
      a0 = a0.add(FloatVector.fromArray(S, a, i));
      a1 = a1.add(FloatVector.fromArray(S, a, i + W));
      a2 = a2.add(FloatVector.fromArray(S, a, i + 2 * W));
      a3 = a3.add(FloatVector.fromArray(S, a, i + 3 * W));
    }
    return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
  }
  // ns streams (range split into ns parts), each read 'u' vectors per iter
  static float sStreams(float[] a, int from, int to, int ns) {
    int nsr = ns == 42 ? 4 : ns; int len = (to - from) / (nsr * 4 * W) * (4 * W);
    if (ns == 2) {
      FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
      int b0 = from, b1 = from + len;
      for (int i = 0; i < len; i += 2 * W) {
        a0 = a0.add(FloatVector.fromArray(S, a, b0 + i));
        a1 = a1.add(FloatVector.fromArray(S, a, b1 + i));
        a2 = a2.add(FloatVector.fromArray(S, a, b0 + i + W));
        a3 = a3.add(FloatVector.fromArray(S, a, b1 + i + W));
      }
      return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }
    if (ns == 4) {
      FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
      int b0 = from, b1 = from + len, b2 = b1 + len, b3 = b2 + len;
      for (int i = 0; i < len; i += W) {
        a0 = a0.add(FloatVector.fromArray(S, a, b0 + i));
        a1 = a1.add(FloatVector.fromArray(S, a, b1 + i));
        a2 = a2.add(FloatVector.fromArray(S, a, b2 + i));
        a3 = a3.add(FloatVector.fromArray(S, a, b3 + i));
      }
      return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }
    if (ns == 42) { // 4 streams x 2 vectors
      FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
      int b0 = from, b1 = from + len, b2 = b1 + len, b3 = b2 + len;
      for (int i = 0; i < len; i += 2 * W) {
        a0 = a0.add(FloatVector.fromArray(S, a, b0 + i)).add(FloatVector.fromArray(S, a, b0 + i + W));
        a1 = a1.add(FloatVector.fromArray(S, a, b1 + i)).add(FloatVector.fromArray(S, a, b1 + i + W));
        a2 = a2.add(FloatVector.fromArray(S, a, b2 + i)).add(FloatVector.fromArray(S, a, b2 + i + W));
        a3 = a3.add(FloatVector.fromArray(S, a, b3 + i)).add(FloatVector.fromArray(S, a, b3 + i + W));
      }
      return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }
    if (ns == 8) {
      FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
      int b0 = from, b1 = from + len, b2 = b1 + len, b3 = b2 + len, b4 = b3 + len, b5 = b4 + len, b6 = b5 + len, b7 = b6 + len;
      for (int i = 0; i < len; i += W) {
        a0 = a0.add(FloatVector.fromArray(S, a, b0 + i)).add(FloatVector.fromArray(S, a, b4 + i));
        a1 = a1.add(FloatVector.fromArray(S, a, b1 + i)).add(FloatVector.fromArray(S, a, b5 + i));
        a2 = a2.add(FloatVector.fromArray(S, a, b2 + i)).add(FloatVector.fromArray(S, a, b6 + i));
        a3 = a3.add(FloatVector.fromArray(S, a, b3 + i)).add(FloatVector.fromArray(S, a, b7 + i));
      }
      return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }
    throw new IllegalArgumentException();
  }
  // touch-prefetch: scalar read one line per 64B, dist floats ahead
  static float sTouch(float[] a, int from, int to, int dist) {
    FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
    float t = 0;
    int i = from;
    int up = from + (to - from - dist) / (4 * W) * (4 * W);
    for (; i < up; i += 4 * W) {
      t += a[i + dist] + a[i + dist + W] + a[i + dist + 2 * W] + a[i + dist + 3 * W];
      a0 = a0.add(FloatVector.fromArray(S, a, i));
      a1 = a1.add(FloatVector.fromArray(S, a, i + W));
      a2 = a2.add(FloatVector.fromArray(S, a, i + 2 * W));
      a3 = a3.add(FloatVector.fromArray(S, a, i + 3 * W));
    }
    return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD) + t;
  }
  static float sSeg(MemorySegment m, long from, long to) {
    FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
    long i = from;
    for (long up = from + (to - from) / (4 * W) * (4 * W); i < up; i += 4 * W) {
      a0 = a0.add(FloatVector.fromMemorySegment(S, m, i * 4, ByteOrder.nativeOrder()));
      a1 = a1.add(FloatVector.fromMemorySegment(S, m, (i + W) * 4, ByteOrder.nativeOrder()));
      a2 = a2.add(FloatVector.fromMemorySegment(S, m, (i + 2 * W) * 4, ByteOrder.nativeOrder()));
      a3 = a3.add(FloatVector.fromMemorySegment(S, m, (i + 3 * W) * 4, ByteOrder.nativeOrder()));
    }
    return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
  }

  interface Body { float run(int t, int threads); }

  static ExecutorService pool;
  static double time(int threads, Body b) throws Exception {
    var mx = java.lang.management.ManagementFactory.getThreadMXBean();
    long c0 = threads == 1 ? mx.getCurrentThreadCpuTime() : 0;
    long t0 = System.nanoTime();
    Future<?>[] fs = new Future<?>[threads - 1];
    float[] r = new float[threads];
    for (int t = 1; t < threads; t++) { int tt = t; fs[t - 1] = pool.submit(() -> { r[tt] = b.run(tt, threads); }); }
    r[0] = b.run(0, threads);
    for (Future<?> f : fs) f.get();
    double s = threads == 1 ? (mx.getCurrentThreadCpuTime() - c0) / 1e9 : (System.nanoTime() - t0) / 1e9;
    float x = 0; for (float v : r) x += v; sinkv = x;
    return s;
  }

  public static void main(String[] args) throws Throwable {
    int threads = Integer.parseInt(args[0]);
    int rounds = Integer.parseInt(args[1]);
    String[] variants = args[2].split(",");
    long bytes = 1L << 30;
    int n = (int) (bytes / 4);
    pool = Executors.newFixedThreadPool(Math.max(1, threads - 1));
    float[] a = new float[n + 64];
    for (int i = 0; i < a.length; i += 1024) a[i] = 1f;
    Arena arena = Arena.ofShared();
    MemorySegment seg = arena.allocate(bytes, 1 << 21);
    MemorySegment segH = arena.allocate(bytes, 1 << 21);
    Linker lk = Linker.nativeLinker();
    MethodHandle madvise = lk.downcallHandle(lk.defaultLookup().find("madvise").get(),
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    int rc = (int) madvise.invokeExact(segH, bytes, 14 /*MADV_HUGEPAGE*/);
    for (long i = 0; i < bytes; i += 4096) { seg.set(ValueLayout.JAVA_FLOAT, i, 1f); segH.set(ValueLayout.JAVA_FLOAT, i, 1f); }
    System.out.println("madvise rc " + rc);
    java.util.Map<String, Body> bodies = new java.util.LinkedHashMap<>();
    for (String v : variants) {
      Body b;
      if (v.startsWith("off")) { int off = Integer.parseInt(v.substring(3));
        b = (t, T) -> { long f = (long) n * t / T, e = (long) n * (t + 1) / T; return s1(a, (int) f + off, (int) e + off); }; }
      else if (v.startsWith("str")) { int ns = Integer.parseInt(v.substring(3));
        b = (t, T) -> { long f = (long) n * t / T, e = (long) n * (t + 1) / T; return sStreams(a, (int) f + 12, (int) e + 12, ns); }; }
      else if (v.startsWith("touch")) { int d = Integer.parseInt(v.substring(5));
        b = (t, T) -> { long f = (long) n * t / T, e = (long) n * (t + 1) / T; return sTouch(a, (int) f + 12, (int) e + 12, d); }; }
      else if (v.startsWith("blk")) { int bf = Integer.parseInt(v.substring(3)) * 256;
        b = (t, T) -> { long f = (long) n * t / T, e = (long) n * (t + 1) / T; float x = 0;
          for (long p = f + 12; p + bf <= e; p += bf) x += sStreams(a, (int) p, (int) p + bf, 4); return x; }; }
      else if (v.startsWith("one")) { int bf = Integer.parseInt(v.substring(3)) * 256;
        b = (t, T) -> { long f = (long) n * t / T, e = (long) n * (t + 1) / T; float x = 0;
          for (long p = f + 12; p + bf <= e; p += bf) x += s1(a, (int) p, (int) p + bf); return x; }; }
      else if (v.equals("seg")) b = (t, T) -> sSeg(seg, (long) n * t / T, (long) n * (t + 1) / T);
      else if (v.equals("segH")) b = (t, T) -> sSeg(segH, (long) n * t / T, (long) n * (t + 1) / T);
      else throw new IllegalArgumentException(v);
      bodies.put(v, b);
    }
    // warm: small passes
    for (var e : bodies.entrySet()) { long end = System.nanoTime() + 300_000_000L; while (System.nanoTime() < end) e.getValue().run(0, 256); }
    java.util.Map<String, java.util.List<Double>> res = new java.util.LinkedHashMap<>();
    for (int r = 0; r < rounds; r++)
      for (var e : bodies.entrySet()) {
        double best = 1e9; for (int k = 0; k < 3; k++) best = Math.min(best, time(threads, e.getValue()));
        res.computeIfAbsent(e.getKey(), x -> new java.util.ArrayList<>()).add(bytes / best / 1e9);
      }
    for (var e : res.entrySet()) {
      var l = new java.util.ArrayList<>(e.getValue()); java.util.Collections.sort(l);
      System.out.printf("%-8s median %.1f  all %s%n", e.getKey(), l.get(l.size() / 2), e.getValue().stream().map(x -> String.format("%.1f", x)).toList());
    }
    pool.shutdown();
  }
}
