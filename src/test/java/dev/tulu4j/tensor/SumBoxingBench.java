package dev.tulu4j.tensor;

import static dev.tulu4j.tensor.VectorMath.L;
import static dev.tulu4j.tensor.VectorMath.S;

import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import jdk.incubator.vector.FloatVector;

/**
 * Manual benchmark (a main, not a test): the softmax's exp-and-sum with its lane sum as an inlined
 * vector tree ({@link VectorMath#sum}, the earlier code, copied here) against the stored scalar tree
 * ({@link VectorMath#sumStored}), alternating 50 ms slices in one JVM; best ns per call of each and
 * a check that both give the same bits. Args: {@code [n] [rounds]}.
 */
public final class SumBoxingBench {
  private SumBoxingBench() {}

  static float sink;

  /** VectorMath.expShiftSum before the change. */
  static float expShiftSumOld(float[] x, int off, int n, float shift) {
    int i = 0;
    int bound = S.loopBound(n);
    FloatVector acc = FloatVector.zero(S);
    for (; i < bound; i += L) {
      FloatVector e = VectorExp.exp(FloatVector.fromArray(S, x, off + i).sub(shift));
      e.intoArray(x, off + i);
      acc = acc.add(e);
    }
    float s = VectorMath.sum(acc);
    for (; i < n; i++) {
      float e = VectorExp.exp(x[off + i] - shift);
      x[off + i] = e;
      s += e;
    }
    return s;
  }

  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 256;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 40;
    SplittableRandom rnd = new SplittableRandom(5);
    float[] src = new float[n];
    for (int i = 0; i < n; i++) src[i] = (float) (rnd.nextDouble() * 8 - 4);
    float[] x = new float[n];
    System.arraycopy(src, 0, x, 0, n);
    float a = expShiftSumOld(x, 0, n, 1f);
    System.arraycopy(src, 0, x, 0, n);
    float b = VectorMath.expShiftSum(x, 0, n, 1f);
    if (Float.floatToRawIntBits(a) != Float.floatToRawIntBits(b)) throw new AssertionError(a + " vs " + b);
    DoubleSupplier old = () -> time(() -> sink += expShiftSumOld(x, 0, n, 0.001f));
    DoubleSupplier neu = () -> time(() -> sink += VectorMath.expShiftSum(x, 0, n, 0.001f));
    // few-rows 4 x 4 tiles: 4 rows x 768 columns x depth 256 (the tiny model's MLP up projection)
    int m = 4, cols = 768, k = 256;
    float[] xa = new float[m * k], w = new float[cols * k], c = new float[m * cols];
    for (int i = 0; i < xa.length; i++) xa[i] = (float) rnd.nextDouble();
    for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextDouble();
    DoubleSupplier few = () -> time(() -> FewRowsGemm.columns(m, k, 0, cols, xa, 0, k, w, 0, k, 0f, c, 0, cols));
    double bo = Double.MAX_VALUE, bn = Double.MAX_VALUE, bf = Double.MAX_VALUE;
    for (int r = 0; r < rounds; r++) {
      bo = Math.min(bo, old.getAsDouble());
      bn = Math.min(bn, neu.getAsDouble());
      bf = Math.min(bf, few.getAsDouble());
    }
    System.out.printf(Locale.ROOT, "expShiftSum n=%d: vector-tree sum %.1f ns, stored scalar tree %.1f ns (%.2fx)%n",
        n, bo, bn, bo / bn);
    System.out.printf(Locale.ROOT, "FewRowsGemm.columns 4x768x256: %.1f us, %.1f GFLOP/s%n", bf / 1e3,
        2.0 * m * cols * k / bf);
  }

  /** Best of 50 ms of calls, ns per call. */
  static double time(Runnable r) {
    long end = System.nanoTime() + 50_000_000L;
    double best = Double.MAX_VALUE;
    while (System.nanoTime() < end) {
      long t0 = System.nanoTime();
      for (int i = 0; i < 100; i++) r.run();
      best = Math.min(best, (System.nanoTime() - t0) / 100.0);
    }
    return best;
  }
}
