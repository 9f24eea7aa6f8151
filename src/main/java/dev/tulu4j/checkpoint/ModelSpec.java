package dev.tulu4j.checkpoint;

import dev.tulu4j.config.Doc;
import dev.tulu4j.model.LlamaConfig;
import java.util.List;

/**
 * The {@code model:} section of the pretrain and SFT configs: where the starting weights come from,
 * and (for a fresh model) its shape. {@code from: tiny} builds {@link LlamaConfig#tiny()} with
 * HF-style random init (seed {@code init_seed}); the shape keys override single dimensions of it
 * (0 keeps the preset's value), so tests can train a micro model. Any other value is a Hugging
 * Face checkpoint folder (or a run folder: its newest checkpoint), whose shape cannot be changed.
 */
public record ModelSpec(
    @Doc(value = "Starting weights: 'tiny' (LlamaConfig.tiny(), random init) or a HF checkpoint folder "
        + "(or a run folder holding step-NNNNNN/ checkpoints: the newest complete one is used).", def = "tiny")
        String from,
    @Doc(value = "Tiny shape override: vocabulary size V (0 = preset 2048). Must hold the tokenizer's ids.", def = "0")
        int vocab,
    @Doc(value = "Tiny shape override: hidden size C (0 = preset 256).", def = "0") int hidden,
    @Doc(value = "Tiny shape override: SwiGLU width F (0 = preset 768).", def = "0") int intermediate,
    @Doc(value = "Tiny shape override: layers L (0 = preset 6).", def = "0") int layers,
    @Doc(value = "Tiny shape override: attention heads H (0 = preset 8); head dim = C / H.", def = "0") int heads,
    @Doc(value = "Tiny shape override: key/value heads Hkv (0 = same as heads).", def = "0") int kvHeads,
    @Doc(value = "Tiny shape override: max_position_embeddings (0 = preset 1024).", def = "0") int maxPositions,
    @Doc(value = "Seed of the random init of a fresh model.", def = "1234") long initSeed) {

  public static final String TINY = "tiny";

  public ModelSpec {
    if (from == null || from.isBlank()) throw new IllegalArgumentException("model.from is required ('tiny' or a folder)");
    for (int v : new int[] {vocab, hidden, intermediate, layers, heads, kvHeads, maxPositions})
      if (v < 0) throw new IllegalArgumentException("model shape overrides must be >= 0 (0 = preset), got " + v);
    if (!TINY.equals(from) && (vocab | hidden | intermediate | layers | heads | kvHeads | maxPositions) != 0)
      throw new IllegalArgumentException("model shape overrides (model.hidden, model.layers, ...) apply only to "
          + "model.from=tiny, not to the checkpoint " + from);
  }

  /** The built-in tiny preset, unchanged. */
  public static ModelSpec tiny() {
    return new ModelSpec(TINY, 0, 0, 0, 0, 0, 0, 0, 1234);
  }

  public boolean isTiny() {
    return TINY.equals(from);
  }

  /** The tiny preset with this spec's overrides applied (only for {@code from: tiny}). */
  public LlamaConfig tinyConfig() {
    if (!isTiny()) throw new IllegalStateException("model.from is a checkpoint, not tiny");
    LlamaConfig t = LlamaConfig.tiny();
    int c = or(hidden, t.hidden());
    int h = or(heads, t.heads());
    if (c % h != 0) throw new IllegalArgumentException("model.hidden (" + c + ") must be a multiple of model.heads (" + h + ")");
    return new LlamaConfig(t.architecture(), or(vocab, t.vocabSize()), c, or(intermediate, t.intermediate()),
        or(layers, t.layers()), h, or(kvHeads, h), c / h, t.rmsNormEps(), t.ropeTheta(), t.ropeScaling(),
        or(maxPositions, t.maxPositions()), t.tieEmbeddings(), t.attentionBias(), t.bosId(), List.copyOf(t.eosIds()));
  }

  private static int or(int v, int preset) {
    return v > 0 ? v : preset;
  }
}
