package dev.tulu4j.model;

import dev.tulu4j.io.CheckpointException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.regex.Pattern;

/**
 * The one table of Hugging Face tensor names and shapes of a {@link LlamaConfig}: every name the
 * engine gives a {@link Parameter}, and every tensor a checkpoint holds, is spelled here.
 *
 * <p>Shapes (linear weights are {@code [out, in]}): {@code embed_tokens [V, C]}; per layer
 * {@code q_proj [H·D, C]} (+ {@code bias [H·D]}), {@code k_proj}/{@code v_proj [Hkv·D, C]}
 * (+ {@code bias [Hkv·D]}), {@code o_proj [C, H·D]}, {@code gate_proj}/{@code up_proj [F, C]},
 * {@code down_proj [C, F]}, {@code input_layernorm}/{@code post_attention_layernorm [C]};
 * {@code model.norm [C]}; {@code lm_head [V, C]}, absent when embeddings are tied.
 *
 * <p>The same tensors come in two orders, both fixed because results depend on them:
 * {@link #expected} is the order transformers' {@code LlamaForCausalLM}/{@code Qwen2ForCausalLM}
 * register them (per layer attention q/k/v/o, MLP gate/up/down, then the two RMSNorms), which is
 * the order checkpoint files are written in; {@link #parameterOrder} is the engine's (per layer
 * each sublayer's norm before its projections, as the forward uses them), which
 * {@link LlamaModel#parameters()}, the seeded random init and the optimizer state follow.
 */
public final class HfNames {
  public static final String EMBED = "model.embed_tokens.weight";
  public static final String NORM = "model.norm.weight";
  public static final String LM_HEAD = "lm_head.weight";

  /** Non-persistent RoPE buffers some old conversions still stored; derivable, so ignored. */
  private static final Pattern INV_FREQ = Pattern.compile("model\\.layers\\.\\d+\\.self_attn\\.rotary_emb\\.inv_freq");

  /** The tensors of one decoder layer, declared in HF registration order. */
  public enum LayerTensor {
    Q_PROJ("self_attn.q_proj.weight"),
    Q_BIAS("self_attn.q_proj.bias"),
    K_PROJ("self_attn.k_proj.weight"),
    K_BIAS("self_attn.k_proj.bias"),
    V_PROJ("self_attn.v_proj.weight"),
    V_BIAS("self_attn.v_proj.bias"),
    O_PROJ("self_attn.o_proj.weight"),
    GATE_PROJ("mlp.gate_proj.weight"),
    UP_PROJ("mlp.up_proj.weight"),
    DOWN_PROJ("mlp.down_proj.weight"),
    INPUT_NORM("input_layernorm.weight"),
    POST_ATTENTION_NORM("post_attention_layernorm.weight"),
    /** Qwen3 [D] (per head), OLMo 2 [H·D]. */
    Q_NORM("self_attn.q_norm.weight"),
    /** Qwen3 [D] (per head), OLMo 2 [Hkv·D]. */
    K_NORM("self_attn.k_norm.weight"),
    /** Gemma 2's norm before the MLP (its post_attention_layernorm normalises the attention output). */
    PRE_FEEDFORWARD_NORM("pre_feedforward_layernorm.weight"),
    /** OLMo 2 and Gemma 2: the norm of the MLP output inside the residual. */
    POST_FEEDFORWARD_NORM("post_feedforward_layernorm.weight");

    /** The name below {@code model.layers.{i}.}. */
    public final String suffix;

    LayerTensor(String suffix) {
      this.suffix = suffix;
    }

    /** {@code model.layers.{i}.<suffix>}. */
    public String name(int layer) {
      return HfNames.layer(layer, suffix);
    }

    /** Only present when {@link LlamaConfig#attentionBias()}. */
    public boolean isBias() {
      return this == Q_BIAS || this == K_BIAS || this == V_BIAS;
    }

    /** The shape under {@code c}. */
    public int[] shape(LlamaConfig c) {
      int h = c.hidden(), f = c.intermediate(), q = c.qDim(), kv = c.kvDim();
      return switch (this) {
        case Q_PROJ -> new int[] {q, h};
        case Q_BIAS -> new int[] {q};
        case K_PROJ, V_PROJ -> new int[] {kv, h};
        case K_BIAS, V_BIAS -> new int[] {kv};
        case O_PROJ -> new int[] {h, q};
        case GATE_PROJ, UP_PROJ -> new int[] {f, h};
        case DOWN_PROJ -> new int[] {h, f};
        case INPUT_NORM, POST_ATTENTION_NORM, PRE_FEEDFORWARD_NORM, POST_FEEDFORWARD_NORM -> new int[] {h};
        case Q_NORM -> new int[] {c.family().qkNorm() == Family.QkNorm.PER_HEAD ? c.headDim() : q};
        case K_NORM -> new int[] {c.family().qkNorm() == Family.QkNorm.PER_HEAD ? c.headDim() : kv};
      };
    }
  }

  private static final List<LayerTensor> HF_ORDER = List.of(
      LayerTensor.Q_PROJ, LayerTensor.Q_BIAS, LayerTensor.K_PROJ, LayerTensor.K_BIAS, LayerTensor.V_PROJ,
      LayerTensor.V_BIAS, LayerTensor.O_PROJ, LayerTensor.GATE_PROJ, LayerTensor.UP_PROJ, LayerTensor.DOWN_PROJ,
      LayerTensor.INPUT_NORM, LayerTensor.POST_ATTENTION_NORM);
  private static final List<LayerTensor> ENGINE_ORDER = List.of(
      LayerTensor.INPUT_NORM, LayerTensor.Q_PROJ, LayerTensor.K_PROJ, LayerTensor.V_PROJ,
      LayerTensor.Q_BIAS, LayerTensor.K_BIAS, LayerTensor.V_BIAS, LayerTensor.O_PROJ,
      LayerTensor.POST_ATTENTION_NORM, LayerTensor.GATE_PROJ, LayerTensor.UP_PROJ, LayerTensor.DOWN_PROJ);

  // Qwen3Attention / Olmo2Attention register q_norm, k_norm after o_proj; Olmo2DecoderLayer has no
  // input_layernorm; Gemma2DecoderLayer registers its four norms after the MLP
  private static final List<LayerTensor> HF_ORDER_QWEN3 = List.of(
      LayerTensor.Q_PROJ, LayerTensor.K_PROJ, LayerTensor.V_PROJ, LayerTensor.O_PROJ, LayerTensor.Q_NORM,
      LayerTensor.K_NORM, LayerTensor.GATE_PROJ, LayerTensor.UP_PROJ, LayerTensor.DOWN_PROJ, LayerTensor.INPUT_NORM,
      LayerTensor.POST_ATTENTION_NORM);
  private static final List<LayerTensor> HF_ORDER_OLMO2 = List.of(
      LayerTensor.Q_PROJ, LayerTensor.K_PROJ, LayerTensor.V_PROJ, LayerTensor.O_PROJ, LayerTensor.Q_NORM,
      LayerTensor.K_NORM, LayerTensor.GATE_PROJ, LayerTensor.UP_PROJ, LayerTensor.DOWN_PROJ,
      LayerTensor.POST_ATTENTION_NORM, LayerTensor.POST_FEEDFORWARD_NORM);
  private static final List<LayerTensor> HF_ORDER_GEMMA2 = List.of(
      LayerTensor.Q_PROJ, LayerTensor.K_PROJ, LayerTensor.V_PROJ, LayerTensor.O_PROJ, LayerTensor.GATE_PROJ,
      LayerTensor.UP_PROJ, LayerTensor.DOWN_PROJ, LayerTensor.INPUT_NORM, LayerTensor.POST_ATTENTION_NORM,
      LayerTensor.PRE_FEEDFORWARD_NORM, LayerTensor.POST_FEEDFORWARD_NORM);
  // the engine's order: each tensor where the forward first uses it
  private static final List<LayerTensor> ENGINE_ORDER_QWEN3 = List.of(
      LayerTensor.INPUT_NORM, LayerTensor.Q_PROJ, LayerTensor.K_PROJ, LayerTensor.V_PROJ, LayerTensor.Q_NORM,
      LayerTensor.K_NORM, LayerTensor.O_PROJ, LayerTensor.POST_ATTENTION_NORM, LayerTensor.GATE_PROJ,
      LayerTensor.UP_PROJ, LayerTensor.DOWN_PROJ);
  private static final List<LayerTensor> ENGINE_ORDER_OLMO2 = List.of(
      LayerTensor.Q_PROJ, LayerTensor.K_PROJ, LayerTensor.V_PROJ, LayerTensor.Q_NORM, LayerTensor.K_NORM,
      LayerTensor.O_PROJ, LayerTensor.POST_ATTENTION_NORM, LayerTensor.GATE_PROJ, LayerTensor.UP_PROJ,
      LayerTensor.DOWN_PROJ, LayerTensor.POST_FEEDFORWARD_NORM);
  private static final List<LayerTensor> ENGINE_ORDER_GEMMA2 = List.of(
      LayerTensor.INPUT_NORM, LayerTensor.Q_PROJ, LayerTensor.K_PROJ, LayerTensor.V_PROJ, LayerTensor.O_PROJ,
      LayerTensor.POST_ATTENTION_NORM, LayerTensor.PRE_FEEDFORWARD_NORM, LayerTensor.GATE_PROJ, LayerTensor.UP_PROJ,
      LayerTensor.DOWN_PROJ, LayerTensor.POST_FEEDFORWARD_NORM);

  private HfNames() {}

  /** The layer tensors of {@code c}'s architecture in transformers' registration order. */
  static List<LayerTensor> hfOrder(LlamaConfig c) {
    return switch (c.architecture()) {
      case LLAMA, QWEN2, MISTRAL -> HF_ORDER;
      case QWEN3 -> HF_ORDER_QWEN3;
      case OLMO2 -> HF_ORDER_OLMO2;
      case GEMMA2 -> HF_ORDER_GEMMA2;
    };
  }

  /** True when {@code c}'s layers hold tensors beyond Llama's (Qwen3, OLMo 2, Gemma 2). */
  static boolean hasFamilyTensors(LlamaConfig c) {
    return engineOrder(c) != ENGINE_ORDER;
  }

  /** The layer tensors of {@code c}'s architecture in the engine's parameter order. */
  static List<LayerTensor> engineOrder(LlamaConfig c) {
    return switch (c.architecture()) {
      case LLAMA, QWEN2, MISTRAL -> ENGINE_ORDER;
      case QWEN3 -> ENGINE_ORDER_QWEN3;
      case OLMO2 -> ENGINE_ORDER_OLMO2;
      case GEMMA2 -> ENGINE_ORDER_GEMMA2;
    };
  }

  /** {@code model.layers.{i}.{suffix}}, e.g. {@code layer(3, "self_attn.q_proj.weight")}. */
  public static String layer(int i, String suffix) {
    return "model.layers." + i + "." + suffix;
  }

  /** Every tensor a checkpoint of {@code c} holds, name → shape, in HF registration order. */
  public static SequencedMap<String, int[]> expected(LlamaConfig c) {
    return shapes(c, hfOrder(c));
  }

  /** The same tensors in the engine's parameter order ({@link LlamaModel#parameters()}). */
  public static SequencedMap<String, int[]> parameterOrder(LlamaConfig c) {
    return shapes(c, engineOrder(c));
  }

  private static SequencedMap<String, int[]> shapes(LlamaConfig c, List<LayerTensor> order) {
    SequencedMap<String, int[]> m = new LinkedHashMap<>();
    m.put(EMBED, new int[] {c.vocabSize(), c.hidden()});
    for (int i = 0; i < c.layers(); i++)
      for (LayerTensor t : order)
        if (!t.isBias() || c.attentionBias()) m.put(t.name(i), t.shape(c));
    m.put(NORM, new int[] {c.hidden()});
    if (!c.tieEmbeddings()) m.put(LM_HEAD, new int[] {c.vocabSize(), c.hidden()});
    return m;
  }

  /**
   * True for a stored tensor that a checkpoint of {@code c} may carry but tulu4j ignores: the
   * {@code lm_head.weight} of a tied model, and old {@code rotary_emb.inv_freq} buffers.
   */
  public static boolean ignorable(LlamaConfig c, String name) {
    return (c.tieEmbeddings() && name.equals(LM_HEAD)) || INV_FREQ.matcher(name).matches();
  }

  /**
   * Checks that {@code actual} (name → shape) holds exactly the tensors of {@code c}, apart from
   * {@link #ignorable} ones. Throws one {@link CheckpointException} listing every missing,
   * unexpected and wrongly shaped tensor; {@code source} names the checkpoint in the message.
   */
  public static void check(LlamaConfig c, Map<String, int[]> actual, String source) {
    SequencedMap<String, int[]> want = expected(c);
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, int[]> e : want.entrySet()) {
      int[] got = actual.get(e.getKey());
      if (got == null) problems.add("missing tensor '" + e.getKey() + "' " + Arrays.toString(e.getValue()));
      else if (!Arrays.equals(got, e.getValue()))
        problems.add("tensor '" + e.getKey() + "' has shape " + Arrays.toString(got) + " but config.json implies "
            + Arrays.toString(e.getValue()));
    }
    for (String name : actual.keySet())
      if (!want.containsKey(name) && !ignorable(c, name)) problems.add("unexpected tensor '" + name + "'");
    if (problems.isEmpty()) return;
    int shown = Math.min(problems.size(), 12);
    String list = String.join("; ", problems.subList(0, shown))
        + (problems.size() > shown ? "; and " + (problems.size() - shown) + " more" : "");
    throw new CheckpointException(source + ": tensors do not match the config (" + problems.size() + " problem"
        + (problems.size() == 1 ? "" : "s") + "): " + list);
  }
}
