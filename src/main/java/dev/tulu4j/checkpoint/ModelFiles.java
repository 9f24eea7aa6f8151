package dev.tulu4j.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tulu4j.io.FileOps;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.tensor.Gemm;
import dev.tulu4j.tokenizer.ChatTemplate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Small file helpers of the pretrain/SFT recipes: find the model folder a config points at, load it,
 * and prepare the tokenizer files every checkpoint of a run carries.
 */
public final class ModelFiles {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ModelFiles() {}

  /**
   * The HF model folder {@code path} means: the folder itself when it holds config.json; for a run
   * folder (checkpoints {@code step-NNNNNN/}), the one named in {@code latest} if complete, else the
   * highest-numbered one with a config.json.
   */
  public static Path resolveModelDir(Path path) {
    if (!Files.isDirectory(path)) throw new IllegalArgumentException(path + ": model folder not found");
    if (Files.isRegularFile(path.resolve(HfCheckpoint.CONFIG))) return path;
    try {
      Path latest = path.resolve("latest");
      if (Files.isRegularFile(latest)) {
        Path d = path.resolve(Files.readString(latest).strip());
        if (Files.isRegularFile(d.resolve(HfCheckpoint.CONFIG))) return d;
      }
      try (Stream<Path> s = Files.list(path)) {
        Optional<Path> best = s.filter(p -> p.getFileName().toString().matches("step-\\d+"))
            .filter(p -> Files.isRegularFile(p.resolve(HfCheckpoint.CONFIG)))
            .max(Comparator.comparing(p -> p.getFileName().toString()));
        return best.orElseThrow(() -> new IllegalArgumentException(path
            + ": neither a model folder (no config.json) nor a run folder with step-NNNNNN/ checkpoints"));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(path + ": " + e.getMessage(), e);
    }
  }

  /** Loads the checkpoint in {@code dir} (fp32) as a model; {@code trainable} allocates gradients. */
  public static LlamaModel loadModel(Path dir, Gemm gemm, boolean trainable) {
    HfCheckpoint ck = HfCheckpoint.load(dir);
    return LlamaModel.fromTensors(ck.config(), ck.tensors(), gemm, trainable);
  }

  /**
   * Copies the tokenizer files of {@code source} into {@code target} and sets the
   * {@code chat_template} of its tokenizer_config.json to {@code template} (when non-null), so a
   * checkpoint saved with these files renders chats with the template it was trained on.
   */
  public static void writeTokenizerFolder(Path source, Path target, ChatTemplate template) {
    try {
      Files.createDirectories(target);
      for (String f : HfCheckpoint.TOKENIZER_FILES) {
        Path src = source.resolve(f);
        if (Files.isRegularFile(src) && !src.toAbsolutePath().normalize().equals(target.resolve(f).toAbsolutePath().normalize()))
          Files.copy(src, target.resolve(f), StandardCopyOption.REPLACE_EXISTING);
      }
      if (template == null) return;
      Path cfg = target.resolve("tokenizer_config.json");
      ObjectNode root = Files.isRegularFile(cfg) ? (ObjectNode) JSON.readTree(cfg.toFile()) : JSON.createObjectNode();
      root.put("chat_template", template.source());
      Path tmp = FileOps.tmpSibling(cfg);
      JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), root);
      FileOps.replace(tmp, cfg);
    } catch (IOException e) {
      throw new UncheckedIOException("preparing tokenizer files in " + target + ": " + e.getMessage(), e);
    }
  }
}
