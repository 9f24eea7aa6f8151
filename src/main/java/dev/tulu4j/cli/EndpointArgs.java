package dev.tulu4j.cli;

import dev.tulu4j.client.EndpointOptions;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The options of every command that can generate on OpenAI-compatible servers (a picocli mixin):
 * where the servers are, which model they serve, where the API key comes from, how many requests
 * may be in flight per server. The API key is read here, from the environment variable the user
 * names, and flows down in {@link EndpointOptions}.
 */
final class EndpointArgs {
  @Option(names = "--endpoint", description = "Generate on OpenAI-compatible servers: URL[,URL...] of each server's /v1 "
      + "root (vLLM, SGLang, tulu4j serve, a hosted API). Requests are spread over them.")
  String endpoint;

  @Option(names = "--endpoint-model", description = "The served model's name (default: the first id GET /v1/models lists).")
  String endpointModel;

  @Option(names = "--api-key-env", description = "Environment variable that holds the endpoint's API key.")
  String apiKeyEnv;

  @Option(names = "--max-in-flight", defaultValue = "8", description = "Requests in flight per server (default: ${DEFAULT-VALUE}).")
  int maxInFlight;

  boolean given() {
    return endpoint != null;
  }

  /** The options, with the request cache at {@code cacheFile} (null = none). */
  EndpointOptions options(Path cacheFile) {
    return EndpointOptions.of(EndpointOptions.parseUrls(endpoint), endpointModel, apiKey(apiKeyEnv))
        .withMaxInFlight(maxInFlight).withCache(cacheFile);
  }

  /** The value of environment variable {@code name}; null when no name is given. */
  static String apiKey(String name) {
    if (name == null) return null;
    String key = System.getenv(name);
    if (key == null || key.isBlank()) throw new IllegalArgumentException("--api-key-env: environment variable " + name + " is not set");
    return key;
  }
}
