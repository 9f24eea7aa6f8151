package dev.tulu4j.dpo;

import dev.tulu4j.config.Doc;
import dev.tulu4j.tensor.GemmBackend;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code tulu4j data preferences --config FILE}: how to build preference pairs (Tülu 3 §4.1):
 * sample responses to each prompt from a list of generators, rate each with a judge, and keep
 * (best, a strictly lower one) per prompt ({@link PairSelection}).
 */
public record PreferenceBuildConfig(
    @Doc("Prompt JSONL files: RLVR rows (messages + ground_truth + dataset), SFT rows (messages; a final "
        + "assistant turn is dropped) or preference rows (the shared prompt turns of chosen).")
        List<Path> prompts,
    @Doc("Output: Tülu preference JSONL (stats go to OUT.stats.json).") Path out,
    @Doc("Response generators; each contributes `samples` responses per prompt.") List<GeneratorSpec> generators,
    @Doc("The judge that rates every response.") JudgeSpec judge,
    @Doc(value = "Chat template for local models: tulu or model.", def = "tulu") String template,
    @Doc(value = "Use at most this many prompts (in file order); -1 = all.", def = "-1") int maxPrompts,
    @Doc(value = "Seed of the rejected-response draw (and of local sampling, plus the sample index).", def = "42")
        long seed,
    @Doc(value = "GEMM backend of local models: vector, openblas or auto.", def = "vector") GemmBackend gemm,
    @Doc(value = "Compute threads of local models; 0 = all cores.", def = "0") int threads) {

  public PreferenceBuildConfig {
    if (prompts == null || prompts.isEmpty()) throw new IllegalArgumentException("prompts needs at least one file");
    if (out == null) throw new IllegalArgumentException("out is required");
    if (generators == null || generators.isEmpty()) throw new IllegalArgumentException("generators needs at least one entry");
    if (judge == null) throw new IllegalArgumentException("judge section is required");
    java.util.Set<String> files = new java.util.HashSet<>();
    for (GeneratorSpec g : generators)
      if (!files.add(g.cacheName()))
        throw new IllegalArgumentException("generators: two generators are named '" + g.name()
            + "' (after replacing characters other than letters, digits, '.', '_' and '-'); names must differ");
    int k = generators.stream().mapToInt(GeneratorSpec::samples).sum();
    if (k < 2) throw new IllegalArgumentException("generators must produce at least 2 responses per prompt in total, got " + k);
    prompts = List.copyOf(prompts);
    generators = List.copyOf(generators);
  }

  /**
   * Where the request caches of the endpoint generators and the LLM judge live: {@code OUT.requests/},
   * one JSON-lines file each ({@code gen-NAME.jsonl}, {@code judge.jsonl}). A run killed and started
   * again with the same config re-sends none of the requests answered before.
   */
  public static Path requestsDir(Path out) {
    return out.resolveSibling(out.getFileName() + ".requests");
  }

  /** One response source: a local checkpoint ({@code model}) or an OpenAI-compatible endpoint. */
  public record GeneratorSpec(
      @Doc("Name recorded with each response.") String name,
      @Doc(value = "Local HF checkpoint folder (on-policy: the current SFT model); null when using an endpoint.",
          def = "null") Path model,
      @Doc(value = "OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1 (several, comma-separated, serving "
          + "the same model: requests are spread over them); null for a local model.", def = "null") String endpoint,
      @Doc(value = "Model name sent to the endpoint; null = the first id its /v1/models lists.", def = "null")
          String modelName,
      @Doc(value = "Environment variable holding the endpoint's API key; null = none.", def = "null") String apiKeyEnv,
      @Doc(value = "Responses per prompt from this generator.", def = "1") int samples,
      @Doc(value = "Sampling temperature.", def = "0.7") double temperature,
      @Doc(value = "Nucleus sampling p (local models).", def = "1.0") double topP,
      @Doc(value = "Max new tokens per response.", def = "512") int maxNewTokens,
      @Doc(value = "Local models: max prompt + response tokens (KV cache length).", def = "2048") int maxLength,
      @Doc(value = "Local models: sequences decoded together.", def = "8") int slots,
      @Doc(value = "Endpoints: requests in flight per server.", def = "8") int maxInFlight) {
    public GeneratorSpec {
      if (name == null || name.isBlank()) throw new IllegalArgumentException("generators[].name is required");
      if ((model == null) == (endpoint == null))
        throw new IllegalArgumentException("generator '" + name + "': give exactly one of model or endpoint");
      if (samples < 1) throw new IllegalArgumentException("generator '" + name + "': samples must be >= 1");
      if (samples > 1000) throw new IllegalArgumentException("generator '" + name + "': samples must be <= 1000");
      if (maxNewTokens < 1) throw new IllegalArgumentException("generator '" + name + "': max_new_tokens must be >= 1");
      if (maxInFlight < 1) throw new IllegalArgumentException("generator '" + name + "': max_in_flight must be >= 1");
    }

    /** This generator's request-cache file name in {@link #requestsDir}. */
    String cacheName() {
      return "gen-" + name.replaceAll("[^A-Za-z0-9._-]", "_") + ".jsonl";
    }
  }

  /** Which judge rates the responses. */
  public enum JudgeKind {
    /** Prompts with ground truth: rating 5 if the task's verifier accepts the response, else 1. */
    VERIFIER,
    /**
     * Tülu 3's LLM judge on an OpenAI-compatible endpoint: the four UltraFeedback aspects, each its own
     * request ({@link UltraFeedback}), a response's rating the mean of the four.
     */
    LLM,
    /** A scalar-head reward model's score of the whole conversation. */
    REWARD_MODEL,
    /**
     * Prompts with ground truth, verifier first and reward model second: rating 4 + σ(score) when the
     * verifier accepts the response, else σ(score). A verified response always outranks a failed one;
     * among equal verdicts the reward model decides (so no prompt is a tie).
     */
    VERIFIER_REWARD_MODEL
  }

  public record JudgeSpec(
      @Doc("verifier, llm, reward_model or verifier_reward_model.") JudgeKind kind,
      @Doc(value = "llm: OpenAI-compatible base URL (several, comma-separated, serving the same model).", def = "null")
          String endpoint,
      @Doc(value = "llm: model name sent to the endpoint; null = the first id its /v1/models lists.", def = "null")
          String modelName,
      @Doc(value = "llm: environment variable holding the API key; null = none.", def = "null") String apiKeyEnv,
      @Doc(value = "llm: re-asks of an aspect request whose answer has an unreadable rating (each with \"seed\": "
          + "attempt); ratings still unreadable are counted and their responses left unrated (never guessed).", def = "2")
          int retries,
      @Doc(value = "llm: max tokens of the judge's answer (one rationale per response).", def = "1024") int maxTokens,
      @Doc(value = "reward_model, verifier_reward_model: HF folder of a LlamaForSequenceClassification model.", def = "null") Path model,
      @Doc(value = "reward_model: max tokens of prompt + response scored.", def = "2048") int maxLength,
      @Doc(value = "llm: requests in flight per server.", def = "8") int maxInFlight) {
    public JudgeSpec {
      if (kind == null) throw new IllegalArgumentException("judge.kind is required");
      if (kind == JudgeKind.LLM && endpoint == null) throw new IllegalArgumentException("judge.endpoint is required for kind llm");
      if ((kind == JudgeKind.REWARD_MODEL || kind == JudgeKind.VERIFIER_REWARD_MODEL) && model == null)
        throw new IllegalArgumentException("judge.model is required for kind " + kind.name().toLowerCase(java.util.Locale.ROOT));
      if (retries < 0) throw new IllegalArgumentException("judge.retries must be >= 0");
      if (maxInFlight < 1) throw new IllegalArgumentException("judge.max_in_flight must be >= 1");
    }
  }
}
