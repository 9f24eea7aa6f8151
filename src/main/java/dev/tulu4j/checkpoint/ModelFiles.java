package dev.tulu4j.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tulu4j.io.FileOps;
import dev.tulu4j.io.DType;
import dev.tulu4j.io.Safetensors;
import dev.tulu4j.io.Tensor;
import dev.tulu4j.model.HfNames;
import dev.tulu4j.model.LlamaConfig;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.model.WeightsDtype;
import dev.tulu4j.tensor.Gemm;
import dev.tulu4j.tensor.TaskRunner;
import java.util.LinkedHashMap;
import java.util.Map;
import dev.tulu4j.tokenizer.ChatTemplate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Small file helpers of the pretrain/SFT recipes: find the model folder a config points at, load it,
 * and prepare the tokenizer files every checkpoint of a run carries.
 */
public final class ModelFiles {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ModelFiles() {}

  /**
   * The HF model folder {@code path} means: the folder itself when it holds config.json; for a run
   * folder (checkpoints {@code step-NNNNNN/}), the one named in {@code latest} if complete, else the
   * highest-numbered one with a config.json.
   */
  public static Path resolveModelDir(Path path) {
    if (!Files.isDirectory(path)) throw new IllegalArgumentException(path + ": model folder not found");
    if (Files.isRegularFile(path.resolve(HfCheckpoint.CONFIG))) return path;
    try {
      Path latest = path.resolve("latest");
      if (Files.isRegularFile(latest)) {
        Path d = path.resolve(Files.readString(latest).strip());
        if (Files.isRegularFile(d.resolve(HfCheckpoint.CONFIG))) return d;
      }
      try (Stream<Path> s = Files.list(path)) {
        Optional<Path> best = s.filter(p -> p.getFileName().toString().matches("step-\\d+"))
            .filter(p -> Files.isRegularFile(p.resolve(HfCheckpoint.CONFIG)))
            .max(Comparator.comparing(p -> p.getFileName().toString()));
        return best.orElseThrow(() -> new IllegalArgumentException(path
            + ": neither a model folder (no config.json) nor a run folder with step-NNNNNN/ checkpoints"));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(path + ": " + e.getMessage(), e);
    }
  }

  /**
   * The newest PEFT adapter checkpoint of a LoRA run folder (the one {@code latest} names), or null
   * when {@code run} holds no adapter checkpoint.
   */
  public static Path latestAdapter(Path run) {
    try {
      Path latest = run.resolve("latest");
      if (!Files.isRegularFile(latest)) return null;
      Path d = run.resolve(Files.readString(latest).strip());
      return PeftAdapter.isAdapterFolder(d) ? d : null;
    } catch (IOException e) {
      throw new UncheckedIOException(run + ": " + e.getMessage(), e);
    }
  }

  /**
   * Merges a PEFT LoRA adapter into its base ({@code W += s·B·A} in fp32) and writes a plain HF
   * checkpoint in the base's storage dtype, with the base's tokenizer files (tulu4j lora merge).
   * Returns that dtype. A SEQ_CLS adapter with a saved {@code score} head (the reward stage's, PPO's
   * value model's) becomes a sequence-classification checkpoint: merged backbone + that head.
   */
  public static DType mergeAdapter(Path baseDir, Path adapter, Path out, Gemm gemm) {
    Path base = resolveModelDir(baseDir);
    LlamaConfig classification = classificationConfig(base); // null for a causal-LM base
    if (classification == null) HfCheckpoint.readConfig(base); // a clear error for a folder that is no checkpoint
    DType dtype;
    try (Safetensors st = Safetensors.open(base)) {
      dtype = st.info(HfNames.EMBED).map(i -> i.dtype()).orElse(DType.F32);
    }
    LlamaModel m = classification == null ? loadModel(base, gemm, false) : loadBackbone(base, classification, gemm);
    PeftAdapter.Loaded ad = PeftAdapter.load(adapter, m.config());
    Tensor score = scoreHead(adapter, ad);
    if (classification != null && score == null)
      throw new IllegalArgumentException(adapter + ": its base " + base + " is a sequence-classification model, but the adapter "
          + "saves no score head (modules_to_save)");
    m.attachLora(ad.adapter());
    m.mergeLora();
    if (score != null) {
      saveSequenceClassification(base, classification != null ? classification : m.config(), m, score, out, dtype);
      return dtype;
    }
    boolean tokenizer = HfCheckpoint.TOKENIZER_FILES.stream().anyMatch(f -> Files.isRegularFile(base.resolve(f)));
    HfCheckpoint.save(out, m.config(), m.toTensors(), dtype, HfCheckpoint.DEFAULT_SHARD_BYTES, tokenizer ? base : null);
    return dtype;
  }

  /**
   * The saved {@code score} head of a sequence-classification (SEQ_CLS) adapter, as the reward stage
   * and PPO's value model write it, or null for an adapter with no saved module. Any other saved
   * module is refused.
   */
  private static Tensor scoreHead(Path adapter, PeftAdapter.Loaded ad) {
    if (ad.savedModules().isEmpty()) return null;
    Tensor score = null;
    for (Map.Entry<String, Tensor> e : ad.savedModules().entrySet()) {
      // tulu4j writes score.weight; PEFT's own spelling is score.modules_to_save.default.weight (".default." dropped at load)
      if (e.getKey().equals(SCORE) || e.getKey().equals("score.modules_to_save.weight")) score = e.getValue();
      else throw new IllegalArgumentException(adapter + ": modules_to_save " + ad.config().modulesToSave()
          + ": only the score head of a reward/value model can be merged (found tensor '" + e.getKey() + "')");
    }
    if (score == null) throw new IllegalArgumentException(adapter + ": modules_to_save names score but the adapter has no score.weight");
    return score;
  }

  /** HF name of a sequence-classification model's head ({@code num_labels = 1}). */
  private static final String SCORE = "score.weight";

  /**
   * A merged SEQ_CLS adapter as an HF sequence-classification folder (the reward stage's full
   * checkpoint layout): the backbone's {@code model.*} tensors (no LM head) then {@code score.weight},
   * the classification config.json with the base's {@code pad_token_id}, the base's tokenizer files.
   */
  private static void saveSequenceClassification(Path base, LlamaConfig c, LlamaModel merged, Tensor score, Path out,
      DType dtype) {
    if (!java.util.Arrays.equals(score.shape(), new int[] {1, c.hidden()}))
      throw new IllegalArgumentException("score.weight has shape " + java.util.Arrays.toString(score.shape()) + ", expected [1, "
          + c.hidden() + "] (num_labels must be 1)");
    java.util.SequencedMap<String, Tensor> tensors = new LinkedHashMap<>(merged.toTensors());
    tensors.remove(HfNames.LM_HEAD);
    tensors.put(SCORE, score);
    Integer pad;
    try {
      com.fasterxml.jackson.databind.JsonNode p = JSON.readTree(base.resolve(HfCheckpoint.CONFIG).toFile()).get("pad_token_id");
      pad = p != null && p.isIntegralNumber() ? p.asInt() : null;
    } catch (IOException e) {
      throw new UncheckedIOException(base + ": " + e.getMessage(), e);
    }
    String cfgJson = classificationConfigJson(c, dtype, pad);
    dev.tulu4j.io.AtomicFolder.write(out, tmp -> {
      dev.tulu4j.io.SafetensorsWriter.writeSharded(tmp, tensors, dtype, HfCheckpoint.DEFAULT_SHARD_BYTES);
      Files.writeString(tmp.resolve(HfCheckpoint.CONFIG), cfgJson);
      for (String f : HfCheckpoint.TOKENIZER_FILES)
        if (Files.isRegularFile(base.resolve(f))) Files.copy(base.resolve(f), tmp.resolve(f));
    });
  }

  /**
   * The config of a sequence-classification folder ({@code …ForSequenceClassification}: a reward or
   * value model, e.g. PPO's {@code value_model}) with its causal-LM class, or null for any other folder.
   */
  private static LlamaConfig classificationConfig(Path dir) {
    Path f = dir.resolve(HfCheckpoint.CONFIG);
    com.fasterxml.jackson.databind.JsonNode root;
    try {
      root = JSON.readTree(f.toFile());
    } catch (IOException e) {
      return null; // HfCheckpoint.readConfig gives the error
    }
    com.fasterxml.jackson.databind.JsonNode archs = root.get("architectures");
    if (!(root instanceof ObjectNode o) || archs == null || !archs.isArray() || archs.size() != 1) return null;
    for (LlamaConfig.Architecture a : LlamaConfig.Architecture.values())
      if (archs.get(0).asText().equals(classificationClass(a))) {
        o.putArray("architectures").add(a.hfClass);
        return HfConfig.parse(o, f.toString());
      }
    return null;
  }

  /** A sequence-classification folder's backbone (fp32, frozen): its {@code model.*} tensors, no LM head, no score. */
  private static LlamaModel loadBackbone(Path dir, LlamaConfig c, Gemm gemm) {
    LlamaConfig headless = new LlamaConfig(c.architecture(), c.vocabSize(), c.hidden(), c.intermediate(), c.layers(), c.heads(),
        c.kvHeads(), c.headDim(), c.rmsNormEps(), c.ropeTheta(), c.ropeScaling(), c.maxPositions(), true,
        c.attentionBias(), c.bosId(), c.eosIds(), c.family());
    try (Safetensors st = Safetensors.open(dir)) {
      Map<String, Tensor> t = new LinkedHashMap<>(st.loadAll());
      t.remove(SCORE);
      t.remove(HfNames.LM_HEAD);
      return LlamaModel.fromTensors(headless, t, gemm, false);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(dir + ": " + e.getMessage(), e);
    }
  }

  /** HF class name of the sequence-classification model of an architecture, e.g. {@code Gemma2ForSequenceClassification}. */
  public static String classificationClass(LlamaConfig.Architecture a) {
    return a.hfClass.replace("ForCausalLM", "ForSequenceClassification");
  }

  /**
   * config.json of a one-label sequence-classification checkpoint (reward/value model): the causal-LM
   * config with the classification class, {@code id2label}/{@code label2id}, {@code num_labels: 1}
   * and the pad id when known.
   */
  public static String classificationConfigJson(LlamaConfig c, DType dtype, Integer padTokenId) {
    com.fasterxml.jackson.databind.ObjectMapper json = new ObjectMapper()
        .enable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
        .enable(com.fasterxml.jackson.databind.SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
    try {
      ObjectNode o = (ObjectNode) json.readTree(HfConfig.toJson(c, dtype));
      o.putArray("architectures").add(classificationClass(c.architecture()));
      o.putObject("id2label").put("0", "LABEL_0");
      o.putObject("label2id").put("LABEL_0", 0);
      o.put("num_labels", 1);
      if (padTokenId != null) o.put("pad_token_id", padTokenId);
      return json.writeValueAsString(o) + "\n";
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Loads the checkpoint in {@code dir} (fp32) as a model; {@code trainable} allocates gradients. */
  public static LlamaModel loadModel(Path dir, Gemm gemm, boolean trainable) {
    HfCheckpoint ck = HfCheckpoint.load(dir);
    return LlamaModel.fromTensors(ck.config(), ck.tensors(), gemm, trainable);
  }

  /**
   * Whether the frozen base of a LoRA run over {@code dir} is held in bf16 ({@code lora.base_dtype}):
   * {@link WeightsDtype#BF16} always, {@link WeightsDtype#AUTO} when the
   * checkpoint stores every weight matrix as BF16, fp32 otherwise (every family).
   * Reads config.json and the safetensors headers only.
   */
  public static boolean loraBaseBf16(Path dir, WeightsDtype dtype) {
    if (dtype == WeightsDtype.FP32) return false;
    if (dtype == WeightsDtype.BF16) return true;
    LlamaConfig cfg = HfCheckpoint.readConfig(dir);
    try (Safetensors st = HfCheckpoint.openTensors(dir, cfg)) {
      return HfNames.parameterOrder(cfg).entrySet().stream().filter(e -> e.getValue().length == 2)
          .allMatch(e -> st.info(e.getKey()).orElseThrow().dtype() == DType.BF16);
    }
  }

  /**
   * The frozen base of a LoRA run (no gradient buffers): with {@link #loraBaseBf16} its weight
   * matrices as bf16 bits (read straight from the file, widened inside the kernels; norms and
   * biases fp32), else the fp32 load of {@link #loadModel}.
   */
  public static LlamaModel loadLoraBase(Path dir, WeightsDtype dtype, Gemm gemm, TaskRunner runner) {
    if (!loraBaseBf16(dir, dtype)) {
      HfCheckpoint ck = HfCheckpoint.load(dir);
      return LlamaModel.fromTensors(ck.config(), ck.tensors(), gemm, runner, false);
    }
    return loadFrozen(dir, WeightsDtype.BF16, gemm, runner).model();
  }

  /** A frozen model and one line on how its weights are held (for logs). */
  public record Frozen(LlamaModel model, String weights) {}

  /**
   * Loads the checkpoint in {@code dir} as a frozen model (no gradients: generation, scoring,
   * serving, evaluation) with its weight matrices held as {@code dtype} says
   * ({@link WeightsDtype#AUTO}: bf16 when every matrix is stored BF16). A bf16 matrix is read
   * straight from the file into 2-byte storage, never as fp32; norms and biases are fp32.
   */
  public static Frozen loadFrozen(Path dir, WeightsDtype dtype, Gemm gemm, TaskRunner runner) {
    LlamaConfig cfg = HfCheckpoint.readConfig(dir);
    try (Safetensors st = HfCheckpoint.openTensors(dir, cfg)) {
      Map<String, int[]> order = HfNames.parameterOrder(cfg);
      boolean allBf16 = order.entrySet().stream().filter(e -> e.getValue().length == 2)
          .allMatch(e -> st.info(e.getKey()).orElseThrow().dtype() == DType.BF16);
      boolean bf16 = dtype == WeightsDtype.BF16 || (dtype == WeightsDtype.AUTO && allBf16);
      Map<String, float[]> fp32 = new LinkedHashMap<>();
      Map<String, short[]> half = new LinkedHashMap<>();
      for (Map.Entry<String, int[]> e : order.entrySet()) {
        if (bf16 && e.getValue().length == 2) half.put(e.getKey(), st.loadBf16(e.getKey()));
        else fp32.put(e.getKey(), st.load(e.getKey()).data());
      }
      LlamaModel m = LlamaModel.frozen(cfg, fp32, half, gemm, runner);
      String how = (bf16 ? "bf16" : "fp32") + " weights (" + dtype.id()
          + (allBf16 ? ", checkpoint stores bf16" : ", checkpoint stores not only bf16") + ", "
          + String.format(java.util.Locale.ROOT, "%.1f MB", m.weightBytes() / 1e6) + ")";
      return new Frozen(m, how);
    }
  }

  /**
   * Copies the tokenizer files of {@code source} into {@code target} and sets the
   * {@code chat_template} of its tokenizer_config.json to {@code template} (when non-null), so a
   * checkpoint saved with these files renders chats with the template it was trained on.
   */
  public static void writeTokenizerFolder(Path source, Path target, ChatTemplate template) {
    try {
      Files.createDirectories(target);
      for (String f : HfCheckpoint.TOKENIZER_FILES) {
        Path src = source.resolve(f);
        if (Files.isRegularFile(src) && !src.toAbsolutePath().normalize().equals(target.resolve(f).toAbsolutePath().normalize()))
          Files.copy(src, target.resolve(f), StandardCopyOption.REPLACE_EXISTING);
      }
      if (template == null) return;
      Path cfg = target.resolve("tokenizer_config.json");
      ObjectNode root = Files.isRegularFile(cfg) ? (ObjectNode) JSON.readTree(cfg.toFile()) : JSON.createObjectNode();
      root.put("chat_template", template.source());
      Path tmp = FileOps.tmpSibling(cfg);
      JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), root);
      FileOps.replace(tmp, cfg);
    } catch (IOException e) {
      throw new UncheckedIOException("preparing tokenizer files in " + target + ": " + e.getMessage(), e);
    }
  }
}
