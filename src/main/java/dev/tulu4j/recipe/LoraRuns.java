package dev.tulu4j.recipe;

import dev.tulu4j.checkpoint.HfCheckpoint;
import dev.tulu4j.checkpoint.PeftAdapter;
import dev.tulu4j.io.Tensor;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.model.LoraAdapter;
import dev.tulu4j.model.Parameter;
import dev.tulu4j.train.LoraSettings;
import dev.tulu4j.train.ModelSaver;
import dev.tulu4j.train.Rng;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;

/** The LoRA wiring the training recipes share: attach a seeded adapter to a frozen model, save PEFT folders. */
final class LoraRuns {
  private static final long INIT_SALT = 0x4C6F_5241_496EL; // "LoRAIn"

  private LoraRuns() {}

  /**
   * Attaches a fresh adapter (A seeded from the run's {@code seed}, B = 0) in training mode to
   * {@code frozen}, a model built without gradients, and logs the trainable share.
   */
  static LoraAdapter attach(LlamaModel frozen, LoraSettings s, long seed, PrintStream log) {
    if (!frozen.trainableParameters().isEmpty())
      throw new IllegalStateException("a LoRA run needs a base model built without gradients");
    LoraAdapter ad = frozen.attachLora(s.config(), Rng.mix(seed ^ INIT_SALT));
    ad.training(true);
    long n = 0;
    for (Parameter p : ad.parameters()) n += p.data().length;
    boolean bf16 = frozen.embedding().isBf16();
    log.printf("lora: r=%d alpha=%s%s dropout=%s on %s: %,d trainable parameters (%.3f%% of %,d frozen, held in %s: %.1f MB)%n",
        s.r(), fmt(s.alpha()), s.useRslora() ? " (rsLoRA)" : "", fmt(s.dropout()), s.config().targetNames(), n,
        100.0 * n / frozen.parameterCount(), frozen.parameterCount(), bf16 ? "bf16" : "fp32", frozen.weightBytes() / 1e6);
    return ad;
  }

  private static String fmt(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }

  /**
   * Saves a checkpoint as a PEFT adapter folder (adapter_config.json, adapter_model.safetensors)
   * plus the tokenizer files of {@code tokenizerDir} (null: none), as TRL saves a PEFT model with its tokenizer.
   *
   * @param baseModel recorded as base_model_name_or_path (null for a random base)
   */
  static ModelSaver saver(LoraAdapter ad, Supplier<Map<String, Tensor>> savedModules, Path baseModel, Path tokenizerDir) {
    String base = baseModel == null ? null : baseModel.toAbsolutePath().normalize().toString();
    return dir -> {
      PeftAdapter.writeFiles(dir, ad, savedModules.get(), base);
      if (tokenizerDir != null) copyFiles(tokenizerDir, dir);
    };
  }

  /** Copies the tokenizer files ({@link HfCheckpoint#TOKENIZER_FILES}) present in {@code from}. */
  private static void copyFiles(Path from, Path to) throws IOException {
    for (String name : HfCheckpoint.TOKENIZER_FILES) {
      Path f = from.resolve(name);
      if (Files.isRegularFile(f)) Files.copy(f, to.resolve(name));
    }
  }
}
