package dev.tulu4j.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tulu4j.io.CheckpointException;
import dev.tulu4j.io.DType;
import dev.tulu4j.io.PythonJson;
import dev.tulu4j.io.SafetensorsFile;
import dev.tulu4j.io.SafetensorsWriter;
import dev.tulu4j.model.Family;
import dev.tulu4j.model.LlamaConfig;
import dev.tulu4j.model.LlamaConfig.Architecture;
import dev.tulu4j.model.LlamaConfig.RopeScaling;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Translates Hugging Face {@code config.json} to and from {@link LlamaConfig}; the only place the
 * HF field names live.
 *
 * <p>Read: {@code LlamaForCausalLM} (Llama 2/3/3.1/3.2, SmolLM, TinyLlama) and
 * {@code Qwen2ForCausalLM}. Absent optional fields take the defaults of transformers'
 * {@code LlamaConfig}/{@code Qwen2Config}: {@code num_key_value_heads} = heads, {@code head_dim} =
 * hidden / heads, {@code rms_norm_eps} 1e-6, {@code rope_theta} 10000 (read from
 * {@code rope_parameters} in transformers 5 configs, with the scaling), {@code max_position_embeddings}
 * 2048 (Llama) or 32768 (Qwen2), {@code tie_word_embeddings} false, {@code attention_bias} false;
 * Llama's {@code bos_token_id}/{@code eos_token_id} default to 1/2, Qwen2's to none; an explicit
 * {@code null} means none. Qwen2 always has q/k/v biases ({@code Qwen2Attention} hard-codes
 * {@code bias=True}). Anything the engine does not model ({@code hidden_act} other than silu,
 * {@code mlp_bias}, Llama's {@code attention_bias} which also biases o_proj, sliding windows, RoPE
 * scaling other than {@code llama3}) is refused with the file and field in the message.
 *
 * <p>Write: the key set transformers itself saves for the architecture, in its
 * {@code to_json_string} form (sorted keys, two-space indent, Python float repr).
 */
public final class HfConfig {
  /** The transformers release whose config layout we write. */
  public static final String TRANSFORMERS_VERSION = "4.46.0";

  private HfConfig() {}

  /** Parses {@code config.json}; throws {@link CheckpointException} naming the file and field. */
  public static LlamaConfig read(Path configJson) {
    JsonNode root;
    try {
      root = SafetensorsFile.JSON.readTree(Files.readAllBytes(configJson));
    } catch (IOException e) {
      throw new CheckpointException(configJson + ": cannot read as JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) throw new CheckpointException(configJson + ": not a JSON object");
    return parse(root, configJson.toString());
  }

  /**
   * The storage dtype config.json declares ({@code torch_dtype}, or {@code dtype} in newer
   * transformers), or empty if absent or not one of F32/F16/BF16. Lets a re-save keep the dtype.
   */
  public static Optional<DType> readTorchDtype(Path configJson) {
    JsonNode root;
    try {
      root = SafetensorsFile.JSON.readTree(Files.readAllBytes(configJson));
    } catch (IOException e) {
      throw new CheckpointException(configJson + ": cannot read as JSON: " + e.getMessage(), e);
    }
    JsonNode v = root == null ? null : root.has("torch_dtype") ? root.get("torch_dtype") : root.get("dtype");
    return v != null && v.isTextual() ? DType.fromTorch(v.asText()) : Optional.empty();
  }

  /** Parses a config.json tree; {@code source} names it in error messages. */
  public static LlamaConfig parse(JsonNode root, String source) {
    Fields f = new Fields(root, source);
    Architecture arch = architecture(f);
    if (arch == Architecture.GEMMA2) {
      // Gemma2Config reads hidden_activation (its hidden_act, if any, is ignored by the modeling code)
      String act = f.string("hidden_activation", "gelu_pytorch_tanh");
      if (!act.equals("gelu_pytorch_tanh"))
        throw f.error("hidden_activation", "'" + act + "' is not supported (tulu4j implements gelu_pytorch_tanh for Gemma 2)");
      if (f.bool("use_bidirectional_attention", false))
        throw f.error("use_bidirectional_attention", "true is not supported (tulu4j's attention is causal)");
    } else {
      String act = f.string("hidden_act", "silu");
      if (!act.equals("silu")) throw f.error("hidden_act", "'" + act + "' is not supported (tulu4j implements silu / SwiGLU)");
    }
    if (f.bool("mlp_bias", false)) throw f.error("mlp_bias", "true is not supported (tulu4j's MLP has no biases)");
    boolean attentionBias;
    if (arch == Architecture.QWEN2) {
      attentionBias = true;
      if (f.bool("use_sliding_window", false))
        throw f.error("use_sliding_window", "true is not supported (tulu4j uses full attention)");
    } else {
      attentionBias = f.bool("attention_bias", false);
      if (attentionBias)
        throw f.error("attention_bias", "true is not supported for " + arch.hfClass
            + (arch == Architecture.LLAMA ? " (it also biases o_proj)" : " (tulu4j models it without biases)"));
    }
    int hidden = f.requiredInt("hidden_size");
    int heads = f.requiredInt("num_attention_heads");
    if (heads <= 0) throw f.error("num_attention_heads", "must be > 0");
    int layers = f.requiredInt("num_hidden_layers");
    // transformers' defaults: Qwen3Config head_dim 128, Gemma2Config 256, the others hidden / heads
    int headDim = f.optInt("head_dim", switch (arch) {
      case QWEN3 -> 128;
      case GEMMA2 -> 256;
      default -> hidden / heads;
    });
    int bos;
    List<Integer> eos;
    switch (arch) {
      case LLAMA, MISTRAL -> {
        bos = f.has("bos_token_id") ? f.tokenId("bos_token_id") : 1;
        eos = f.has("eos_token_id") ? f.tokenIds("eos_token_id") : List.of(2);
      }
      case GEMMA2 -> {
        bos = f.has("bos_token_id") ? f.tokenId("bos_token_id") : 2;
        eos = f.has("eos_token_id") ? f.tokenIds("eos_token_id") : List.of(1);
      }
      case OLMO2 -> {
        bos = f.tokenId("bos_token_id");
        eos = f.has("eos_token_id") ? f.tokenIds("eos_token_id") : List.of(50279);
      }
      default -> {
        bos = f.tokenId("bos_token_id");
        eos = f.tokenIds("eos_token_id");
      }
    }
    int maxPositions = f.optInt("max_position_embeddings", switch (arch) {
      case QWEN2, QWEN3 -> 32768;
      case MISTRAL -> 4096 * 32;
      case GEMMA2 -> 8192;
      default -> 2048;
    });
    try {
      return new LlamaConfig(
          arch,
          f.requiredInt("vocab_size"),
          hidden,
          f.requiredInt("intermediate_size"),
          layers,
          heads,
          f.optInt("num_key_value_heads", heads),
          headDim,
          f.optDouble("rms_norm_eps", arch == Architecture.OLMO2 ? 1e-5 : 1e-6),
          ropeTheta(f),
          ropeScaling(f),
          maxPositions,
          f.bool("tie_word_embeddings", arch == Architecture.GEMMA2),
          attentionBias,
          bos,
          eos,
          family(f, arch, layers));
    } catch (CheckpointException e) {
      throw e;
    } catch (IllegalArgumentException e) { // LlamaConfig's own validation
      throw new CheckpointException(source + ": " + e.getMessage(), e);
    }
  }

  /** The family switches of {@code arch} from its own config keys (defaults: its transformers config class). */
  private static Family family(Fields f, Architecture arch, int layers) {
    List<Boolean> types = layerTypes(f, layers);
    switch (arch) {
      case LLAMA, QWEN2 -> {
        if (types != null && types.contains(true))
          throw f.error("layer_types", "sliding_attention layers are not supported for " + arch.hfClass);
        return Family.plain();
      }
      case OLMO2 -> {
        if (types != null && types.contains(true))
          throw f.error("layer_types", "sliding_attention layers are not supported for " + arch.hfClass);
        return Family.olmo2();
      }
      case QWEN3 -> {
        // Qwen3Config: sliding_window applies only with use_sliding_window, on layers >= max_window_layers
        if (!f.bool("use_sliding_window", false)) {
          if (types != null && types.contains(true))
            throw f.error("layer_types", "has sliding_attention layers but use_sliding_window is false");
          return Family.qwen3();
        }
        int w = window(f, 4096);
        if (w == 0) return Family.qwen3();
        if (types == null) {
          int from = f.optInt("max_window_layers", 28);
          List<Boolean> t = new ArrayList<>();
          for (int i = 0; i < layers; i++) t.add(i >= from);
          types = t;
        }
        return Family.qwen3().withWindow(w, types);
      }
      case MISTRAL -> {
        if (types != null)
          throw f.error("layer_types", "is not supported for MistralForCausalLM (transformers ignores it; use Ministral)");
        return Family.mistral(window(f, 4096), layers);
      }
      case GEMMA2 -> {
        int w = window(f, 4096);
        if (types == null) {
          List<Boolean> t = new ArrayList<>();
          for (int i = 0; i < layers; i++) t.add((i + 1) % 2 == 1); // Gemma2Config: even layers slide
          types = t;
        }
        if (w == 0 && types.contains(true)) throw f.error("sliding_window", "is null but layer_types has sliding_attention layers");
        double qpas = f.optDouble("query_pre_attn_scalar", 256);
        if (!(qpas > 0)) throw f.error("query_pre_attn_scalar", "must be > 0, got " + qpas);
        double attnCap = softcap(f, "attn_logit_softcapping", 50.0);
        double finalCap = softcap(f, "final_logit_softcapping", 30.0);
        return Family.gemma2(qpas, attnCap, finalCap, w, types);
      }
    }
    throw new IllegalStateException(arch.toString());
  }

  /** {@code layer_types} as "is this layer sliding", or null when absent. */
  private static List<Boolean> layerTypes(Fields f, int layers) {
    JsonNode lt = f.root.get("layer_types");
    if (lt == null || lt.isNull() || layers <= 0) return null; // layers <= 0: LlamaConfig names it
    if (!lt.isArray() || lt.size() != layers)
      throw f.error("layer_types", "must be a list of " + layers + " entries (one per layer), got " + lt);
    List<Boolean> out = new ArrayList<>();
    for (JsonNode t : lt) {
      String s = t.isTextual() ? t.asText() : "";
      if (s.equals("sliding_attention")) out.add(true);
      else if (s.equals("full_attention")) out.add(false);
      else throw f.error("layer_types", "entry " + t + " is not supported (tulu4j knows full_attention and sliding_attention)");
    }
    return out;
  }

  /** {@code sliding_window}: absent → the class default, null → none (0). */
  private static int window(Fields f, int dflt) {
    if (!f.has("sliding_window")) return dflt;
    int w = f.optInt("sliding_window", 0);
    if (f.root.get("sliding_window").isNull()) return 0;
    if (w <= 0) throw f.error("sliding_window", "must be > 0 or null, got " + w);
    return w;
  }

  /** A soft-cap: absent → the class default, null → none (0). */
  private static double softcap(Fields f, String key, double dflt) {
    if (!f.has(key)) return dflt;
    if (f.root.get(key).isNull()) return 0;
    double v = f.requiredDouble(key);
    if (!(v > 0)) throw f.error(key, "must be > 0 or null, got " + v);
    return v;
  }

  private static Architecture architecture(Fields f) {
    JsonNode archs = f.root.get("architectures");
    String modelType = f.string("model_type", null);
    Architecture arch = null;
    if (archs != null && !archs.isNull()) {
      if (!archs.isArray() || archs.size() != 1 || !archs.get(0).isTextual())
        throw f.error("architectures", "must be a list of one class name, got " + archs);
      String cls = archs.get(0).asText();
      for (Architecture a : Architecture.values()) if (a.hfClass.equals(cls)) arch = a;
      if (arch == null)
        throw f.error("architectures", "'" + cls + "' is not supported (tulu4j reads " + supported(true) + ")");
      if (modelType != null && !modelType.equals(arch.modelType))
        throw f.error("model_type", "'" + modelType + "' does not match architectures " + cls);
    } else {
      if (modelType == null) throw f.error("architectures", "missing (and no model_type either)");
      for (Architecture a : Architecture.values()) if (a.modelType.equals(modelType)) arch = a;
      if (arch == null) throw f.error("model_type", "'" + modelType + "' is not supported (tulu4j reads " + supported(false) + ")");
    }
    return arch;
  }

  private static String supported(boolean classes) {
    List<String> names = new ArrayList<>();
    for (Architecture a : Architecture.values()) names.add(classes ? a.hfClass : a.modelType);
    return String.join(", ", names);
  }

  /**
   * Where the RoPE settings live: transformers 5 saves {@code rope_theta} and the scaling fields
   * together as {@code rope_parameters} (with {@code rope_type "default"} when unscaled; see its
   * {@code modeling_rope_utils.RopeParameters}); older configs have a top-level {@code rope_theta}
   * and {@code rope_scaling}. The newer key wins when present.
   */
  private static String ropeKey(Fields f) {
    JsonNode rp = f.root.get("rope_parameters");
    return rp == null || rp.isNull() ? "rope_scaling" : "rope_parameters";
  }

  private static double ropeTheta(Fields f) {
    double legacy = f.optDouble("rope_theta", 10000.0);
    if (ropeKey(f).equals("rope_scaling")) return legacy;
    JsonNode rp = f.root.get("rope_parameters");
    if (!rp.isObject()) throw f.error("rope_parameters", "must be an object or null, got " + rp);
    return new Fields(rp, f.source, "rope_parameters.").optDouble("rope_theta", legacy);
  }

  private static RopeScaling ropeScaling(Fields f) {
    String key = ropeKey(f);
    JsonNode rs = f.root.get(key);
    if (rs == null || rs.isNull()) return null;
    if (!rs.isObject()) throw f.error(key, "must be an object or null, got " + rs);
    JsonNode type = rs.has("rope_type") ? rs.get("rope_type") : rs.get("type");
    if (type == null || !type.isTextual()) throw f.error(key + ".rope_type", "missing");
    String t = type.asText();
    if (t.equals("default")) return null;
    if (!t.equals("llama3"))
      throw f.error(key + ".rope_type", "'" + t + "' is not supported (tulu4j supports llama3 or none)");
    Fields s = new Fields(rs, f.source, key + ".");
    try {
      return new RopeScaling(s.requiredDouble("factor"), s.requiredDouble("low_freq_factor"),
          s.requiredDouble("high_freq_factor"), s.requiredInt("original_max_position_embeddings"));
    } catch (CheckpointException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw new CheckpointException(f.source + ": " + e.getMessage(), e);
    }
  }

  /** The config.json text transformers would save for {@code c} with weights stored as {@code dtype}. */
  public static String toJson(LlamaConfig c, DType dtype) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.putArray("architectures").add(c.architecture().hfClass);
    o.put("attention_dropout", 0.0);
    putBos(o, c);
    putEos(o, c);
    if (c.architecture() != Architecture.GEMMA2) o.put("hidden_act", "silu");
    o.put("hidden_size", c.hidden());
    o.put("initializer_range", 0.02);
    o.put("intermediate_size", c.intermediate());
    o.put("max_position_embeddings", c.maxPositions());
    o.put("model_type", c.architecture().modelType);
    o.put("num_attention_heads", c.heads());
    o.put("num_hidden_layers", c.layers());
    o.put("num_key_value_heads", c.kvHeads());
    o.put("rms_norm_eps", c.rmsNormEps());
    RopeScaling rs = c.ropeScaling();
    if (rs == null) o.putNull("rope_scaling");
    else {
      ObjectNode r = o.putObject("rope_scaling");
      r.put("factor", rs.factor());
      r.put("high_freq_factor", rs.highFreqFactor());
      r.put("low_freq_factor", rs.lowFreqFactor());
      r.put("original_max_position_embeddings", rs.originalMaxPositions());
      r.put("rope_type", "llama3");
    }
    o.put("rope_theta", c.ropeTheta());
    o.put("tie_word_embeddings", c.tieEmbeddings());
    o.put("torch_dtype", dtype.torchName);
    o.put("transformers_version", TRANSFORMERS_VERSION);
    o.put("use_cache", true);
    o.put("vocab_size", c.vocabSize());
    Family fam = c.family();
    if (c.architecture() != Architecture.LLAMA && c.architecture() != Architecture.QWEN2) {
      if (c.attentionBias()) throw new IllegalArgumentException(c.architecture().hfClass + " has no attention biases in tulu4j");
      o.put("head_dim", c.headDim());
      if (c.architecture() != Architecture.MISTRAL) o.put("attention_bias", false);
      if (fam.slidingWindow() > 0) o.put("sliding_window", fam.slidingWindow());
      else o.putNull("sliding_window");
      if (c.architecture() == Architecture.QWEN3) {
        o.put("use_sliding_window", fam.slidingWindow() > 0);
        o.put("max_window_layers", firstSliding(c));
      }
      if (c.architecture() == Architecture.GEMMA2) {
        o.put("hidden_activation", "gelu_pytorch_tanh");
        putNumber(o, "query_pre_attn_scalar", fam.queryPreAttnScalar());
        if (fam.attnSoftcap() > 0) o.put("attn_logit_softcapping", fam.attnSoftcap());
        else o.putNull("attn_logit_softcapping");
        if (fam.finalSoftcap() > 0) o.put("final_logit_softcapping", fam.finalSoftcap());
        else o.putNull("final_logit_softcapping");
      }
      if (c.architecture() == Architecture.QWEN3 || c.architecture() == Architecture.GEMMA2) {
        ArrayNode t = o.putArray("layer_types");
        for (int i = 0; i < c.layers(); i++) t.add(fam.window(i) > 0 ? "sliding_attention" : "full_attention");
      }
    } else if (c.architecture() == Architecture.LLAMA) {
      if (c.attentionBias())
        throw new IllegalArgumentException("LlamaForCausalLM cannot express q/k/v-only biases (attention_bias also biases o_proj)");
      o.put("attention_bias", false);
      o.put("head_dim", c.headDim());
      o.put("mlp_bias", false);
      o.put("pretraining_tp", 1);
    } else {
      if (!c.attentionBias())
        throw new IllegalArgumentException("Qwen2ForCausalLM always has q/k/v biases; attentionBias must be true");
      if (c.headDim() != c.hidden() / c.heads()) o.put("head_dim", c.headDim());
      o.put("max_window_layers", c.layers());
      o.put("sliding_window", c.maxPositions());
      o.put("use_sliding_window", false);
    }
    return PythonJson.dumps(o) + "\n";
  }

  /** Qwen3's max_window_layers: the first sliding layer (all layers when none slides). */
  private static int firstSliding(LlamaConfig c) {
    for (int i = 0; i < c.layers(); i++) if (c.family().window(i) > 0) return i;
    return c.layers();
  }

  /** An integral value as a JSON int (transformers' query_pre_attn_scalar is an int), else a float. */
  private static void putNumber(ObjectNode o, String k, double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e9) o.put(k, (long) v);
    else o.put(k, v);
  }

  /** The generation_config.json text: bos/eos ids as transformers derives them from the model config. */
  public static String generationConfigJson(LlamaConfig c) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("_from_model_config", true);
    putBos(o, c);
    putEos(o, c);
    o.put("transformers_version", TRANSFORMERS_VERSION);
    return PythonJson.dumps(o) + "\n";
  }

  /** Writes {@link #toJson} to {@code file} (fsynced). */
  public static void write(Path file, LlamaConfig c, DType dtype) {
    SafetensorsWriter.writeText(file, toJson(c, dtype));
  }

  /** Writes {@link #generationConfigJson} to {@code file} (fsynced). */
  public static void writeGenerationConfig(Path file, LlamaConfig c) {
    SafetensorsWriter.writeText(file, generationConfigJson(c));
  }

  private static void putBos(ObjectNode o, LlamaConfig c) {
    if (c.bosId() < 0) o.putNull("bos_token_id");
    else o.put("bos_token_id", c.bosId());
  }

  private static void putEos(ObjectNode o, LlamaConfig c) {
    if (c.eosIds().isEmpty()) o.putNull("eos_token_id");
    else if (c.eosIds().size() == 1) o.put("eos_token_id", c.eosIds().get(0));
    else {
      ArrayNode a = o.putArray("eos_token_id");
      c.eosIds().forEach(a::add);
    }
  }

  /** Typed access to one JSON object with errors that name the file and field. */
  private record Fields(JsonNode root, String source, String prefix) {
    Fields(JsonNode root, String source) {
      this(root, source, "");
    }

    CheckpointException error(String field, String what) {
      return new CheckpointException(source + ": field '" + prefix + field + "' " + what);
    }

    boolean has(String k) {
      return root.has(k);
    }

    int requiredInt(String k) {
      JsonNode v = root.get(k);
      if (v == null || v.isNull()) throw error(k, "is missing");
      return asInt(k, v);
    }

    int optInt(String k, int dflt) {
      JsonNode v = root.get(k);
      return v == null || v.isNull() ? dflt : asInt(k, v);
    }

    private int asInt(String k, JsonNode v) {
      if (!v.isIntegralNumber() || !v.canConvertToInt()) throw error(k, "must be an integer, got " + v);
      return v.intValue();
    }

    double requiredDouble(String k) {
      JsonNode v = root.get(k);
      if (v == null || v.isNull()) throw error(k, "is missing");
      if (!v.isNumber()) throw error(k, "must be a number, got " + v);
      return v.doubleValue();
    }

    double optDouble(String k, double dflt) {
      JsonNode v = root.get(k);
      return v == null || v.isNull() ? dflt : requiredDouble(k);
    }

    boolean bool(String k, boolean dflt) {
      JsonNode v = root.get(k);
      if (v == null || v.isNull()) return dflt;
      if (!v.isBoolean()) throw error(k, "must be true or false, got " + v);
      return v.booleanValue();
    }

    String string(String k, String dflt) {
      JsonNode v = root.get(k);
      if (v == null || v.isNull()) return dflt;
      if (!v.isTextual()) throw error(k, "must be a string, got " + v);
      return v.asText();
    }

    /** An id, or -1 for null/absent. */
    int tokenId(String k) {
      JsonNode v = root.get(k);
      if (v == null || v.isNull()) return -1;
      if (v.isArray()) {
        if (v.size() != 1) throw error(k, "must be one id, got " + v);
        v = v.get(0);
      }
      int id = asInt(k, v);
      if (id < 0) throw error(k, "must be >= 0, got " + id);
      return id;
    }

    /** An int or a list of ints; empty for null/absent. */
    List<Integer> tokenIds(String k) {
      JsonNode v = root.get(k);
      if (v == null || v.isNull()) return List.of();
      List<Integer> out = new ArrayList<>();
      for (JsonNode e : v.isArray() ? v : JsonNodeFactory.instance.arrayNode().add(v)) {
        int id = asInt(k, e);
        if (id < 0) throw error(k, "ids must be >= 0, got " + id);
        out.add(id);
      }
      return List.copyOf(out);
    }
  }
}
