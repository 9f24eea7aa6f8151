package dev.tulu4j.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * {@link VectorMath#sum} follows its documented pairwise tree exactly (a scalar re-computation of the
 * tree gives the same bits).
 * Inputs mix magnitudes from 1e-6 to 1e6 so any other order would round differently.
 */
class VectorMathSumTest {
  private static final int L = VectorMath.L;
  private final Random rnd = new Random(42);

  private float[] lanes() {
    float[] a = new float[L];
    for (int i = 0; i < L; i++) a[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(13) - 6));
    return a;
  }

  /** The tree of the Javadoc: step h adds lane i^h into lane i, h = L/2 ... 1, then lane 0. */
  private static float tree(float[] a) {
    float[] v = a.clone();
    for (int h = L / 2; h >= 1; h /= 2) {
      float[] w = new float[L];
      for (int i = 0; i < L; i++) w[i] = v[i] + v[i ^ h];
      v = w;
    }
    return v[0];
  }

  @Test
  void sumIsTheDocumentedPairwiseTree() {
    int differsFromSequential = 0;
    for (int t = 0; t < 20_000; t++) {
      float[] a = lanes();
      float got = VectorMath.sum(FloatVector.fromArray(VectorMath.S, a, 0));
      assertThat(Float.floatToRawIntBits(got)).as("trial %d", t).isEqualTo(Float.floatToRawIntBits(tree(a)));
      float seq = 0f;
      for (float x : a) seq += x;
      if (seq != got) differsFromSequential++;
    }
    // the inputs are hard enough that the order is visible (lane-by-lane order gives other bits)
    if (L >= 4) assertThat(differsFromSequential).isGreaterThan(1000);
  }

  /** The stored form gives sum()'s bits on the same hard inputs, specials included, at any offset. */
  @Test
  void sumStoredIsTheSameTree() {
    float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, Float.MIN_VALUE, Float.MAX_VALUE};
    for (int t = 0; t < 20_000; t++) {
      float[] a = lanes();
      if (t % 10 == 0) a[rnd.nextInt(L)] = specials[rnd.nextInt(specials.length)];
      float want = VectorMath.sum(FloatVector.fromArray(VectorMath.S, a, 0));
      int off = rnd.nextInt(5);
      float[] stored = new float[off + L];
      System.arraycopy(a, 0, stored, off, L);
      assertThat(Float.floatToRawIntBits(VectorMath.sumStored(stored, off))).as("trial %d", t)
          .isEqualTo(Float.floatToRawIntBits(want));
    }
  }
}
