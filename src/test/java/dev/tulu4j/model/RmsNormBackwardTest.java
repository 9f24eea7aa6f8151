package dev.tulu4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.tensor.TaskRunner;
import dev.tulu4j.tensor.VectorMath;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * RMSNorm's weight gradient is reduced in parallel over channel blocks; it must equal, bit for bit,
 * the sequential pass it replaced (per row: tmp = dy·x, then dw += rstd·tmp with a vector body and
 * a scalar tail), for widths with and without a tail and on any thread count.
 */
class RmsNormBackwardTest {
  @Test
  void weightGradientEqualsTheSequentialPassBitForBit() {
    SplittableRandom rnd = new SplittableRandom(11);
    for (int c : new int[] {7, 16, 37, 256, 576}) {
      int rows = 301;
      float[] dy = new float[rows * c];
      float[] x = new float[rows * c];
      float[] rstd = new float[rows];
      float[] w = new float[c];
      for (int i = 0; i < dy.length; i++) {
        dy[i] = (float) rnd.nextGaussian();
        x[i] = (float) rnd.nextGaussian();
      }
      for (int r = 0; r < rows; r++) rstd[r] = (float) (0.5 + rnd.nextDouble());
      for (int i = 0; i < c; i++) w[i] = (float) rnd.nextGaussian();
      float[] dw0 = new float[c];
      for (int i = 0; i < c; i++) dw0[i] = (float) rnd.nextGaussian();
      // the sequential reference
      float[] want = dw0.clone();
      float[] tmp = new float[c];
      for (int r = 0; r < rows; r++) {
        for (int i = 0; i < c; i++) tmp[i] = dy[r * c + i] * x[r * c + i];
        VectorMath.axpy(c, rstd[r], tmp, 0, want, 0);
      }
      for (TaskRunner runner : new TaskRunner[] {TaskRunner.serial(), TaskRunner.commonPool()}) {
        float[] dw = dw0.clone();
        RmsNorm.backward(new ModelParallel(runner), dy, x, w, rstd, new float[rows * c], dw, rows, c);
        assertThat(dw).as("C=%d", c).containsExactly(want);
      }
    }
  }
}
