package dev.tulu4j.train;

import dev.tulu4j.config.Doc;
import dev.tulu4j.model.LoraConfig;
import java.util.List;

/**
 * The {@code lora:} section of a training stage's config, with PEFT's {@code LoraConfig} meaning
 * (see {@link LoraConfig}). {@code r: 0} (the default) trains every weight; {@code r > 0} freezes the
 * base model and trains only the adapter (plus {@code modules_to_save}), saving PEFT adapter folders.
 */
public record LoraSettings(
    @Doc(value = "LoRA rank; 0 = no adapter (full fine-tuning).", def = "0") int r,
    @Doc(value = "lora_alpha: the adapter's output is scaled by alpha / r (alpha / sqrt(r) with use_rslora).", def = "16")
        double alpha,
    @Doc(value = "lora_dropout on the adapter's input, in training passes only.", def = "0.0") double dropout,
    @Doc(value = "Projections to adapt: all-linear, or a list of q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj.",
        def = "[all-linear]") List<String> targetModules,
    @Doc(value = "Rank-stabilised scaling alpha / sqrt(r) (rsLoRA).", def = "false") boolean useRslora,
    @Doc(value = "Whole modules trained and saved with the adapter; 'score' is the head of a reward or value model.",
        def = "[]") List<String> modulesToSave) {

  public LoraSettings {
    if (r < 0) throw new IllegalArgumentException("lora.r must be >= 0 (0 = no adapter), got " + r);
    targetModules = targetModules == null ? List.of(LoraConfig.ALL_LINEAR) : List.copyOf(targetModules);
    modulesToSave = modulesToSave == null ? List.of() : List.copyOf(modulesToSave);
    if (r > 0) toConfig(r, alpha, dropout, targetModules, useRslora, modulesToSave); // validates
  }

  /** Whether an adapter trains (r > 0). */
  public boolean enabled() {
    return r > 0;
  }

  /** The engine's config; only when {@link #enabled()}. */
  public LoraConfig config() {
    if (!enabled()) throw new IllegalStateException("lora.r is 0: no adapter");
    return toConfig(r, alpha, dropout, targetModules, useRslora, modulesToSave);
  }

  private static LoraConfig toConfig(int r, double alpha, double dropout, List<String> targets, boolean rs, List<String> save) {
    return new LoraConfig(r, alpha, dropout, targets, rs, save);
  }
}
