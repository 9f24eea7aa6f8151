package dev.tulu4j.checkpoint;

import dev.tulu4j.io.AtomicFolder;
import dev.tulu4j.io.CheckpointException;
import dev.tulu4j.io.DType;
import dev.tulu4j.io.FileOps;
import dev.tulu4j.io.Safetensors;
import dev.tulu4j.io.SafetensorsWriter;
import dev.tulu4j.io.Tensor;
import dev.tulu4j.model.HfNames;
import dev.tulu4j.model.LlamaConfig;
import dev.tulu4j.model.Parameter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.stream.Stream;

/**
 * A Hugging Face checkpoint folder: {@code config.json}, {@code generation_config.json},
 * safetensors weights (one file or sharded), and optionally the tokenizer files.
 *
 * @param config the architecture from config.json
 * @param tensors every tensor of {@link HfNames#expected}, fp32, in that order
 */
public record HfCheckpoint(LlamaConfig config, Map<String, Tensor> tensors) {
  public static final String CONFIG = "config.json";
  public static final String GENERATION_CONFIG = "generation_config.json";
  /** Tokenizer files copied by {@link #save} when present in the source folder. */
  public static final List<String> TOKENIZER_FILES =
      List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json");
  /** transformers' default {@code max_shard_size="5GB"} (decimal: 5·10^9 bytes). */
  public static final long DEFAULT_SHARD_BYTES = 5_000_000_000L;

  public HfCheckpoint {
    tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
  }

  /** Reads {@code dir/config.json}, with a hint if an interrupted save left the old folder aside. */
  public static LlamaConfig readConfig(Path dir) {
    requireFolder(dir);
    Path cfg = dir.resolve(CONFIG);
    if (!Files.isRegularFile(cfg)) throw new CheckpointException(dir + ": no " + CONFIG + " in this folder");
    return HfConfig.read(cfg);
  }

  /**
   * Opens the weights of {@code dir} without decoding them, after checking that they are exactly
   * the tensors {@code config} implies (names and shapes). For streaming loaders; close it.
   */
  public static Safetensors openTensors(Path dir, LlamaConfig config) {
    Safetensors st = Safetensors.open(dir);
    try {
      HfNames.check(config, st.shapes(), dir.toString());
      return st;
    } catch (RuntimeException e) {
      st.close();
      throw e;
    }
  }

  /** Loads config and all tensors (fp32) of the checkpoint in {@code dir}. */
  public static HfCheckpoint load(Path dir) {
    LlamaConfig config = readConfig(dir);
    try (Safetensors st = openTensors(dir, config)) {
      Map<String, Tensor> out = new LinkedHashMap<>();
      for (String name : HfNames.expected(config).keySet()) out.put(name, st.load(name));
      return new HfCheckpoint(config, out);
    }
  }

  /** The parameters as a name → tensor map sharing their data arrays (no copy), in list order. */
  public static Map<String, Tensor> tensorsOf(Collection<Parameter> params) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (Parameter p : params)
      if (out.put(p.name(), new Tensor(p.shape(), p.data())) != null)
        throw new IllegalArgumentException("two parameters are named '" + p.name() + "'");
    return out;
  }

  /** {@link #save(Path, LlamaConfig, Map, DType, long, Path)} with BF16 and 5 GB shards, as transformers saves. */
  public static void save(Path dir, LlamaConfig config, Map<String, Tensor> tensors, Path tokenizerSourceDirOrNull) {
    save(dir, config, tensors, DType.BF16, DEFAULT_SHARD_BYTES, tokenizerSourceDirOrNull);
  }

  /**
   * Writes a complete checkpoint to {@code dir}, atomically: everything goes into a temporary
   * sibling folder whose files and the folder itself are fsynced, and which is then renamed into
   * place (an existing {@code dir} is renamed aside, the new one renamed in, then the old one
   * deleted). A crash leaves either the old
   * checkpoint, the new one, or no folder at {@code dir}, never a partial one.
   *
   * @param tensors exactly the tensors of {@link HfNames#expected} (a tied model's
   *     {@code lm_head.weight} may be included and is not written); written in that order
   * @param dtype storage dtype (BF16 is what HF checkpoints normally use)
   * @param shardBytes maximum tensor bytes per safetensors file, e.g. 5 GB as transformers uses
   * @param tokenizerSourceDirOrNull folder whose tokenizer files ({@link #TOKENIZER_FILES}) are
   *     copied; null to write none
   * @throws CheckpointException if the tensors do not match the config, {@code dir} exists but does
   *     not look like a checkpoint (it is never replaced then), or writing fails
   */
  public static void save(Path dir, LlamaConfig config, Map<String, Tensor> tensors, DType dtype, long shardBytes,
      Path tokenizerSourceDirOrNull) {
    Map<String, int[]> shapes = new LinkedHashMap<>();
    tensors.forEach((k, v) -> shapes.put(k, v.shape()));
    HfNames.check(config, shapes, "tensors to save into " + dir);
    SequencedMap<String, Tensor> ordered = new LinkedHashMap<>();
    for (String name : HfNames.expected(config).keySet()) ordered.put(name, tensors.get(name));
    String configJson;
    try {
      configJson = HfConfig.toJson(config, dtype);
    } catch (IllegalArgumentException e) {
      throw new CheckpointException(dir + ": cannot write config.json: " + e.getMessage(), e);
    }
    List<Path> tokenizerFiles = tokenizerFiles(tokenizerSourceDirOrNull);
    if (Files.exists(dir)) {
      if (!Files.isDirectory(dir)) throw new CheckpointException(dir + ": exists and is not a folder; not replacing it");
      if (!Files.isRegularFile(dir.resolve(CONFIG)) && !isEmpty(dir))
        throw new CheckpointException(dir + ": exists, is not empty and has no " + CONFIG
            + "; refusing to replace a folder that does not look like a checkpoint");
    }
    Path tmp = null;
    try {
      tmp = AtomicFolder.createTemp(dir);
      SafetensorsWriter.writeSharded(tmp, ordered, dtype, shardBytes);
      SafetensorsWriter.writeText(tmp.resolve(CONFIG), configJson);
      HfConfig.writeGenerationConfig(tmp.resolve(GENERATION_CONFIG), config);
      for (Path f : tokenizerFiles) FileOps.fsync(Files.copy(f, tmp.resolve(f.getFileName())));
      AtomicFolder.publish(tmp, dir);
      tmp = null;
    } catch (IOException e) {
      throw new CheckpointException(dir + ": cannot save checkpoint: " + e, e);
    } finally {
      AtomicFolder.deleteQuietly(tmp);
    }
  }

  private static List<Path> tokenizerFiles(Path src) {
    if (src == null) return List.of();
    if (!Files.isDirectory(src)) throw new CheckpointException(src + ": tokenizer source is not a folder");
    List<Path> found = TOKENIZER_FILES.stream().map(src::resolve).filter(Files::isRegularFile).toList();
    if (found.isEmpty())
      throw new CheckpointException(src + ": no tokenizer files (" + String.join(", ", TOKENIZER_FILES) + ") in this folder");
    return found;
  }

  private static boolean isEmpty(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isEmpty();
    } catch (IOException e) {
      throw new CheckpointException(dir + ": cannot list: " + e.getMessage(), e);
    }
  }

  private static void requireFolder(Path dir) {
    if (Files.isDirectory(dir)) return;
    List<Path> left = AtomicFolder.leftovers(dir);
    String hint = left.stream().filter(p -> p.getFileName().toString().contains(".old-")).findFirst()
        .map(p -> "; an interrupted save left the previous checkpoint at " + p).orElse("");
    throw new CheckpointException(dir + ": no such checkpoint folder" + hint);
  }
}
