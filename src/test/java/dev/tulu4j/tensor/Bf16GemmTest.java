package dev.tulu4j.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The bf16-B products ({@link Gemm#sgemmBf16B}, {@link Bf16Decode}) on random odd shapes, every
 * route of the vector GEMM (one row below and above Gemv's shared-x depth, few rows, the blocked
 * kernel with bf16 packing, the widening default for the other transposes): each must equal the fp32
 * kernel over the widened B <em>exactly</em> (same FMAs in the same order) and the double-precision
 * {@link NaiveGemm} twin to a relative 1e-5·√k.
 */
class Bf16GemmTest {

  private static float[] random(SplittableRandom rnd, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) x[i] = (float) (rnd.nextDouble() * 2 - 1);
    return x;
  }

  private static short[] randomBf16(SplittableRandom rnd, int n) {
    short[] h = new short[n];
    for (int i = 0; i < n; i++) h[i] = Bf16.round((float) (rnd.nextDouble() * 2 - 1));
    return h;
  }

  @Test
  void roundingIsNearestEvenAndWideningIsExact() {
    assertThat(Bf16.widen(Bf16.round(1f))).isEqualTo(1f);
    // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties to even (1)
    assertThat(Bf16.widen(Bf16.round(1f + 0x1p-8f))).isEqualTo(1f);
    // 1 + 3·2^-8 is halfway between 1 + 2^-7 and 1 + 2^-6: ties to even (1 + 2^-6)
    assertThat(Bf16.widen(Bf16.round(1f + 3 * 0x1p-8f))).isEqualTo(1f + 0x1p-6f);
    assertThat(Bf16.widen(Bf16.round(-2.5f))).isEqualTo(-2.5f);
    assertThat(Bf16.widen(Bf16.round(Float.NaN))).isNaN();
    assertThat(Bf16.widen(Bf16.round(Float.NEGATIVE_INFINITY))).isEqualTo(Float.NEGATIVE_INFINITY);
    SplittableRandom rnd = new SplittableRandom(1);
    short[] h = randomBf16(rnd, 1000);
    float[] w = Bf16.widen(h);
    for (int i = 0; i < h.length; i++) {
      assertThat(w[i]).isEqualTo(Float.intBitsToFloat((h[i] & 0xffff) << 16));
      assertThat(Bf16.round(w[i])).isEqualTo(h[i]);
    }
  }

  @Test
  void dotEqualsTheFp32DotOfTheWidenedRow() {
    SplittableRandom rnd = new SplittableRandom(2);
    for (int n : new int[] {0, 1, 7, 16, 63, 64, 65, 577, 1536}) {
      float[] x = random(rnd, n + 3);
      short[] w = randomBf16(rnd, n + 5);
      float want = VectorMath.dot(x, 3, Bf16.widen(w), 5, n);
      assertThat(Bf16.dot(x, 3, w, 5, n)).as("n " + n).isEqualTo(want);
    }
  }

  /** (m, n, k): one row (k below / above 1024), few rows (k ≥ 128), shallow few rows, blocked. */
  private static final int[][] SHAPES = {
    {1, 37, 19}, {1, 301, 576}, {1, 70, 1100}, {1, 1, 33},
    {3, 45, 130}, {7, 600, 576}, {64, 33, 129}, {5, 40, 31},
    {65, 67, 45}, {97, 1100, 70}, {13, 2100, 17}, {130, 9, 300}, {1, 2100, 40}, {70, 2100, 33},
  };

  @Test
  void everyRouteOfTheVectorGemmEqualsTheFp32KernelOverTheWidenedB() {
    SplittableRandom rnd = new SplittableRandom(3);
    try (Parallel two = Parallel.create(2)) {
      Gemm[] gemms = {new VectorGemm(Parallel.serial()), new VectorGemm(two), new NaiveGemm()};
      for (Gemm g : gemms) {
        for (int[] s : SHAPES) {
          for (int form = 0; form < 3; form++) {
            boolean transA = form == 2, transB = form != 1;
            check(g, rnd, transA, transB, s[0], s[1], s[2], form == 0 ? 1f : 0.5f, form == 0 ? 0f : 1f);
          }
        }
      }
    }
  }

  private static void check(Gemm g, SplittableRandom rnd, boolean transA, boolean transB, int m, int n, int k,
      float alpha, float beta) {
    int lda = (transA ? m : k) + 2, ldb = (transB ? k : n) + 3, ldc = n + 1;
    float[] a = random(rnd, 1 + (transA ? k : m) * lda);
    short[] b = randomBf16(rnd, 2 + (transB ? n : k) * ldb);
    float[] c0 = random(rnd, 3 + m * ldc);
    float[] got = c0.clone(), fp32 = c0.clone(), naive = c0.clone();
    String what = g.name() + " m " + m + " n " + n + " k " + k + " tA " + transA + " tB " + transB;
    g.sgemmBf16B(transA, transB, m, n, k, alpha, a, 1, lda, b, 2, ldb, beta, got, 3, ldc);
    g.sgemm(transA, transB, m, n, k, alpha, a, 1, lda, Bf16.widen(b), 2, ldb, beta, fp32, 3, ldc);
    new NaiveGemm().sgemmBf16B(transA, transB, m, n, k, alpha, a, 1, lda, b, 2, ldb, beta, naive, 3, ldc);
    assertThat(got).as(what + ": equals fp32 over the widened B").isEqualTo(fp32);
    double tol = 1e-5 * Math.sqrt(k) + 1e-6;
    for (int i = 0; i < got.length; i++)
      assertThat((double) got[i]).as(what + " [" + i + "] vs naive").isCloseTo(naive[i], org.assertj.core.data.Offset.offset(tol * (1 + Math.abs(naive[i]))));
  }

  @Test
  void decodeKernelsEqualTheirFp32TwinsOverTheWidenedW() {
    SplittableRandom rnd = new SplittableRandom(4);
    int l = DecodeGemm.L;
    for (int m : new int[] {1, 2, 5, 8, l + 3, 2 * l + 1, 64}) {
      for (int[] nk : new int[][] {{37, 19}, {50, 300}, {130, 576}}) {
        int n = nk[0], k = nk[1], mp = DecodeGemm.padded(m);
        short[] w = randomBf16(rnd, n * k);
        float[] wf = Bf16.widen(w);
        float[] x = random(rnd, m * k);
        float[] xt = random(rnd, k * mp);
        int j0 = 3, j1 = n - 1, ldc = n + 2;
        String what = "m " + m + " n " + n + " k " + k;
        for (DecodeGemm.Mode mode : DecodeGemm.Mode.values()) {
          float[] tmpA = new float[l + 1], tmpB = new float[l + 1];
          float[] c0 = random(rnd, mode == DecodeGemm.Mode.TRANSPOSED ? n * mp : 1 + m * ldc);
          float[] got = c0.clone(), want = c0.clone();
          Bf16Decode.columns(m, mp, k, j0, j1, xt, w, k, mode, got, 1, ldc, tmpA);
          DecodeGemm.columns(m, mp, k, j0, j1, xt, wf, k, mode, want, 1, ldc, tmpB);
          assertThat(got).as(what + " transposed kernel, " + mode).isEqualTo(want);
          if (mode == DecodeGemm.Mode.TRANSPOSED) continue;
          got = c0.clone();
          want = c0.clone();
          Bf16Decode.rows(m, k, j0, j1, x, 0, k, w, k, mode, got, 1, ldc);
          DecodeGemm.rows(m, k, j0, j1, x, 0, k, wf, k, mode, want, 1, ldc);
          assertThat(got).as(what + " rows kernel, " + mode).isEqualTo(want);
        }
        float[] c0 = random(rnd, 1 + m * ldc);
        float[] got = c0.clone(), want = c0.clone();
        Bf16Decode.columns(m, k, j0, j1, x, 0, k, w, 0, k, 1f, got, 1, ldc);
        FewRowsGemm.columns(m, k, j0, j1, x, 0, k, wf, 0, k, 1f, want, 1, ldc);
        assertThat(got).as(what + " few-rows kernel").isEqualTo(want);
      }
    }
  }

  @Test
  void badArgumentsNameTheArgument() {
    Gemm g = new VectorGemm(Parallel.serial());
    assertThatThrownBy(() -> g.sgemmBf16B(false, true, 2, 3, 4, 1f, new float[8], 0, 4, new short[11], 0, 4, 0f,
        new float[6], 0, 3)).hasMessageContaining("B is stored 3x4");
    assertThatThrownBy(() -> g.sgemmBf16B(false, true, 2, 3, 4, 1f, new float[8], 0, 4, null, 0, 4, 0f,
        new float[6], 0, 3)).hasMessageContaining("B is null");
    float[] c = {Float.NaN, 1f};
    new VectorGemm(Parallel.serial()).sgemmBf16B(false, true, 1, 2, 0, 1f, new float[0], 0, 1, new short[0], 0, 1, 0f, c, 0, 2);
    assertThat(c).containsExactly(0f, 0f);
  }
}
