package dev.tulu4j.model;

import dev.tulu4j.tensor.VectorExp;
import dev.tulu4j.tensor.VectorMath;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;

/** softmaxGrad on the rows of a 64 × 512 causal tile: masked loop against whole vectors + masked tail. Scratch micro-bench. */
public final class SoftmaxGradMicroMain {
  public static void main(String[] args) {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    int rows = 64, nk = 512, ld = 528, t0 = 448;
    SplittableRandom r = new SplittableRandom(3);
    float[] p0 = new float[rows * ld + 16], ds0 = new float[p0.length];
    for (int i = 0; i < p0.length; i++) { p0[i] = (float) (r.nextDouble() * 4 - 2); ds0[i] = (float) r.nextDouble(); }
    float[] p = p0.clone(), ds = ds0.clone(), p2 = p0.clone(), ds2 = ds0.clone();
    for (int round = 0; round < 8; round++) {
      long a = 0, b = 0;
      for (int rep = 0; rep < 400; rep++) {
        System.arraycopy(p0, 0, p, 0, p.length); System.arraycopy(ds0, 0, ds, 0, ds.length);
        System.arraycopy(p0, 0, p2, 0, p.length); System.arraycopy(ds0, 0, ds2, 0, ds.length);
        long t = mx.getCurrentThreadCpuTime();
        for (int i = 0; i < rows; i++) BlockAttention.softmaxGrad(p, i * ld, ds, i * ld, 0, t0 + i + 1, 0.5f, 0.25f, 0.125f);
        long u = mx.getCurrentThreadCpuTime();
        for (int i = 0; i < rows; i++) split(p2, i * ld, ds2, i * ld, 0, t0 + i + 1, 0.5f, 0.25f, 0.125f);
        long w = mx.getCurrentThreadCpuTime();
        a += u - t; b += w - u;
      }
      if (!java.util.Arrays.equals(p, p2) || !java.util.Arrays.equals(ds, ds2)) throw new IllegalStateException("bits");
      double vecs = 400.0 * rows * (t0 + 32.5) / 16;
      System.out.printf(Locale.ROOT, "masked loop %.2f  whole+tail %.2f ns/vector%n", a / vecs, b / vecs);
    }
  }

  static void split(float[] p, int po, float[] ds, int dso, int lo, int n, float ls, float di, float scale) {
    int pj = po + lo, dj = dso + lo;
    int bound = VectorMath.S.loopBound(n);
    int j = 0;
    for (; j < bound; j += 16) {
      FloatVector pv = VectorExp.exp(FloatVector.fromArray(VectorMath.S, p, pj + j).sub(ls));
      pv.intoArray(p, pj + j);
      pv.mul(FloatVector.fromArray(VectorMath.S, ds, dj + j).sub(di)).mul(scale).intoArray(ds, dj + j);
    }
    if (j < n) {
      jdk.incubator.vector.VectorMask<Float> mk = VectorMath.S.indexInRange(j, n);
      FloatVector pv = VectorExp.exp(FloatVector.fromArray(VectorMath.S, p, pj + j, mk).sub(ls));
      pv.intoArray(p, pj + j, mk);
      pv.mul(FloatVector.fromArray(VectorMath.S, ds, dj + j, mk).sub(di)).mul(scale).intoArray(ds, dj + j, mk);
    }
  }
}
