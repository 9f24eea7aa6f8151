package dev.tulu4j.model;

import dev.tulu4j.tensor.Parallel;
import dev.tulu4j.tensor.VectorMath;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * RoPE and RMSNorm written out in vectors (session 12) against the code before (copied here): the
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

  /** Rope.rotate before session 12. */
  private static void rotateBefore(float[] x, int rows, int heads, int d, float[] cos, float[] sin, float sign) {
    int half = d / 2;
    for (int r = 0; r < rows; r++) {
      int t = r * half;
      for (int h = 0; h < heads; h++) {
        int o = (r * heads + h) * d;
        for (int i = 0; i < half; i++) {
          float c = cos[t + i];
          float s = sign * sin[t + i];
          float x1 = x[o + i];
          float x2 = x[o + i + half];
          x[o + i] = x1 * c - x2 * s;
          x[o + i + half] = x2 * c + x1 * s;
        }
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
      rotateBefore(qw, rows, qh, d, cos, sin, sign);
      rotateBefore(kw, rows, kh, d, cos, sin, sign);
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
    // forward before: rs from sumSq, then the scalar y = x·rs·w
    float[] yw = new float[rows * c], rsw = new float[rows];
    for (int row = 0; row < rows; row++) {
      int o = row * c;
      float rs = (float) (1.0 / Math.sqrt(VectorMath.sumSq(x, o, c) / c + eps));
      rsw[row] = rs;
      for (int i = 0; i < c; i++) yw[o + i] = x[o + i] * rs * w[i];
    }
    float[] y = new float[rows * c], rs = new float[rows];
    RmsNorm.forward(P, x, w, y, rs, rows, c, eps);
    sameBits(rs, rsw, "rstd");
    sameBits(y, yw, "forward y");
    float[] ya = new float[rows * c];
    RmsNorm.apply(P, x, w, rs, ya, rows, c);
    sameBits(ya, yw, "apply y");
    // backward before: g stored, dotOneChain, two axpy passes
    float[] dxw = dx0.clone(), g = new float[c];
    for (int row = 0; row < rows; row++) {
      int o = row * c;
      float s = rs[row];
      for (int i = 0; i < c; i++) g[i] = dy[o + i] * w[i];
      float k = VectorMath.dotOneChain(g, 0, x, o, c) / c * s * s * s;
      VectorMath.axpy(c, s, g, 0, dxw, o);
      VectorMath.axpy(c, -k, x, o, dxw, o);
    }
    float[] dx = dx0.clone();
    RmsNorm.backward(P, dy, x, w, rs, dx, null, rows, c);
    sameBits(dx, dxw, "backward dx");
  }
}
