package dev.tulu4j.recipe;

import dev.tulu4j.checkpoint.ModelSpec;
import dev.tulu4j.config.Doc;
import dev.tulu4j.data.OnError;
import dev.tulu4j.io.DType;
import dev.tulu4j.tensor.GemmBackend;
import dev.tulu4j.tokenizer.TemplateChoice;
import dev.tulu4j.train.LoraSettings;
import dev.tulu4j.train.TrainConfig;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code tulu4j sft}: supervised fine-tuning on chat conversations with assistant-only loss
 * (Tülu 3 §4). Training defaults (in {@code train:}) are the Tülu 3 8B SFT values.
 */
public record SftConfig(
    @Doc("Starting model: a HF checkpoint folder or run folder (model.from), or 'tiny' for tests.") ModelSpec model,
    @Doc(value = "Tokenizer folder; 'auto' = the model folder's own tokenizer files.", def = "auto") String tokenizer,
    @Doc("SFT JSONL files ({\"messages\": [...]} per line), concatenated in order.") List<Path> data,
    @Doc(value = "Rows that cannot be read or encoded (bad JSON, wrong types, a conversation the chat template "
        + "cannot mask): fail (stop, naming file, line and reason) or skip (write each with its reason to "
        + "data.rejects.jsonl in the output folder, and count it).", def = "fail", hashed = false)
        OnError onError,
    @Doc(value = "Chat template: tulu (built-in Tülu 3 template) or model (the tokenizer's chat_template). "
        + "Checkpoints store the one used in tokenizer_config.json.", def = "tulu")
        TemplateChoice template,
    @Doc(value = "Truncate each conversation to this many tokens (Tülu 3 8B: 4096); also the packed row length.",
        def = "4096")
        int maxSeqLength,
    @Doc(value = "Pack several conversations per row (segment-isolated attention, restarting positions); "
        + "false = one conversation per row, padded to the micro-batch's longest. Same loss either way.",
        def = "true")
        boolean packing,
    @Doc(value = "GEMM backend: vector (deterministic across runs), openblas, or auto.", def = "vector")
        GemmBackend gemm,
    @Doc(value = "dtype of the safetensors in each checkpoint (trainer_state keeps exact fp32 for resume).",
        def = "bf16", hashed = false)
        DType saveDtype,
    @Doc("LoRA: r > 0 freezes the model and trains a PEFT-format adapter (checkpoints are adapter folders).")
        LoraSettings lora,
    @Doc("Train loop settings (optimizer, schedule, batch, loss reduction, checkpoints).") TrainConfig train) {

  public SftConfig {
    if (model == null) throw new IllegalArgumentException("model section is required");
    if (tokenizer == null || tokenizer.isBlank()) throw new IllegalArgumentException("tokenizer must be 'auto' or a folder");
    if (data == null || data.isEmpty()) throw new IllegalArgumentException("data must list at least one SFT JSONL file");
    data = List.copyOf(data);
    if (template == null) throw new IllegalArgumentException("template is required (tulu or model)");
    if (maxSeqLength < 2) throw new IllegalArgumentException("max_seq_length must be >= 2, got " + maxSeqLength);
    if (gemm == null) throw new IllegalArgumentException("gemm is required");
    if (saveDtype == null) throw new IllegalArgumentException("save_dtype is required");
    if (lora == null) lora = new LoraSettings(0, 16, 0, null, false, null, null);
    if (lora.enabled() && !lora.onlyCausalLmModules())
      throw new IllegalArgumentException("lora.modules_to_save: SFT trains a causal LM: only lm_head and embed_tokens apply (no 'score' head), got "
          + lora.modulesToSave());
    if (train == null) throw new IllegalArgumentException("train section is required");
    if (onError == null) throw new IllegalArgumentException("on_error must be fail or skip");
    if (model.isTiny() && "auto".equals(tokenizer))
      throw new IllegalArgumentException("model.from=tiny has no tokenizer files: set tokenizer to a folder");
  }
}
