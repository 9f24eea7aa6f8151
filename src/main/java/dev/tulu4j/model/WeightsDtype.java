package dev.tulu4j.model;

import java.util.Locale;

/**
 * How a frozen (inference) model holds its weight matrices in memory (embedding, attention and MLP
 * projections, LM head; norms and biases are always fp32). Trainable models always hold fp32
 * master weights.
 */
public enum WeightsDtype {
  /**
   * The checkpoint's dtype: bf16 when every matrix is stored BF16, else fp32. The default of
   * generate, score, serve and eval: bf16 values widen to fp32 exactly, so the logits are those of
   * the fp32 load of the same checkpoint, with half the weight memory and half the bytes a decode
   * step streams.
   */
  AUTO,
  /** fp32 (4 bytes per weight), whatever the checkpoint stores. */
  FP32,
  /** bf16 (2 bytes per weight); an F32 or F16 checkpoint is rounded to nearest even. */
  BF16;

  /** Parses "auto", "fp32" or "bf16" (any case). */
  public static WeightsDtype parse(String s) {
    if (s != null) {
      for (WeightsDtype d : values()) if (d.name().equalsIgnoreCase(s.trim())) return d;
    }
    throw new IllegalArgumentException("unknown weights dtype '" + s + "' (expected auto, fp32 or bf16)");
  }

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }
}
