package dev.tulu4j.train;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes the model as a Hugging Face folder (config.json, safetensors, tokenizer files) into
 * {@code dir}, which exists and is empty. The recipe supplies it (normally {@code
 * dev.tulu4j.checkpoint.HfCheckpoint.save}); the checkpointer makes the write atomic.
 */
@FunctionalInterface
public interface ModelSaver {
  void save(Path dir) throws IOException;

  /** Writes nothing (tests, or runs whose weights are only needed through trainer_state). */
  static ModelSaver none() {
    return dir -> {};
  }
}
