package dev.tulu4j.io;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A safetensors checkpoint: one file, or shards tied together by {@code model.safetensors.index.json}
 * (the Hugging Face layout: {@code {"metadata": {...}, "weight_map": {tensor: shard file}}}).
 *
 * <p>Opening maps every file and validates every header, but decodes nothing: {@link #tensors()}
 * lists names, shapes and dtypes, and {@link #load} decodes one tensor at a time, so a loader can
 * stream a model larger than the heap it would need for two copies. Close it when done.
 */
public final class Safetensors implements AutoCloseable {
  public static final String SINGLE_FILE = "model.safetensors";
  public static final String INDEX_FILE = "model.safetensors.index.json";

  private final Path source;
  private final List<SafetensorsFile> files;
  private final Map<String, TensorInfo> tensors; // index order (or header order for one file)
  private final Map<String, SafetensorsFile> owner;

  private Safetensors(Path source, List<SafetensorsFile> files, Map<String, TensorInfo> tensors,
      Map<String, SafetensorsFile> owner) {
    this.source = source;
    this.files = files;
    this.tensors = Collections.unmodifiableMap(tensors);
    this.owner = owner;
  }

  /**
   * Opens {@code path}: a {@code .safetensors} file, an index JSON file, or a folder holding
   * {@code model.safetensors} or {@code model.safetensors.index.json} (the single file wins if both
   * exist, as in transformers' {@code from_pretrained}).
   */
  public static Safetensors open(Path path) {
    if (Files.isDirectory(path)) {
      Path single = path.resolve(SINGLE_FILE);
      if (Files.isRegularFile(single)) return openSingle(single);
      Path index = path.resolve(INDEX_FILE);
      if (Files.isRegularFile(index)) return openIndex(index);
      String hint = Files.exists(path.resolve("pytorch_model.bin")) || Files.exists(path.resolve("pytorch_model.bin.index.json"))
          ? " (it has PyTorch pickle weights, which tulu4j does not read: convert them to safetensors first)"
          : "";
      throw new CheckpointException(path + ": no " + SINGLE_FILE + " or " + INDEX_FILE + " in this folder" + hint);
    }
    if (!Files.isRegularFile(path)) throw new CheckpointException(path + ": no such file or folder");
    return path.getFileName().toString().endsWith(".json") ? openIndex(path) : openSingle(path);
  }

  private static Safetensors openSingle(Path file) {
    SafetensorsFile f = SafetensorsFile.open(file);
    Map<String, SafetensorsFile> owner = new LinkedHashMap<>();
    for (String name : f.tensors().keySet()) owner.put(name, f);
    return new Safetensors(file, List.of(f), new LinkedHashMap<>(f.tensors()), owner);
  }

  private static Safetensors openIndex(Path index) {
    JsonNode root;
    try {
      root = SafetensorsFile.JSON.readTree(Files.readAllBytes(index));
    } catch (IOException e) {
      throw new CheckpointException(index + ": not valid JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) throw new CheckpointException(index + ": not a JSON object");
    JsonNode map = root.get("weight_map");
    if (map == null || !map.isObject())
      throw new CheckpointException(index + ": field 'weight_map' is missing or not an object");
    // Shards in first-mention order; each opened once.
    Map<String, List<String>> byShard = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : map.properties()) {
      JsonNode v = e.getValue();
      if (!v.isTextual())
        throw new CheckpointException(index + ": weight_map['" + e.getKey() + "'] must be a file name");
      String shard = v.asText();
      if (shard.isEmpty() || shard.contains("/") || shard.contains("\\") || shard.equals("..") || shard.equals("."))
        throw new CheckpointException(index + ": weight_map['" + e.getKey() + "'] = '" + shard
            + "' is not a plain file name in the checkpoint folder");
      byShard.computeIfAbsent(shard, k -> new ArrayList<>()).add(e.getKey());
    }
    Path dir = index.toAbsolutePath().getParent();
    List<SafetensorsFile> opened = new ArrayList<>();
    try {
      Map<String, SafetensorsFile> owner = new LinkedHashMap<>();
      for (Map.Entry<String, List<String>> e : byShard.entrySet()) {
        Path shardPath = dir.resolve(e.getKey());
        if (!Files.isRegularFile(shardPath))
          throw new CheckpointException(index + ": shard '" + e.getKey() + "' (holding '" + e.getValue().get(0)
              + "') does not exist");
        SafetensorsFile f = SafetensorsFile.open(shardPath);
        opened.add(f);
        for (String name : e.getValue()) {
          if (!f.tensors().containsKey(name))
            throw new CheckpointException(index + ": weight_map puts '" + name + "' in " + e.getKey()
                + ", but that shard has no such tensor");
          owner.put(name, f);
        }
        for (String name : f.tensors().keySet())
          if (!e.getValue().contains(name))
            throw new CheckpointException(shardPath + ": tensor '" + name + "' is not listed for this shard in "
                + index.getFileName());
      }
      Map<String, TensorInfo> tensors = new LinkedHashMap<>();
      for (Map.Entry<String, SafetensorsFile> e : owner.entrySet())
        tensors.put(e.getKey(), e.getValue().tensors().get(e.getKey()));
      return new Safetensors(index, List.copyOf(opened), tensors, owner);
    } catch (RuntimeException e) {
      opened.forEach(SafetensorsFile::close);
      throw e;
    }
  }

  /** The file or index this was opened from. */
  public Path source() {
    return source;
  }

  /** Every tensor (name → entry), without decoding anything. */
  public Map<String, TensorInfo> tensors() {
    return tensors;
  }

  /** Name → shape of every tensor. */
  public Map<String, int[]> shapes() {
    Map<String, int[]> out = new LinkedHashMap<>();
    tensors.forEach((k, v) -> out.put(k, v.shape()));
    return out;
  }

  public Optional<TensorInfo> info(String name) {
    return Optional.ofNullable(tensors.get(name));
  }

  /** Decodes one tensor to fp32; throws {@link CheckpointException} if there is no such tensor. */
  public Tensor load(String name) {
    SafetensorsFile f = owner.get(name);
    if (f == null) throw new CheckpointException(source + ": no tensor named '" + name + "'");
    return f.load(name);
  }

  /** Decodes one tensor to bf16 bits ({@link SafetensorsFile#loadBf16}). */
  public short[] loadBf16(String name) {
    SafetensorsFile f = owner.get(name);
    if (f == null) throw new CheckpointException(source + ": no tensor named '" + name + "'");
    return f.loadBf16(name);
  }

  /** Decodes one tensor into {@code dst}, whose length must equal the tensor's element count. */
  public void loadInto(String name, float[] dst) {
    SafetensorsFile f = owner.get(name);
    if (f == null) throw new CheckpointException(source + ": no tensor named '" + name + "'");
    f.loadInto(name, dst);
  }

  /** Decodes every tensor, in {@link #tensors()} order. */
  public Map<String, Tensor> loadAll() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (String name : tensors.keySet()) out.put(name, load(name));
    return out;
  }

  @Override
  public void close() {
    files.forEach(SafetensorsFile::close);
  }
}
