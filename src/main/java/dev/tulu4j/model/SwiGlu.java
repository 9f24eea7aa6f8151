package dev.tulu4j.model;

import dev.tulu4j.tensor.VectorExp;
import dev.tulu4j.tensor.VectorMath;
import jdk.incubator.vector.FloatVector;

/**
 * The Llama MLP nonlinearity {@code h = silu(gate) · up} with {@code silu(a) = a·σ(a)} (HF
 * {@code LlamaMLP}, act_fn "silu"). The scalar tails repeat the vector lanes' operations in the same
 * order ({@link VectorExp} included), so an element's value does not depend on where a thread's
 * range or the vector loop ends.
 */
final class SwiGlu {
  private static final FloatVector ONE = FloatVector.broadcast(VectorMath.S, 1f);

  private SwiGlu() {}

  /** h[i] = silu(gate[i])·up[i] for i &lt; n. */
  static void forward(ModelParallel par, float[] gate, float[] up, float[] h, int n) {
    par.forRange(n, 8192, (from, to) -> forwardRange(gate, up, h, from, to));
  }

  /** h[i] = silu(gate[i])·up[i] for from ≤ i &lt; to, on the calling thread ({@code h} may be {@code gate}). */
  static void forwardRange(float[] gate, float[] up, float[] h, int from, int to) {
    forwardRange(gate, up, 0, h, from, to);
  }

  /**
   * {@link #forwardRange(float[], float[], float[], int, int)} with {@code up[i + upShift]} in place of
   * {@code up[i]}: the decode step starts gate and up each on a cache line, at different offsets.
   */
  static void forwardRange(float[] gate, float[] up, int upShift, float[] h, int from, int to) {
    int i = from;
    int bound = from + VectorMath.S.loopBound(to - from);
    for (; i < bound; i += VectorMath.S.length()) {
      FloatVector a = FloatVector.fromArray(VectorMath.S, gate, i);
      FloatVector sig = ONE.div(VectorExp.exp(a.neg()).add(1f));
      a.mul(sig).mul(FloatVector.fromArray(VectorMath.S, up, i + upShift)).intoArray(h, i);
    }
    for (; i < to; i++) {
      float a = gate[i];
      float sig = 1f / (VectorExp.exp(-a) + 1f);
      h[i] = a * sig * up[i + upShift];
    }
  }

  /** dgate = dh·up·σ(a)·(1 + a·(1−σ(a))), dup = dh·silu(a); both overwritten. */
  static void backward(ModelParallel par, float[] gate, float[] up, float[] dh, float[] dgate, float[] dup, int n) {
    par.forRange(n, 8192, (from, to) -> {
      int i = from;
      int bound = from + VectorMath.S.loopBound(to - from);
      for (; i < bound; i += VectorMath.S.length()) {
        FloatVector a = FloatVector.fromArray(VectorMath.S, gate, i);
        FloatVector u = FloatVector.fromArray(VectorMath.S, up, i);
        FloatVector d = FloatVector.fromArray(VectorMath.S, dh, i);
        FloatVector sig = ONE.div(VectorExp.exp(a.neg()).add(1f));
        FloatVector silu = a.mul(sig);
        d.mul(silu).intoArray(dup, i);
        FloatVector dsilu = sig.mul(a.mul(sig.neg().add(1f)).add(1f));
        d.mul(u).mul(dsilu).intoArray(dgate, i);
      }
      for (; i < to; i++) {
        float a = gate[i];
        float sig = 1f / (VectorExp.exp(-a) + 1f);
        dup[i] = dh[i] * (a * sig);
        dgate[i] = dh[i] * up[i] * (sig * (a * (1f - sig) + 1f));
      }
    });
  }
}
