package dev.tulu4j.model;

import dev.tulu4j.tensor.VectorExp;
import dev.tulu4j.tensor.VectorMath;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/** Softmax pieces alone: ns per 16-lane vector. Scratch micro-bench (session 15). */
public final class SoftmaxMicroMain {
  static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();

  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 512, rows = 64;
    float[] src = new float[rows * n];
    SplittableRandom r = new SplittableRandom(1);
    for (int i = 0; i < src.length; i++) src[i] = (float) (r.nextDouble() * 4 - 2);
    float[] x = new float[src.length + 16];
    float[] lanes = new float[16];
    float sink = 0;
    for (int round = 0; round < 7; round++) {
      long t = MX.getCurrentThreadCpuTime();
      for (int rep = 0; rep < 2000; rep++) {
        System.arraycopy(src, 0, x, 0, src.length);
        for (int i = 0; i < rows; i++) sink += VectorMath.expShiftSum(x, i * n, n, 1f, lanes);
      }
      long a = MX.getCurrentThreadCpuTime() - t;
      t = MX.getCurrentThreadCpuTime();
      for (int rep = 0; rep < 2000; rep++) {
        System.arraycopy(src, 0, x, 0, src.length);
      }
      long cp = MX.getCurrentThreadCpuTime() - t;
      t = MX.getCurrentThreadCpuTime();
      for (int rep = 0; rep < 2000; rep++) {
        System.arraycopy(src, 0, x, 0, src.length);
        for (int i = 0; i < rows; i++) sink += expShiftSumOld(x, i * n, n, 1f, lanes);
      }
      long b = MX.getCurrentThreadCpuTime() - t;
      t = MX.getCurrentThreadCpuTime();
      for (int rep = 0; rep < 2000; rep++) {
        System.arraycopy(src, 0, x, 0, src.length);
        for (int i = 0; i < rows; i++) sink += expUnmasked(x, i * n, n, 1f);
      }
      long c = MX.getCurrentThreadCpuTime() - t;
      t = MX.getCurrentThreadCpuTime();
      for (int rep = 0; rep < 2000; rep++) {
        System.arraycopy(src, 0, x, 0, src.length);
        for (int i = 0; i < rows; i++) sink += VectorMath.max(x, i * n, n);
      }
      long d = MX.getCurrentThreadCpuTime() - t;
      double vecs = 2000.0 * rows * n / 16;
      System.out.printf(Locale.ROOT, "expShiftSum %.2f  old expShiftSum %.2f  unmasked %.2f  max %.2f  copy %.2f ns/vector%n",
          (a - cp) / vecs, (b - cp) / vecs, (c - cp) / vecs, (d - cp) / vecs, cp / vecs);
    }
    System.out.println(sink);
  }

  static float expOnly(float[] x, int off, int n, float shift) {
    FloatVector acc = FloatVector.zero(S);
    for (int i = 0; i < n; i += 16) {
      VectorMask<Float> mk = S.indexInRange(i, n);
      FloatVector e = VectorExp.exp(FloatVector.fromArray(S, x, off + i, mk).sub(shift));
      e.intoArray(x, off + i, mk);
      acc = acc.add(e);
    }
    return acc.reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
  }

  static float expShiftSumOld(float[] x, int off, int n, float shift, float[] lanes) {
    int bound = S.loopBound(n);
    FloatVector acc = FloatVector.zero(S);
    for (int i = 0; i < n; i += 16) {
      VectorMask<Float> mk = S.indexInRange(i, n);
      FloatVector e = VectorExp.exp(FloatVector.fromArray(S, x, off + i, mk).sub(shift));
      e.intoArray(x, off + i, mk);
      if (i < bound) acc = acc.add(e);
    }
    acc.intoArray(lanes, 0);
    float s = VectorMath.sumStored(lanes, 0);
    for (int i = bound; i < n; i++) s += x[off + i];
    return s;
  }

  static float expUnmasked(float[] x, int off, int n, float shift) {
    FloatVector acc = FloatVector.zero(S);
    for (int i = 0; i < n; i += 16) {
      FloatVector e = VectorExp.exp(FloatVector.fromArray(S, x, off + i).sub(shift));
      e.intoArray(x, off + i);
      acc = acc.add(e);
    }
    return acc.reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
  }
}
