package dev.tulu4j.model;

import dev.tulu4j.tensor.Gemm;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The LoRA matrices of one model (PEFT {@code LoraModel} semantics): for every layer and every
 * targeted projection an A {@code [r, in]} and a B {@code [out, r]}, and the forward/backward of the
 * low-rank term {@code y += s·(dropout(x)·Aᵀ)·Bᵀ} with {@code s = }{@link LoraConfig#scaling()}.
 *
 * <p>Dimensions: N rows (tokens), r rank, in/out the base projection's widths. Names are the HF
 * module path plus {@code lora_A.weight} / {@code lora_B.weight}
 * ({@code model.layers.0.self_attn.q_proj.lora_A.weight}); PEFT's files prefix them with
 * {@code base_model.model.}. Parameter order: layer by layer, targets in {@link LoraTarget} order,
 * A before B.
 *
 * <p>Dropout ({@code p = lora.dropout}) applies only in training mode ({@link #training(boolean)},
 * PEFT's {@code model.train()}; off by default, so scoring and generation never drop) and only on
 * passes over training activations. It draws its keep mask from a counter-based
 * hash of ({@link #dropoutSeed}, layer, target, element), so the backward recomputes the forward's
 * mask instead of storing it, and a resumed run draws the same masks. The trainer sets the seed per
 * micro-batch.
 *
 * <p>{@code modules_to_save: [lm_head, embed_tokens]} (PEFT's {@code ModulesToSaveWrapper}): each
 * named module gets a trainable fp32 copy of the base's weight ({@link #embeddingCopy()},
 * {@link #headCopy()}, HF names {@code model.embed_tokens.weight} / {@code lm_head.weight}, so PEFT's
 * files name them {@code base_model.model.model.embed_tokens.weight} / {@code base_model.model.lm_head.weight}).
 * While the adapter is enabled the model reads the copy; disabled (and in {@link LlamaModel#frozenView()})
 * it reads the frozen original. On a tied model each copy is its own tensor, as PEFT 0.21 does with
 * its default {@code ensure_weight_tying=False}: a head copy leaves the input embedding the original
 * and vice versa, so training unties them. The copies follow the A/B pairs in {@link #parameters()}.
 */
public final class LoraAdapter {
  private final LoraConfig cfg;
  private final LlamaConfig model;
  private final float scaling;
  private final List<Map<LoraTarget, Pair>> layers;
  private final List<Parameter> params;
  private final Parameter embedCopy;   // [V, C] or null: modules_to_save embed_tokens
  private final Parameter headCopy;    // [V, C] or null: modules_to_save lm_head
  private volatile boolean enabled = true;
  private volatile boolean training;
  private long dropoutSeed;

  /** One targeted projection's A [r, in] and B [out, r]. */
  public record Pair(Parameter a, Parameter b) {}

  private LoraAdapter(LoraConfig cfg, LlamaConfig model, Map<String, float[]> data) {
    this.cfg = cfg;
    this.model = model;
    this.scaling = (float) cfg.scaling();
    List<Map<LoraTarget, Pair>> ls = new ArrayList<>();
    List<Parameter> ps = new ArrayList<>();
    Set<LoraTarget> targets = cfg.targets();
    for (int l = 0; l < model.layers(); l++) {
      Map<LoraTarget, Pair> m = new EnumMap<>(LoraTarget.class);
      for (LoraTarget t : targets) {
        String an = aName(l, t), bn = bName(l, t);
        Parameter a = new Parameter(an, new int[] {cfg.r(), t.in(model)}, data.get(an), new float[data.get(an).length], true);
        Parameter b = new Parameter(bn, new int[] {t.out(model), cfg.r()}, data.get(bn), new float[data.get(bn).length], true);
        ps.add(a);
        ps.add(b);
        m.put(t, new Pair(a, b));
      }
      ls.add(m);
    }
    int[] vc = {model.vocabSize(), model.hidden()};
    // decay as the base's own tensors: none on the embedding, AdamW's decay on the LM head
    embedCopy = cfg.savesEmbedding() ? copyParam(HfNames.EMBED, vc, data, false) : null;
    headCopy = cfg.savesLmHead() ? copyParam(HfNames.LM_HEAD, vc, data, true) : null;
    if (embedCopy != null) ps.add(embedCopy);
    if (headCopy != null) ps.add(headCopy);
    this.layers = List.copyOf(ls);
    this.params = Collections.unmodifiableList(ps);
  }

  private static Parameter copyParam(String name, int[] shape, Map<String, float[]> data, boolean decay) {
    float[] d = data.get(name);
    return new Parameter(name, shape, d, new float[d.length], decay);
  }

  /** {@code model.layers.{l}.<module path>.lora_A.weight}. */
  public static String aName(int layer, LoraTarget t) {
    return t.modulePath(layer) + ".lora_A.weight";
  }

  /** {@code model.layers.{l}.<module path>.lora_B.weight}. */
  public static String bName(int layer, LoraTarget t) {
    return t.modulePath(layer) + ".lora_B.weight";
  }

  /** Every adapter tensor's name → shape, in parameter order (the modules_to_save copies last). */
  public static Map<String, int[]> shapes(LoraConfig cfg, LlamaConfig model) {
    Map<String, int[]> m = pairShapes(cfg, model);
    if (cfg.savesEmbedding()) m.put(HfNames.EMBED, new int[] {model.vocabSize(), model.hidden()});
    if (cfg.savesLmHead()) m.put(HfNames.LM_HEAD, new int[] {model.vocabSize(), model.hidden()});
    return m;
  }

  private static Map<String, int[]> pairShapes(LoraConfig cfg, LlamaConfig model) {
    Map<String, int[]> m = new java.util.LinkedHashMap<>();
    for (int l = 0; l < model.layers(); l++)
      for (LoraTarget t : cfg.targets()) {
        m.put(aName(l, t), new int[] {cfg.r(), t.in(model)});
        m.put(bName(l, t), new int[] {t.out(model), cfg.r()});
      }
    return m;
  }

  /**
   * A fresh adapter initialised as PEFT's {@code reset_lora_parameters} with
   * {@code init_lora_weights=True}: A ~ kaiming_uniform(a=√5), i.e. U(−1/√in, 1/√in) (gain
   * √(2/(1+5)) times √3/√fan_in), and B = 0, so the adapted model starts equal to the base. Seeded.
   */
  public static LoraAdapter init(LoraConfig cfg, LlamaConfig model, long seed) {
    if (cfg.savesEmbedding() || cfg.savesLmHead())
      throw new IllegalArgumentException("modules_to_save " + cfg.modulesToSave()
          + " copies the base's modules: build the adapter with init(config, base model, seed)");
    return new LoraAdapter(cfg, model, initPairs(cfg, model, seed));
  }

  /**
   * {@link #init(LoraConfig, LlamaConfig, long)} for the model {@code base}; a {@code modules_to_save}
   * module starts as an fp32 copy of the base's (PEFT's {@code copy.deepcopy(original_module)}; a
   * bf16 base is widened), so the adapted model starts equal to the base.
   */
  public static LoraAdapter init(LoraConfig cfg, LlamaModel base, long seed) {
    Map<String, float[]> data = initPairs(cfg, base.config(), seed);
    if (cfg.savesEmbedding()) data.put(HfNames.EMBED, base.embedding().toFloats().clone());
    if (cfg.savesLmHead()) data.put(HfNames.LM_HEAD, base.lmHead().toFloats().clone());
    return new LoraAdapter(cfg, base.config(), data);
  }

  private static Map<String, float[]> initPairs(LoraConfig cfg, LlamaConfig model, long seed) {
    Random rnd = new Random(seed);
    Map<String, float[]> data = new java.util.HashMap<>();
    for (Map.Entry<String, int[]> e : pairShapes(cfg, model).entrySet()) {
      int[] s = e.getValue();
      float[] d = new float[s[0] * s[1]];
      if (e.getKey().endsWith("lora_A.weight")) {
        double bound = 1.0 / Math.sqrt(s[1]);
        for (int i = 0; i < d.length; i++) d[i] = (float) ((2 * rnd.nextDouble() - 1) * bound);
      }
      data.put(e.getKey(), d);
    }
    return data;
  }

  /**
   * An adapter over given tensors (name → values, names as {@link #shapes}); every tensor must be
   * present with its shape's length. The arrays are used, not copied.
   */
  public static LoraAdapter of(LoraConfig cfg, LlamaConfig model, Map<String, float[]> tensors) {
    for (Map.Entry<String, int[]> e : shapes(cfg, model).entrySet()) {
      float[] d = tensors.get(e.getKey());
      if (d == null) throw new IllegalArgumentException("adapter is missing tensor " + e.getKey());
      if (d.length != e.getValue()[0] * e.getValue()[1])
        throw new IllegalArgumentException("adapter tensor " + e.getKey() + " has " + d.length + " values, expected "
            + java.util.Arrays.toString(e.getValue()));
    }
    return new LoraAdapter(cfg, model, tensors);
  }

  public LoraConfig config() { return cfg; }

  /** The model architecture the adapter was built for. */
  public LlamaConfig modelConfig() { return model; }

  /** A and B of every targeted projection, then the modules_to_save copies: the trainable parameters of a LoRA run. */
  public List<Parameter> parameters() { return params; }

  /** The trained copy of the input embedding [V, C] ({@code modules_to_save: [embed_tokens]}), or null. */
  public Parameter embeddingCopy() { return embedCopy; }

  /** The trained copy of the LM head [V, C] ({@code modules_to_save: [lm_head]}), or null. */
  public Parameter headCopy() { return headCopy; }

  /** Layer {@code l}'s pair for {@code t}, or null when {@code t} is not targeted. */
  public Pair pair(int l, LoraTarget t) { return layers.get(l).get(t); }

  /** Whether the low-rank term is applied; off, the model computes its base (the DPO/RLVR reference). */
  public boolean enabled() { return enabled; }

  public void enabled(boolean on) { this.enabled = on; }

  /** Training mode: dropout applies (PEFT's {@code model.train()}); off (the default) it never does. */
  public void training(boolean on) { this.training = on; }

  public boolean training() { return training; }

  /** The seed of the next training passes' dropout masks (set per micro-batch by the trainer). */
  public void dropoutSeed(long seed) { this.dropoutSeed = seed; }

  // ---------------------------------------------------------------- forward / backward

  /** y (N, out) += s·(drop(x)·Aᵀ)·Bᵀ for layer l's target t (no-op when t is not targeted). */
  void forward(Gemm gemm, int l, LoraTarget t, float[] x, int rows, float[] y, boolean train) {
    Pair p = pair(l, t);
    if (p == null) return;
    int in = t.in(model), out = t.out(model), r = cfg.r();
    float[] xin = train && training && cfg.dropout() > 0 ? dropped(l, t, x, rows * in) : x;
    float[] u = new float[rows * r]; // (N, r)
    gemm.sgemm(false, true, rows, r, in, 1f, xin, 0, in, p.a().data(), 0, in, 0f, u, 0, r);
    gemm.sgemm(false, true, rows, out, r, scaling, u, 0, r, p.b().data(), 0, r, 1f, y, 0, out);
  }

  /**
   * Backward of {@link #forward} (over training activations: in training mode with the forward's dropout mask): dB += s·dyᵀ·u,
   * du = s·dy·B, dA += duᵀ·drop(x), dx += drop'(du·A); u = drop(x)·Aᵀ is recomputed.
   */
  void backward(Gemm gemm, int l, LoraTarget t, float[] x, int rows, float[] dy, float[] dx) {
    Pair p = pair(l, t);
    if (p == null) return;
    int in = t.in(model), out = t.out(model), r = cfg.r();
    boolean drop = training && cfg.dropout() > 0;
    float[] xin = drop ? dropped(l, t, x, rows * in) : x;
    float[] u = new float[rows * r];  // (N, r)
    float[] du = new float[rows * r]; // (N, r)
    gemm.sgemm(false, true, rows, r, in, 1f, xin, 0, in, p.a().data(), 0, in, 0f, u, 0, r);
    // dB (out, r) += s·dyᵀ·u, computed as its transpose s·uᵀ·dy (r, out): the GEMM's output is then
    // r rows of `out` columns instead of `out` rows of only r columns, about 3× faster at r = 16
    float[] dbt = new float[r * out];
    gemm.sgemm(true, false, r, out, rows, scaling, u, 0, r, dy, 0, out, 0f, dbt, 0, out);
    float[] gb = p.b().grad();
    for (int j = 0; j < r; j++)
      for (int i = 0; i < out; i++) gb[i * r + j] += dbt[j * out + i];
    gemm.sgemm(false, false, rows, r, out, scaling, dy, 0, out, p.b().data(), 0, r, 0f, du, 0, r);
    gemm.sgemm(true, false, r, in, rows, 1f, du, 0, r, xin, 0, in, 1f, p.a().grad(), 0, in);
    if (!drop) {
      gemm.sgemm(false, false, rows, in, r, 1f, du, 0, r, p.a().data(), 0, in, 1f, dx, 0, in);
      return;
    }
    float[] dxin = new float[rows * in];
    gemm.sgemm(false, false, rows, in, r, 1f, du, 0, r, p.a().data(), 0, in, 0f, dxin, 0, in);
    float keepScale = (float) (1.0 / (1.0 - cfg.dropout()));
    for (int i = 0; i < rows * in; i++) if (keep(l, t, i)) dx[i] += dxin[i] * keepScale;
  }

  /** W += s·B·A for every targeted projection (merging for inference; the adapter is unchanged). */
  void mergeInto(LlamaModel m) {
    for (int l = 0; l < model.layers(); l++)
      for (Map.Entry<LoraTarget, Pair> e : layers.get(l).entrySet()) {
        LoraTarget t = e.getKey();
        int in = t.in(model), out = t.out(model), r = cfg.r();
        float[] w = t.of(m.layer(l)).data();
        m.gemm().sgemm(false, false, out, in, r, scaling, e.getValue().b().data(), 0, r, e.getValue().a().data(), 0, in,
            1f, w, 0, in);
      }
  }

  /** x with dropout applied: kept elements scaled by 1/(1−p), dropped ones 0. */
  private float[] dropped(int l, LoraTarget t, float[] x, int len) {
    float[] d = new float[len];
    float keepScale = (float) (1.0 / (1.0 - cfg.dropout()));
    for (int i = 0; i < len; i++) d[i] = keep(l, t, i) ? x[i] * keepScale : 0f;
    return d;
  }

  /** The keep decision of element i of layer l's target t under the current seed (probability 1 − p). */
  boolean keep(int l, LoraTarget t, int i) {
    long stream = mix(dropoutSeed ^ mix(((long) l << 8 | t.ordinal()) + 0x4C6F_5241L)); // "LoRA"
    double uniform = (mix(stream + i * 0x9E37_79B9_7F4A_7C15L) >>> 11) * 0x1.0p-53;
    return uniform >= cfg.dropout();
  }

  /** SplitMix64's finaliser (Steele, Lea &amp; Flood 2014). */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
    return z ^ (z >>> 31);
  }
}
