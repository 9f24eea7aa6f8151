package dev.tulu4j.model;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A LoRA adapter's hyper-parameters with the meaning of Hugging Face PEFT's {@code LoraConfig}
 * (Hu et al. 2021, "LoRA"; Kalajdzievski 2023, "rsLoRA"): each targeted linear {@code y = x·Wᵀ}
 * becomes {@code y = x·Wᵀ + scaling·(dropout(x)·Aᵀ)·Bᵀ} with A {@code [r, in]}, B {@code [out, r]}.
 *
 * @param r the rank
 * @param alpha {@code lora_alpha}; {@code scaling = alpha / r}, or {@code alpha / √r} with rsLoRA
 * @param dropout {@code lora_dropout}, applied to the adapter's input only, in training passes
 * @param targetModules HF module names ({@code q_proj}, {@code k_proj}, {@code v_proj},
 *     {@code o_proj}, {@code gate_proj}, {@code up_proj}, {@code down_proj}) or the single entry
 *     {@code all-linear} (every one of them; as in PEFT the LM head is never targeted)
 * @param useRslora rank-stabilised scaling {@code alpha / √r}
 * @param modulesToSave whole modules trained and saved next to the adapter (PEFT's
 *     {@code modules_to_save}); tulu4j supports {@code score}, the scalar head of a reward or value
 *     model ({@code classifier} is accepted as PEFT writes it, and names nothing), {@code lm_head}
 *     and {@code embed_tokens} (also spelled {@code model.embed_tokens}): a trainable fp32 copy of
 *     the module, the frozen original kept for the adapter-off view ({@link LoraAdapter})
 */
public record LoraConfig(int r, double alpha, double dropout, List<String> targetModules, boolean useRslora,
    List<String> modulesToSave) {

  /** PEFT's {@code all-linear} for a Llama-family model. */
  public static final String ALL_LINEAR = "all-linear";

  /**
   * The modules of {@link #modulesToSave} tulu4j knows: {@code score}, the head of a reward or value
   * model; {@code classifier}, which PEFT lists for every sequence-classification adapter and which
   * matches no module of a Llama model (accepted, nothing to train); {@code lm_head} and
   * {@code embed_tokens} / {@code model.embed_tokens} (PEFT matches a module by its name's suffix),
   * each trained as a copy of the base's module ({@link LoraAdapter#embeddingCopy()}, {@link LoraAdapter#headCopy()}).
   */
  public static final Set<String> SAVABLE_MODULES = Set.of("score", "classifier", "lm_head", "embed_tokens",
      "model.embed_tokens");

  public LoraConfig {
    if (r <= 0) throw new IllegalArgumentException("lora.r must be > 0, got " + r);
    if (!(alpha > 0) || Double.isInfinite(alpha)) throw new IllegalArgumentException("lora.alpha must be > 0, got " + alpha);
    if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("lora.dropout must be in [0, 1), got " + dropout);
    targetModules = List.copyOf(Objects.requireNonNull(targetModules, "lora.target_modules"));
    modulesToSave = modulesToSave == null ? List.of() : List.copyOf(modulesToSave);
    if (targetModules.isEmpty()) throw new IllegalArgumentException("lora.target_modules is empty");
    for (String t : targetModules)
      if (!t.equals(ALL_LINEAR) && LoraTarget.byModule(t) == null)
        throw new IllegalArgumentException("lora.target_modules: unknown module '" + t + "' (expected all-linear or one of "
            + LoraTarget.moduleNames() + ")");
    for (String m : modulesToSave)
      if (!SAVABLE_MODULES.contains(m))
        throw new IllegalArgumentException("lora.modules_to_save: '" + m + "' is not supported (supported: " + SAVABLE_MODULES + ")");
  }

  /** Whether {@code modules_to_save} names the input embedding ({@code embed_tokens}). */
  public boolean savesEmbedding() {
    return modulesToSave.contains("embed_tokens") || modulesToSave.contains("model.embed_tokens");
  }

  /** Whether {@code modules_to_save} names the LM head ({@code lm_head}). */
  public boolean savesLmHead() {
    return modulesToSave.contains("lm_head");
  }

  /** Rank {@code r} and {@code alpha} on every linear layer, no dropout, no rsLoRA. */
  public static LoraConfig allLinear(int r, double alpha) {
    return new LoraConfig(r, alpha, 0, List.of(ALL_LINEAR), false, List.of());
  }

  /** The factor of the adapter's product: {@code alpha / r}, or {@code alpha / √r} with rsLoRA. */
  public double scaling() {
    return useRslora ? alpha / Math.sqrt(r) : alpha / r;
  }

  /** The targeted projections ({@code all-linear} expanded). */
  public Set<LoraTarget> targets() {
    Set<LoraTarget> s = EnumSet.noneOf(LoraTarget.class);
    for (String t : targetModules) {
      if (t.equals(ALL_LINEAR)) s.addAll(EnumSet.allOf(LoraTarget.class));
      else s.add(LoraTarget.byModule(t));
    }
    return s;
  }

  /** The target module names in engine order (how PEFT writes an expanded {@code all-linear} is irrelevant to us). */
  public List<String> targetNames() {
    List<String> names = new ArrayList<>();
    for (LoraTarget t : targets()) names.add(t.module);
    return names;
  }
}
