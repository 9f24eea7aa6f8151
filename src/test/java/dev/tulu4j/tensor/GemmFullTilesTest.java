package dev.tulu4j.tensor;

import static dev.tulu4j.tensor.GemmPack.MR;
import static dev.tulu4j.tensor.GemmPack.NR;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link GemmFullTiles} against the parked tiles it replaces ({@link GemmKernels#wideRows} /
 * {@link GemmKernels#wideCols} then {@link GemmKernels#update}) and against a scalar loop of each
 * output's FMA chain ({@link Math#fma} over the depth in order, from zero, then the update's
 * formula): the same raw bits on every element of C, inside the tile and around it, for A as stored
 * and transposed, beta 0 (NaN in C ignored), 1 and other. A mul+add in place of an FMA, a wrong A row
 * or B column, or a changed update formula fails it. Then whole products through {@link VectorGemm}
 * with {@link VectorGemm#probeParkedTiles} off and on, two threads, several depth blocks.
 */
class GemmFullTilesTest {
  private static float[] rand(Random r, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
    return a;
  }

  private static void assertSameBits(float[] got, float[] want, String what) {
    for (int i = 0; i < got.length; i++) {
      assertThat(Float.floatToRawIntBits(got[i])).as("%s element %d: %s vs %s", what, i, got[i], want[i])
          .isEqualTo(Float.floatToRawIntBits(want[i]));
    }
  }

  @ParameterizedTest(name = "transA={0} kcb={1} alpha={2} beta={3}")
  @CsvSource({
      "false, 512, 1, 0", "false, 512, 1, 1", "false, 37, 0.5, 0.25", "false, 1, -2, 1", "false, 576, 1, 0",
      "true, 512, 1, 0", "true, 512, 1, 1", "true, 37, 0.5, 0.25", "true, 1, -2, 1", "true, 576, 1, 1",
  })
  void sameBitsAsTheParkedTileAndTheScalarChain(boolean transA, int kcb, float alpha, float beta) {
    Random r = new Random(kcb * 31L + (transA ? 7 : 0));
    int lda = transA ? MR + 5 : kcb + 3, ldc = NR + 11, ai = 4, bi = 9, ci = ldc + 2;
    float[] a = rand(r, ai + (transA ? kcb * lda : MR * lda));
    float[] bp = rand(r, bi + kcb * NR + 3);
    float[] c0 = rand(r, ci + (MR + 1) * ldc);
    if (beta == 0f) java.util.Arrays.fill(c0, ci, ci + NR, Float.NaN); // ignored with beta 0
    float[] want = c0.clone(), got = c0.clone(), ref = c0.clone();
    if (transA) {
      GemmKernels.wideCols(kcb, a, ai, lda, bp, bi, want, ci, ldc, MR, NR, alpha, beta, new float[GemmKernels.TILE]);
      GemmFullTiles.wideCols(kcb, a, ai, lda, bp, bi, got, ci, ldc, alpha, beta);
    } else {
      GemmKernels.wideRows(kcb, a, ai, lda, bp, bi, want, ci, ldc, MR, NR, alpha, beta, new float[GemmKernels.TILE]);
      GemmFullTiles.wideRows(kcb, a, ai, lda, bp, bi, got, ci, ldc, alpha, beta);
    }
    for (int i = 0; i < MR; i++) {
      for (int j = 0; j < NR; j++) {
        float acc = 0f;
        for (int p = 0; p < kcb; p++) {
          float av = transA ? a[ai + p * lda + i] : a[ai + i * lda + p];
          acc = Math.fma(bp[bi + p * NR + j], av, acc);
        }
        int o = ci + i * ldc + j;
        ref[o] = beta == 0f ? acc * alpha : ref[o] * beta + acc * alpha;
      }
    }
    assertSameBits(got, want, "full tile vs parked");
    assertSameBits(got, ref, "full tile vs scalar chain");
  }

  @ParameterizedTest(name = "transA={0} m={1} n={2} k={3} beta={4}")
  @CsvSource({
      "false, 96, 200, 1100, 0", // full tiles, a narrow panel and a ragged column edge, three depth blocks
      "true, 101, 192, 1300, 1", // ragged last row tile (parked path), Aᵀ, accumulating
      "false, 60, 576, 576, 0.5",
      "true, 576, 64, 2048, 1",  // a weight gradient's shape: four depth blocks
  })
  void sameBitsThroughTheGemmWithAndWithoutTheProbe(boolean transA, int m, int n, int k, float beta) {
    Random r = new Random(m * 31L + n * 7L + k);
    int lda = (transA ? m : k) + 3, ldb = n + 5, ldc = n + 2;
    float[] a = rand(r, (transA ? k : m) * lda);
    float[] b = rand(r, k * ldb);
    float[] c0 = rand(r, m * ldc);
    float[] want = c0.clone(), got = c0.clone();
    try (Parallel par = Parallel.create(2)) {
      VectorGemm g = new VectorGemm(par);
      try {
        VectorGemm.probeParkedTiles = true;
        g.sgemm(transA, false, m, n, k, 1f, a, 0, lda, b, 0, ldb, beta, want, 0, ldc);
      } finally {
        VectorGemm.probeParkedTiles = false;
      }
      g.sgemm(transA, false, m, n, k, 1f, a, 0, lda, b, 0, ldb, beta, got, 0, ldc);
    }
    assertSameBits(got, want, "gemm");
  }
}
