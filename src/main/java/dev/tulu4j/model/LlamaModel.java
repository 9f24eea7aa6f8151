package dev.tulu4j.model;

import dev.tulu4j.io.Tensor;
import dev.tulu4j.model.HfNames.LayerTensor;
import dev.tulu4j.tensor.Gemm;
import dev.tulu4j.tensor.TaskRunner;
import dev.tulu4j.tensor.VectorGemm;
import dev.tulu4j.tensor.VectorMath;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;

/**
 * A Llama-family decoder (Llama 2/3/3.1/3.2, SmolLM2, Qwen2) with an explicit, llm.c-style fp32
 * forward and backward over reusable {@link Activations}, and a KV-cache path for generation.
 *
 * <p>Dimensions: B batch, T time, N = B·T tokens, C hidden, H query heads, Hkv kv heads, D head dim,
 * F intermediate, V vocab, L layers. Matmuls go through the injected {@link Gemm}; everything else is
 * the package's own vectorised kernels ({@link RmsNorm}, {@link Rope}, {@link Attention},
 * {@link SwiGlu}, {@link LogSoftmaxHead}). Semantics follow HF {@code modeling_llama} /
 * {@code modeling_qwen2}.
 *
 * <p>Threading: GEMMs run wherever the {@link Gemm} runs them; the other kernels' loops go to the
 * model's {@link TaskRunner} (default: the {@link VectorGemm}'s own pool, else the common fork-join pool). They parallelise internally (deterministically: no reduction depends on
 * scheduling, so a seeded run is bit-reproducible). Concurrent forwards are safe with distinct
 * {@link Activations}; a backward must not run concurrently with anything that reads the weights'
 * gradients.
 */
public final class LlamaModel {
  private LlamaConfig cfg;             // not final: merging a modules_to_save copy into a tied model unties it
  private final Gemm gemm;
  private final Gemm taskGemm;         // gemm on the calling thread, for products inside parallel tasks
  private final TaskRunner runner;
  private final ModelParallel par;
  private List<Parameter> params;
  private final Parameter embed;       // [V, C]
  private final Parameter finalNorm;   // [C]
  private Parameter lmHead;            // [V, C]; == embed when tied
  private final LayerWeights[] layers;
  private final FamilyWeights[] familyLayers; // OLMo 2 / Qwen3 / Gemma 2 extras; null entries for the others
  private final float[] invFreq;       // (D/2)
  private boolean activationCheckpointing; // set once by the recipe before training
  private LoraAdapter lora;            // null without an adapter; see attachLora

  private LlamaModel(LlamaConfig cfg, Gemm gemm, TaskRunner runner, Map<String, ?> data, boolean trainable) {
    this(cfg, gemm, runner, data, name -> trainable);
  }

  /**
   * @param data name → float[] (fp32) or short[] (bf16 bits, a frozen matrix; only when not trainable)
   * @param trainable which tensors (by HF name) get a gradient buffer; the others are frozen
   */
  private LlamaModel(LlamaConfig cfg, Gemm gemm, TaskRunner runner, Map<String, ?> data, Predicate<String> trainable) {
    this.cfg = cfg;
    this.gemm = gemm;
    this.taskGemm = gemm.onCallingThread();
    this.runner = runner;
    this.par = new ModelParallel(runner);
    List<Parameter> ps = new ArrayList<>();
    embed = param(ps, data, HfNames.EMBED, trainable, false, cfg.vocabSize(), cfg.hidden());
    layers = new LayerWeights[cfg.layers()];
    familyLayers = new FamilyWeights[cfg.layers()];
    boolean ownTensors = HfNames.hasFamilyTensors(cfg);
    for (int i = 0; i < cfg.layers(); i++) {
      if (ownTensors) {
        familyLayer(ps, data, cfg, i, trainable);
        continue;
      }
      boolean b = cfg.attentionBias();
      // argument order is HfNames.parameterOrder: it fixes the parameter list's order
      layers[i] = new LayerWeights(
          param(ps, data, cfg, i, LayerTensor.INPUT_NORM, trainable, false),
          param(ps, data, cfg, i, LayerTensor.Q_PROJ, trainable, true),
          param(ps, data, cfg, i, LayerTensor.K_PROJ, trainable, true),
          param(ps, data, cfg, i, LayerTensor.V_PROJ, trainable, true),
          b ? param(ps, data, cfg, i, LayerTensor.Q_BIAS, trainable, false) : null,
          b ? param(ps, data, cfg, i, LayerTensor.K_BIAS, trainable, false) : null,
          b ? param(ps, data, cfg, i, LayerTensor.V_BIAS, trainable, false) : null,
          param(ps, data, cfg, i, LayerTensor.O_PROJ, trainable, true),
          param(ps, data, cfg, i, LayerTensor.POST_ATTENTION_NORM, trainable, false),
          param(ps, data, cfg, i, LayerTensor.GATE_PROJ, trainable, true),
          param(ps, data, cfg, i, LayerTensor.UP_PROJ, trainable, true),
          param(ps, data, cfg, i, LayerTensor.DOWN_PROJ, trainable, true));
    }
    finalNorm = param(ps, data, HfNames.NORM, trainable, false, cfg.hidden());
    lmHead = cfg.tieEmbeddings() ? embed
        : param(ps, data, HfNames.LM_HEAD, trainable, true, cfg.vocabSize(), cfg.hidden());
    this.params = Collections.unmodifiableList(ps);
    this.invFreq = Rope.inverseFrequencies(cfg);
  }

  /**
   * Layer i of a family with its own tensors (Qwen3, OLMo 2, Gemma 2), in {@link HfNames#parameterOrder}:
   * each tensor to its role (see {@link FamilyWeights}).
   */
  private void familyLayer(List<Parameter> ps, Map<String, ?> data, LlamaConfig cfg, int i, Predicate<String> trainable) {
    Map<LayerTensor, Parameter> t = new java.util.EnumMap<>(LayerTensor.class);
    for (LayerTensor lt : HfNames.engineOrder(cfg)) {
      boolean decay = !lt.suffix.contains("norm") && !lt.isBias();
      t.put(lt, param(ps, data, cfg, i, lt, trainable, decay));
    }
    boolean ownPostAttention = cfg.family().norms() != Family.Norms.PRE; // OLMo 2 / Gemma 2: it normalises the attention output
    Parameter preMlp = cfg.family().norms() == Family.Norms.SANDWICH ? t.get(LayerTensor.PRE_FEEDFORWARD_NORM)
        : ownPostAttention ? null : t.get(LayerTensor.POST_ATTENTION_NORM);
    layers[i] = new LayerWeights(t.get(LayerTensor.INPUT_NORM), t.get(LayerTensor.Q_PROJ), t.get(LayerTensor.K_PROJ),
        t.get(LayerTensor.V_PROJ), null, null, null, t.get(LayerTensor.O_PROJ), preMlp, t.get(LayerTensor.GATE_PROJ),
        t.get(LayerTensor.UP_PROJ), t.get(LayerTensor.DOWN_PROJ));
    familyLayers[i] = new FamilyWeights(t.get(LayerTensor.Q_NORM), t.get(LayerTensor.K_NORM),
        ownPostAttention ? t.get(LayerTensor.POST_ATTENTION_NORM) : null, t.get(LayerTensor.POST_FEEDFORWARD_NORM));
  }

  private static Parameter param(List<Parameter> ps, Map<String, ?> data, LlamaConfig cfg, int layer,
      LayerTensor t, Predicate<String> trainable, boolean decay) {
    return param(ps, data, t.name(layer), trainable, decay, t.shape(cfg));
  }

  private static Parameter param(List<Parameter> ps, Map<String, ?> data, String name,
      Predicate<String> trainable, boolean decay, int... shape) {
    Parameter p;
    if (data.get(name) instanceof short[] h) {
      if (trainable.test(name)) throw new IllegalArgumentException(name + ": a trainable parameter must be fp32, got bf16");
      p = Parameter.frozenBf16(name, shape, h, decay);
    } else {
      float[] d = (float[]) data.get(name);
      p = new Parameter(name, shape, d, trainable.test(name) ? new float[d.length] : null, decay);
    }
    ps.add(p);
    return p;
  }

  /**
   * The runner used when none is given: the pool of a {@link VectorGemm} (so the GEMMs and the other
   * kernels share one set of threads and never oversubscribe the cores), else the common fork-join
   * pool. Results do not depend on the runner (no reduction depends on scheduling).
   */
  static TaskRunner defaultRunner(Gemm gemm) {
    return gemm instanceof VectorGemm vg ? vg.parallel() : TaskRunner.commonPool();
  }

  /**
   * Random init as HF {@code _init_weights}: linear and embedding weights ~ N(0, 0.02²)
   * ({@code initializer_range}), norms 1, biases 0. Seeded; gradients allocated.
   */
  public static LlamaModel random(LlamaConfig cfg, long seed, Gemm gemm) {
    return random(cfg, seed, gemm, defaultRunner(gemm));
  }

  /** {@link #random(LlamaConfig, long, Gemm)} with the non-GEMM kernels on {@code runner}. */
  public static LlamaModel random(LlamaConfig cfg, long seed, Gemm gemm, TaskRunner runner) {
    Random rnd = new Random(seed);
    Map<String, float[]> data = new LinkedHashMap<>();
    for (Map.Entry<String, int[]> e : HfNames.parameterOrder(cfg).entrySet()) {
      String n = e.getKey();
      float[] d = new float[numel(e.getValue())];
      if (n.endsWith("norm.weight")) Arrays.fill(d, cfg.family().unitOffsetNorm() ? 0f : 1f); // Gemma scales by 1 + w
      else if (!n.endsWith(".bias")) for (int i = 0; i < d.length; i++) d[i] = (float) (0.02 * rnd.nextGaussian());
      data.put(n, d);
    }
    return new LlamaModel(cfg, gemm, runner, data, true);
  }

  /**
   * Builds the model over tensors keyed by HF name (the arrays are shared, not copied). Every
   * expected tensor must be present with its exact shape; {@link HfNames#ignorable} tensors (a tied
   * model's {@code lm_head.weight}, old {@code rotary_emb.inv_freq} buffers) are skipped; any other
   * extra name is an error.
   */
  public static LlamaModel fromTensors(LlamaConfig cfg, Map<String, Tensor> tensors, Gemm gemm, boolean trainable) {
    return fromTensors(cfg, tensors, gemm, defaultRunner(gemm), trainable);
  }

  /**
   * {@link #fromTensors(LlamaConfig, Map, Gemm, boolean)} with the non-GEMM kernels on
   * {@code runner} (e.g. {@code kernels.parallel()::parallelFor}).
   */
  public static LlamaModel fromTensors(LlamaConfig cfg, Map<String, Tensor> tensors, Gemm gemm, TaskRunner runner,
      boolean trainable) {
    Map<String, int[]> shapes = HfNames.parameterOrder(cfg);
    Map<String, float[]> data = new LinkedHashMap<>();
    for (Map.Entry<String, int[]> e : shapes.entrySet()) {
      Tensor t = tensors.get(e.getKey());
      if (t == null) throw new IllegalArgumentException("checkpoint is missing tensor " + e.getKey());
      if (!Arrays.equals(t.shape(), e.getValue()))
        throw new IllegalArgumentException("tensor " + e.getKey() + " has shape " + Arrays.toString(t.shape())
            + ", config expects " + Arrays.toString(e.getValue()));
      data.put(e.getKey(), t.data());
    }
    for (String name : tensors.keySet()) {
      if (shapes.containsKey(name) || HfNames.ignorable(cfg, name)) continue;
      throw new IllegalArgumentException("checkpoint has unexpected tensor " + name + " for this config");
    }
    return new LlamaModel(cfg, gemm, runner, data, trainable);
  }

  /**
   * A frozen model (no gradients) over weights keyed by HF name, each in exactly one of
   * {@code fp32} or {@code bf16} (bf16 bits: matrices kept in the checkpoint dtype, widened inside
   * the kernels). Every expected tensor must be present with its exact element count; the arrays
   * are shared, not copied. Loaders: {@code checkpoint.ModelFiles.loadFrozen}.
   */
  public static LlamaModel frozen(LlamaConfig cfg, Map<String, float[]> fp32, Map<String, short[]> bf16, Gemm gemm,
      TaskRunner runner) {
    Map<String, Object> data = new LinkedHashMap<>();
    for (Map.Entry<String, int[]> e : HfNames.parameterOrder(cfg).entrySet()) {
      String name = e.getKey();
      Object v = bf16.containsKey(name) ? bf16.get(name) : fp32.get(name);
      if (v == null) throw new IllegalArgumentException("checkpoint is missing tensor " + name);
      if (fp32.containsKey(name) && bf16.containsKey(name))
        throw new IllegalArgumentException("tensor " + name + " is given both as fp32 and as bf16");
      int len = v instanceof short[] h ? h.length : ((float[]) v).length;
      if (len != numel(e.getValue()))
        throw new IllegalArgumentException("tensor " + name + " has " + len + " elements, config expects "
            + Arrays.toString(e.getValue()));
      data.put(name, v);
    }
    return new LlamaModel(cfg, gemm, runner, data, false);
  }

  /**
   * A frozen copy whose weight matrices (2-D parameters) are rounded to bf16 (nearest even) and
   * whose norms and biases stay fp32 (copied): the in-memory form of a bf16 checkpoint. Same GEMM.
   */
  public LlamaModel frozenBf16Copy() {
    Map<String, float[]> fp32 = new LinkedHashMap<>();
    Map<String, short[]> bf16 = new LinkedHashMap<>();
    for (Parameter p : params) {
      if (p.shape().length == 2) bf16.put(p.name(), p.isBf16() ? p.bf16().clone() : dev.tulu4j.tensor.Bf16.round(p.data()));
      else fp32.put(p.name(), p.toFloats().clone());
    }
    return frozen(cfg, fp32, bf16, gemm, runner);
  }

  /** Bytes the parameters occupy (4 per fp32 value, 2 per bf16 value; gradients not counted). */
  public long weightBytes() {
    long n = 0;
    for (Parameter p : params) n += (long) p.numel() * (p.isBf16() ? 2 : 4);
    return n;
  }

  private static int numel(int[] shape) {
    long n = 1;
    for (int d : shape) n *= d;
    return Math.toIntExact(n);
  }

  /**
   * An independent copy of the weights without gradients (e.g. the frozen reference policy of DPO
   * or RLVR's KL term), sharing the same GEMM backend.
   */
  public LlamaModel frozenCopy() {
    Map<String, Object> data = new LinkedHashMap<>();
    for (Parameter p : params) data.put(p.name(), p.isBf16() ? p.bf16().clone() : p.data().clone());
    return new LlamaModel(cfg, gemm, runner, data, false);
  }

  /**
   * The same base weights (arrays shared, not copied) without gradients and without the adapter:
   * the reference policy of a LoRA run (DPO, RLVR's KL term) at no extra weight memory. Valid while
   * the base weights are frozen, which they are whenever an adapter trains.
   */
  public LlamaModel frozenView() {
    Map<String, Object> data = new LinkedHashMap<>();
    for (Parameter p : params) data.put(p.name(), p.bf16() != null ? p.bf16() : p.data());
    return new LlamaModel(cfg, gemm, runner, data, false);
  }

  // ---------------------------------------------------------------- LoRA

  /**
   * Attaches a fresh adapter ({@link LoraAdapter#init}, seeded) and returns it. The base weights
   * keep whatever gradient buffers they were built with: build the model with
   * {@code trainable=false} so that only the adapter trains and no frozen weight's gradient is
   * computed.
   */
  public LoraAdapter attachLora(LoraConfig lc, long seed) {
    return attachLora(LoraAdapter.init(lc, this, seed));
  }

  /** Attaches {@code adapter} (built for this architecture); at most one adapter at a time. */
  public LoraAdapter attachLora(LoraAdapter adapter) {
    if (lora != null) throw new IllegalStateException("the model already has a LoRA adapter");
    if (!adapter.modelConfig().equals(cfg))
      throw new IllegalArgumentException("the adapter was built for a different model architecture");
    this.lora = adapter;
    return adapter;
  }

  /** The attached adapter, or null. */
  public LoraAdapter lora() { return lora; }

  /** True when an adapter is attached and enabled. */
  public boolean loraActive() { return lora != null && lora.enabled(); }

  /**
   * Folds the attached adapter into the base weights ({@code W += s·B·A}, fp32) and detaches it:
   * the model then computes the adapted function with no adapter overhead (generation, serving,
   * {@code lora merge}). The base weights change in place.
   */
  public void mergeLora() {
    if (lora == null) throw new IllegalStateException("no LoRA adapter to merge");
    lora.mergeInto(this);
    mergeSavedModules(lora.embeddingCopy(), lora.headCopy());
    lora = null;
  }

  /**
   * The modules_to_save copies replace the base's modules (PEFT's {@code merge_and_unload} puts the
   * wrapper's copy in the module's place). On a tied model whose input and output matrices then
   * differ the model is untied (PEFT then sets {@code tie_word_embeddings=False}): the config says
   * so and {@code lm_head.weight} becomes its own parameter. Needs fp32 base weights.
   */
  private void mergeSavedModules(Parameter embCopy, Parameter headCopy) {
    if (embCopy == null && headCopy == null) return;
    if (embed.isBf16()) throw new IllegalStateException("merging modules_to_save needs fp32 base weights");
    float[] in = embCopy != null ? embCopy.data() : embed.data();
    float[] out = headCopy != null ? headCopy.data() : lmHead.data();
    if (cfg.tieEmbeddings() && !Arrays.equals(in, out)) {
      cfg = cfg.withTieEmbeddings(false);
      lmHead = new Parameter(HfNames.LM_HEAD, new int[] {cfg.vocabSize(), cfg.hidden()}, out.clone(), null, true);
      List<Parameter> ps = new ArrayList<>(params);
      ps.add(lmHead); // HfNames.parameterOrder puts lm_head last
      params = Collections.unmodifiableList(ps);
    } else if (out != lmHead.data()) System.arraycopy(out, 0, lmHead.data(), 0, out.length);
    if (in != embed.data()) System.arraycopy(in, 0, embed.data(), 0, in.length);
  }

  /**
   * The embedding the forward reads: the adapter's trained copy while an adapter with
   * {@code modules_to_save: [embed_tokens]} is active, else the base's {@link #embedding()}.
   */
  public Parameter inputEmbedding() {
    return loraActive() && lora.embeddingCopy() != null ? lora.embeddingCopy() : embed;
  }

  /**
   * The LM head the forward reads: the adapter's trained copy while an adapter with
   * {@code modules_to_save: [lm_head]} is active, else the base's {@link #lmHead()}.
   */
  public Parameter outputHead() {
    return loraActive() && lora.headCopy() != null ? lora.headCopy() : lmHead;
  }

  /** The parameters with a gradient buffer: the adapter's when one is active, then every non-frozen base tensor. */
  public List<Parameter> trainableParameters() {
    List<Parameter> ps = new ArrayList<>();
    if (loraActive()) ps.addAll(lora.parameters());
    for (Parameter p : params) if (p.grad() != null) ps.add(p);
    return ps;
  }

  /** Whether a backward has anything to compute a gradient for. */
  boolean hasTrainable() {
    if (loraActive()) return true;
    for (Parameter p : params) if (p.grad() != null) return true;
    return false;
  }

  /** The adapter's term for layer l's projection t in a forward (no-op without an active adapter). */
  void loraForward(int l, LoraTarget t, float[] x, int rows, float[] y, boolean train) {
    if (loraActive()) lora.forward(gemm, l, t, x, rows, y, train);
  }

  /** The adapter's backward for layer l's projection t: A/B gradients, dx accumulated. */
  void loraBackward(int l, LoraTarget t, float[] x, int rows, float[] dy, float[] dx) {
    if (loraActive()) lora.backward(gemm, l, t, x, rows, dy, dx);
  }

  /**
   * The adapter's terms for layer l's projections of group g ({@code ys[i]} the output of
   * {@code g.targets[i]}) in a pass over {@code a}: training activations keep each group's
   * {@code x·Aᵀ} for the backward.
   */
  void loraForward(int l, LoraAdapter.Group g, float[] x, int rows, float[][] ys, Activations a) {
    if (loraActive()) lora.forward(gemm, l, g, x, rows, ys, a.training(), loraSaved(a));
  }

  /** The adapter's backward for layer l's group g: A/B gradients, dx accumulated; see {@link LoraAdapter.Group}. */
  void loraBackward(int l, LoraAdapter.Group g, float[] x, int rows, float[][] dys, float[] dx, Activations a) {
    if (loraActive()) lora.backward(gemm, l, g, x, rows, dys, dx, loraSaved(a));
  }

  /** A forward pass over {@code a} begins: what an earlier pass kept for the adapter's backward is stale. */
  void loraNewPass(Activations a) {
    if (a.loraSaved != null) a.loraSaved.newPass();
  }

  private LoraAdapter.Saved loraSaved(Activations a) {
    if (!a.training()) return null;
    if (a.loraSaved == null) a.loraSaved = new LoraAdapter.Saved(cfg.layers(), a.isCheckpointed());
    return a.loraSaved;
  }

  /** Name → tensor sharing the parameter arrays (for saving; do not mutate); bf16 weights are widened copies. */
  public Map<String, Tensor> toTensors() {
    Map<String, Tensor> m = new LinkedHashMap<>();
    for (Parameter p : params) m.put(p.name(), new Tensor(p.shape().clone(), p.toFloats()));
    return m;
  }

  public LlamaConfig config() { return cfg; }

  public Gemm gemm() { return gemm; }

  /** Where the non-GEMM kernels run their parallel loops. */
  public TaskRunner taskRunner() { return runner; }

  ModelParallel parallel() { return par; }

  /** The GEMM for products inside the model's own parallel tasks (attention blocks). */
  Gemm taskGemm() { return taskGemm; }

  /** All parameters, each once (a tied LM head is the embedding). */
  public List<Parameter> parameters() { return params; }

  public Parameter embedding() { return embed; }

  public Parameter finalNorm() { return finalNorm; }

  /** The LM head weight [V, C]; the embedding itself when tied. */
  public Parameter lmHead() { return lmHead; }

  public LayerWeights layer(int i) { return layers[i]; }

  /** Layer i's OLMo 2 / Qwen3 / Gemma 2 parameters, or null for a family without any. */
  public FamilyWeights familyLayer(int i) { return familyLayers[i]; }

  float[] inverseFrequencies() { return invFreq; }

  /** Zeroes every gradient (the adapter's too). */
  public void zeroGrad() {
    for (Parameter p : params) if (p.grad() != null) Arrays.fill(p.grad(), 0f);
    if (lora != null) for (Parameter p : lora.parameters()) Arrays.fill(p.grad(), 0f);
  }

  /** Total parameter count (each tensor once). */
  public long parameterCount() {
    long n = 0;
    for (Parameter p : params) n += p.numel();
    return n;
  }

  /**
   * Whether {@link #newActivations} checkpoints (TrainConfig {@code activation_checkpointing}):
   * the training steps allocate their activations through it, so a recipe sets this once before
   * training and every stage's step follows. Gradients are bit-identical either way.
   */
  public void activationCheckpointing(boolean on) {
    this.activationCheckpointing = on;
  }

  public boolean activationCheckpointing() { return activationCheckpointing; }

  /** Training activations for {@code tokens} tokens, {@link Activations#checkpointed} when enabled. */
  public Activations newActivations(int tokens) {
    return Activations.training(cfg, tokens, activationCheckpointing);
  }

  // ---------------------------------------------------------------- forward / backward

  /** Per-token log-probs of the targets (0 where ignored), their negated sum and the counted tokens. */
  public record LogProbs(float[] logp, double lossSum, int tokens) {}

  /** Forward: fills {@code act} and returns the per-token target log-probs (requires targets). */
  public LogProbs forward(Batch batch, Activations act) {
    if (batch.targets() == null) throw new IllegalArgumentException("forward needs batch.targets; use logits() for none");
    return Trunk.forward(this, batch, act, true);
  }

  /**
   * Backward for an arbitrary upstream gradient {@code dLogp[r] = ∂Loss/∂logp[r]} (B·T), after
   * {@link #forward} on the same batch and activations. Accumulates into every {@code Parameter.grad}.
   */
  public void backward(Batch batch, Activations act, float[] dLogp) {
    if (dLogp.length < batch.rows()) throw new IllegalArgumentException("dLogp has length " + dLogp.length + " < B·T");
    if (!hasTrainable()) throw new IllegalStateException("model was built without gradients (trainable=false) and has no active LoRA adapter");
    if (!act.training()) throw new IllegalArgumentException("backward needs training activations, got Activations.inference");
    Trunk.backward(this, batch, act, dLogp, false);
  }

  /**
   * Cross-entropy step: forward, then backward of {@code gradScale · Σ −logp} over non-ignored
   * targets (gradScale 1 for a summed loss, 1/tokens for a mean). Returns the forward's log-probs.
   */
  public LogProbs lossAndBackward(Batch batch, Activations act, float gradScale) {
    if (batch.targets() == null) throw new IllegalArgumentException("lossAndBackward needs batch.targets");
    if (!hasTrainable()) throw new IllegalStateException("model was built without gradients (trainable=false) and has no active LoRA adapter");
    if (!act.training()) throw new IllegalArgumentException("lossAndBackward needs training activations, got Activations.inference");
    float[] up = new float[batch.rows()];
    for (int r = 0; r < up.length; r++) up[r] = batch.targets()[r] == LogSoftmaxHead.IGNORE ? 0f : -gradScale;
    // the upstream gradient is known before the forward: the head's backward runs fused into it
    LogProbs lp = Trunk.forward(this, batch, act, true, up);
    Trunk.backward(this, batch, act, up, true);
    return lp;
  }

  /** Logits of every position (B·T, V); materialises B·T·V floats — evaluation and tests only. */
  public float[] logits(Batch batch, Activations act) {
    Trunk.forward(this, batch, act, false);
    float[] out = new float[batch.rows() * cfg.vocabSize()];
    LogSoftmaxHead.logits(gemm, act.lnf, 0, outputHead(), batch.rows(), cfg.hidden(), cfg.vocabSize(), out);
    softcapLogits(out);
    return out;
  }

  /** Logits (B, V) of the last position of every row (generation without a cache). */
  public float[] lastLogits(Batch batch, Activations act) {
    Trunk.forward(this, batch, act, false);
    int b = batch.batchSize();
    int t = batch.seqLen();
    int c = cfg.hidden();
    float[] last = new float[b * c];
    for (int i = 0; i < b; i++) System.arraycopy(act.lnf, ((i + 1) * t - 1) * c, last, i * c, c);
    float[] out = new float[b * cfg.vocabSize()];
    LogSoftmaxHead.logits(gemm, last, 0, outputHead(), b, c, cfg.vocabSize(), out);
    softcapLogits(out);
    return out;
  }

  /**
   * Final (post-norm) hidden states without the LM head; returns {@code act}'s own buffer (first
   * B·T·C floats valid, overwritten by the next forward). See {@link HiddenStates}.
   */
  public float[] hidden(Batch batch, Activations act) {
    return HiddenStates.forward(this, batch, act);
  }

  /** Backward from ∂Loss/∂hidden (B·T·C) after {@link #hidden}; see {@link HiddenStates#backward}. */
  public void backwardFromHidden(Batch batch, Activations act, float[] dHidden) {
    HiddenStates.backward(this, batch, act, dHidden);
  }

  /** Gemma 2's final-logit soft-cap, in place (nothing for the other families). */
  void softcapLogits(float[] logits) {
    float cap = (float) cfg.family().finalSoftcap();
    if (cap > 0) Softcap.apply(logits, 0, logits.length, cap);
  }

  // ---------------------------------------------------------------- KV cache

  /** A cache for {@code batch} sequences of up to {@code maxLen} tokens. */
  public KvCache newCache(int batch, int maxLen) {
    return new KvCache(cfg, batch, maxLen);
  }

  /**
   * Appends {@code tokens[b]} (possibly empty) to sequence b of the cache and returns the logits
   * (B, V) of the last appended token of each sequence (rows of sequences with no tokens are 0).
   */
  public float[] prefill(KvCache cache, int[][] tokens) {
    return CachedForward.append(this, cache, tokens);
  }

  /**
   * Appends {@code tokens[i]} to cache sequence {@code slots[i]} for i &lt; count (distinct slots; a
   * null or empty entry is skipped) and writes that sequence's last-token logits at
   * {@code logits[i·V ..]}. One call batches all the rows into single GEMMs.
   */
  public void append(KvCache cache, int[] slots, int[][] tokens, int count, float[] logits) {
    CachedForward.append(this, cache, slots, tokens, count, logits);
  }

  /** One decode step: appends {@code tokens[b]} to each sequence; returns logits (B, V). */
  public float[] decode(KvCache cache, int[] tokens) {
    int[][] t = new int[tokens.length][];
    for (int b = 0; b < tokens.length; b++) t[b] = new int[] {tokens[b]};
    return CachedForward.append(this, cache, t);
  }

  // ---------------------------------------------------------------- shared linear helpers

  /** y (N, out) = x (N, in) · wᵀ (+ bias). */
  void linear(float[] x, int rows, int in, Parameter w, Parameter bias, float[] y, int out) {
    WeightOps.mulT(gemm, rows, out, in, 1f, x, 0, in, w, 0f, y, 0, out);
    if (bias != null) {
      float[] bd = bias.data();
      par.forRange(rows, 16, (from, to) -> {
        for (int r = from; r < to; r++) VectorMath.axpy(out, 1f, bd, 0, y, r * out);
      });
    }
  }

  /** dx (N, in) (+)= dy·w ; dw += dyᵀ·x (skipped for a frozen w, which has no gradient) ; dbias += Σ_rows dy (skipped when frozen). */
  void linearBackward(float[] dy, float[] x, int rows, int in, int out, Parameter w, Parameter bias,
      float[] dx, boolean accumulate) {
    WeightOps.mul(gemm, rows, in, out, 1f, dy, 0, out, w, accumulate ? 1f : 0f, dx, 0, in);
    if (w.grad() != null) gemm.sgemm(true, false, out, in, rows, 1f, dy, 0, out, x, 0, in, 1f, w.grad(), 0, in);
    if (bias != null && bias.grad() != null) for (int r = 0; r < rows; r++) VectorMath.axpy(out, 1f, dy, r * out, bias.grad(), 0);
  }
}
