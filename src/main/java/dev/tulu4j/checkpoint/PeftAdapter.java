package dev.tulu4j.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tulu4j.io.AtomicFolder;
import dev.tulu4j.io.CheckpointException;
import dev.tulu4j.io.DType;
import dev.tulu4j.io.PythonJson;
import dev.tulu4j.io.SafetensorsFile;
import dev.tulu4j.io.SafetensorsWriter;
import dev.tulu4j.io.Tensor;
import dev.tulu4j.io.TensorInfo;
import dev.tulu4j.model.LlamaConfig;
import dev.tulu4j.model.LoraAdapter;
import dev.tulu4j.model.LoraConfig;
import dev.tulu4j.model.Parameter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;

/**
 * A LoRA adapter folder in Hugging Face PEFT's format: {@code adapter_config.json} (the
 * {@code LoraConfig} as {@code PeftConfig.save_pretrained} writes it: {@code json.dumps(indent=2,
 * sort_keys=True)}) and {@code adapter_model.safetensors} with PEFT's tensor names — the module path
 * under {@code base_model.model.}, then {@code lora_A.weight} {@code [r, in]} /
 * {@code lora_B.weight} {@code [out, r]}, e.g.
 * {@code base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight} — and any
 * {@code modules_to_save} module under its own name ({@code base_model.model.score.weight}).
 * PEFT and vLLM load what {@link #save} writes; {@link #load} reads what PEFT writes (checked
 * against PEFT's own files in {@code PeftGoldenTest}).
 *
 * <p>Supported: plain LoRA ({@code peft_type} LORA) on the Llama projections, rsLoRA, dropout,
 * {@code modules_to_save: [score, lm_head, embed_tokens]} (the copies of the last two as
 * {@code base_model.model.lm_head.weight} / {@code base_model.model.model.embed_tokens.weight}, as
 * PEFT 0.21's {@code get_peft_model_state_dict} names them). Refused with a message naming the field: DoRA, LoRA biases,
 * {@code fan_in_fan_out}, per-module rank or alpha patterns, {@code layers_to_transform}, regex
 * target strings other than {@code all-linear}.
 */
public final class PeftAdapter {
  public static final String CONFIG = "adapter_config.json";
  public static final String WEIGHTS = "adapter_model.safetensors";
  /** What PEFT prefixes every saved tensor name with (PeftModel → LoraModel → the HF model). */
  public static final String PREFIX = "base_model.model.";

  private PeftAdapter() {}

  /** An adapter read from disk: its config, the LoRA matrices, and any modules_to_save tensors (names without the prefix). */
  public record Loaded(LoraConfig config, LoraAdapter adapter, Map<String, Tensor> savedModules, String baseModel) {}

  /** Reads {@code dir/adapter_config.json}. */
  public static LoraConfig readConfig(Path dir) {
    Path f = dir.resolve(CONFIG);
    if (!Files.isRegularFile(f)) throw new CheckpointException(dir + ": no " + CONFIG + " (not a PEFT adapter folder)");
    JsonNode j;
    try {
      j = SafetensorsFile.JSON.readTree(f.toFile());
    } catch (IOException e) {
      throw new CheckpointException(f + ": not valid JSON: " + e.getMessage(), e);
    }
    String type = j.path("peft_type").asText("");
    if (!type.equals("LORA")) throw new CheckpointException(f + ": peft_type is '" + type + "', only LORA adapters are supported");
    refuseIf(f, j, "use_dora", n -> n.asBoolean(false), "DoRA adapters are not supported");
    refuseIf(f, j, "fan_in_fan_out", n -> n.asBoolean(false), "fan_in_fan_out (GPT-2 Conv1D layout) does not apply to Llama");
    refuseIf(f, j, "lora_bias", n -> n.asBoolean(false), "LoRA biases are not supported");
    refuseIf(f, j, "bias", n -> !n.isNull() && !n.asText().equals("none"), "only bias \"none\" is supported");
    refuseIf(f, j, "rank_pattern", n -> n.size() > 0, "per-module ranks are not supported");
    refuseIf(f, j, "alpha_pattern", n -> n.size() > 0, "per-module alphas are not supported");
    refuseIf(f, j, "layers_to_transform", n -> !n.isNull(), "layers_to_transform is not supported");
    // PEFT's ensure_weight_tying=True on a tied model trains one embedding copy that the head shares;
    // tulu4j trains PEFT's default, an independent copy per module (docs/LORA.md)
    refuseIf(f, j, "ensure_weight_tying", n -> n.asBoolean(false), "ensure_weight_tying is not supported (one "
        + "independent trained copy per modules_to_save module, PEFT's default)");
    try {
      int r = required(f, j, "r").asInt();
      double alpha = required(f, j, "lora_alpha").asDouble();
      double dropout = j.path("lora_dropout").asDouble(0);
      JsonNode tm = required(f, j, "target_modules");
      List<String> targets = new ArrayList<>();
      if (tm.isTextual()) targets.add(tm.asText());
      else for (JsonNode t : tm) targets.add(t.asText());
      List<String> save = new ArrayList<>();
      for (JsonNode m : j.path("modules_to_save")) save.add(m.asText());
      return new LoraConfig(r, alpha, dropout, targets, j.path("use_rslora").asBoolean(false), save);
    } catch (IllegalArgumentException e) {
      throw new CheckpointException(f + ": " + e.getMessage(), e);
    }
  }

  private static JsonNode required(Path f, JsonNode j, String key) {
    JsonNode n = j.get(key);
    if (n == null || n.isNull()) throw new CheckpointException(f + ": missing field '" + key + "'");
    return n;
  }

  private static void refuseIf(Path f, JsonNode j, String key, java.util.function.Predicate<JsonNode> bad, String why) {
    JsonNode n = j.get(key);
    if (n != null && !n.isNull() && bad.test(n)) throw new CheckpointException(f + ": field '" + key + "' = " + n + ": " + why);
  }

  /** Loads the adapter in {@code dir} for a model of architecture {@code model} (fp32, whatever the stored dtype). */
  public static Loaded load(Path dir, LlamaConfig model) {
    LoraConfig cfg = readConfig(dir);
    Path f = dir.resolve(WEIGHTS);
    if (!Files.isRegularFile(f)) throw new CheckpointException(dir + ": no " + WEIGHTS
        + (Files.exists(dir.resolve("adapter_model.bin")) ? " (only a pickled adapter_model.bin; re-save it with safe_serialization)" : ""));
    Map<String, int[]> want = LoraAdapter.shapes(cfg, model);
    Map<String, float[]> data = new HashMap<>();
    Map<String, Tensor> saved = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    try (SafetensorsFile st = SafetensorsFile.open(f)) {
      for (TensorInfo info : st.tensors().values()) {
        String name = info.name();
        String inner = name.startsWith(PREFIX) ? name.substring(PREFIX.length()) : name;
        inner = inner.replace(".default.", "."); // an adapter saved with its adapter name left in
        int[] shape = want.get(inner);
        if (shape != null) {
          if (!Arrays.equals(shape, info.shape()))
            problems.add("tensor '" + name + "' has shape " + Arrays.toString(info.shape()) + ", expected " + Arrays.toString(shape));
          else data.put(inner, st.load(name).data());
        } else if (isSavedModule(cfg, inner)) {
          saved.put(inner, st.load(name));
        } else {
          problems.add("unexpected tensor '" + name + "'");
        }
      }
    }
    for (String n : want.keySet()) if (!data.containsKey(n) && problems.size() < 50) problems.add("missing tensor '" + PREFIX + n + "'");
    if (!problems.isEmpty()) {
      int shown = Math.min(problems.size(), 8);
      throw new CheckpointException(f + ": does not match adapter_config.json and the base model (" + problems.size()
          + " problem" + (problems.size() == 1 ? "" : "s") + "): " + String.join("; ", problems.subList(0, shown))
          + (problems.size() > shown ? "; and more" : ""));
    }
    String base = readBaseModel(dir);
    return new Loaded(cfg, LoraAdapter.of(cfg, model, data), saved, base);
  }

  private static String readBaseModel(Path dir) {
    try {
      JsonNode n = SafetensorsFile.JSON.readTree(dir.resolve(CONFIG).toFile()).get("base_model_name_or_path");
      return n == null || n.isNull() ? null : n.asText();
    } catch (IOException e) {
      return null;
    }
  }

  /** A modules_to_save tensor: {@code score.weight} (or PEFT's {@code score.modules_to_save.weight} spelling). */
  private static boolean isSavedModule(LoraConfig cfg, String inner) {
    for (String m : cfg.modulesToSave()) if (inner.startsWith(m + ".")) return true;
    return false;
  }

  /**
   * Writes {@code adapter} (and any modules_to_save tensors, by their HF names such as
   * {@code score.weight}) into the folder {@code dir}, atomically, in float32.
   *
   * @param baseModel recorded as {@code base_model_name_or_path} (may be null, as PEFT writes it for a model built in memory)
   */
  public static void save(Path dir, LoraAdapter adapter, Map<String, Tensor> savedModules, String baseModel) {
    AtomicFolder.write(dir, tmp -> writeFiles(tmp, adapter, savedModules, baseModel));
  }

  /** Writes the two adapter files into the existing folder {@code dir} (a trainer's checkpoint, made atomic by its caller). */
  public static void writeFiles(Path dir, LoraAdapter adapter, Map<String, Tensor> savedModules, String baseModel) {
    SequencedMap<String, Tensor> tensors = new LinkedHashMap<>();
    for (Parameter p : adapter.parameters()) tensors.put(PREFIX + p.name(), new Tensor(p.shape(), p.data()));
    savedModules.forEach((k, v) -> tensors.put(PREFIX + k, v));
    SafetensorsWriter.write(dir.resolve(WEIGHTS), tensors, DType.F32);
    SafetensorsWriter.writeText(dir.resolve(CONFIG), configJson(adapter.config(), baseModel));
  }

  /** True when {@code dir} holds a PEFT adapter (its adapter_config.json). */
  public static boolean isAdapterFolder(Path dir) {
    return Files.isRegularFile(dir.resolve(CONFIG));
  }

  /**
   * adapter_config.json as PEFT 0.21 writes it for a LoRA adapter: every key of its
   * {@code LoraConfig} (defaults for the features tulu4j does not use), sorted, indent 2.
   */
  public static String configJson(LoraConfig c, String baseModel) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode o = f.objectNode();
    o.putNull("alora_invocation_tokens");
    o.putObject("alpha_pattern");
    o.putNull("arrow_config");
    o.putNull("auto_mapping");
    if (baseModel == null) o.putNull("base_model_name_or_path");
    else o.put("base_model_name_or_path", baseModel);
    o.put("bias", "none");
    o.putNull("corda_config");
    o.put("ensure_weight_tying", false);
    o.putNull("eva_config");
    o.putNull("exclude_modules");
    o.put("fan_in_fan_out", false);
    o.put("inference_mode", true);
    o.put("init_lora_weights", true);
    o.putNull("kasa_config");
    o.putNull("layer_replication");
    o.putNull("layers_pattern");
    o.putNull("layers_to_transform");
    o.putObject("loftq_config");
    if (c.alpha() == Math.rint(c.alpha())) o.put("lora_alpha", (long) c.alpha());
    else o.put("lora_alpha", c.alpha());
    o.put("lora_bias", false);
    o.put("lora_dropout", c.dropout());
    o.putNull("lora_ga_config");
    o.putNull("megatron_config");
    o.put("megatron_core", "megatron.core");
    if (c.modulesToSave().isEmpty()) o.putNull("modules_to_save");
    else {
      ArrayNode a = o.putArray("modules_to_save");
      c.modulesToSave().forEach(a::add);
    }
    o.putNull("monteclora_config");
    o.put("peft_type", "LORA");
    o.put("qalora_group_size", 16);
    o.put("r", c.r());
    o.putObject("rank_pattern");
    o.putNull("revision");
    ArrayNode t = o.putArray("target_modules");
    c.targetNames().forEach(t::add);
    o.putNull("target_parameters");
    // a scalar-head (reward/value) model's adapter trains its score head: PEFT's sequence-classification task
    o.put("task_type", c.modulesToSave().contains("score") ? "SEQ_CLS" : "CAUSAL_LM");
    o.putNull("trainable_token_indices");
    o.putNull("use_bdlora");
    o.put("use_dora", false);
    o.put("use_qalora", false);
    o.put("use_rslora", c.useRslora());
    o.putNull("velora_config");
    return PythonJson.dumps(o);
  }
}
