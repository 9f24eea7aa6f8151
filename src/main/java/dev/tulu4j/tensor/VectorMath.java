package dev.tulu4j.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vectorized level-1 helpers ({@code dot}, {@code axpy}, {@code scale}) on float arrays with
 * offsets, in {@link FloatVector#SPECIES_PREFERRED} (16 lanes with AVX-512). Single-threaded: the
 * callers split work over a {@link Parallel} themselves.
 *
 * <p>Every horizontal sum goes through {@link #sum(FloatVector)}, whose order is fixed, never
 * {@code reduceLanes(ADD)}: the Vector API leaves that order unspecified, and C2's intrinsic does sum
 * in another order than the interpreter/C1 fallback (lane 0, 1, 2, ... in turn), so a result would
 * depend on how hot the code was (issue #3: resume must be bit-identical).
 */
public final class VectorMath {
  static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  static final int L = S.length();

  // butterfly partners lane i <-> lane i^h (null where h >= L: that step is skipped)
  private static final VectorShuffle<Float> X1 = partner(1), X2 = partner(2), X4 = partner(4),
      X8 = partner(8), X16 = partner(16), X32 = partner(32);

  private VectorMath() {}

  private static VectorShuffle<Float> partner(int h) {
    return h < L ? VectorShuffle.fromOp(S, i -> i ^ h) : null;
  }

  /**
   * The sum of the lanes of {@code v} (of {@link FloatVector#SPECIES_PREFERRED}) in a fixed pairwise
   * order, bit-identical in the interpreter, C1 and C2: {@code v += v[i^h]} for {@code h = L/2, ..., 1}
   * (each step is plain IEEE lane-wise addition), then lane 0. With 16 lanes lane 0 ends as
   * {@code (((x0+x8)+(x4+x12))+((x2+x10)+(x6+x14))) + (((x1+x9)+(x5+x13))+((x3+x11)+(x7+x15)))}.
   */
  public static float sum(FloatVector v) {
    if (L > 64) return sumInOrder(v); // no such hardware today; still correct and fixed-order
    if (L >= 64) v = v.add(v.rearrange(X32));
    if (L >= 32) v = v.add(v.rearrange(X16));
    if (L >= 16) v = v.add(v.rearrange(X8));
    if (L >= 8) v = v.add(v.rearrange(X4));
    if (L >= 4) v = v.add(v.rearrange(X2));
    if (L >= 2) v = v.add(v.rearrange(X1));
    return v.lane(0);
  }

  // sum4 (16 lanes): two-source selections of the low/high halves, then of the quarters
  private static final FloatVector HALF_LO = indexes(i -> i < 8 ? i : i + 8);
  private static final FloatVector HALF_HI = indexes(i -> i < 8 ? i + 8 : i + 16);
  private static final FloatVector QUARTER_LO = indexes(i -> (i / 4) * 8 + i % 4);
  private static final FloatVector QUARTER_HI = indexes(i -> (i / 4) * 8 + i % 4 + 4);

  private static FloatVector indexes(java.util.function.IntUnaryOperator f) {
    if (L != 16) return null;
    float[] a = new float[L];
    for (int i = 0; i < L; i++) a[i] = f.applyAsInt(i);
    return FloatVector.fromArray(S, a, 0);
  }

  /**
   * {@code out[o+r] = sum(v_r)} for the four vectors, bit-identical to four calls of
   * {@link #sum(FloatVector)} (the same pairwise tree per vector) but with 16 lanes about half the
   * instructions: the first two tree levels of all four run side by side in two-source lane
   * selections ({@code selectFrom}), the last two on one vector holding the four partial quarters.
   */
  public static void sum4(FloatVector a, FloatVector b, FloatVector c, FloatVector d, float[] out, int o) {
    if (L != 16) {
      out[o] = sum(a);
      out[o + 1] = sum(b);
      out[o + 2] = sum(c);
      out[o + 3] = sum(d);
      return;
    }
    // lanes 0-7: a_i + a_(i+8); lanes 8-15: b_i + b_(i+8)  (and c, d likewise)
    FloatVector ab = HALF_LO.selectFrom(a, b).add(HALF_HI.selectFrom(a, b));
    FloatVector cd = HALF_LO.selectFrom(c, d).add(HALF_HI.selectFrom(c, d));
    // lanes 4g..4g+3: quarter sums of the g-th vector (tree level h = 4)
    FloatVector q = QUARTER_LO.selectFrom(ab, cd).add(QUARTER_HI.selectFrom(ab, cd));
    q = q.add(q.rearrange(X2));
    q = q.add(q.rearrange(X1));
    out[o] = q.lane(0);
    out[o + 1] = q.lane(4);
    out[o + 2] = q.lane(8);
    out[o + 3] = q.lane(12);
  }

  private static float sumInOrder(FloatVector v) {
    float s = 0f;
    for (int i = 0; i < L; i++) s += v.lane(i);
    return s;
  }

  /** {@code Σ x[xOff+i]·y[yOff+i]} for {@code i < n}, accumulated in four independent vectors. */
  public static float dot(float[] x, int xOff, float[] y, int yOff, int n) {
    FloatVector s0 = FloatVector.zero(S);
    FloatVector s1 = FloatVector.zero(S);
    FloatVector s2 = FloatVector.zero(S);
    FloatVector s3 = FloatVector.zero(S);
    int i = 0;
    for (; i <= n - 4 * L; i += 4 * L) {
      s0 = FloatVector.fromArray(S, x, xOff + i).fma(FloatVector.fromArray(S, y, yOff + i), s0);
      s1 = FloatVector.fromArray(S, x, xOff + i + L).fma(FloatVector.fromArray(S, y, yOff + i + L), s1);
      s2 = FloatVector.fromArray(S, x, xOff + i + 2 * L)
          .fma(FloatVector.fromArray(S, y, yOff + i + 2 * L), s2);
      s3 = FloatVector.fromArray(S, x, xOff + i + 3 * L)
          .fma(FloatVector.fromArray(S, y, yOff + i + 3 * L), s3);
    }
    for (; i <= n - L; i += L) {
      s0 = FloatVector.fromArray(S, x, xOff + i).fma(FloatVector.fromArray(S, y, yOff + i), s0);
    }
    float sum = sum(s0.add(s1).add(s2.add(s3)));
    for (; i < n; i++) {
      sum += x[xOff + i] * y[yOff + i];
    }
    return sum;
  }

  /** {@code y[yOff+i] += alpha·x[xOff+i]} for {@code i < n}. */
  public static void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff) {
    FloatVector av = FloatVector.broadcast(S, alpha);
    int i = 0;
    for (; i <= n - L; i += L) {
      FloatVector.fromArray(S, x, xOff + i)
          .fma(av, FloatVector.fromArray(S, y, yOff + i))
          .intoArray(y, yOff + i);
    }
    for (; i < n; i++) {
      y[yOff + i] += alpha * x[xOff + i];
    }
  }

  /** {@code x[off+i] *= alpha}; with {@code alpha == 0} the old values (even NaN) become 0. */
  public static void scale(int n, float alpha, float[] x, int off) {
    if (alpha == 0f) {
      java.util.Arrays.fill(x, off, off + n, 0f);
      return;
    }
    int i = 0;
    for (; i <= n - L; i += L) {
      FloatVector.fromArray(S, x, off + i).mul(alpha).intoArray(x, off + i);
    }
    for (; i < n; i++) {
      x[off + i] *= alpha;
    }
  }

  /**
   * Four dot products sharing the loads of {@code x}: {@code out[o+r] = Σ x[i]·m[r-th row + i]}
   * for rows starting at {@code m0..m3}.
   */
  static void dot4(float[] x, int xOff, float[] m, int m0, int m1, int m2, int m3, int n,
      float[] out, int o) {
    // two accumulators per row: eight independent FMA chains hide the FMA latency on short rows
    FloatVector s0 = FloatVector.zero(S);
    FloatVector s1 = s0, s2 = s0, s3 = s0, t0 = s0, t1 = s0, t2 = s0, t3 = s0;
    int i = 0;
    for (; i <= n - 2 * L; i += 2 * L) {
      FloatVector xv = FloatVector.fromArray(S, x, xOff + i);
      FloatVector xw = FloatVector.fromArray(S, x, xOff + i + L);
      s0 = FloatVector.fromArray(S, m, m0 + i).fma(xv, s0);
      s1 = FloatVector.fromArray(S, m, m1 + i).fma(xv, s1);
      s2 = FloatVector.fromArray(S, m, m2 + i).fma(xv, s2);
      s3 = FloatVector.fromArray(S, m, m3 + i).fma(xv, s3);
      t0 = FloatVector.fromArray(S, m, m0 + i + L).fma(xw, t0);
      t1 = FloatVector.fromArray(S, m, m1 + i + L).fma(xw, t1);
      t2 = FloatVector.fromArray(S, m, m2 + i + L).fma(xw, t2);
      t3 = FloatVector.fromArray(S, m, m3 + i + L).fma(xw, t3);
    }
    for (; i <= n - L; i += L) {
      FloatVector xv = FloatVector.fromArray(S, x, xOff + i);
      s0 = FloatVector.fromArray(S, m, m0 + i).fma(xv, s0);
      s1 = FloatVector.fromArray(S, m, m1 + i).fma(xv, s1);
      s2 = FloatVector.fromArray(S, m, m2 + i).fma(xv, s2);
      s3 = FloatVector.fromArray(S, m, m3 + i).fma(xv, s3);
    }
    sum4(s0.add(t0), s1.add(t1), s2.add(t2), s3.add(t3), out, o);
    float r0 = out[o], r1 = out[o + 1], r2 = out[o + 2], r3 = out[o + 3];
    for (; i < n; i++) {
      float xv = x[xOff + i];
      r0 += xv * m[m0 + i];
      r1 += xv * m[m1 + i];
      r2 += xv * m[m2 + i];
      r3 += xv * m[m3 + i];
    }
    out[o] = r0;
    out[o + 1] = r1;
    out[o + 2] = r2;
    out[o + 3] = r3;
  }
}
