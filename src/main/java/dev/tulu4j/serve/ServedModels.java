package dev.tulu4j.serve;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.tulu4j.model.LlamaConfig;
import dev.tulu4j.model.LlamaModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The weights a server answers with, by model name: the base (its name never changes, even when
 * {@code /update_weights_from_disk} replaces its weights) and up to {@code maxLoras} LoRA adapters,
 * each merged into its own fp32 copy of the base ({@code W += s·B·A}), so a request naming an
 * adapter decodes at the speed of the base. Memory: one full fp32 copy of the weights per adapter.
 *
 * <p>Replacing weights (a base reload, or reloading an adapter name with {@code load_inplace}) swaps
 * one reference: requests that already started keep the weights they started with (see
 * {@link RoutedStepModel}); the old copy is freed when the last of them finishes. Loads run on the
 * caller's thread, one at a time, while generation continues.
 */
final class ServedModels {
  /** Loads weights; errors are {@link IllegalArgumentException}s naming the folder and the problem. */
  interface Loader {
    /** A checkpoint folder's weights, held as the server holds its base. */
    LlamaModel base(Path dir);

    /** The checkpoint in {@code baseDir} with the PEFT adapter in {@code adapterDir} merged in (fp32). */
    LlamaModel merged(Path baseDir, Path adapterDir);
  }

  record Entry(String name, Path path, LlamaModel model) {}

  private final String baseName;
  private final Loader loader;
  private final boolean loraEnabled;
  private final int maxLoras;
  private volatile Entry base;
  private volatile Map<String, Entry> adapters = Map.of(); // replaced whole, read without locking
  private final long created = System.currentTimeMillis() / 1000;

  ServedModels(String baseName, Path basePath, LlamaModel base, Loader loader, boolean loraEnabled, int maxLoras) {
    if (maxLoras < 1) throw new IllegalArgumentException("--max-loras must be >= 1, got " + maxLoras);
    this.baseName = baseName;
    this.base = new Entry(baseName, basePath, base);
    this.loader = loader;
    this.loraEnabled = loraEnabled;
    this.maxLoras = maxLoras;
  }

  String baseName() {
    return baseName;
  }

  LlamaModel base() {
    return base.model();
  }

  LlamaConfig config() {
    return base.model().config();
  }

  boolean loraEnabled() {
    return loraEnabled;
  }

  /** The weights serving {@code name} (null: the base), or null when no such model is served. */
  LlamaModel resolve(String name) {
    if (name == null || name.equals(baseName)) return base.model();
    Entry e = adapters.get(name);
    return e == null ? null : e.model();
  }

  /** Every served name: the base, then the adapters in load order. */
  List<String> names() {
    List<String> out = new ArrayList<>();
    out.add(baseName);
    out.addAll(adapters.keySet());
    return out;
  }

  /** {@code /v1/models} cards as vLLM lists them: the base ({@code root} its folder), then each adapter with {@code parent}. */
  void cards(ArrayNode data, int maxModelLen) {
    Entry b = base;
    data.addObject().put("id", baseName).put("object", "model").put("created", created).put("owned_by", "tulu4j")
        .put("root", b.path().toString()).putNull("parent").put("max_model_len", maxModelLen);
    for (Entry e : adapters.values()) {
      data.addObject().put("id", e.name()).put("object", "model").put("created", created).put("owned_by", "tulu4j")
          .put("root", e.path().toString()).put("parent", baseName);
    }
  }

  /**
   * Loads (or, with {@code inplace}, replaces) adapter {@code name} from {@code path}; the checks and
   * messages are vLLM's ({@code OpenAIServingModels.load_lora_adapter}).
   */
  synchronized String loadAdapter(String name, String path, boolean inplace) {
    if (name == null || name.isEmpty() || path == null || path.isEmpty())
      throw ApiError.vllm(400, "InvalidUserInput", "Both 'lora_name' and 'lora_path' must be provided.");
    if (name.equals(baseName))
      throw ApiError.vllm(400, "InvalidUserInput", "The lora adapter '" + name + "' has the base model's name.");
    boolean exists = adapters.containsKey(name);
    if (exists && !inplace)
      throw ApiError.vllm(400, "InvalidUserInput", "The lora adapter '" + name + "' has already been loaded. "
          + "If you want to load the adapter in place, set 'load_inplace' to True.");
    if (!exists && adapters.size() >= maxLoras)
      throw ApiError.vllm(400, "InvalidUserInput", "The lora adapter '" + name + "' cannot be loaded: " + adapters.size()
          + " adapters are loaded and --max-loras is " + maxLoras + "; unload one first.");
    Path dir = Path.of(path);
    if (!Files.isRegularFile(dir.resolve("adapter_config.json")))
      throw ApiError.vllm(404, "NotFoundError", "Loading lora " + name + " failed: No adapter found for " + path);
    LlamaModel merged;
    try {
      merged = loader.merged(base.path(), dir);
    } catch (RuntimeException e) {
      throw ApiError.vllm(400, "BadRequestError", "Loading lora " + name + " failed: " + e.getMessage());
    }
    Map<String, Entry> next = new LinkedHashMap<>(adapters);
    next.put(name, new Entry(name, dir, merged));
    adapters = Collections.unmodifiableMap(next);
    return "Success: LoRA adapter '" + name + "' added successfully.";
  }

  /** Unloads adapter {@code name} (requests already running on it finish on it). */
  synchronized String unloadAdapter(String name) {
    if (name == null || name.isEmpty())
      throw ApiError.vllm(400, "InvalidUserInput", "'lora_name' needs to be provided to unload a LoRA adapter.");
    if (!adapters.containsKey(name))
      throw ApiError.vllm(404, "NotFoundError", "The lora adapter '" + name + "' cannot be found.");
    Map<String, Entry> next = new LinkedHashMap<>(adapters);
    next.remove(name);
    adapters = Collections.unmodifiableMap(next);
    return "Success: LoRA adapter '" + name + "' removed successfully.";
  }

  /**
   * Replaces the base weights with the checkpoint in {@code dir} (same architecture). Adapters
   * loaded before keep the base they were merged into; reload them ({@code load_inplace}) to apply
   * them to the new base.
   */
  synchronized void reloadBase(Path dir) {
    LlamaModel m = loader.base(dir);
    if (!m.config().equals(config()))
      throw new IllegalArgumentException(dir + " has a different architecture (config.json) from the served model");
    base = new Entry(baseName, dir, m);
  }
}
