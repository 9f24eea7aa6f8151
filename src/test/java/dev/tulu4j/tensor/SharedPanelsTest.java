package dev.tulu4j.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The own-panel split with its leftover panels split by rows ({@link VectorGemm#sharedPanelsRule})
 * against the serial kernel and against the split without it: the same raw bits on every element,
 * for a leftover wide panel (C 576 on two threads, the 135M weight gradients and head dX), leftover
 * narrow panels, three threads, several depth blocks, beta 0 and 1, A and B as stored or transposed,
 * B pre-packed ({@link VectorGemm#packB}, the LM head) and B as bf16 bits. A shared panel packed
 * from the wrong columns or depth, or rows left out or taken twice, fails it.
 */
class SharedPanelsTest {
  private static float[] rand(SplittableRandom r, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) x[i] = (float) (r.nextDouble() - 0.5);
    return x;
  }

  private static void assertSameBits(float[] got, float[] want, String what) {
    for (int i = 0; i < got.length; i++) {
      assertThat(Float.floatToRawIntBits(got[i])).as("%s element %d: %s vs %s", what, i, got[i], want[i])
          .isEqualTo(Float.floatToRawIntBits(want[i]));
    }
  }

  @ParameterizedTest(name = "threads={0} transA={1} transB={2} m={3} n={4} k={5} beta={6}")
  @CsvSource({
      "2, true, false, 101, 576, 1100, 1", // a weight gradient's shape: 9 wide panels, the ninth shared; 3 depth blocks
      "2, false, false, 256, 576, 1300, 0", // the head's dX per chunk
      "2, false, true, 70, 576, 600, 0",   // (64 rows or fewer times a transposed B go to FewRowsGemm)
      "3, true, false, 97, 1024, 700, 1",  // 16 wide panels on three threads: one shared
      "3, false, true, 97, 789, 700, 0",   // 12 wide + 2 narrow (16 and 5 columns): the narrow two shared
      "2, true, false, 7, 576, 513, 1",    // two row tiles: one each
  })
  void sameBitsAsTheSerialKernelAndTheWholePanels(int threads, boolean ta, boolean tb, int m, int n, int k,
      float beta) {
    int panels = GemmPack.panels(Math.min(n, VectorGemm.Blocking.defaults().nc()));
    assertThat(VectorGemm.ownPanels(m, panels, threads)).isTrue();
    assertThat(panels % threads).isPositive();
    SplittableRandom r = new SplittableRandom(m * 31L + n * 7L + k);
    int lda = ta ? m : k, ldb = tb ? k : n;
    float[] a = rand(r, m * k), b = rand(r, k * n), c0 = rand(r, m * n);
    float[] want = c0.clone();
    new VectorGemm(Parallel.serial()).sgemm(ta, tb, m, n, k, 1f, a, 0, lda, b, 0, ldb, beta, want, 0, n);
    try (Parallel par = Parallel.create(threads)) {
      VectorGemm g = new VectorGemm(par);
      float[] got = c0.clone(), whole = c0.clone();
      g.sgemm(ta, tb, m, n, k, 1f, a, 0, lda, b, 0, ldb, beta, got, 0, n);
      try {
        VectorGemm.sharedPanelsRule = false;
        g.sgemm(ta, tb, m, n, k, 1f, a, 0, lda, b, 0, ldb, beta, whole, 0, n);
      } finally {
        VectorGemm.sharedPanelsRule = true;
      }
      assertSameBits(got, want, "shared vs serial");
      assertSameBits(whole, want, "whole vs serial");
      if (!ta) { // B packed once (the LM head's route)
        PackedB pb = g.packB(tb, n, k, b, 0, ldb, Long.MAX_VALUE);
        float[] pre = c0.clone();
        g.sgemmPacked(m, 1f, a, 0, lda, pb, beta, pre, 0, n);
        assertSameBits(pre, want, "pre-packed vs serial");
      }
    }
  }

  @ParameterizedTest(name = "m={0} k={1}")
  @CsvSource({"256, 576", "101, 1100"})
  void sameBitsWithABf16TransposedB(int m, int k) {
    int n = 576;
    SplittableRandom r = new SplittableRandom(m + k);
    float[] a = rand(r, m * k), c0 = rand(r, m * n);
    short[] bh = new short[n * k];
    float[] widened = new float[n * k];
    for (int i = 0; i < bh.length; i++) {
      bh[i] = (short) (Float.floatToRawIntBits((float) (r.nextDouble() - 0.5)) >>> 16);
      widened[i] = Float.intBitsToFloat(bh[i] << 16);
    }
    float[] want = c0.clone();
    new VectorGemm(Parallel.serial()).sgemm(false, true, m, n, k, 1f, a, 0, k, widened, 0, k, 0f, want, 0, n);
    try (Parallel par = Parallel.create(2)) {
      float[] got = c0.clone();
      new VectorGemm(par).sgemmBf16B(false, true, m, n, k, 1f, a, 0, k, bh, 0, k, 0f, got, 0, n);
      assertSameBits(got, want, "bf16 shared vs serial fp32");
    }
  }
}
