package dev.tulu4j.model;

import dev.tulu4j.tensor.VectorMath;
import jdk.incubator.vector.FloatVector;

/**
 * Rotary position embedding in the Hugging Face convention ({@code rotate_half}): for head vector x
 * of width D and {@code i < D/2}, with angle {@code θ = pos · invFreq[i]},
 * <pre>
 *   x'[i]       = x[i]·cos θ − x[i+D/2]·sin θ
 *   x'[i+D/2]   = x[i+D/2]·cos θ + x[i]·sin θ
 * </pre>
 * Inverse frequencies are {@code 1 / theta^(2i/D)}, optionally rescaled by Llama 3.1's {@code llama3}
 * rule (HF {@code _compute_llama3_parameters}).
 */
final class Rope {
  private Rope() {}

  /**
   * The D/2 inverse frequencies. With llama3 scaling (HF {@code _compute_llama3_parameters}):
   * wavelength {@code λ = 2π/f}; λ &lt; orig/highFreqFactor keeps f; λ &gt; orig/lowFreqFactor uses
   * f/factor; in between {@code (1−s)·f/factor + s·f} with
   * {@code s = (orig/λ − lowFreqFactor)/(highFreqFactor − lowFreqFactor)}.
   *
   * <p>Every step is rounded to fp32 as HF's float32 tensors do ({@code 1/base^(arange(0,D,2)/D)}),
   * so the angles match a Hugging Face run to the last bit or two even at long positions.
   */
  static float[] inverseFrequencies(LlamaConfig c) {
    int half = c.headDim() / 2;
    float[] inv = new float[half];
    for (int i = 0; i < half; i++) {
      float e = (float) (2 * i) / (float) c.headDim();
      inv[i] = 1f / (float) Math.pow(c.ropeTheta(), e);
    }
    LlamaConfig.RopeScaling s = c.ropeScaling();
    if (s == null) return inv;
    double lowWavelen = s.originalMaxPositions() / s.lowFreqFactor();
    double highWavelen = s.originalMaxPositions() / s.highFreqFactor();
    float factor = (float) s.factor();
    for (int i = 0; i < half; i++) {
      float f = inv[i];
      float wavelen = (float) (2 * Math.PI) / f;
      if (wavelen < highWavelen) continue;
      if (wavelen > lowWavelen) {
        inv[i] = f / factor;
      } else {
        float smooth = (float) ((s.originalMaxPositions() / wavelen - s.lowFreqFactor())
            / (s.highFreqFactor() - s.lowFreqFactor()));
        inv[i] = (1 - smooth) * f / factor + smooth * f;
      }
    }
    return inv;
  }

  /**
   * cos/sin tables (N, D/2) for the given positions. As in HF, the angle is the fp32 product
   * {@code float(pos)·invFreq}; its cosine and sine are then taken in double and rounded.
   */
  static void tables(float[] invFreq, int[] pos, int n, float[] cos, float[] sin) {
    tableRows(invFreq, pos, 0, n, cos, sin);
  }

  /** {@link #tables} with the rows split over {@code par} (the training forward's N = B·T rows). */
  static void tables(ModelParallel par, float[] invFreq, int[] pos, int n, float[] cos, float[] sin) {
    par.forRange(n, 64, (from, to) -> tableRows(invFreq, pos, from, to, cos, sin));
  }

  private static void tableRows(float[] invFreq, int[] pos, int from, int to, float[] cos, float[] sin) {
    int half = invFreq.length;
    for (int r = from; r < to; r++) {
      for (int i = 0; i < half; i++) {
        float a = (float) pos[r] * invFreq[i];
        cos[r * half + i] = (float) Math.cos(a);
        sin[r * half + i] = (float) Math.sin(a);
      }
    }
  }

  /** Rotates every head of x (N, heads·D) in place; row r uses table row r. */
  static void forward(ModelParallel par, float[] x, int rows, int heads, int d, float[] cos, float[] sin) {
    rotate(par, x, rows, heads, d, cos, sin, 1f);
  }

  /** Backward of {@link #forward}: the transpose of a rotation is the rotation by −θ. In place. */
  static void backward(ModelParallel par, float[] dx, int rows, int heads, int d, float[] cos, float[] sin) {
    rotate(par, dx, rows, heads, d, cos, sin, -1f);
  }

  /**
   * {@link #forward} of q (N, qHeads·D) and k (N, kHeads·D) in one parallel region (one fork/join
   * instead of two per layer); each row and head gets the same operations as {@link #forward}.
   */
  static void forward(ModelParallel par, float[] q, int qHeads, float[] k, int kHeads, int rows, int d, float[] cos, float[] sin) {
    par.forRange(rows, 16, (from, to) -> {
      rotateRows(q, from, to, qHeads, d, cos, sin, 1f);
      rotateRows(k, from, to, kHeads, d, cos, sin, 1f);
    });
  }

  /** {@link #backward} of dq and dk in one parallel region, as {@link #forward(ModelParallel, float[], int, float[], int, int, int, float[], float[])}. */
  static void backward(ModelParallel par, float[] dq, int qHeads, float[] dk, int kHeads, int rows, int d, float[] cos, float[] sin) {
    par.forRange(rows, 16, (from, to) -> {
      rotateRows(dq, from, to, qHeads, d, cos, sin, -1f);
      rotateRows(dk, from, to, kHeads, d, cos, sin, -1f);
    });
  }

  private static void rotate(ModelParallel par, float[] x, int rows, int heads, int d, float[] cos, float[] sin, float sign) {
    par.forRange(rows, 16, (from, to) -> rotateRows(x, from, to, heads, d, cos, sin, sign));
  }

  /**
   * Rows {@code from..to} of {@link #rotate}: whole vectors of the half-width, then a scalar tail.
   * Each element gets {@code x1·c − x2·(sign·sin)} and {@code x2·c + x1·(sign·sin)}, each product
   * rounded, no fused multiply-add, in the vector lanes as in the tail, so the bits are the scalar
   * loop's (RopeNormBitsTest); the scalar loop ran 3.4× slower alone (ElementwiseProfileMain).
   */
  static void rotateRows(float[] x, int from, int to, int heads, int d, float[] cos, float[] sin, float sign) {
    int half = d / 2;
    int bound = VectorMath.S.loopBound(half);
    for (int r = from; r < to; r++) {
      int t = r * half;
      for (int h = 0; h < heads; h++) {
        int o = (r * heads + h) * d;
        int i = 0;
        for (; i < bound; i += VectorMath.L) {
          FloatVector c = FloatVector.fromArray(VectorMath.S, cos, t + i);
          FloatVector s = FloatVector.fromArray(VectorMath.S, sin, t + i).mul(sign);
          FloatVector x1 = FloatVector.fromArray(VectorMath.S, x, o + i);
          FloatVector x2 = FloatVector.fromArray(VectorMath.S, x, o + i + half);
          x1.mul(c).sub(x2.mul(s)).intoArray(x, o + i);
          x2.mul(c).add(x1.mul(s)).intoArray(x, o + i + half);
        }
        for (; i < half; i++) {
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
}
