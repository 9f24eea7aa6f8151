package dev.tulu4j.recipe;

import dev.tulu4j.config.Doc;
import dev.tulu4j.data.OnError;
import dev.tulu4j.dpo.DpoLossType;
import dev.tulu4j.io.DType;
import dev.tulu4j.tensor.GemmBackend;
import dev.tulu4j.train.LoraSettings;
import dev.tulu4j.train.TrainConfig;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code tulu4j dpo} settings. Defaults are Tülu 3 8B DPO's (Tülu 3 Table 11 / open-instruct
 * {@code tulu3_8b_dpo.yaml}): length-normalised DPO with β = 5, max length 2048; the optimizer
 * values (lr 5e-7, linear, warmup ratio 0.1, 1 epoch, effective batch 128) live in {@code train}.
 */
public record DpoConfig(
    @Doc("Starting checkpoint (an HF folder, or a run folder: its latest checkpoint): the policy's initial weights and the frozen reference model.")
        Path model,
    @Doc(value = "Tokenizer folder; null = the (resolved) model folder.", def = "null")
        Path tokenizer,
    @Doc("Preference JSONL files (Tülu form: chosen/rejected conversations sharing the prompt turns).")
        List<Path> data,
    @Doc(value = "Rows that cannot be read or encoded (bad JSON, wrong types, a conversation the chat template "
        + "cannot mask): fail (stop, naming file, line and reason) or skip (write each with its reason to "
        + "data.rejects.jsonl in the output folder, and count it).", def = "fail", hashed = false)
        OnError onError,
    @Doc(value = "Chat template: tulu (built in) or model (the tokenizer's chat_template).", def = "tulu")
        String template,
    @Doc(value = "Max tokens per conversation (truncated on the right); also the packed row length.", def = "2048")
        int maxLength,
    @Doc(value = "Preference loss: dpo, dpo_norm (Tülu 3 eq. 6), simpo, ipo.", def = "dpo_norm")
        DpoLossType lossType,
    @Doc(value = "DPO temperature β (Tülu 3 8B: 5 with dpo_norm).", def = "5.0")
        double beta,
    @Doc(value = "SimPO γ/β (only used by simpo).", def = "0.3")
        double gammaBetaRatio,
    @Doc(value = "RPO weight α: adds α × the chosen response's mean per-token NLL to each pair's loss (TRL rpo_alpha; 0 = plain DPO).", def = "0.0")
        double rpoAlpha,
    @Doc(value = "Folder of cached reference log-probs (content-keyed files, shared between runs).",
        def = "runs/ref_cache", hashed = false)
        Path refCacheDir,
    @Doc(value = "GEMM backend: vector, openblas or auto.", def = "vector", hashed = false)
        GemmBackend gemm,
    @Doc(value = "Weight dtype of the HF checkpoints written (f32 or bf16; trainer_state always keeps fp32).",
        def = "bf16", hashed = false)
        DType saveDtype,
    @Doc("LoRA: r > 0 freezes the policy's base weights and trains a PEFT-format adapter; the reference is the base (adapter off), no second copy.")
        LoraSettings lora,
    @Doc("Optimizer, batch and checkpointing.") TrainConfig train) {

  public DpoConfig {
    if (model == null) throw new IllegalArgumentException("model is required");
    if (data == null || data.isEmpty()) throw new IllegalArgumentException("data needs at least one preference file");
    if (maxLength < 2) throw new IllegalArgumentException("max_length must be >= 2, got " + maxLength);
    if (lossType == null) throw new IllegalArgumentException("loss_type is required");
    if (!(beta > 0)) throw new IllegalArgumentException("beta must be > 0, got " + beta);
    if (!(rpoAlpha >= 0)) throw new IllegalArgumentException("rpo_alpha must be >= 0, got " + rpoAlpha);
    if (train == null) throw new IllegalArgumentException("train section is required");
    if (lora == null) lora = new LoraSettings(0, 16, 0, null, false, null, null);
    if (lora.enabled() && !lora.onlyCausalLmModules())
      throw new IllegalArgumentException("lora.modules_to_save: a DPO policy is a causal LM: only lm_head and embed_tokens apply (no 'score' head), got "
          + lora.modulesToSave());
    if (onError == null) throw new IllegalArgumentException("on_error must be fail or skip");
    if (saveDtype == null) throw new IllegalArgumentException("save_dtype is required");
    data = List.copyOf(data);
  }
}
