package dev.tulu4j.recipe;

import dev.tulu4j.checkpoint.ModelSpec;
import dev.tulu4j.config.Doc;
import dev.tulu4j.io.DType;
import dev.tulu4j.tensor.GemmBackend;
import dev.tulu4j.train.TrainConfig;
import java.nio.file.Path;

/**
 * {@code tulu4j pretrain}: causal-LM training on plain text (the tiny recipe's base model).
 * Relative paths are relative to the working directory (the recipes in {@code recipes/} are run
 * from the repository root and keep everything under {@code runs/tiny/}).
 */
public record PretrainConfig(
    @Doc("Starting model: the tiny preset (with shape overrides) or a checkpoint to continue from.") ModelSpec model,
    @Doc("Plain-text corpus; documents are separated by blank lines.") Path corpus,
    @Doc(value = "'auto': the checkpoint's tokenizer when model.from is a folder, else a byte-level BPE trained on "
        + "the corpus with model.vocab ids (written to out_dir/tokenizer, reused on resume); or a tokenizer folder.",
        def = "auto")
        String tokenizer,
    @Doc(value = "Row length T: documents are packed into rows of this many tokens.", def = "256") int maxSeqLength,
    @Doc(value = "GEMM backend: vector (pure Java, deterministic across runs), openblas, or auto (fastest measured "
        + "at start-up; a resume may then pick another backend and not be bit-identical).", def = "vector")
        GemmBackend gemm,
    @Doc(value = "dtype of the safetensors in each checkpoint (trainer_state keeps exact fp32 for resume).",
        def = "f32", hashed = false)
        DType saveDtype,
    @Doc("Train loop settings (optimizer, schedule, batch, checkpoints).") TrainConfig train) {

  public PretrainConfig {
    if (model == null) throw new IllegalArgumentException("model section is required");
    if (corpus == null) throw new IllegalArgumentException("corpus is required");
    if (tokenizer == null || tokenizer.isBlank()) throw new IllegalArgumentException("tokenizer must be 'auto' or a folder");
    if (maxSeqLength < 2) throw new IllegalArgumentException("max_seq_length must be >= 2, got " + maxSeqLength);
    if (gemm == null) throw new IllegalArgumentException("gemm is required");
    if (saveDtype == null) throw new IllegalArgumentException("save_dtype is required");
    if (train == null) throw new IllegalArgumentException("train section is required");
  }
}
