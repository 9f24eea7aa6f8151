package dev.tulu4j.model;

import java.util.List;
import java.util.Objects;

/**
 * Architecture of a Llama-family decoder (Llama 2/3/3.1/3.2, SmolLM, TinyLlama, Qwen2).
 *
 * <p>Hugging Face config names are translated once, in {@code checkpoint.HfConfig}; nothing inside the
 * engine sees {@code num_key_value_heads} and friends. Dimension legend used across the engine:
 * {@code V} vocab, {@code C} hidden, {@code F} intermediate (FFN), {@code L} layers, {@code H}
 * query heads, {@code Hkv} key/value heads, {@code D} head dim.
 *
 * @param architecture which family: decides e.g. the HF class name written to config.json
 * @param vocabSize V
 * @param hidden C
 * @param intermediate F, the SwiGLU inner width
 * @param layers L
 * @param heads H
 * @param kvHeads Hkv; H must be a multiple (grouped-query attention)
 * @param headDim D; usually C / H, but Llama 3.2 / Qwen checkpoints may set it explicitly
 * @param rmsNormEps epsilon inside RMSNorm
 * @param ropeTheta RoPE base frequency
 * @param ropeScaling null for plain RoPE, else the {@code llama3} frequency scaling
 * @param maxPositions max_position_embeddings
 * @param tieEmbeddings LM head shares the embedding matrix (SmolLM2, Llama 3.2 1B/3B)
 * @param attentionBias q/k/v projections carry a bias (Qwen2; Llama's attention_bias flag)
 * @param bosId beginning-of-sequence id, or -1 if none
 * @param eosIds end-of-sequence ids (Llama 3.1 Instruct lists three)
 * @param family how OLMo 2, Qwen3, Mistral and Gemma 2 depart from Llama ({@link Family#plain()} for
 *     Llama and Qwen2); checked against {@code architecture}
 */
public record LlamaConfig(
    Architecture architecture,
    int vocabSize,
    int hidden,
    int intermediate,
    int layers,
    int heads,
    int kvHeads,
    int headDim,
    double rmsNormEps,
    double ropeTheta,
    RopeScaling ropeScaling,
    int maxPositions,
    boolean tieEmbeddings,
    boolean attentionBias,
    int bosId,
    List<Integer> eosIds,
    Family family) {

  /** The model families tulu4j runs. */
  public enum Architecture {
    LLAMA("LlamaForCausalLM", "llama"),
    QWEN2("Qwen2ForCausalLM", "qwen2"),
    QWEN3("Qwen3ForCausalLM", "qwen3"),
    OLMO2("Olmo2ForCausalLM", "olmo2"),
    MISTRAL("MistralForCausalLM", "mistral"),
    GEMMA2("Gemma2ForCausalLM", "gemma2");

    public final String hfClass;
    public final String modelType;

    Architecture(String hfClass, String modelType) {
      this.hfClass = hfClass;
      this.modelType = modelType;
    }
  }

  /**
   * Llama 3.1's {@code rope_scaling} of type {@code llama3}: long wavelengths are divided by
   * {@code factor}, short ones kept, and the band between smoothly interpolated.
   */
  public record RopeScaling(
      double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {
    public RopeScaling {
      if (!(factor >= 1)) throw new IllegalArgumentException("rope_scaling.factor must be >= 1, got " + factor);
      if (!(highFreqFactor > lowFreqFactor))
        throw new IllegalArgumentException("rope_scaling.high_freq_factor must exceed low_freq_factor");
      if (originalMaxPositions <= 0)
        throw new IllegalArgumentException("rope_scaling.original_max_position_embeddings must be > 0");
    }
  }

  public LlamaConfig {
    Objects.requireNonNull(architecture, "architecture");
    positive("vocab_size", vocabSize);
    positive("hidden_size", hidden);
    positive("intermediate_size", intermediate);
    positive("num_hidden_layers", layers);
    positive("num_attention_heads", heads);
    positive("num_key_value_heads", kvHeads);
    positive("head_dim", headDim);
    positive("max_position_embeddings", maxPositions);
    if (heads % kvHeads != 0)
      throw new IllegalArgumentException(
          "num_attention_heads (" + heads + ") must be a multiple of num_key_value_heads (" + kvHeads + ")");
    if (headDim % 2 != 0) throw new IllegalArgumentException("head_dim must be even for RoPE, got " + headDim);
    if (!(rmsNormEps > 0)) throw new IllegalArgumentException("rms_norm_eps must be > 0");
    if (!(ropeTheta > 0)) throw new IllegalArgumentException("rope_theta must be > 0");
    eosIds = List.copyOf(eosIds);
    Objects.requireNonNull(family, "family");
    checkFamily(architecture, family, layers, attentionBias);
  }

  /** A Llama or Qwen2 config ({@link Family#plain()}): the constructor of the families before OLMo 2 and friends. */
  public LlamaConfig(Architecture architecture, int vocabSize, int hidden, int intermediate, int layers, int heads,
      int kvHeads, int headDim, double rmsNormEps, double ropeTheta, RopeScaling ropeScaling, int maxPositions,
      boolean tieEmbeddings, boolean attentionBias, int bosId, List<Integer> eosIds) {
    this(architecture, vocabSize, hidden, intermediate, layers, heads, kvHeads, headDim, rmsNormEps, ropeTheta,
        ropeScaling, maxPositions, tieEmbeddings, attentionBias, bosId, eosIds, Family.plain());
  }

  /** The same config with another family (switches); validated like the constructor. */
  public LlamaConfig withFamily(Family f) {
    return new LlamaConfig(architecture, vocabSize, hidden, intermediate, layers, heads, kvHeads, headDim, rmsNormEps,
        ropeTheta, ropeScaling, maxPositions, tieEmbeddings, attentionBias, bosId, eosIds, f);
  }

  /** The same architecture with {@code tie_word_embeddings} set to {@code tie}. */
  public LlamaConfig withTieEmbeddings(boolean tie) {
    return new LlamaConfig(architecture, vocabSize, hidden, intermediate, layers, heads, kvHeads, headDim, rmsNormEps,
        ropeTheta, ropeScaling, maxPositions, tie, attentionBias, bosId, eosIds, family);
  }

  /** Each architecture has exactly the switches its transformers modeling file computes. */
  private static void checkFamily(Architecture a, Family f, int layers, boolean bias) {
    if (f.slidingWindow() > 0 && f.slidingLayers().size() != layers)
      throw new IllegalArgumentException("layer_types has " + f.slidingLayers().size() + " entries for " + layers + " layers");
    boolean ok = switch (a) {
      case LLAMA, QWEN2 -> f.isPlain();
      case QWEN3 -> f.withoutWindow().equals(Family.plain().withQkNorm(Family.QkNorm.PER_HEAD)) && !bias;
      case OLMO2 -> f.equals(Family.olmo2()) && !bias;
      case MISTRAL -> f.withoutWindow().isPlain() && !bias;
      case GEMMA2 -> f.norms() == Family.Norms.SANDWICH && f.unitOffsetNorm() && f.scaleEmbeddings()
          && f.activation() == Family.Activation.GELU_TANH && f.qkNorm() == Family.QkNorm.NONE && !bias;
    };
    if (!ok) throw new IllegalArgumentException(a.hfClass + " does not compute " + f + (bias ? " with attention biases" : ""));
  }

  private static void positive(String field, int v) {
    if (v <= 0) throw new IllegalArgumentException(field + " must be > 0, got " + v);
  }

  /** H·D, the width of the query projection. */
  public int qDim() {
    return heads * headDim;
  }

  /** Hkv·D, the width of each of the key and value projections. */
  public int kvDim() {
    return kvHeads * headDim;
  }

  /**
   * The built-in tiny model (the peer benchmark's tiny shape): C256, L6, H8 (Hkv 8), F768, V2048,
   * tied embeddings. Small enough that pretraining, SFT, DPO and RLVR each take minutes on 2 cores.
   */
  public static LlamaConfig tiny() {
    return new LlamaConfig(Architecture.LLAMA, 2048, 256, 768, 6, 8, 8, 32, 1e-5, 10000.0, null, 1024,
        true, false, 1, List.of(2));
  }

  /** SmolLM2-135M: C576, L30, H9 (Hkv 3), F1536, V49152, tied. */
  public static LlamaConfig smollm2_135m() {
    return new LlamaConfig(Architecture.LLAMA, 49152, 576, 1536, 30, 9, 3, 64, 1e-5, 100000.0, null, 8192,
        true, false, 1, List.of(2));
  }

  /** Llama 3.1 8B (base): C4096, L32, H32 (Hkv 8), F14336, V128256, llama3 rope scaling. */
  public static LlamaConfig llama31_8b() {
    return new LlamaConfig(Architecture.LLAMA, 128256, 4096, 14336, 32, 32, 8, 128, 1e-5, 500000.0,
        new RopeScaling(8.0, 1.0, 4.0, 8192), 131072, false, false, 128000, List.of(128001));
  }

  /** Qwen2.5-0.5B: C896, L24, H14 (Hkv 2), F4864, V151936, tied, q/k/v bias. */
  public static LlamaConfig qwen25_05b() {
    return new LlamaConfig(Architecture.QWEN2, 151936, 896, 4864, 24, 14, 2, 64, 1e-6, 1000000.0, null, 32768,
        true, true, 151643, List.of(151643));
  }

  /** OLMo-2-0425-1B (its config.json): C2048, L16, H16 (Hkv 16), F8192, V100352, untied, q/k norms, post-norms. */
  public static LlamaConfig olmo2_1b() {
    return new LlamaConfig(Architecture.OLMO2, 100352, 2048, 8192, 16, 16, 16, 128, 1e-6, 500000.0, null, 4096,
        false, false, -1, List.of(100257), Family.olmo2());
  }

  /** Qwen3-0.6B: C1024, L28, H16 (Hkv 8), D128, F3072, V151936, tied, per-head q/k norms. */
  public static LlamaConfig qwen3_06b() {
    return new LlamaConfig(Architecture.QWEN3, 151936, 1024, 3072, 28, 16, 8, 128, 1e-6, 1000000.0, null, 40960,
        true, false, 151643, List.of(151645), Family.qwen3());
  }

  /**
   * Gemma-2-2B: C2304, L26, H8 (Hkv 4), D256, F9216, V256000, tied, soft-caps 50 / 30,
   * query_pre_attn_scalar 256, window 4096 on the even layers.
   */
  public static LlamaConfig gemma2_2b() {
    List<Boolean> sliding = new java.util.ArrayList<>();
    for (int i = 0; i < 26; i++) sliding.add(i % 2 == 0);
    return new LlamaConfig(Architecture.GEMMA2, 256000, 2304, 9216, 26, 8, 4, 256, 1e-6, 10000.0, null, 8192,
        true, false, 2, List.of(1, 107), Family.gemma2(256, 50.0, 30.0, 4096, sliding));
  }

  /**
   * Training FLOPs per token, the convention of the peer benchmark: {@code 6·N + 12·L·C·T} with N
   * the non-embedding parameters plus the LM head (V·C, counted even when tied) and T the context.
   */
  public double trainingFlopsPerToken(int seqLen) {
    long perLayer = 2L * hidden() + (long) hidden() * (2L * qDim() + 2L * kvDim())
        + 3L * hidden() * intermediate() + (attentionBias() ? qDim() + 2L * kvDim() : 0);
    long n = layers() * perLayer + hidden() + (long) vocabSize() * hidden();
    return 6.0 * n + 12.0 * layers() * hidden() * seqLen;
  }

  /** Forward-only FLOPs per token: a third of {@link #trainingFlopsPerToken}. */
  public double forwardFlopsPerToken(int seqLen) {
    return trainingFlopsPerToken(seqLen) / 3.0;
  }
}
