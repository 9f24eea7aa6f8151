package dev.tulu4j.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The panel split with per-thread packing ({@link VectorGemm#OWN_PANELS_MAX_M}) gives the bits of the
 * serial kernel and of the row split, for every transpose, with full and narrow panels, two depth
 * blocks, beta 0 and 1, on 2 and 3 threads; and it is really taken for those shapes.
 */
class OwnPanelsTest {
  @Test
  void ownPanelsGiveTheSerialBits() {
    SplittableRandom rnd = new SplittableRandom(11);
    int m = 97, n = 16 * 37 + 5, k = 700; // 9 full panels + narrow ones, k cut into two depth blocks
    assertThat(VectorGemm.ownPanels(m, GemmPack.panels(n), 2)).isTrue();
    assertThat(VectorGemm.ownPanels(4096, GemmPack.panels(n), 2)).isFalse();
    float[] a = new float[m * k], b = new float[k * n], c0 = new float[m * n];
    for (int i = 0; i < a.length; i++) a[i] = (float) (rnd.nextDouble() - 0.5);
    for (int i = 0; i < b.length; i++) b[i] = (float) (rnd.nextDouble() - 0.5);
    for (int i = 0; i < c0.length; i++) c0[i] = (float) (rnd.nextDouble() - 0.5);
    for (boolean ta : new boolean[] {false, true}) {
      for (boolean tb : new boolean[] {false, true}) {
        for (float beta : new float[] {0f, 1f}) {
          float[] want = c0.clone();
          new VectorGemm(Parallel.serial()).sgemm(ta, tb, m, n, k, 1f, a, 0, ta ? m : k, b, 0, tb ? k : n, beta, want, 0, n);
          float[] naive = c0.clone();
          new NaiveGemm().sgemm(ta, tb, m, n, k, 1f, a, 0, ta ? m : k, b, 0, tb ? k : n, beta, naive, 0, n);
          for (int i = 0; i < naive.length; i++) assertThat(want[i]).isCloseTo(naive[i], org.assertj.core.data.Offset.offset(1e-3f));
          for (int threads : new int[] {2, 3}) {
            try (Parallel par = Parallel.create(threads)) {
              float[] got = c0.clone();
              new VectorGemm(par).sgemm(ta, tb, m, n, k, 1f, a, 0, ta ? m : k, b, 0, tb ? k : n, beta, got, 0, n);
              assertThat(got).as("ta %s tb %s beta %s threads %d", ta, tb, beta, threads).isEqualTo(want);
            }
          }
        }
      }
    }
  }
}
