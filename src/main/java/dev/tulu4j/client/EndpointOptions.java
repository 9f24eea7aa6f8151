package dev.tulu4j.client;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How to reach one or more OpenAI-compatible servers (vLLM, SGLang, {@code tulu4j serve}, a hosted
 * API) that serve the same model.
 *
 * @param baseUrls each server's API root including {@code /v1} (e.g. {@code http://127.0.0.1:8000/v1});
 *     requests are spread over them, least-loaded first
 * @param model the served model's name ({@code "model"} in every request); null = the first id
 *     {@code GET /v1/models} lists on the first server
 * @param apiKey sent as {@code Authorization: Bearer …}; null = none. The CLI reads it from the
 *     environment variable the user names ({@code --api-key-env}), never from a flag value
 * @param maxInFlight requests in flight per server at once (vLLM and SGLang batch them together)
 * @param maxRetries retries of one request after a 429, a 5xx, a time-out or a broken connection
 * @param initialBackoff the first retry waits up to this long (full jitter), doubling per attempt
 *     up to {@link #MAX_BACKOFF}; a {@code Retry-After} header overrides it
 * @param timeout per request, from sending to the whole response
 * @param cacheFile an append-only JSON-lines cache of completed requests keyed by the full request,
 *     so a run killed and started again re-sends nothing it already has; null = no cache
 */
public record EndpointOptions(List<URI> baseUrls, String model, String apiKey, int maxInFlight,
    int maxRetries, Duration initialBackoff, Duration timeout, Path cacheFile) {
  public static final Duration MAX_BACKOFF = Duration.ofSeconds(60);

  public EndpointOptions {
    if (baseUrls == null || baseUrls.isEmpty()) throw new IllegalArgumentException("endpoint: at least one base URL is needed");
    for (URI u : baseUrls) {
      String s = u.getScheme();
      if (s == null || !(s.equals("http") || s.equals("https")) || u.getHost() == null)
        throw new IllegalArgumentException("endpoint: '" + u + "' is not an http(s) URL such as http://127.0.0.1:8000/v1");
    }
    baseUrls = baseUrls.stream().map(EndpointOptions::trimSlash).toList();
    if (maxInFlight < 1) throw new IllegalArgumentException("endpoint: max in-flight requests must be >= 1, got " + maxInFlight);
    if (maxRetries < 0) throw new IllegalArgumentException("endpoint: retries must be >= 0, got " + maxRetries);
    if (initialBackoff == null || initialBackoff.isNegative()) throw new IllegalArgumentException("endpoint: backoff must be >= 0");
    if (timeout == null || timeout.isZero() || timeout.isNegative()) throw new IllegalArgumentException("endpoint: timeout must be > 0");
  }

  /** Defaults for {@code urls}: 8 in flight per server, 5 retries from 0.5 s, 10-minute requests, no cache. */
  public static EndpointOptions of(List<URI> urls, String model, String apiKey) {
    return new EndpointOptions(urls, model, apiKey, 8, 5, Duration.ofMillis(500), Duration.ofMinutes(10), null);
  }

  /** Parses {@code URL[,URL…]}. */
  public static List<URI> parseUrls(String commaSeparated) {
    if (commaSeparated == null || commaSeparated.isBlank()) throw new IllegalArgumentException("endpoint: no URL given");
    return java.util.Arrays.stream(commaSeparated.split(",")).map(String::trim).filter(s -> !s.isEmpty())
        .map(s -> {
          try {
            return new URI(s);
          } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("endpoint: '" + s + "' is not a URL: " + e.getReason());
          }
        }).toList();
  }

  public EndpointOptions withCache(Path file) {
    return new EndpointOptions(baseUrls, model, apiKey, maxInFlight, maxRetries, initialBackoff, timeout, file);
  }

  public EndpointOptions withMaxInFlight(int n) {
    return new EndpointOptions(baseUrls, model, apiKey, n, maxRetries, initialBackoff, timeout, cacheFile);
  }

  public EndpointOptions withModel(String name) {
    return new EndpointOptions(baseUrls, name, apiKey, maxInFlight, maxRetries, initialBackoff, timeout, cacheFile);
  }

  public EndpointOptions withRetries(int retries, Duration backoff) {
    return new EndpointOptions(baseUrls, model, apiKey, maxInFlight, retries, backoff, timeout, cacheFile);
  }

  public EndpointOptions withTimeout(Duration t) {
    return new EndpointOptions(baseUrls, model, apiKey, maxInFlight, maxRetries, initialBackoff, t, cacheFile);
  }

  private static URI trimSlash(URI u) {
    String s = u.toString();
    return s.endsWith("/") ? URI.create(s.replaceAll("/+$", "")) : u;
  }
}
