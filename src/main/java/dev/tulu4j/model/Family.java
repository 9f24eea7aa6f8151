package dev.tulu4j.model;

import java.util.List;
import java.util.Objects;

/**
 * The switches by which OLMo 2, Qwen3, Mistral and Gemma 2 depart from the Llama decoder; Llama and
 * Qwen2 use {@link #plain()} (every switch off) and keep the original {@link Trunk} path. Config
 * key names in the comments are Hugging Face's.
 *
 * @param qkNorm RMSNorm on the q and k projections before RoPE: per head over D (Qwen3
 *     {@code q_norm [D]}) or over the whole projection (OLMo 2 {@code q_norm [H·D]})
 * @param norms where the layer's RMSNorms sit: before each sublayer (Llama), after each sublayer's
 *     output inside the residual (OLMo 2), or both (Gemma 2)
 * @param unitOffsetNorm RMSNorm scales by {@code 1 + w} (Gemma), not {@code w}
 * @param scaleEmbeddings the embedding output is multiplied by {@code (float) √C} (Gemma's normalizer)
 * @param activation the MLP nonlinearity: SwiGLU (silu) or GeGLU with the tanh-approximated gelu
 *     ({@code gelu_pytorch_tanh})
 * @param queryPreAttnScalar attention scores are scaled by {@code 1/√queryPreAttnScalar}; 0 means
 *     {@code 1/√D} ({@code query_pre_attn_scalar})
 * @param attnSoftcap scores become {@code cap·tanh(s/cap)} before the mask; 0 for none
 *     ({@code attn_logit_softcapping})
 * @param finalSoftcap logits become {@code cap·tanh(z/cap)}; 0 for none ({@code final_logit_softcapping})
 * @param slidingWindow a sliding layer's query at t sees keys {@code t − W + 1 .. t}; 0 for none
 * @param slidingLayers which layers slide (empty when {@code slidingWindow} is 0)
 */
public record Family(
    QkNorm qkNorm,
    Norms norms,
    boolean unitOffsetNorm,
    boolean scaleEmbeddings,
    Activation activation,
    double queryPreAttnScalar,
    double attnSoftcap,
    double finalSoftcap,
    int slidingWindow,
    List<Boolean> slidingLayers) {

  public enum QkNorm { NONE, PER_HEAD, FULL }

  public enum Norms { PRE, POST, SANDWICH }

  public enum Activation { SILU, GELU_TANH }

  private static final Family PLAIN =
      new Family(QkNorm.NONE, Norms.PRE, false, false, Activation.SILU, 0, 0, 0, 0, List.of());

  public Family {
    Objects.requireNonNull(qkNorm, "qkNorm");
    Objects.requireNonNull(norms, "norms");
    Objects.requireNonNull(activation, "activation");
    slidingLayers = List.copyOf(slidingLayers);
    if (queryPreAttnScalar < 0 || Double.isNaN(queryPreAttnScalar))
      throw new IllegalArgumentException("query_pre_attn_scalar must be > 0, got " + queryPreAttnScalar);
    if (attnSoftcap < 0 || Double.isNaN(attnSoftcap))
      throw new IllegalArgumentException("attn_logit_softcapping must be > 0, got " + attnSoftcap);
    if (finalSoftcap < 0 || Double.isNaN(finalSoftcap))
      throw new IllegalArgumentException("final_logit_softcapping must be > 0, got " + finalSoftcap);
    if (slidingWindow < 0) throw new IllegalArgumentException("sliding_window must be > 0, got " + slidingWindow);
    if (slidingWindow == 0 && slidingLayers.contains(true))
      throw new IllegalArgumentException("layer_types has sliding_attention layers but sliding_window is null");
  }

  /** Llama / Qwen2: every switch off. */
  public static Family plain() {
    return PLAIN;
  }

  /** True when nothing departs from Llama (the original, fused paths apply). */
  public boolean isPlain() {
    return equals(PLAIN);
  }

  /** The window of layer l, or 0 for full causal attention. */
  public int window(int layer) {
    return slidingWindow > 0 && slidingLayers.get(layer) ? slidingWindow : 0;
  }

  /** The attention score scale for head dim d. */
  public float attentionScale(int d) {
    return (float) (1.0 / Math.sqrt(queryPreAttnScalar > 0 ? queryPreAttnScalar : d));
  }

  /** OLMo 2: q/k norms over the full projections, norms after each sublayer. */
  public static Family olmo2() {
    return new Family(QkNorm.FULL, Norms.POST, false, false, Activation.SILU, 0, 0, 0, 0, List.of());
  }

  /** Qwen3: per-head q/k norms. */
  public static Family qwen3() {
    return PLAIN.withQkNorm(QkNorm.PER_HEAD);
  }

  /** Mistral: a sliding window of w on every one of {@code layers} layers (plain when w is 0). */
  public static Family mistral(int window, int layers) {
    return window == 0 ? PLAIN : PLAIN.withWindow(window, all(layers, true));
  }

  /** Gemma 2 with the given scalars; {@code sliding} says which layers slide. */
  public static Family gemma2(double queryPreAttnScalar, double attnSoftcap, double finalSoftcap, int window,
      List<Boolean> sliding) {
    return new Family(QkNorm.NONE, Norms.SANDWICH, true, true, Activation.GELU_TANH, queryPreAttnScalar, attnSoftcap,
        finalSoftcap, window, window == 0 ? List.of() : sliding);
  }

  Family withQkNorm(QkNorm q) {
    return new Family(q, norms, unitOffsetNorm, scaleEmbeddings, activation, queryPreAttnScalar, attnSoftcap,
        finalSoftcap, slidingWindow, slidingLayers);
  }

  /** The same switches with the given window and sliding layers. */
  public Family withWindow(int w, List<Boolean> layers) {
    return new Family(qkNorm, norms, unitOffsetNorm, scaleEmbeddings, activation, queryPreAttnScalar, attnSoftcap,
        finalSoftcap, w, w == 0 ? List.of() : layers);
  }

  Family withoutWindow() {
    return withWindow(0, List.of());
  }

  /** Sliding on every one of {@code layers} layers with window w (Mistral), or plain if w is 0. */
  static List<Boolean> all(int layers, boolean v) {
    return java.util.Collections.nCopies(layers, v);
  }
}
