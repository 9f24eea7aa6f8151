package dev.tulu4j.serve;

import dev.tulu4j.checkpoint.HfCheckpoint;
import dev.tulu4j.checkpoint.ModelFiles;
import dev.tulu4j.checkpoint.PeftAdapter;
import dev.tulu4j.generate.Generator;
import dev.tulu4j.model.LlamaConfig;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.model.WeightsDtype;
import dev.tulu4j.runtime.ChatCodec;
import dev.tulu4j.runtime.ModelBundle;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** Wires a loaded {@link ModelBundle} into the OpenAI-compatible server (continuous batching over its KV cache). */
public final class Serving {
  private Serving() {}

  /** Server limits chosen at the CLI. */
  public record Limits(int maxBatch, int maxSequenceLength, int defaultMaxTokens, int maxN, int maxRequestBytes,
      Duration requestTimeout) {
    public Limits {
      if (maxBatch < 1) throw new IllegalArgumentException("--max-batch must be >= 1, got " + maxBatch);
      if (maxSequenceLength < 2) throw new IllegalArgumentException("--max-seq-len must be >= 2, got " + maxSequenceLength);
      if (defaultMaxTokens < 1 || maxN < 1 || maxRequestBytes < 1) throw new IllegalArgumentException("server limits must be positive");
      if (requestTimeout.isNegative() || requestTimeout.isZero())
        throw new IllegalArgumentException("--request-timeout must be positive, got " + requestTimeout.toSeconds() + " s");
    }

    /** With a ten-minute request timeout. */
    public Limits(int maxBatch, int maxSequenceLength, int defaultMaxTokens, int maxN, int maxRequestBytes) {
      this(maxBatch, maxSequenceLength, defaultMaxTokens, maxN, maxRequestBytes, Duration.ofMinutes(10));
    }
  }

  /**
   * Which names the server answers to and which adapters it serves (vLLM's flags).
   *
   * @param servedName the base's name ({@code --served-model-name}); null: the folder's name
   * @param enableLora serve LoRA adapters at all ({@code --enable-lora})
   * @param maxLoras adapters loaded at once ({@code --max-loras}); each is one fp32 copy of the weights
   * @param runtimeLoraUpdating the {@code /v1/load_lora_adapter} and {@code /v1/unload_lora_adapter}
   *     routes (vLLM's {@code VLLM_ALLOW_RUNTIME_LORA_UPDATING})
   * @param loraModules adapters loaded at start, name → PEFT folder ({@code --lora-modules})
   */
  public record Adapters(String servedName, boolean enableLora, int maxLoras, boolean runtimeLoraUpdating,
      Map<String, Path> loraModules) {
    public Adapters {
      if (maxLoras < 1) throw new IllegalArgumentException("--max-loras must be >= 1, got " + maxLoras);
      loraModules = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(loraModules));
      if (!enableLora && (runtimeLoraUpdating || !loraModules.isEmpty()))
        throw new IllegalArgumentException("--lora-modules and runtime LoRA updating need --enable-lora");
      if (loraModules.size() > maxLoras)
        throw new IllegalArgumentException(loraModules.size() + " --lora-modules exceed --max-loras " + maxLoras);
    }

    /** No adapters; the folder's name. */
    public static final Adapters NONE = new Adapters(null, false, 1, false, Map.of());
  }

  /**
   * What {@code logprobs} report for sampled tokens (vLLM's {@code --logprobs-mode}): the raw model's
   * log-softmax (vLLM's default), or the log-prob under the distribution the token was drawn from
   * (temperature and top-p applied). Prompt log-probs ({@code echo}) are raw in both.
   */
  public enum LogprobsMode {
    RAW_LOGPROBS, PROCESSED_LOGPROBS
  }

  /** {@link #create(ModelBundle, String, int, String, Limits, Adapters)} without adapters. */
  public static OpenAiServer create(ModelBundle bundle, String host, int port, String apiKey, Limits limits) {
    return create(bundle, host, port, apiKey, limits, Adapters.NONE);
  }

  /**
   * Creates (not yet started) a server for {@code bundle}: a {@link RoutedStepModel} with
   * {@code maxBatch} KV-cache slots of {@code maxSequenceLength} tokens, one {@link Generator}, the
   * bundle's {@link ChatCodec}, and the adapters of {@code adapters} (loaded now; a bad one fails
   * here). {@code apiKey} null means no authentication.
   */
  public static OpenAiServer create(ModelBundle bundle, String host, int port, String apiKey, Limits limits,
      Adapters adapters) {
    return create(bundle, host, port, apiKey, limits, adapters, LogprobsMode.RAW_LOGPROBS);
  }

  /** As {@link #create(ModelBundle, String, int, String, Limits, Adapters)} with {@code logprobs} reported as {@code mode} says. */
  public static OpenAiServer create(ModelBundle bundle, String host, int port, String apiKey, Limits limits,
      Adapters adapters, LogprobsMode mode) {
    int maxLen = Math.min(limits.maxSequenceLength(), bundle.config().maxPositions());
    LlamaModel model = bundle.model();
    LlamaConfig cfg = model.config();
    String name = adapters.servedName() != null ? adapters.servedName()
        : bundle.dir().toAbsolutePath().normalize().getFileName().toString();
    ServedModels models = new ServedModels(name, bundle.dir(), model, loader(model), adapters.enableLora(), adapters.maxLoras());
    for (var e : adapters.loraModules().entrySet()) {
      try {
        models.loadAdapter(e.getKey(), e.getValue().toString(), false);
      } catch (ApiError err) {
        throw new IllegalArgumentException("--lora-modules " + e.getKey() + "=" + e.getValue() + ": " + err.getMessage());
      }
    }
    RoutedStepModel step = new RoutedStepModel(cfg, models::base, limits.maxBatch(), maxLen);
    ChatCodec codec = bundle.codec();
    Generator gen = new Generator(step, bundle.eosIds(), codec::decode).limitVocab(bundle.tokenizer().vocabSize());
    var options = new OpenAiServer.Options(host, port, name, apiKey, limits.maxRequestBytes(), maxLen - 1, limits.maxN(),
        Math.min(limits.defaultMaxTokens(), maxLen - 1), limits.requestTimeout(), 1024);
    try {
      return new OpenAiServer(options, codec, gen, models, step, adapters.runtimeLoraUpdating(),
          mode == LogprobsMode.PROCESSED_LOGPROBS);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
    }
  }

  /**
   * Loads replacement bases (held as {@link WeightsDtype#AUTO} says, the architecture checked
   * before any weight is read) and merged adapters (an fp32 copy of the base with the adapter merged,
   * as {@code tulu4j lora merge} computes it) over the served model's GEMM and thread pool.
   */
  private static ServedModels.Loader loader(LlamaModel served) {
    LlamaConfig cfg = served.config();
    return new ServedModels.Loader() {
      @Override
      public LlamaModel base(Path dir) {
        Path d = ModelFiles.resolveModelDir(dir);
        if (!HfCheckpoint.readConfig(d).equals(cfg))
          throw new IllegalArgumentException(d + ": config.json describes a different architecture from the served model");
        return ModelFiles.loadFrozen(d, WeightsDtype.AUTO, served.gemm(), served.taskRunner()).model();
      }

      @Override
      public LlamaModel merged(Path baseDir, Path adapterDir) {
        LlamaModel m = ModelFiles.loadFrozen(ModelFiles.resolveModelDir(baseDir), WeightsDtype.FP32, served.gemm(),
            served.taskRunner()).model();
        PeftAdapter.Loaded ad = PeftAdapter.load(adapterDir, m.config());
        if (!ad.savedModules().isEmpty())
          throw new IllegalArgumentException("modules_to_save " + ad.config().modulesToSave() + " cannot be served");
        m.attachLora(ad.adapter());
        m.mergeLora();
        return m;
      }
    };
  }
}
