package dev.tulu4j.model;

import dev.tulu4j.tensor.Parallel;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * RoPE and RMSNorm written out in vectors (session 12) against the code before ({@link ElementwiseBefore}): the
 * scalar rotation loop, the scalar {@code x·rs·w} loops of the forward and of {@code apply}, and the
 * backward that stored g = dy·w and ran {@code dotOneChain} and two {@code axpy} passes. Same raw bits
 * for every element, on the model widths (head dims 32 and 64, C 256 and 576) and on widths with a
 * scalar tail (head dims 6, 20, 34; C 7, 100, 270), with values spread over many magnitudes, zeros
 * of both signs and subnormals. Both the paired q/k region and the single-tensor calls are checked,
 * on a 2-thread pool so that row ranges split.
 */
class RopeNormBitsTest {
  private static final ModelParallel P = new ModelParallel(Parallel.create(2));

  private static float[] values(Random r, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = switch (r.nextInt(40)) {
        case 0 -> 0f;
        case 1 -> -0f;
        case 2 -> Float.MIN_VALUE * (1 + r.nextInt(1000));
        default -> (float) (r.nextGaussian() * Math.pow(10, r.nextInt(7) - 3));
      };
    }
    return a;
  }

  private static void sameBits(float[] got, float[] want, String what) {
    for (int i = 0; i < want.length; i++) {
      if (Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(want[i])) {
        throw new AssertionError(what + "[" + i + "]: " + got[i] + " vs " + want[i] + " (the code before)");
      }
    }
  }

  @ParameterizedTest(name = "head dim {0}")
  @ValueSource(ints = {32, 64, 6, 20, 34})
  void ropeSameBitsAsTheScalarLoop(int d) {
    Random r = new Random(d);
    int rows = 70, qh = 3, kh = 2, half = d / 2;
    float[] inv = new float[half];
    for (int i = 0; i < half; i++) inv[i] = 1f / (float) Math.pow(10000.0, (float) (2 * i) / d);
    int[] pos = new int[rows];
    for (int i = 0; i < rows; i++) pos[i] = r.nextInt(5000);
    float[] cos = new float[rows * half], sin = new float[rows * half];
    Rope.tables(inv, pos, rows, cos, sin);
    float[] q = values(r, rows * qh * d), k = values(r, rows * kh * d);
    for (float sign : new float[] {1f, -1f}) {
      float[] qw = q.clone(), kw = k.clone(), q1 = q.clone(), k1 = k.clone(), q2 = q.clone();
      ElementwiseBefore.rotate(qw, 0, rows, qh, d, cos, sin, sign);
      ElementwiseBefore.rotate(kw, 0, rows, kh, d, cos, sin, sign);
      if (sign > 0) {
        Rope.forward(P, q1, qh, k1, kh, rows, d, cos, sin);
        Rope.forward(P, q2, rows, qh, d, cos, sin);
      } else {
        Rope.backward(P, q1, qh, k1, kh, rows, d, cos, sin);
        Rope.backward(P, q2, rows, qh, d, cos, sin);
      }
      sameBits(q1, qw, "q sign " + sign);
      sameBits(k1, kw, "k sign " + sign);
      sameBits(q2, qw, "q alone sign " + sign);
    }
  }

  @ParameterizedTest(name = "C {0}")
  @ValueSource(ints = {256, 576, 7, 100, 270})
  void rmsNormSameBitsAsTheCodeBefore(int c) {
    Random r = new Random(c);
    int rows = 53;
    float eps = 1e-5f;
    float[] x = values(r, rows * c), w = values(r, c), dy = values(r, rows * c), dx0 = values(r, rows * c);
    float[] yw = new float[rows * c], rsw = new float[rows];
    ElementwiseBefore.rmsForward(x, w, yw, rsw, rows, c, eps);
    float[] y = new float[rows * c], rs = new float[rows];
    RmsNorm.forward(P, x, w, y, rs, rows, c, eps);
    sameBits(rs, rsw, "rstd");
    sameBits(y, yw, "forward y");
    float[] yc = new float[rows * c], rsc = new float[rows], copy = new float[rows * c];
    RmsNorm.forward(P, x, w, yc, rsc, rows, c, eps, copy); // with the residual copy in the same pass
    sameBits(rsc, rsw, "rstd (with copy)");
    sameBits(yc, yw, "forward y (with copy)");
    sameBits(copy, x, "the copy of x");
    float[] ya = new float[rows * c];
    RmsNorm.apply(P, x, w, rs, ya, rows, c);
    sameBits(ya, yw, "apply y");
    // backward before: g stored, dotOneChain, two axpy passes
    float[] dxw = dx0.clone();
    ElementwiseBefore.rmsBackwardDx(dy, x, w, rs, dxw, rows, c);
    float[] dx = dx0.clone();
    RmsNorm.backward(P, dy, x, w, rs, dx, null, rows, c);
    sameBits(dx, dxw, "backward dx");
  }
}
