package dev.tulu4j.model;

import dev.tulu4j.tensor.VectorExp;
import dev.tulu4j.tensor.VectorMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The few vector primitives the model kernels share (dot, axpy, scale, sum of squares, exp), written
 * with {@code jdk.incubator.vector} and a scalar tail so any length works. Horizontal sums use
 * {@link VectorMath#sum} and exp uses {@link VectorExp}: both give the same bits in every JIT tier.
 */
final class VecOps {
  static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

  private VecOps() {}

  /** Σ a[ao+i]·b[bo+i] for i &lt; n. */
  static float dot(float[] a, int ao, float[] b, int bo, int n) {
    int i = 0;
    int bound = S.loopBound(n);
    FloatVector acc = FloatVector.zero(S);
    for (; i < bound; i += S.length())
      acc = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), acc);
    float s = VectorMath.sum(acc);
    for (; i < n; i++) s += a[ao + i] * b[bo + i];
    return s;
  }

  /** y[yo+i] += alpha·x[xo+i]. */
  static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
    int i = 0;
    int bound = S.loopBound(n);
    for (; i < bound; i += S.length())
      FloatVector.fromArray(S, x, xo + i).fma(FloatVector.broadcast(S, alpha), FloatVector.fromArray(S, y, yo + i)).intoArray(y, yo + i);
    for (; i < n; i++) y[yo + i] += alpha * x[xo + i];
  }

  /** y[yo+i] *= s. */
  static void scale(float[] y, int yo, float s, int n) {
    int i = 0;
    int bound = S.loopBound(n);
    for (; i < bound; i += S.length()) FloatVector.fromArray(S, y, yo + i).mul(s).intoArray(y, yo + i);
    for (; i < n; i++) y[yo + i] *= s;
  }

  /** Σ x[xo+i]². */
  static float sumSq(float[] x, int xo, int n) {
    return dot(x, xo, x, xo, n);
  }

  /** max x[xo+i]. */
  static float max(float[] x, int xo, int n) {
    int i = 0;
    int bound = S.loopBound(n);
    float m = Float.NEGATIVE_INFINITY;
    if (bound > 0) {
      FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
      for (; i < bound; i += S.length()) acc = acc.max(FloatVector.fromArray(S, x, xo + i));
      m = acc.reduceLanes(VectorOperators.MAX); // max is associative and commutative: any order, same bits
    }
    for (; i < n; i++) m = Math.max(m, x[xo + i]);
    return m;
  }

  /** x[xo+i] = exp(x[xo+i] − shift); returns the sum of the new values. */
  static float expShiftSum(float[] x, int xo, int n, float shift) {
    int i = 0;
    int bound = S.loopBound(n);
    FloatVector acc = FloatVector.zero(S);
    for (; i < bound; i += S.length()) {
      FloatVector e = VectorExp.exp(FloatVector.fromArray(S, x, xo + i).sub(shift));
      e.intoArray(x, xo + i);
      acc = acc.add(e);
    }
    float s = VectorMath.sum(acc);
    for (; i < n; i++) {
      float e = VectorExp.exp(x[xo + i] - shift);
      x[xo + i] = e;
      s += e;
    }
    return s;
  }

  /** Σ exp(x[xo+i] − shift), x unchanged. */
  static float sumExpShift(float[] x, int xo, int n, float shift) {
    int i = 0;
    int bound = S.loopBound(n);
    FloatVector acc = FloatVector.zero(S);
    for (; i < bound; i += S.length())
      acc = acc.add(VectorExp.exp(FloatVector.fromArray(S, x, xo + i).sub(shift)));
    float s = VectorMath.sum(acc);
    for (; i < n; i++) s += VectorExp.exp(x[xo + i] - shift);
    return s;
  }
}
