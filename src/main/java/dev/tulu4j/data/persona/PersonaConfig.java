package dev.tulu4j.data.persona;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Settings of persona-driven prompt synthesis (Tülu 3 §3.1.1, after Ge et al. 2024 "Scaling
 * synthetic data creation with 1,000,000,000 personas"). YAML or JSON:
 * <pre>
 * personas: personas.jsonl      # JSONL {"id"?, "persona"} (or "text"/"description"), or .txt: one per line
 * task: math                    # math | precise_if | general, or a list: [math, precise_if]
 * out: prompts.jsonl            # resumable: rows already there (by id) are skipped
 * base_url: http://127.0.0.1:8000/v1
 * model: my-model
 * api_key_env: OPENAI_API_KEY   # NAME of the environment variable holding the key (optional)
 * concurrency: 4                # requests in flight
 * max_retries: 5                # on 429, 5xx and I/O errors, exponential backoff
 * initial_backoff_ms: 500       # doubled per retry; a Retry-After header wins
 * temperature: 0.7
 * max_tokens: 512
 * timeout_seconds: 120
 * limit: 0                      # 0 = all personas
 * responses: false              # true: also answer each prompt (whole examples), see PersonaResponses
 * math_samples: 5               # responses: solutions per math prompt for the majority vote
 * allow_code_execution: false   # responses: run code solutions against their generated tests (python3 sandbox)
 * </pre>
 * Relative paths are resolved against the config file's folder.
 */
public record PersonaConfig(Path personas, List<String> tasks, Path out, URI baseUrl, String model, String apiKeyEnv,
    int concurrency, int maxRetries, long initialBackoffMs, double temperature, int maxTokens,
    int timeoutSeconds, int limit, boolean responses, int mathSamples, boolean allowCodeExecution) {

  public static final Set<String> TASKS = Set.of("math", "precise_if", "code", "general");

  /** Prompts only (no responses). */
  public PersonaConfig(Path personas, List<String> tasks, Path out, URI baseUrl, String model, String apiKeyEnv,
      int concurrency, int maxRetries, long initialBackoffMs, double temperature, int maxTokens, int timeoutSeconds, int limit) {
    this(personas, tasks, out, baseUrl, model, apiKeyEnv, concurrency, maxRetries, initialBackoffMs, temperature, maxTokens,
        timeoutSeconds, limit, false, 5, false);
  }

  public PersonaConfig {
    Objects.requireNonNull(personas, "personas");
    Objects.requireNonNull(out, "out");
    Objects.requireNonNull(baseUrl, "base_url");
    Objects.requireNonNull(model, "model");
    tasks = List.copyOf(tasks);
    if (tasks.isEmpty()) {
      throw new IllegalArgumentException("no task given");
    }
    for (String task : tasks) {
      if (!TASKS.contains(task)) {
        throw new IllegalArgumentException("task must be one of " + TASKS + ", got '" + task + "'");
      }
    }
    if (mathSamples < 1) throw new IllegalArgumentException("math_samples must be >= 1, got " + mathSamples);
    if (concurrency < 1 || maxRetries < 0 || initialBackoffMs < 0 || maxTokens < 1 || timeoutSeconds < 1 || limit < 0) {
      throw new IllegalArgumentException("concurrency, max_tokens, timeout_seconds must be ≥ 1; max_retries, "
          + "initial_backoff_ms, limit ≥ 0");
    }
  }

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  public static PersonaConfig load(Path file) {
    JsonNode n;
    try {
      n = YAML.readTree(Files.readString(file));
    } catch (IOException e) {
      throw new IllegalArgumentException(file + ": cannot read: " + e.getMessage(), e);
    }
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException(file + ": must be a YAML/JSON mapping");
    }
    Path base = file.toAbsolutePath().getParent();
    try {
      return new PersonaConfig(
          base.resolve(req(n, "personas")), tasks(n), base.resolve(req(n, "out")),
          URI.create(req(n, "base_url").replaceAll("/+$", "")), req(n, "model"),
          n.hasNonNull("api_key_env") ? n.get("api_key_env").asText() : null,
          n.path("concurrency").asInt(4), n.path("max_retries").asInt(5), n.path("initial_backoff_ms").asLong(500),
          n.path("temperature").asDouble(0.7), n.path("max_tokens").asInt(512), n.path("timeout_seconds").asInt(120),
          n.path("limit").asInt(0), n.path("responses").asBoolean(false), n.path("math_samples").asInt(5),
          n.path("allow_code_execution").asBoolean(false));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  private static List<String> tasks(JsonNode n) {
    JsonNode t = n.get("task");
    if (t == null || t.isNull()) {
      throw new IllegalArgumentException("missing 'task'");
    }
    List<String> out = new ArrayList<>();
    if (t.isArray()) {
      t.forEach(x -> out.add(x.asText().toLowerCase(Locale.ROOT)));
    } else {
      out.add(t.asText().toLowerCase(Locale.ROOT));
    }
    return out;
  }

  private static String req(JsonNode n, String key) {
    if (!n.hasNonNull(key)) {
      throw new IllegalArgumentException("missing '" + key + "'");
    }
    return n.get(key).asText();
  }
}
