package dev.tulu4j.model;

/**
 * Gemma's MLP nonlinearity {@code h = gelu(gate)·up} with the tanh approximation (PyTorch
 * {@code gelu(approximate="tanh")}, HF {@code gelu_pytorch_tanh}):
 * {@code gelu(a) = ½·a·(1 + tanh(√(2/π)·(a + 0.044715·a³)))}. Scalar fp32 (the tanh in double).
 */
final class GeGlu {
  static final float K = (float) Math.sqrt(2 / Math.PI);
  static final float A = 0.044715f;

  private GeGlu() {}

  static float gelu(float a) {
    float t = (float) Math.tanh(K * (a + A * a * a * a));
    return 0.5f * a * (1f + t);
  }

  /** d gelu / da. */
  static float geluGrad(float a) {
    float t = (float) Math.tanh(K * (a + A * a * a * a));
    return 0.5f * (1f + t) + 0.5f * a * (1f - t * t) * K * (1f + 3f * A * a * a);
  }

  /** h[i] = gelu(gate[i])·up[i] for i &lt; n ({@code h} may be {@code gate}). */
  static void forward(ModelParallel par, float[] gate, float[] up, float[] h, int n) {
    par.forRange(n, 8192, (from, to) -> forwardRange(gate, up, h, from, to));
  }

  static void forwardRange(float[] gate, float[] up, float[] h, int from, int to) {
    for (int i = from; i < to; i++) h[i] = gelu(gate[i]) * up[i];
  }

  /** dgate = dh·up·gelu'(a), dup = dh·gelu(a); both overwritten. */
  static void backward(ModelParallel par, float[] gate, float[] up, float[] dh, float[] dgate, float[] dup, int n) {
    par.forRange(n, 8192, (from, to) -> {
      for (int i = from; i < to; i++) {
        float a = gate[i];
        dup[i] = dh[i] * gelu(a);
        dgate[i] = dh[i] * up[i] * geluGrad(a);
      }
    });
  }
}
