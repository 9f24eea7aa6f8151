package dev.tulu4j.tensor;

import java.util.Random;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Short JMH-free timing of the tier-independent kernels against the Vector API built-ins they replace:
 * {@code VectorExp.exp} vs {@code lanewise(EXP)} (C2: SVML-style stub) over a 4096-float array, and a
 * 16-lane horizontal sum by {@code VectorMath.sum} (fixed butterfly) vs {@code reduceLanes(ADD)} inside
 * dot products of the model's widths. One thread; prints the best of 7 rounds after warm-up.
 * Run: {@code java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes
 * dev.tulu4j.tensor.ExpSumSpeedMain}.
 */
public final class ExpSumSpeedMain {
  private static final int N = 4096;
  static volatile float sink;

  private ExpSumSpeedMain() {}

  public static void main(String[] args) {
    Random r = new Random(1);
    float[] x = new float[N], y = new float[N];
    for (int i = 0; i < N; i++) x[i] = (float) (r.nextGaussian() * 10);
    for (int i = 0; i < N; i++) y[i] = (float) r.nextGaussian();
    for (int round = 0; round < 2; round++) {
      report("exp  lanewise(EXP)   ns/element", time(() -> expBuiltin(x, y), N));
      report("exp  VectorExp.exp   ns/element", time(() -> expOurs(x, y), N));
      report("exp  VectorExp scalar ns/element", time(() -> expScalar(x, y), N));
      for (int k : new int[] {64, 256, 768}) {
        int dots = N / k;
        report("dot k=" + k + " reduceLanes(ADD) ns/dot", time(() -> dotsBuiltin(x, y, k), dots));
        report("dot k=" + k + " VectorMath.sum   ns/dot", time(() -> dotsOurs(x, y, k), dots));
      }
    }
  }

  private static void report(String what, double ns) {
    System.out.printf("%-40s %8.3f%n", what, ns);
  }

  /** Best of 7 rounds of ~50 ms (after 0.5 s of warm-up), in ns per item. */
  private static double time(Runnable body, int items) {
    long end = System.nanoTime() + 500_000_000L;
    while (System.nanoTime() < end) body.run();
    double best = Double.MAX_VALUE;
    for (int round = 0; round < 7; round++) {
      int reps = 0;
      long t0 = System.nanoTime(), t1;
      do {
        body.run();
        reps++;
        t1 = System.nanoTime();
      } while (t1 - t0 < 50_000_000L);
      best = Math.min(best, (double) (t1 - t0) / reps / items);
    }
    return best;
  }

  private static void expBuiltin(float[] x, float[] out) {
    for (int i = 0; i < N; i += VectorMath.L) {
      FloatVector.fromArray(VectorMath.S, x, i).lanewise(VectorOperators.EXP).intoArray(out, i);
    }
    sink = out[17];
  }

  private static void expOurs(float[] x, float[] out) {
    for (int i = 0; i < N; i += VectorMath.L) VectorExp.exp(FloatVector.fromArray(VectorMath.S, x, i)).intoArray(out, i);
    sink = out[17];
  }

  private static void expScalar(float[] x, float[] out) {
    for (int i = 0; i < N; i++) out[i] = VectorExp.exp(x[i]);
    sink = out[17];
  }

  private static void dotsBuiltin(float[] x, float[] y, int k) {
    float s = 0;
    for (int o = 0; o + k <= N; o += k) {
      FloatVector acc = FloatVector.zero(VectorMath.S);
      for (int i = 0; i < k; i += VectorMath.L) {
        acc = FloatVector.fromArray(VectorMath.S, x, o + i).fma(FloatVector.fromArray(VectorMath.S, y, o + i), acc);
      }
      s += acc.reduceLanes(VectorOperators.ADD);
    }
    sink = s;
  }

  private static void dotsOurs(float[] x, float[] y, int k) {
    float s = 0;
    for (int o = 0; o + k <= N; o += k) {
      FloatVector acc = FloatVector.zero(VectorMath.S);
      for (int i = 0; i < k; i += VectorMath.L) {
        acc = FloatVector.fromArray(VectorMath.S, x, o + i).fma(FloatVector.fromArray(VectorMath.S, y, o + i), acc);
      }
      s += VectorMath.sum(acc);
    }
    sink = s;
  }
}
