package dev.tulu4j.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link FewRowsGemm#dotLines} (each W vector put together from the two cache lines it straddles)
 * gives {@link VectorMath#dot}'s bits for every line offset of the row, depths that are and are not
 * multiples of 64 and 16, and NaN and infinities in the neighbouring elements its line loads also
 * read; so does {@link FewRowsGemm#dotLines2} for each of its two rows; and one-row products give the
 * same bits with plain loads, line loads, and line loads two rows at a time.
 */
class FewRowsGemmLineLoadsTest {
  private static final int[] DEPTHS = {16, 64, 80, 100, 256, 576, 768, 1536, 129};

  @Test
  void everyOffsetGivesTheDotProductsBits() {
    SplittableRandom r = new SplittableRandom(3);
    for (int n : DEPTHS) {
      float[] x = random(r, n + 32);
      float[] y = random(r, 3 * n + 64);
      for (int yOff = 0; yOff <= 2 * n + 32; yOff += 1 + yOff % 5) {
        // the elements around the row, which the first and last line loads also fetch
        for (int i = Math.max(0, yOff - 16); i < yOff; i++) y[i] = i % 2 == 0 ? Float.NaN : Float.POSITIVE_INFINITY;
        for (int i = yOff + n; i < Math.min(y.length, yOff + n + 16); i++) y[i] = Float.NEGATIVE_INFINITY;
        for (int off = 0; off < 16; off++) {
          for (int xOff : new int[] {0, 5}) {
            float want = VectorMath.dot(x, xOff, y, yOff, n);
            float got = FewRowsGemm.dotLines(x, xOff, y, yOff, n, off);
            assertThat(Float.floatToRawIntBits(got)).as("n %d yOff %d off %d xOff %d", n, yOff, off, xOff)
                .isEqualTo(Float.floatToRawIntBits(want));
          }
        }
        for (int i = Math.max(0, yOff - 16); i < Math.min(y.length, yOff + n + 16); i++) y[i] = (float) r.nextDouble(-1, 1);
      }
    }
  }

  @Test
  void twoRowsAtOnceGiveEachRowsBits() {
    SplittableRandom r = new SplittableRandom(4);
    for (int n : DEPTHS) {
      float[] x = random(r, n + 32);
      float[] y = random(r, 4 * n + 64);
      for (int yA = 0; yA <= n + 20; yA += 3 + yA % 7) {
        int yB = yA + n + 5 + yA % 11;
        for (int i = Math.max(0, yA - 16); i < yA; i++) y[i] = Float.NaN;
        for (int i = yB + n; i < Math.min(y.length, yB + n + 16); i++) y[i] = Float.POSITIVE_INFINITY;
        for (int offA = 0; offA < 16; offA += 3) {
          for (int offB = 0; offB < 16; offB += 5) {
            float[] c = {0.25f, -0.5f};
            FewRowsGemm.dotLines2(x, 2, y, yA, offA, yB, offB, n, c, 0, 1, 0.5f);
            float wantA = VectorMath.dot(x, 2, y, yA, n) + 0.5f * 0.25f, wantB = VectorMath.dot(x, 2, y, yB, n) + 0.5f * -0.5f;
            assertThat(Float.floatToRawIntBits(c[0])).as("A n %d yA %d offs %d %d", n, yA, offA, offB).isEqualTo(Float.floatToRawIntBits(wantA));
            assertThat(Float.floatToRawIntBits(c[1])).as("B n %d yB %d offs %d %d", n, yB, offA, offB).isEqualTo(Float.floatToRawIntBits(wantB));
          }
        }
        for (int i = Math.max(0, yA - 16); i < Math.min(y.length, yB + n + 16); i++) y[i] = (float) r.nextDouble(-1, 1);
      }
    }
  }

  @Test
  void theDataTellsSummationOrdersApart() {
    // the check above can fail: on these values one FMA chain instead of four gives other bits
    SplittableRandom r = new SplittableRandom(3);
    float[] x = random(r, 600), y = random(r, 600);
    assertThat(Float.floatToRawIntBits(VectorMath.dotOneChain(x, 0, y, 0, 576)))
        .isNotEqualTo(Float.floatToRawIntBits(VectorMath.dot(x, 0, y, 0, 576)));
  }

  @Test
  void oneRowProductsKeepTheirBits() {
    SplittableRandom r = new SplittableRandom(5);
    try {
      for (int k : new int[] {256, 576, 100}) {
        int n = 301;
        float[] w = random(r, n * k + 7);
        float[] x = random(r, k + 16);
        for (int wOff : new int[] {0, 3, 7}) {
          float[] plain = random(r, n);
          float[] lines = plain.clone(), paired = plain.clone();
          FewRowsGemm.lineLoads = false;
          FewRowsGemm.columns(1, k, 0, n, x, 1, k, w, wOff, k, 0.5f, plain, 0, n);
          FewRowsGemm.lineLoads = true;
          FewRowsGemm.pairedRows = false;
          FewRowsGemm.columns(1, k, 0, n, x, 1, k, w, wOff, k, 0.5f, lines, 0, n);
          FewRowsGemm.pairedRows = true;
          FewRowsGemm.columns(1, k, 0, n, x, 1, k, w, wOff, k, 0.5f, paired, 0, n);
          for (int j = 0; j < n; j++) {
            assertThat(Float.floatToRawIntBits(lines[j])).as("k %d wOff %d j %d", k, wOff, j).isEqualTo(Float.floatToRawIntBits(plain[j]));
            assertThat(Float.floatToRawIntBits(paired[j])).as("k %d wOff %d j %d", k, wOff, j).isEqualTo(Float.floatToRawIntBits(plain[j]));
          }
        }
      }
    } finally {
      FewRowsGemm.lineLoads = true;
      FewRowsGemm.pairedRows = true;
    }
  }

  private static float[] random(SplittableRandom r, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = (float) r.nextDouble(-1, 1);
    return a;
  }
}
