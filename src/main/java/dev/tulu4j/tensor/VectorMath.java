package dev.tulu4j.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector primitives every kernel shares, on float arrays with offsets, in
 * {@link FloatVector#SPECIES_PREFERRED} (16 lanes with AVX-512), each with a scalar tail so any
 * length works: dot products, {@code axpy}, {@code scale}, sum of squares, max, and the softmax's
 * {@code exp(x − shift)} sums ({@link VectorExp}). Single-threaded: the callers split work over a
 * {@link Parallel} themselves. Argument order: reductions take {@code (x, xOff, [y, yOff,] n)};
 * updates follow level-1 BLAS, {@code (n, alpha, x, xOff[, y, yOff])}.
 *
 * <p>Every horizontal sum goes through {@link #sum(FloatVector)}, whose order is fixed, never
 * {@code reduceLanes(ADD)}: the Vector API leaves that order unspecified, and C2's intrinsic does sum
 * in another order than the interpreter/C1 fallback (lane 0, 1, 2, ... in turn), so a result would
 * depend on how hot the code was (issue #3: resume must be bit-identical).
 */
public final class VectorMath {
  /** The species of every kernel: the widest the CPU has (16 floats with AVX-512). */
  public static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  /** Lanes of {@link #S}. */
  public static final int L = S.length();

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
    // tiny methods (each under C2's 35-byte MaxInlineSize) so that this inlines at every call site,
    // hot or not: a call that is not inlined would box the vector once per dot product. The steps
    // for h >= L fold away (L is a constant); 64 lanes (2048-bit SVE) is the widest hardware vector.
    return half1(half2(half4(half8(half16(half32(v)))))).lane(0);
  }

  /**
   * {@link #sum(FloatVector)} of a vector already stored at {@code t[off .. off+L)}: the same pairwise
   * tree in scalar IEEE adds, so the same bits, with no vector crossing a call. For kernels that C2
   * compiles past its inlining budget ({@code NodeCountInliningCutoff}): there a {@link #sum} call
   * may stay a call, and a vector passed to a call is boxed (two allocations per horizontal sum, seen
   * in JFR allocation profiles of the softmax and the few-rows tiles). Store with
   * {@code v.intoArray(t, off)} (forced inline) and sum here.
   */
  public static float sumStored(float[] t, int off) {
    if (L == 16) {
      return (((t[off] + t[off + 8]) + (t[off + 4] + t[off + 12]))
          + ((t[off + 2] + t[off + 10]) + (t[off + 6] + t[off + 14])))
          + (((t[off + 1] + t[off + 9]) + (t[off + 5] + t[off + 13]))
          + ((t[off + 3] + t[off + 11]) + (t[off + 7] + t[off + 15])));
    }
    // lane i += lane i^h for h = L/2 .. 1, kept to the lanes i < h that reach lane 0 (in place)
    for (int h = L >> 1; h >= 1; h >>= 1) {
      for (int i = 0; i < h; i++) t[off + i] += t[off + i + h];
    }
    return t[off];
  }

  private static FloatVector half32(FloatVector v) {
    return L > 32 ? v.add(v.rearrange(X32)) : v;
  }

  private static FloatVector half16(FloatVector v) {
    return L > 16 ? v.add(v.rearrange(X16)) : v;
  }

  private static FloatVector half8(FloatVector v) {
    return L > 8 ? v.add(v.rearrange(X8)) : v;
  }

  private static FloatVector half4(FloatVector v) {
    return L > 4 ? v.add(v.rearrange(X4)) : v;
  }

  private static FloatVector half2(FloatVector v) {
    return L > 2 ? v.add(v.rearrange(X2)) : v;
  }

  private static FloatVector half1(FloatVector v) {
    return L > 1 ? v.add(v.rearrange(X1)) : v;
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

  /**
   * {@code x[off+i] *= alpha}, a plain IEEE multiply (with {@code alpha == 0} a NaN stays NaN; BLAS's
   * "beta 0 clears C" is the GEMM's business, {@code GemmArgs.trivial}).
   */
  public static void scale(int n, float alpha, float[] x, int off) {
    int i = 0;
    for (; i <= n - L; i += L) {
      FloatVector.fromArray(S, x, off + i).mul(alpha).intoArray(x, off + i);
    }
    for (; i < n; i++) {
      x[off + i] *= alpha;
    }
  }

  /**
   * {@code Σ x[xOff+i]·y[yOff+i]} for {@code i < n} in <em>one</em> accumulator chain (then
   * {@link #sum}): the order the model's kernels (RMSNorm, attention backward) were written and
   * pinned with. {@link #dot} (four chains) rounds differently, so the two are not interchangeable
   * without changing results bit for bit.
   */
  public static float dotOneChain(float[] x, int xOff, float[] y, int yOff, int n) {
    int i = 0;
    int bound = S.loopBound(n);
    FloatVector acc = FloatVector.zero(S);
    for (; i < bound; i += L)
      acc = FloatVector.fromArray(S, x, xOff + i).fma(FloatVector.fromArray(S, y, yOff + i), acc);
    float s = sum(acc);
    for (; i < n; i++) s += x[xOff + i] * y[yOff + i];
    return s;
  }

  /** {@code Σ x[off+i]²}, as {@link #dotOneChain} of x with itself. */
  public static float sumSq(float[] x, int off, int n) {
    return dotOneChain(x, off, x, off, n);
  }

  /** {@code max x[off+i]} for {@code i < n} (−∞ when n = 0). */
  public static float max(float[] x, int off, int n) {
    int i = 0;
    int bound = S.loopBound(n);
    float m = Float.NEGATIVE_INFINITY;
    if (bound > 0) {
      // four independent chains: Java's max (NaN and −0 < +0 ordered) takes several instructions on
      // x86, so one chain ran at ~3.7 ns per vector on a 512-float score row (session 15); max is
      // associative and commutative over all floats, so any grouping gives the same bits
      FloatVector a0 = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY), a1 = a0, a2 = a0, a3 = a0;
      for (; i + 4 * L <= bound; i += 4 * L) {
        a0 = a0.max(FloatVector.fromArray(S, x, off + i));
        a1 = a1.max(FloatVector.fromArray(S, x, off + i + L));
        a2 = a2.max(FloatVector.fromArray(S, x, off + i + 2 * L));
        a3 = a3.max(FloatVector.fromArray(S, x, off + i + 3 * L));
      }
      for (; i < bound; i += L) a0 = a0.max(FloatVector.fromArray(S, x, off + i));
      m = a0.max(a1).max(a2.max(a3)).reduceLanes(VectorOperators.MAX);
    }
    if (i < n) { // max is order-free: the tail as one masked vector (lanes past n stay −∞)
      FloatVector acc = FloatVector.broadcast(S, m);
      VectorMask<Float> mk = S.indexInRange(i, n);
      m = acc.lanewise(VectorOperators.MAX, FloatVector.fromArray(S, x, off + i, mk), mk).reduceLanes(VectorOperators.MAX);
    }
    return m;
  }

  /** {@code x[off+i] = exp(x[off+i] − shift)} in place; returns the sum of the new values. */
  public static float expShiftSum(float[] x, int off, int n, float shift) {
    return expShiftSum(x, off, n, shift, new float[L]);
  }

  /**
   * {@link #expShiftSum(float[], int, int, float)} with the caller's scratch of at least {@link #L}
   * floats for the lane sum (overwritten): the attention calls this once per score row, and the
   * {@code new float[L]} there was the training step's whole steady-state allocation (JFR, session
   * 11), about 90 MB a tiny step, which brought young collections into the timed steps.
   */
  public static float expShiftSum(float[] x, int off, int n, float shift, float[] lanes) {
    // One loop and one VectorExp.exp call site for the whole vectors and the masked tail: with a
    // second call site for the tail, C2 hit NodeCountInliningCutoff there and called exp out of
    // line with boxed vectors once per causal row (JFR allocation samples at this tail; session 11).
    // Same operations as before: the whole vectors' lanes summed in acc, then sumStored, then the
    // tail's values added one by one in index order (SoftmaxTailBitsTest).
    int bound = S.loopBound(n);
    FloatVector acc = FloatVector.zero(S);
    for (int i = 0; i < n; i += L) {
      VectorMask<Float> mk = S.indexInRange(i, n);
      FloatVector e = VectorExp.exp(FloatVector.fromArray(S, x, off + i, mk).sub(shift));
      e.intoArray(x, off + i, mk);
      if (i < bound) acc = acc.add(e);
    }
    acc.intoArray(lanes, 0);
    float s = sumStored(lanes, 0); // this body is past C2's inlining budget at sum(acc): boxing
    for (int i = bound; i < n; i++) s += x[off + i];
    return s;
  }

  /** {@code Σ exp(x[off+i] − shift)}, x unchanged. */
  public static float sumExpShift(float[] x, int off, int n, float shift) {
    int i = 0;
    int bound = S.loopBound(n);
    FloatVector acc = FloatVector.zero(S);
    for (; i < bound; i += L)
      acc = acc.add(VectorExp.exp(FloatVector.fromArray(S, x, off + i).sub(shift)));
    float[] t = new float[L];
    acc.intoArray(t, 0);
    float s = sumStored(t, 0); // as expShiftSum
    for (; i < n; i++) s += VectorExp.exp(x[off + i] - shift);
    return s;
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
    float r0 = sum(s0.add(t0));
    float r1 = sum(s1.add(t1));
    float r2 = sum(s2.add(t2));
    float r3 = sum(s3.add(t3));
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
