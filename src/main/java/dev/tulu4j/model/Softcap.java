package dev.tulu4j.model;

/**
 * Gemma 2's soft-capping {@code y = cap·tanh(x / cap)} (attention scores and final logits) and its
 * derivative written in terms of the output, {@code dy/dx = 1 − (y / cap)²}. fp32, scalar.
 */
final class Softcap {
  private Softcap() {}

  /** x[from..to) = cap·tanh(x / cap) in place. */
  static void apply(float[] x, int from, int to, float cap) {
    for (int i = from; i < to; i++) x[i] = cap * (float) Math.tanh(x[i] / cap);
  }

  /** The derivative at a capped value y. */
  static float slope(float y, float cap) {
    float t = y / cap;
    return 1f - t * t;
  }
}
