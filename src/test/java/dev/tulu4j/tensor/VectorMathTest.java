package dev.tulu4j.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class VectorMathTest {

  @Test
  void dotAxpyScaleMatchScalarLoopsAtEveryLengthAndOffset() {
    SplittableRandom rnd = new SplittableRandom(11);
    for (int n : new int[] {0, 1, 5, 15, 16, 17, 63, 64, 65, 200}) {
      for (int off : new int[] {0, 3}) {
        float[] x = GemmCheck.random(rnd, n + off + 2);
        float[] y = GemmCheck.random(rnd, n + off + 2);
        double want = 0;
        for (int i = 0; i < n; i++) {
          want += (double) x[off + i] * y[i + 1];
        }
        assertThat((double) VectorMath.dot(x, off, y, 1, n)).as("dot n=%d", n).isCloseTo(want, within(1e-4));

        float[] y2 = y.clone();
        VectorMath.axpy(n, -1.5f, x, off, y2, 1);
        for (int i = 0; i < y.length; i++) {
          float expect = i >= 1 && i < n + 1 ? y[i] + -1.5f * x[off + i - 1] : y[i];
          assertThat(y2[i]).as("axpy n=%d i=%d", n, i).isCloseTo(expect, within(1e-6f));
        }

        float[] z = y.clone();
        z[off] = Float.NaN;
        VectorMath.scale(n, -0f, z, off); // a plain multiply: NaN stays NaN, signs of zero follow IEEE
        for (int i = 0; i < n; i++) {
          float before = i == 0 ? Float.NaN : y[off + i];
          assertThat(Float.floatToRawIntBits(z[off + i])).as("scale n=%d i=%d", n, i)
              .isEqualTo(Float.floatToRawIntBits(before * -0f));
        }
        float[] w = y.clone();
        VectorMath.scale(n, 2f, w, off);
        for (int i = 0; i < w.length; i++) {
          assertThat(w[i]).isEqualTo(i >= off && i < off + n ? 2f * y[i] : y[i]);
        }
      }
    }
  }

  /** The model's reductions (one-chain dot, sum of squares, max, the softmax's exp sums) against scalar double loops. */
  @Test
  void modelReductionsMatchScalarLoopsAtEveryLengthAndOffset() {
    SplittableRandom rnd = new SplittableRandom(12);
    for (int n : new int[] {0, 1, 5, 15, 16, 17, 63, 64, 65, 200}) {
      for (int off : new int[] {0, 3}) {
        float[] x = GemmCheck.random(rnd, n + off + 2);
        float[] y = GemmCheck.random(rnd, n + off + 2);
        double dot = 0, sq = 0, sumExp = 0;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
          dot += (double) x[off + i] * y[i + 1];
          sq += (double) x[off + i] * x[off + i];
          max = Math.max(max, x[off + i]);
          sumExp += Math.exp(x[off + i] - 0.25);
        }
        assertThat((double) VectorMath.dotOneChain(x, off, y, 1, n)).as("dotOneChain n=%d", n).isCloseTo(dot, within(1e-4));
        assertThat((double) VectorMath.sumSq(x, off, n)).as("sumSq n=%d", n).isCloseTo(sq, within(1e-4));
        assertThat(VectorMath.max(x, off, n)).as("max n=%d", n).isEqualTo(max);
        assertThat((double) VectorMath.sumExpShift(x, off, n, 0.25f)).as("sumExpShift n=%d", n)
            .isCloseTo(sumExp, within(1e-4 * Math.max(1, sumExp)));
        float[] e = x.clone();
        float got = VectorMath.expShiftSum(e, off, n, 0.25f);
        assertThat((double) got).as("expShiftSum n=%d", n).isCloseTo(sumExp, within(1e-4 * Math.max(1, sumExp)));
        for (int i = 0; i < e.length; i++) {
          double want = i >= off && i < off + n ? Math.exp(x[i] - 0.25) : x[i];
          assertThat((double) e[i]).as("exp in place n=%d i=%d", n, i).isCloseTo(want, within(1e-5 * Math.max(1, want)));
        }
      }
    }
  }
}
