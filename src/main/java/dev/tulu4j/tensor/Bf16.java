package dev.tulu4j.tensor;

import static dev.tulu4j.tensor.VectorMath.L;
import static dev.tulu4j.tensor.VectorMath.S;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * bfloat16 weights held as {@code short[]} (the top 16 bits of an fp32) and widened to fp32 inside
 * the kernels. Widening is exact ({@code bits << 16}), so a product over bf16 weights equals the
 * same product over their fp32 widening bit for bit whenever both run the same FMAs in the same
 * order, which every bf16 kernel here does (the tests compare them with {@code assertArrayEquals}).
 *
 * <p>Vector widening: {@code L} shorts (half a float vector) are loaded, sign-extended to ints
 * ({@code S2I}, one {@code vpmovsxwd} with AVX-512) and shifted left by 16 (the sign extension is
 * shifted out), then reinterpreted as floats.
 */
public final class Bf16 {
  /** Shorts per float vector: the same lane count at half the width. */
  static final VectorSpecies<Short> SH =
      VectorSpecies.of(short.class, VectorShape.forBitSize(Math.max(64, S.vectorBitSize() / 2)));
  static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, S.vectorShape());
  private static final boolean VECTOR = SH.length() == L && I.length() == L;

  private Bf16() {}

  /** fp32 → bf16 bits, round to nearest even; NaN stays a quiet NaN (as {@code io.DType.toBf16}). */
  public static short round(float f) {
    int bits = Float.floatToRawIntBits(f);
    if ((bits & 0x7fffffff) > 0x7f800000) return (short) ((bits >>> 16) | 0x0040);
    return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
  }

  /** bf16 bits → fp32, exact. */
  public static float widen(short h) {
    return Float.intBitsToFloat((h & 0xffff) << 16);
  }

  /** Every element rounded to bf16. */
  public static short[] round(float[] x) {
    short[] h = new short[x.length];
    for (int i = 0; i < x.length; i++) h[i] = round(x[i]);
    return h;
  }

  /** Every element widened to fp32. */
  public static float[] widen(short[] h) {
    float[] x = new float[h.length];
    widen(h, 0, x, 0, h.length);
    return x;
  }

  /** {@code dst[dstOff + i] = widen(src[srcOff + i])} for {@code i < n}. */
  public static void widen(short[] src, int srcOff, float[] dst, int dstOff, int n) {
    int i = 0;
    if (VECTOR) for (; i <= n - L; i += L) load(src, srcOff + i).intoArray(dst, dstOff + i);
    for (; i < n; i++) dst[dstOff + i] = widen(src[srcOff + i]);
  }

  /**
   * Rows {@code [r0, r1)} of a row-major bf16 matrix (row stride {@code ld}, first {@code k}
   * elements of each row) widened into {@code dst} as rows of stride {@code k}, row r0 first.
   */
  static void widenRows(short[] src, int off, int ld, int r0, int r1, int k, float[] dst) {
    for (int r = r0, d = 0; r < r1; r++, d += k) widen(src, off + r * ld, dst, d, k);
  }

  /** L bf16 values at {@code h[off ..]} as one fp32 vector. */
  static FloatVector load(short[] h, int off) {
    return ((IntVector) ShortVector.fromArray(SH, h, off).convertShape(VectorOperators.S2I, I, 0))
        .lanewise(VectorOperators.LSHL, 16)
        .reinterpretAsFloats();
  }

  /**
   * {@code Σ x[xOff + i] · widen(w[wOff + i])}: the FMAs and the reduction of
   * {@link VectorMath#dot} (four accumulators, pairwise lane sum, scalar tail), so the result equals
   * {@code VectorMath.dot} over the widened row exactly. The decode GEMV of one row.
   */
  public static float dot(float[] x, int xOff, short[] w, int wOff, int n) {
    if (!VECTOR) {
      float[] tmp = new float[n];
      widen(w, wOff, tmp, 0, n);
      return VectorMath.dot(x, xOff, tmp, 0, n);
    }
    FloatVector s0 = FloatVector.zero(S);
    FloatVector s1 = FloatVector.zero(S);
    FloatVector s2 = FloatVector.zero(S);
    FloatVector s3 = FloatVector.zero(S);
    int i = 0;
    for (; i <= n - 4 * L; i += 4 * L) {
      s0 = FloatVector.fromArray(S, x, xOff + i).fma(load(w, wOff + i), s0);
      s1 = FloatVector.fromArray(S, x, xOff + i + L).fma(load(w, wOff + i + L), s1);
      s2 = FloatVector.fromArray(S, x, xOff + i + 2 * L).fma(load(w, wOff + i + 2 * L), s2);
      s3 = FloatVector.fromArray(S, x, xOff + i + 3 * L).fma(load(w, wOff + i + 3 * L), s3);
    }
    for (; i <= n - L; i += L) {
      s0 = FloatVector.fromArray(S, x, xOff + i).fma(load(w, wOff + i), s0);
    }
    float sum = VectorMath.sum(s0.add(s1).add(s2.add(s3)));
    for (; i < n; i++) {
      sum += x[xOff + i] * widen(w[wOff + i]);
    }
    return sum;
  }
}
