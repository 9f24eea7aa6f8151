package dev.tulu4j.recipe;

import dev.tulu4j.config.Doc;
import dev.tulu4j.data.OnError;
import dev.tulu4j.io.DType;
import dev.tulu4j.tensor.GemmBackend;
import dev.tulu4j.train.LoraSettings;
import dev.tulu4j.train.TrainConfig;
import java.nio.file.Path;
import java.util.List;

/** {@code tulu4j reward train} settings: a Bradley–Terry reward model on preference pairs. */
public record RewardConfig(
    @Doc("Starting checkpoint (an HF folder, or a run folder: its latest checkpoint): a causal-LM folder (the SFT model; the score head is initialised per head_init) "
        + "or a sequence-classification folder.") Path model,
    @Doc(value = "Tokenizer folder; null = the (resolved) model folder.", def = "null") Path tokenizer,
    @Doc("Preference JSONL files to train on (Tülu form).") List<Path> data,
    @Doc(value = "Held-out preference files; empty = hold out eval_fraction of data.", def = "[]") List<Path> evalData,
    @Doc(value = "Rows that cannot be read or encoded (bad JSON, wrong types, a conversation the chat template "
        + "cannot mask): fail (stop, naming file, line and reason) or skip (write each with its reason to "
        + "data.rejects.jsonl in the output folder, and count it).", def = "fail", hashed = false)
        OnError onError,
    @Doc(value = "Share of data held out for accuracy when eval_data is empty (seeded by train.seed).", def = "0.05")
        double evalFraction,
    @Doc(value = "Chat template: tulu or model.", def = "tulu") String template,
    @Doc(value = "Max tokens per conversation; also the packed row length.", def = "2048") int maxLength,
    @Doc(value = "Seed of the score head's initialisation.", def = "0") long headSeed,
    @Doc(value = "Distribution of a fresh score head: hf (N(0, 0.02²), transformers' initializer_range) or "
        + "open_instruct (N(0, 1/(hidden+1)), open-instruct reward_modeling.py, as Tülu 3's 8B reward model).", def = "hf")
        dev.tulu4j.reward.ScalarHeadModel.HeadInit headInit,
    @Doc(value = "GEMM backend: vector, openblas or auto.", def = "vector", hashed = false) GemmBackend gemm,
    @Doc(value = "Weight dtype of the HF checkpoints written (f32 or bf16).", def = "bf16", hashed = false)
        DType saveDtype,
    @Doc("LoRA: r > 0 freezes the backbone and trains a PEFT-format adapter plus the score head (modules_to_save, as PEFT's SEQ_CLS task does).")
        LoraSettings lora,
    @Doc("Optimizer, batch and checkpointing.") TrainConfig train) {

  public RewardConfig {
    if (model == null) throw new IllegalArgumentException("model is required");
    if (data == null || data.isEmpty()) throw new IllegalArgumentException("data needs at least one preference file");
    evalData = evalData == null ? List.of() : List.copyOf(evalData);
    if (!(evalFraction >= 0 && evalFraction < 1)) throw new IllegalArgumentException("eval_fraction must be in [0, 1), got " + evalFraction);
    if (maxLength < 2) throw new IllegalArgumentException("max_length must be >= 2, got " + maxLength);
    if (train == null) throw new IllegalArgumentException("train section is required");
    if (lora == null) lora = new LoraSettings(0, 16, 0, null, false, null, null);
    // the reward recipe trains the score head itself (modules_to_save [classifier, score]); copies of
    // lm_head / embed_tokens are not wired into the reward model's training (docs/LORA.md)
    if (lora.enabled() && !lora.modulesToSave().stream().allMatch(m -> m.equals("score") || m.equals("classifier")))
      throw new IllegalArgumentException("lora.modules_to_save: the reward stage trains only the 'score' head, got "
          + lora.modulesToSave() + " (lm_head / embed_tokens apply to sft, dpo and rlvr)");
    if (onError == null) throw new IllegalArgumentException("on_error must be fail or skip");
    if (saveDtype == null) throw new IllegalArgumentException("save_dtype is required");
    if (headInit == null) throw new IllegalArgumentException("head_init must be hf or open_instruct");
    data = List.copyOf(data);
  }
}
