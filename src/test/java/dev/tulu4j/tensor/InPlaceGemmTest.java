package dev.tulu4j.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link VectorGemm#sgemmInPlaceB} (B read where it lies, {@link InPlaceKernels}) against
 * {@link VectorGemm#sgemm} on the same operands: the same bits, element for element, on the
 * attention blocks' shapes and on edges (rows not a multiple of the tile, columns not a multiple of
 * a vector, depth past one {@code kc} block), for A as stored and transposed, beta 0 (NaN in C
 * ignored), 1 and other; and against the scalar reference within rounding.
 */
class InPlaceGemmTest {
  private static float[] rand(Random r, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
    return a;
  }

  @ParameterizedTest(name = "transA={0} m={1} n={2} k={3} alpha={4} beta={5}")
  @CsvSource({
      "false, 64, 32, 256, 1, 0",     // P·V, dS·K on the tiny model (head dim 32)
      "false, 64, 64, 512, 1, 0",     // the same on SmolLM2 (head dim 64)
      "false, 64, 256, 32, 0.17677669, 0", // Q·(Kᵀ) with the keys transposed
      "true, 256, 32, 64, 1, 1",      // dSᵀ·Q, Pᵀ·dO accumulated into dK, dV
      "true, 192, 64, 64, 1, 1",
      "false, 61, 100, 33, 0.5, 0",   // odd rows, 64 + 32 + masked 4 columns, odd depth
      "true, 13, 47, 7, 1, 0.25",     // 32 + masked 15 columns, beta neither 0 nor 1
      "false, 2, 3, 5, -1, 1",        // smaller than every tile
      "false, 64, 32, 1500, 1, 0",    // three depth blocks of kc 512: beta applied on the first only
      "true, 70, 80, 1300, 2, 1",
      "false, 1, 32, 64, 1, 0",       // one row: sgemm's matrix-vector route
      "true, 32, 1, 64, 1, 1",        // one column: the same
      "false, 64, 512, 64, 0.125, 0", // SmolLM2's Q·(Kᵀ): ten 6-row tiles and a 4-row one (InPlaceRows4)
      "true, 256, 64, 64, 1, 1",      // its dSᵀ·Q at 256 keys: 42 tiles of six and four rows
      "true, 64, 128, 64, 1, 1",      // 64 keys, two strips
      "false, 10, 64, 40, 0.5, 0.25", // one 6-row tile and four rows, beta neither 0 nor 1
      "true, 4, 64, 70, 2, 0.5",      // only the four rows
  })
  void sameBitsAsTheBlockedKernel(boolean transA, int m, int n, int k, float alpha, float beta) {
    Random r = new Random(m * 31L + n * 7L + k);
    int lda = (transA ? m : k) + 3, ldb = n + 5, ldc = n + 2;
    int aOff = 4, bOff = 9, cOff = 1;
    float[] a = rand(r, aOff + (transA ? k : m) * lda);
    float[] b = rand(r, bOff + k * ldb);
    float[] c0 = rand(r, cOff + m * ldc);
    if (beta == 0f) java.util.Arrays.fill(c0, cOff, cOff + ldc, Float.NaN); // ignored with beta 0
    float[] want = c0.clone(), got = c0.clone();
    VectorGemm g = new VectorGemm(Parallel.serial());
    g.sgemm(transA, false, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, want, cOff, ldc);
    g.sgemmInPlaceB(transA, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, got, cOff, ldc);
    for (int i = 0; i < got.length; i++) {
      assertThat(Float.floatToRawIntBits(got[i])).as("element %d: %s vs %s", i, got[i], want[i])
          .isEqualTo(Float.floatToRawIntBits(want[i]));
    }
    float[] ref = c0.clone();
    new NaiveGemm().sgemm(transA, false, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, ref, cOff, ldc);
    for (int i = 0; i < m; i++)
      for (int j = 0; j < n; j++) {
        int o = cOff + i * ldc + j;
        assertThat((double) got[o]).as("C[%d,%d]", i, j).isCloseTo(ref[o], org.assertj.core.api.Assertions.within(1e-4 * (Math.sqrt(k) + 1) * (1 + Math.abs(ref[o]))));
      }
  }
}
