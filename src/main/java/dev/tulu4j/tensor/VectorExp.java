package dev.tulu4j.tensor;

import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.FMA;
import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LT;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;

/**
 * {@code e^x} in fp32, lane-wise on a {@link FloatVector} and on one float, built only from IEEE
 * add/mul/fma and integer bit operations, so the result is the same bits in the interpreter, C1 and
 * C2, and the scalar {@link #exp(float)} equals every lane of {@link #exp(FloatVector)} (a loop's
 * scalar tail computes what a vector lane would). {@code lanewise(VectorOperators.EXP)} does not have
 * that property: C2 calls a vendor (SVML-style) stub, the fallback {@code StrictMath.exp}, and they
 * differ in the last bit (issue #3).
 *
 * <p>Method (the classic Cody–Waite reduction, e.g. Muller, "Elementary Functions", ch. 11):
 * <ol>
 *   <li>{@code n = rint(x·log2 e)}, by adding and subtracting 1.5·2²³ inside one fma (round to
 *       nearest even; exact for |x·log2 e| &lt; 2²²); n is also read from the sum's low mantissa bits.
 *   <li>{@code r = x − n·ln2} with ln2 split in two floats (hi = fp32(ln2), lo = ln2 − hi), each step
 *       one fma, so |r| ≤ ln2/2 with an error of about half an ulp of r.
 *   <li>{@code e^r ≈ 1 + r·(1 + r·P(r))}, P of degree 5 with the Taylor coefficients 1/k!, k = 2..7
 *       (truncation error r⁸/8! ≤ 5.2e-9 relative, 0.09 ulp), all Horner steps in fma; the last fma
 *       is the only rounding of order one ulp, the errors of r and of the inner sum are scaled by |r|.
 *   <li>{@code e^x = e^r · 2^⌊n/2⌋ · 2^(n−⌊n/2⌋)}: both factors are normal floats for every n that
 *       occurs, the first product is exact, so the one rounding happens last and overflow to +∞ and
 *       gradual underflow to subnormals and 0 come out right without special cases.
 *   <li>Outside [−104, 89] the result is fixed: 0 below (e^−104 &lt; 2⁻¹⁵⁰ rounds to 0, and −∞ → 0),
 *       +∞ above (e^89 &gt; Float.MAX_VALUE, and +∞ → +∞). NaN stays NaN.
 * </ol>
 * Accuracy against {@code Math.exp} rounded to float, measured by {@code VectorExpTest} over a dense
 * sweep of [−104, 89] and the edge cases, is stated in docs/KERNELS.md.
 */
public final class VectorExp {
  private static final float LOG2E = 1.44269504088896341f;
  /** 1.5·2²³: adding it rounds a float of magnitude &lt; 2²² to an integer (round to nearest even). */
  private static final float SHIFTER = 12582912f;
  private static final int SHIFTER_BITS = Float.floatToRawIntBits(SHIFTER);
  private static final float LN2_HI = 0.693147182464599609375f; // fp32(ln 2) = 0x3f317218
  private static final float LN2_LO = -1.9046542999577680e-9f; // ln 2 − LN2_HI
  // 1/k! for k = 2..7
  private static final float C2 = 0.5f;
  private static final float C3 = (float) (1.0 / 6);
  private static final float C4 = (float) (1.0 / 24);
  private static final float C5 = (float) (1.0 / 120);
  private static final float C6 = (float) (1.0 / 720);
  private static final float C7 = (float) (1.0 / 5040);
  /** Below this, e^x &lt; 2⁻¹⁵⁰ (rounds to 0); the reduction stays valid down to here. */
  static final float LO = -104f;
  /** Above this, e^x &gt; Float.MAX_VALUE; the reduction stays valid up to here. */
  static final float HI = 89f;

  private VectorExp() {}

  /** Lane-wise e^x; bit-identical to {@link #exp(float)} on each lane, in every JIT tier. */
  public static FloatVector exp(FloatVector x) {
    FloatVector t = x.fma(LOG2E, SHIFTER); // SHIFTER + rint(x·log2 e)
    FloatVector n = t.sub(SHIFTER);
    FloatVector r = n.lanewise(FMA, -LN2_HI, x);
    r = n.lanewise(FMA, -LN2_LO, r);
    FloatVector p = r.fma(C7, C6);
    p = p.lanewise(FMA, r, C5);
    p = p.lanewise(FMA, r, C4);
    p = p.lanewise(FMA, r, C3);
    p = p.lanewise(FMA, r, C2);
    FloatVector q = p.lanewise(FMA, r, 1f); // (e^r − 1)/r
    FloatVector er = q.lanewise(FMA, r, 1f); // e^r, one rounding
    IntVector ni = t.reinterpretAsInts().sub(SHIFTER_BITS);
    IntVector n1 = ni.lanewise(ASHR, 1);
    FloatVector s1 = n1.add(127).lanewise(LSHL, 23).reinterpretAsFloats();
    FloatVector s2 = ni.sub(n1).add(127).lanewise(LSHL, 23).reinterpretAsFloats();
    FloatVector y = er.mul(s1).mul(s2);
    return y.blend(0f, x.compare(LT, LO)).blend(Float.POSITIVE_INFINITY, x.compare(GT, HI));
  }

  /** e^x in fp32: the same operations as one lane of {@link #exp(FloatVector)}, so the same bits. */
  public static float exp(float x) {
    float t = Math.fma(x, LOG2E, SHIFTER);
    float n = t - SHIFTER;
    float r = Math.fma(n, -LN2_HI, x);
    r = Math.fma(n, -LN2_LO, r);
    float p = Math.fma(r, C7, C6);
    p = Math.fma(p, r, C5);
    p = Math.fma(p, r, C4);
    p = Math.fma(p, r, C3);
    p = Math.fma(p, r, C2);
    float q = Math.fma(p, r, 1f);
    float er = Math.fma(q, r, 1f);
    int ni = Float.floatToRawIntBits(t) - SHIFTER_BITS;
    int n1 = ni >> 1;
    float s1 = Float.intBitsToFloat((n1 + 127) << 23);
    float s2 = Float.intBitsToFloat((ni - n1 + 127) << 23);
    float y = er * s1 * s2;
    if (x < LO) return 0f;
    if (x > HI) return Float.POSITIVE_INFINITY;
    return y;
  }
}
