package dev.tulu4j.reward;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tulu4j.checkpoint.HfCheckpoint;
import dev.tulu4j.checkpoint.HfConfig;
import dev.tulu4j.io.AtomicFolder;
import dev.tulu4j.io.CheckpointException;
import dev.tulu4j.io.DType;
import dev.tulu4j.io.Safetensors;
import dev.tulu4j.io.SafetensorsWriter;
import dev.tulu4j.io.Tensor;
import dev.tulu4j.io.TensorInfo;
import dev.tulu4j.model.Activations;
import dev.tulu4j.model.Batch;
import dev.tulu4j.model.HfNames;
import dev.tulu4j.model.HiddenStates;
import dev.tulu4j.model.LlamaConfig;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.model.Parameter;
import dev.tulu4j.model.WeightsDtype;
import dev.tulu4j.tensor.TaskRunner;
import dev.tulu4j.tensor.Gemm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SequencedMap;

/**
 * A Llama backbone with a scalar head, in the layout of Hugging Face
 * {@code LlamaForSequenceClassification} / {@code Qwen2ForSequenceClassification} with
 * {@code num_labels = 1}: tensors {@code model.*} plus {@code score.weight} [1, C] (no bias), no LM
 * head. The head maps the final (post-norm) hidden state of every token to one number:
 * {@code v[r] = score · lnf[r]}.
 *
 * <p>A value model (PPO) uses every token's value ({@link #values}); a reward model reads the value
 * at the last non-pad token of each sequence ({@link #sequenceRewards}, HF semantics: the rightmost
 * position whose id differs from {@code pad_token_id}). {@link #backward} takes a per-token upstream
 * gradient {@code dValue[r] = ∂Loss/∂v[r]} into the head and the backbone.
 *
 * <p>The backbone is always built without an LM head (as HF's classification model has none); the
 * config's own {@code tie_word_embeddings} flag is kept only to be written back to config.json.
 */
public final class ScalarHeadModel {
  /** HF name of the head weight. */
  public static final String SCORE = "score.weight";

  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT).enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  private final LlamaConfig config;
  private final LlamaModel backbone;
  private final Parameter score;
  private final List<Parameter> params;
  private final Integer padTokenId;
  private final boolean headLoaded;

  private ScalarHeadModel(LlamaConfig config, LlamaModel backbone, Parameter score, Integer padTokenId, boolean headLoaded) {
    this.headLoaded = headLoaded;
    this.config = config;
    this.backbone = backbone;
    this.score = score;
    this.padTokenId = padTokenId;
    List<Parameter> ps = new ArrayList<>(backbone.parameters());
    ps.add(score);
    this.params = Collections.unmodifiableList(ps);
  }

  /** The config with the LM head tied away, so the backbone holds exactly the {@code model.*} tensors. */
  static LlamaConfig headless(LlamaConfig c) {
    return new LlamaConfig(c.architecture(), c.vocabSize(), c.hidden(), c.intermediate(), c.layers(), c.heads(),
        c.kvHeads(), c.headDim(), c.rmsNormEps(), c.ropeTheta(), c.ropeScaling(), c.maxPositions(), true,
        c.attentionBias(), c.bosId(), c.eosIds(), c.family());
  }

  /**
   * How a fresh score head is drawn: {@link #HF} as transformers' {@code _init_weights} (N(0, 0.02²),
   * {@code initializer_range}), or {@link #OPEN_INSTRUCT} as open-instruct's {@code reward_modeling.py}
   * ({@code layer_init(model.score, std=1/sqrt(hidden_size + 1))}, after Stiennon et al. 2020 p. 11),
   * which trained Tülu 3's 8B reward model.
   */
  public enum HeadInit {
    HF, OPEN_INSTRUCT;

    /** Standard deviation of the head's entries for a backbone of width {@code hidden}. */
    public double std(int hidden) {
      return this == HF ? 0.02 : 1.0 / Math.sqrt(hidden + 1.0);
    }
  }

  /** A fresh score head ~ N(0, std²) from {@code seed}. */
  private static Parameter newScore(int hidden, long seed, boolean trainable) {
    return newScore(hidden, seed, HeadInit.HF, trainable);
  }

  private static Parameter newScore(int hidden, long seed, HeadInit init, boolean trainable) {
    Random r = new Random(seed ^ 0x5C03EL);
    float[] w = new float[hidden];
    double std = init.std(hidden);
    for (int i = 0; i < hidden; i++) w[i] = (float) (std * r.nextGaussian());
    return new Parameter(SCORE, new int[] {1, hidden}, w, trainable ? new float[hidden] : null, true);
  }

  /** Random backbone and head (tests, toy runs). */
  public static ScalarHeadModel random(LlamaConfig cfg, long seed, Gemm gemm) {
    LlamaModel m = LlamaModel.random(headless(cfg), seed, gemm);
    return new ScalarHeadModel(cfg, m, newScore(cfg.hidden(), seed, true), null, false);
  }

  /**
   * Over tensors keyed by HF name (arrays shared). With {@code score.weight} present it is used;
   * without it (a causal-LM checkpoint, e.g. the SFT model a reward model starts from) the head is
   * initialised N(0, 0.02²) from {@code seed}. An {@code lm_head.weight} is ignored.
   */
  public static ScalarHeadModel fromTensors(LlamaConfig cfg, Map<String, Tensor> tensors, long seed, Gemm gemm,
      boolean trainable, Integer padTokenId) {
    return fromTensors(cfg, tensors, seed, HeadInit.HF, gemm, trainable, trainable, padTokenId);
  }

  /**
   * With a missing head drawn per {@code init} and separate gradient switches for the backbone and
   * the head (LoRA: frozen backbone, trainable head).
   */
  public static ScalarHeadModel fromTensors(LlamaConfig cfg, Map<String, Tensor> tensors, long seed, HeadInit init, Gemm gemm,
      boolean trainable, boolean headTrainable, Integer padTokenId) {
    Map<String, Tensor> body = new LinkedHashMap<>(tensors);
    Tensor s = body.remove(SCORE);
    body.remove(HfNames.LM_HEAD);
    LlamaModel m = LlamaModel.fromTensors(headless(cfg), body, gemm, trainable);
    return new ScalarHeadModel(cfg, m, head(cfg, s, seed, init, headTrainable), padTokenId, s != null);
  }

  /** The head: {@code s} (checked to be [1, C]) or, when null, a fresh one drawn per {@code init}. */
  private static Parameter head(LlamaConfig cfg, Tensor s, long seed, HeadInit init, boolean headTrainable) {
    if (s == null) return newScore(cfg.hidden(), seed, init, headTrainable);
    if (!Arrays.equals(s.shape(), new int[] {1, cfg.hidden()}))
      throw new IllegalArgumentException("tensor " + SCORE + " has shape " + Arrays.toString(s.shape())
          + ", expected [1, " + cfg.hidden() + "] (num_labels must be 1)");
    return new Parameter(SCORE, new int[] {1, cfg.hidden()}, s.data(), headTrainable ? new float[cfg.hidden()] : null, true);
  }

  /**
   * A model over {@code base}'s weights with a fresh trainable N(0, 0.02²) head (HF init, from
   * {@code seed}): the backbone is frozen and shares {@code base}'s arrays, bf16 ones included (no
   * copy; the LM head is left out). PPO's value model under LoRA when it starts from the policy: the
   * policy's base is frozen while its adapter trains, so the value model's own adapter can sit on the
   * same base weights (PEFT: a second adapter over one base).
   */
  public static ScalarHeadModel overFrozenBase(LlamaModel base, long seed) {
    LlamaConfig cfg = base.config();
    Map<String, float[]> fp32 = new LinkedHashMap<>();
    Map<String, short[]> bf16 = new LinkedHashMap<>();
    for (Parameter p : base.parameters()) {
      if (p.name().equals(HfNames.LM_HEAD)) continue;
      if (p.isBf16()) bf16.put(p.name(), p.bf16());
      else fp32.put(p.name(), p.data());
    }
    LlamaModel m = LlamaModel.frozen(headless(cfg), fp32, bf16, base.gemm(), base.taskRunner());
    return new ScalarHeadModel(cfg, m, newScore(cfg.hidden(), seed, HeadInit.HF, true), null, false);
  }

  /**
   * Whether a LoRA run holds the frozen backbone of the reward/value folder {@code dir} in bf16:
   * {@link WeightsDtype#BF16} always, {@link WeightsDtype#AUTO} when every backbone matrix is
   * stored BF16, fp32 otherwise. Reads config.json and the safetensors headers only.
   */
  public static boolean backboneBf16(Path dir, WeightsDtype dtype) {
    if (dtype == WeightsDtype.FP32) return false;
    if (dtype == WeightsDtype.BF16) return true;
    LlamaConfig body = headless(readConfig(dir));
    try (Safetensors st = Safetensors.open(dir)) {
      return allMatricesBf16(st, HfNames.parameterOrder(body), dir);
    }
  }

  private static boolean allMatricesBf16(Safetensors st, Map<String, int[]> order, Path dir) {
    for (Map.Entry<String, int[]> e : order.entrySet()) {
      if (e.getValue().length != 2) continue;
      TensorInfo info = st.info(e.getKey())
          .orElseThrow(() -> new CheckpointException(dir + ": checkpoint is missing tensor " + e.getKey()));
      if (info.dtype() != DType.BF16) return false;
    }
    return true;
  }

  /**
   * Loads a reward/value folder (sequence-classification or causal-LM, as {@link #load}) for LoRA
   * training: the backbone frozen (no gradient buffers) with its weight matrices held as
   * {@code dtype} says ({@link #backboneBf16}; a bf16 matrix is read straight from the file into
   * 2-byte storage and widened inside the kernels, norms and biases fp32), and a trainable fp32 head
   * ({@code score.weight} from the file, else a fresh one drawn per {@code init} from {@code seed}).
   */
  public static ScalarHeadModel loadFrozenBackbone(Path dir, WeightsDtype dtype, long seed, HeadInit init, Gemm gemm,
      TaskRunner runner) {
    Path cfgFile = dir.resolve(HfCheckpoint.CONFIG);
    ObjectNode o = configNode(dir);
    LlamaConfig cfg = HfConfig.parse(o, cfgFile.toString());
    JsonNode pad = o.get("pad_token_id");
    Integer padId = pad != null && pad.isIntegralNumber() ? pad.asInt() : null;
    LlamaConfig body = headless(cfg);
    Map<String, int[]> order = HfNames.parameterOrder(body);
    try (Safetensors st = Safetensors.open(dir)) {
      boolean bf16 = dtype == WeightsDtype.BF16 || (dtype == WeightsDtype.AUTO && allMatricesBf16(st, order, dir));
      Map<String, float[]> fp32 = new LinkedHashMap<>();
      Map<String, short[]> half = new LinkedHashMap<>();
      for (Map.Entry<String, int[]> e : order.entrySet()) {
        String name = e.getKey();
        TensorInfo info = st.info(name).orElseThrow(() -> new CheckpointException(dir + ": checkpoint is missing tensor " + name));
        if (!Arrays.equals(info.shape(), e.getValue()))
          throw new CheckpointException(dir + ": tensor " + name + " has shape " + Arrays.toString(info.shape())
              + ", config expects " + Arrays.toString(e.getValue()));
        if (bf16 && e.getValue().length == 2) half.put(name, st.loadBf16(name));
        else fp32.put(name, st.load(name).data());
      }
      for (String name : st.tensors().keySet())
        if (!order.containsKey(name) && !name.equals(SCORE) && !name.equals(HfNames.LM_HEAD) && !HfNames.ignorable(body, name))
          throw new CheckpointException(dir + ": checkpoint has unexpected tensor " + name + " for this config");
      Tensor s = st.info(SCORE).isPresent() ? st.load(SCORE) : null;
      LlamaModel m = LlamaModel.frozen(body, fp32, half, gemm, runner);
      return new ScalarHeadModel(cfg, m, head(cfg, s, seed, init, true), padId, s != null);
    } catch (IllegalArgumentException e) {
      throw new CheckpointException(dir + ": " + e.getMessage(), e);
    }
  }

  /** The backbone config of a reward/value folder (causal-LM or sequence-classification), weights not read. */
  public static LlamaConfig readConfig(Path dir) {
    return HfConfig.parse(configNode(dir), dir.resolve(HfCheckpoint.CONFIG).toString());
  }

  /** config.json as a causal-LM config node (classification class mapped back), checked for one label. */
  private static ObjectNode configNode(Path dir) {
    Path cfgFile = dir.resolve(HfCheckpoint.CONFIG);
    if (!Files.isRegularFile(cfgFile)) throw new CheckpointException(dir + ": no " + HfCheckpoint.CONFIG + " in this folder");
    JsonNode root;
    try {
      root = JSON.readTree(Files.readAllBytes(cfgFile));
    } catch (IOException e) {
      throw new CheckpointException(cfgFile + ": cannot read as JSON: " + e.getMessage(), e);
    }
    if (!(root instanceof ObjectNode o)) throw new CheckpointException(cfgFile + ": not a JSON object");
    JsonNode archs = o.get("architectures");
    if (archs != null && archs.isArray() && archs.size() == 1) {
      String cls = archs.get(0).asText();
      for (LlamaConfig.Architecture a : LlamaConfig.Architecture.values())
        if (cls.equals(classificationClass(a))) o.putArray("architectures").add(a.hfClass);
    }
    int labels = o.has("id2label") && o.get("id2label").isObject() ? o.get("id2label").size()
        : o.has("num_labels") ? o.get("num_labels").asInt() : 1;
    if (labels != 1) throw new CheckpointException(cfgFile + ": num_labels is " + labels + "; a reward/value model needs 1");
    return o;
  }

  /**
   * Loads an HF folder: either a sequence-classification checkpoint (as {@link #save} writes) or a
   * causal-LM checkpoint, whose LM head is dropped and whose score head is initialised from {@code seed}.
   */
  public static ScalarHeadModel load(Path dir, long seed, Gemm gemm, boolean trainable) {
    return load(dir, seed, HeadInit.HF, gemm, trainable, trainable);
  }

  /** {@link #load(Path, long, Gemm, boolean)} with separate gradient switches for backbone and head. */
  public static ScalarHeadModel load(Path dir, long seed, Gemm gemm, boolean trainable, boolean headTrainable) {
    return load(dir, seed, HeadInit.HF, gemm, trainable, headTrainable);
  }

  /** As {@link #load(Path, long, Gemm, boolean)}, drawing a missing score head with {@code init}. */
  public static ScalarHeadModel load(Path dir, long seed, HeadInit init, Gemm gemm, boolean trainable) {
    return load(dir, seed, init, gemm, trainable, trainable);
  }

  /** The general load: head drawn per {@code init}, separate gradient switches for backbone and head. */
  public static ScalarHeadModel load(Path dir, long seed, HeadInit init, Gemm gemm, boolean trainable, boolean headTrainable) {
    Path cfgFile = dir.resolve(HfCheckpoint.CONFIG);
    ObjectNode o = configNode(dir);
    LlamaConfig cfg = HfConfig.parse(o, cfgFile.toString());
    JsonNode pad = o.get("pad_token_id");
    Integer padId = pad != null && pad.isIntegralNumber() ? pad.asInt() : null;
    try (Safetensors st = Safetensors.open(dir)) {
      return fromTensors(cfg, st.loadAll(), seed, init, gemm, trainable, headTrainable, padId);
    } catch (IllegalArgumentException e) {
      throw new CheckpointException(dir + ": " + e.getMessage(), e);
    }
  }

  /** HF class name of the classification model of this family. */
  public static String classificationClass(LlamaConfig.Architecture a) {
    return dev.tulu4j.checkpoint.ModelFiles.classificationClass(a); // e.g. Gemma2ForSequenceClassification
  }

  /** config.json text: the causal-LM config with the classification class, one label and the pad id. */
  public String configJson(DType dtype) {
    return dev.tulu4j.checkpoint.ModelFiles.classificationConfigJson(config, dtype, padTokenId);
  }

  /** Writes an HF folder atomically (config.json, safetensors, optional tokenizer files). */
  public void save(Path dir, DType dtype, Path tokenizerSourceDirOrNull) {
    SequencedMap<String, Tensor> ordered = new LinkedHashMap<>();
    for (Parameter p : params) ordered.put(p.name(), new Tensor(p.shape().clone(), p.data()));
    String cfgJson = configJson(dtype);
    AtomicFolder.write(dir, tmp -> {
      SafetensorsWriter.writeSharded(tmp, ordered, dtype, HfCheckpoint.DEFAULT_SHARD_BYTES);
      Files.writeString(tmp.resolve(HfCheckpoint.CONFIG), cfgJson);
      if (tokenizerSourceDirOrNull != null)
        for (String f : HfCheckpoint.TOKENIZER_FILES) {
          Path src = tokenizerSourceDirOrNull.resolve(f);
          if (Files.isRegularFile(src)) Files.copy(src, tmp.resolve(f));
        }
    });
  }

  public LlamaConfig config() { return config; }

  /** The backbone (no LM head; its parameters are exactly the {@code model.*} tensors). */
  public LlamaModel backbone() { return backbone; }

  /** The head weight [1, C]. */
  public Parameter score() { return score; }

  /** Whether the score head came from the checkpoint ({@code score.weight}) rather than a fresh initialisation. */
  public boolean isClassificationCheckpoint() { return headLoaded; }

  /** pad_token_id from config.json, or null. */
  public Integer padTokenId() { return padTokenId; }

  /** Backbone parameters then the head. */
  public List<Parameter> parameters() { return params; }

  /**
   * What a trainer updates: the backbone's trainable parameters (its adapter's under LoRA, else every
   * tensor built with a gradient) then the head when it has a gradient. For a fully trained model this
   * is {@link #parameters()}, in the same order.
   */
  public List<Parameter> trainableParameters() {
    List<Parameter> ps = new ArrayList<>(backbone.trainableParameters());
    if (score.grad() != null) ps.add(score);
    return Collections.unmodifiableList(ps);
  }

  public void zeroGrad() {
    backbone.zeroGrad();
    if (score.grad() != null) Arrays.fill(score.grad(), 0f);
  }

  /** Activations for up to {@code tokens} tokens of the backbone. */
  public Activations newActivations(int tokens) {
    return backbone.newActivations(tokens);
  }

  /**
   * {@link Activations#inference Inference activations} of the backbone for forward-only
   * {@link #values} (scoring with a frozen reward model, held-out evaluation): one layer's buffers
   * shared by all layers, the same values bit for bit; {@link #backward} refuses them.
   */
  public Activations newInferenceActivations(int tokens) {
    return Activations.inference(backbone.config(), tokens);
  }

  /** The value of every token (B·T): {@code v[r] = score · lnf[r]}. Targets are not needed. */
  public float[] values(Batch batch, Activations act) {
    float[] h = backbone.hidden(batch, act);
    int n = batch.rows(), c = config.hidden();
    float[] w = score.data();
    float[] v = new float[n];
    for (int r = 0; r < n; r++) {
      double s = 0;
      int o = r * c;
      for (int j = 0; j < c; j++) s += w[j] * h[o + j];
      v[r] = (float) s;
    }
    return v;
  }

  /**
   * HF sequence-classification semantics: per row, the rightmost position whose id is not
   * {@code padId} (as transformers ≥ 4.48 picks it; a row that is all padding is an error).
   */
  public static int[] lastNonPad(Batch batch, int padId) {
    int t = batch.seqLen();
    int[] last = new int[batch.batchSize()];
    for (int b = 0; b < last.length; b++) {
      int i = t - 1;
      while (i >= 0 && batch.ids()[b * t + i] == padId) i--;
      if (i < 0) throw new IllegalArgumentException("row " + b + " of the batch is all padding (pad id " + padId + ")");
      last[b] = i;
    }
    return last;
  }

  /** One reward per row: the value at {@link #lastNonPad}. */
  public float[] sequenceRewards(Batch batch, Activations act, int padId) {
    float[] v = values(batch, act);
    int[] last = lastNonPad(batch, padId);
    float[] out = new float[last.length];
    for (int b = 0; b < out.length; b++) out[b] = v[b * batch.seqLen() + last[b]];
    return out;
  }

  /**
   * Backward for {@code dValue[r] = ∂Loss/∂v[r]} (B·T) after {@link #values} on the same batch and
   * activations: {@code ∂score += Σ_r dValue[r]·lnf[r]}, {@code ∂lnf[r] = dValue[r]·score}, then the
   * backbone. Accumulates into all gradients.
   */
  public void backward(Batch batch, Activations act, float[] dValue) {
    int n = batch.rows(), c = config.hidden();
    if (dValue.length < n) throw new IllegalArgumentException("dValue has length " + dValue.length + " < B·T = " + n);
    if (score.grad() == null) throw new IllegalStateException("model was built without gradients (trainable=false)");
    float[] h = HiddenStates.buffer(act);
    float[] w = score.data();
    float[] gw = score.grad();
    float[] dh = new float[n * c];
    for (int r = 0; r < n; r++) {
      float g = dValue[r];
      if (g == 0f) continue;
      int o = r * c;
      for (int j = 0; j < c; j++) {
        gw[j] += g * h[o + j];
        dh[o + j] = g * w[j];
      }
    }
    backbone.backwardFromHidden(batch, act, dh);
  }
}
