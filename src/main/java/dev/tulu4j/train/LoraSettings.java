package dev.tulu4j.train;

import dev.tulu4j.config.Doc;
import dev.tulu4j.model.LoraConfig;
import dev.tulu4j.model.WeightsDtype;
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
    @Doc(value = "Whole modules trained (as an fp32 copy, the frozen original kept for the adapter-off reference) and "
        + "saved with the adapter, PEFT's modules_to_save: lm_head and embed_tokens (sft, dpo, rlvr); 'score' is the "
        + "head of a reward model.", def = "[]") List<String> modulesToSave,
    @Doc(value = "How the frozen base's weight matrices are held: auto (bf16 when the checkpoint stores every matrix as "
        + "bf16, else fp32), fp32, or bf16 (half the memory, widened inside the kernels; same gradients as an fp32 "
        + "base holding the bf16-rounded values).", def = "auto") String baseDtype) {

  public LoraSettings {
    if (r < 0) throw new IllegalArgumentException("lora.r must be >= 0 (0 = no adapter), got " + r);
    targetModules = targetModules == null ? List.of(LoraConfig.ALL_LINEAR) : List.copyOf(targetModules);
    modulesToSave = modulesToSave == null ? List.of() : List.copyOf(modulesToSave);
    baseDtype = baseDtype == null ? "auto" : baseDtype.trim().toLowerCase(java.util.Locale.ROOT);
    try {
      WeightsDtype.parse(baseDtype);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("lora.base_dtype: " + e.getMessage());
    }
    if (r > 0) toConfig(r, alpha, dropout, targetModules, useRslora, modulesToSave); // validates
  }

  /** The modules_to_save a causal-LM stage (sft, dpo, rlvr) takes: copies of the LM head and the input embedding. */
  public static final java.util.Set<String> CAUSAL_LM_MODULES = java.util.Set.of("lm_head", "embed_tokens", "model.embed_tokens");

  /** Whether every modules_to_save entry is one of {@link #CAUSAL_LM_MODULES}. */
  public boolean onlyCausalLmModules() {
    return CAUSAL_LM_MODULES.containsAll(modulesToSave);
  }

  /** Whether an adapter trains (r > 0). */
  public boolean enabled() {
    return r > 0;
  }

  /** {@code lora.base_dtype} parsed. */
  public WeightsDtype baseWeightsDtype() {
    return WeightsDtype.parse(baseDtype);
  }

  /** The same settings with {@code modules_to_save} replaced. */
  public LoraSettings withModulesToSave(List<String> modules) {
    return new LoraSettings(r, alpha, dropout, targetModules, useRslora, modules, baseDtype);
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
