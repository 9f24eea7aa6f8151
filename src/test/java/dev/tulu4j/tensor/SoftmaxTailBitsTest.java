package dev.tulu4j.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.junit.jupiter.api.Test;

/**
 * {@link VectorMath#expShiftSum} and {@link VectorMath#max} with their tails (the last {@code n mod L}
 * values) as one masked vector give the same bits as the scalar tails they replaced (the earlier code,
 * copied here as the reference), at every length around the vector width and at offsets, on values
 * that include large negatives (exp underflow), zeros of both signs and −∞ (masked scores).
 */
class SoftmaxTailBitsTest {
  private static final jdk.incubator.vector.VectorSpecies<Float> S = VectorMath.S;
  private static final int L = VectorMath.L;

  /** expShiftSum before session 10. */
  private static float expShiftSumScalarTail(float[] x, int off, int n, float shift) {
    int i = 0;
    int bound = S.loopBound(n);
    FloatVector acc = FloatVector.zero(S);
    for (; i < bound; i += L) {
      FloatVector e = VectorExp.exp(FloatVector.fromArray(S, x, off + i).sub(shift));
      e.intoArray(x, off + i);
      acc = acc.add(e);
    }
    float[] t = new float[L];
    acc.intoArray(t, 0);
    float s = VectorMath.sumStored(t, 0);
    for (; i < n; i++) {
      float e = VectorExp.exp(x[off + i] - shift);
      x[off + i] = e;
      s += e;
    }
    return s;
  }

  /** max before session 10. */
  private static float maxScalarTail(float[] x, int off, int n) {
    int i = 0;
    int bound = S.loopBound(n);
    float m = Float.NEGATIVE_INFINITY;
    if (bound > 0) {
      FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
      for (; i < bound; i += L) acc = acc.max(FloatVector.fromArray(S, x, off + i));
      m = acc.reduceLanes(VectorOperators.MAX);
    }
    for (; i < n; i++) m = Math.max(m, x[off + i]);
    return m;
  }

  @Test
  void sameBitsAsTheScalarTails() {
    SplittableRandom r = new SplittableRandom(5);
    for (int rep = 0; rep < 20; rep++) {
      for (int n = 0; n <= 3 * L + 1; n++) {
        for (int off : new int[] {0, 1, 7}) {
          float[] x = new float[off + n + L]; // room past n: the masked lanes must not be written
          for (int i = 0; i < x.length; i++) {
            double u = r.nextDouble();
            x[i] = u < 0.05 ? -0f : u < 0.1 ? 0f : u < 0.15 ? Float.NEGATIVE_INFINITY : u < 0.2 ? -120f
                : (float) (r.nextGaussian() * 8);
          }
          float m = n == 0 ? 0f : maxScalarTail(x.clone(), off, n);
          assertThat(Float.floatToRawIntBits(VectorMath.max(x, off, n))).as("max n=%d off=%d", n, off)
              .isEqualTo(Float.floatToRawIntBits(n == 0 ? Float.NEGATIVE_INFINITY : m));
          float shift = Float.isInfinite(m) ? 0f : m;
          float[] want = x.clone(), got = x.clone();
          float sw = expShiftSumScalarTail(want, off, n, shift);
          float sg = VectorMath.expShiftSum(got, off, n, shift);
          assertThat(Float.floatToRawIntBits(sg)).as("sum n=%d off=%d", n, off).isEqualTo(Float.floatToRawIntBits(sw));
          for (int i = 0; i < x.length; i++) {
            assertThat(Float.floatToRawIntBits(got[i])).as("x[%d] n=%d off=%d", i, n, off)
                .isEqualTo(Float.floatToRawIntBits(want[i]));
          }
        }
      }
    }
  }

  /**
   * {@link VectorMath#max} with four chains (session 15) against the one-chain max with the scalar
   * tail above, at lengths up to past four vectors per chain (where the four-chain loop, its
   * one-vector rest and the masked tail all run), with NaN, both zeros and −∞ among the values.
   */
  @Test
  void maxOfFourChainsSameBitsAsOneChain() {
    SplittableRandom r = new SplittableRandom(11);
    for (int rep = 0; rep < 20; rep++) {
      for (int n = 1; n <= 9 * L + 3; n++) {
        for (int off : new int[] {0, 3}) {
          float[] x = new float[off + n];
          for (int i = 0; i < x.length; i++) {
            double u = r.nextDouble();
            x[i] = u < 0.05 ? -0f : u < 0.1 ? 0f : u < 0.13 ? Float.NEGATIVE_INFINITY : u < 0.135 ? Float.NaN
                : (float) (r.nextGaussian() * 8);
          }
          if (rep % 4 == 0) java.util.Arrays.fill(x, off, off + n, rep % 8 == 0 ? -0f : 0f); // zeros of one sign
          if (rep % 4 == 1 && n > 2) x[off + n - 2] = Float.NaN;
          assertThat(Float.floatToRawIntBits(VectorMath.max(x, off, n))).as("max n=%d off=%d rep=%d", n, off, rep)
              .isEqualTo(Float.floatToRawIntBits(maxScalarTail(x, off, n)));
        }
      }
    }
  }
}
