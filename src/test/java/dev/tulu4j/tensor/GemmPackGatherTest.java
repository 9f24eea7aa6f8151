package dev.tulu4j.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The transposed B packing by gathers ({@link GemmPack#gatherT}, both loop orders of
 * {@link GemmPack#gatherMode}) fills every panel with exactly the values the scalar scatter writes:
 * row strides that are and are not multiples of 256 floats (and of a cache line), offsets into B,
 * depth and column blocks that start inside B, narrow and zero-padded edge panels, and a subset of
 * the panels as one thread packs them.
 */
class GemmPackGatherTest {

  @Test
  void gathersPackTheSameBitsAsTheScatter() {
    SplittableRandom rnd = new SplittableRandom(7);
    int[] strides = {576, 1536, 256, 100, 17, 1030};
    try {
      for (int ldb : strides) {
        for (int[] blk : new int[][] {{0, ldb, 0, 203}, {3, Math.min(ldb - 3, 40), 5, 16 * 4 * 2 + 16 + 7}, {ldb / 2, ldb - ldb / 2, 64, 64 * 3}}) {
          int p0 = blk[0], kcb = blk[1], j0 = blk[2], ncb = blk[3];
          int bOff = 11;
          int rows = j0 + ncb;
          float[] b = new float[bOff + rows * ldb + 3];
          for (int i = 0; i < b.length; i++) b[i] = (float) rnd.nextGaussian();
          int panels = GemmPack.panels(ncb);
          int size = GemmPack.packedBSize(ncb, kcb);
          GemmPack.gatherT = false;
          float[] want = new float[size];
          java.util.Arrays.fill(want, Float.NaN);
          GemmPack.packB(true, b, bOff, ldb, p0, kcb, j0, ncb, want, 0, panels);
          for (int mode = 0; mode <= 2; mode++) {
            GemmPack.gatherT = true;
            GemmPack.gatherMode = mode;
            float[] got = new float[size];
            java.util.Arrays.fill(got, Float.NaN);
            int q1 = panels / 2;
            GemmPack.packB(true, b, bOff, ldb, p0, kcb, j0, ncb, got, 0, q1);
            GemmPack.packB(true, b, bOff, ldb, p0, kcb, j0, ncb, got, q1, panels);
            for (int i = 0; i < size; i++) {
              assertThat(Float.floatToRawIntBits(got[i]))
                  .as("ldb %d block %s mode %d at %d", ldb, java.util.Arrays.toString(blk), mode, i)
                  .isEqualTo(Float.floatToRawIntBits(want[i]));
            }
          }
        }
      }
    } finally {
      GemmPack.gatherT = true;
      GemmPack.gatherMode = 0;
    }
  }
}
