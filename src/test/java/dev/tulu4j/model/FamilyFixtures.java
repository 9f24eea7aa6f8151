package dev.tulu4j.model;

import java.util.List;

/**
 * Tiny configurations of the families beyond Llama, one per family, for the engine tests (LoRA,
 * checkpointing, bf16): V=37, C=16, F=24, L=2, H=4, Hkv=2, with each family's switches on — sliding
 * windows of 3 (shorter than the 6–11-token test rows), Gemma 2's soft-caps small enough to bend
 * the scores and logits.
 */
final class FamilyFixtures {
  private FamilyFixtures() {}

  static LlamaConfig olmo2() {
    return new LlamaConfig(LlamaConfig.Architecture.OLMO2, 37, 16, 24, 2, 4, 2, 4, 1e-6, 10000.0, null, 64, false,
        false, 1, List.of(2), Family.olmo2());
  }

  /** Explicit head_dim 8 ≠ C/H. */
  static LlamaConfig qwen3() {
    return new LlamaConfig(LlamaConfig.Architecture.QWEN3, 37, 16, 24, 2, 4, 2, 8, 1e-6, 10000.0, null, 64, true,
        false, 1, List.of(2), Family.qwen3());
  }

  static LlamaConfig mistral() {
    return new LlamaConfig(LlamaConfig.Architecture.MISTRAL, 37, 16, 24, 2, 4, 2, 4, 1e-5, 10000.0, null, 64, false,
        false, 1, List.of(2), Family.mistral(3, 2));
  }

  /** query_pre_attn_scalar 12, soft-caps 4 (scores) and 5 (logits), window 3 on layer 0 only. */
  static LlamaConfig gemma2() {
    return new LlamaConfig(LlamaConfig.Architecture.GEMMA2, 37, 16, 24, 2, 4, 2, 4, 1e-6, 10000.0, null, 64, true,
        false, 1, List.of(2), Family.gemma2(12, 4.0, 5.0, 3, List.of(true, false)));
  }

  static List<LlamaConfig> all() {
    return List.of(olmo2(), qwen3(), mistral(), gemma2());
  }
}
