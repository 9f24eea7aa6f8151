package dev.tulu4j.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * One client for every OpenAI-compatible server a run generates on (vLLM, SGLang, a hosted API, or
 * {@code tulu4j serve}): many requests in flight per server (vLLM and SGLang batch them), spread
 * over several servers least-loaded first, retried with exponential backoff and full jitter on 429,
 * 5xx, time-outs and broken connections (honouring {@code Retry-After}), and answered from an
 * on-disk {@link RequestCache} when the same request was completed before. Other 4xx fail at once
 * with the server's message. Thread-safe; blocking calls run well on virtual threads.
 */
public final class OpenAiClient implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();

  private final EndpointOptions options;
  private final HttpClient http;
  private final List<Server> servers;
  private final Semaphore capacity;
  private final RequestCache cache;
  private final String model;
  private final Usage usage = new Usage();

  private record Server(URI base, Semaphore slots, AtomicInteger inFlight) {}

  private OpenAiClient(EndpointOptions options, RequestCache cache) throws IOException, InterruptedException {
    this.options = options;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
    this.servers = options.baseUrls().stream()
        .map(u -> new Server(u, new Semaphore(options.maxInFlight()), new AtomicInteger())).toList();
    this.capacity = new Semaphore(options.maxInFlight() * servers.size());
    this.cache = cache;
    this.model = options.model() != null ? options.model() : firstModel();
    warmUp();
  }

  /**
   * Runs the per-request client work once (cache key, serialisation, parsing) before any wave of
   * requests: otherwise the first use initialises Jackson's serialisers and the digest under class
   * locks that every request of a wave waits on at once, and that wait is counted as client time
   * by every one of them (hundreds of ms per request on a loaded machine, none of it per-request work).
   */
  private void warmUp() throws IOException {
    ObjectNode probe = JSON.createObjectNode().put("model", "warm-up").put("max_tokens", 1);
    probe.putArray("messages").addObject().put("role", "user").put("content", "warm-up");
    RequestCache.key("/chat/completions", probe);
    JSON.readTree(JSON.writeValueAsBytes(probe));
  }

  /** Connects (asking {@code /v1/models} for the model name when none is given) and opens the cache. */
  public static OpenAiClient open(EndpointOptions options) throws IOException, InterruptedException {
    RequestCache cache = options.cacheFile() == null ? null : RequestCache.open(options.cacheFile());
    try {
      return new OpenAiClient(options, cache);
    } catch (IOException | InterruptedException | RuntimeException e) {
      if (cache != null) cache.close();
      throw e;
    }
  }

  /** The model name every request carries. */
  public String model() {
    return model;
  }

  public Usage usage() {
    return usage;
  }

  public EndpointOptions options() {
    return options;
  }

  /**
   * Sends {@code body} (its {@code model} set to {@link #model()} when absent) to {@code route} under
   * the base URL (e.g. {@code /chat/completions}) and returns the response JSON, from the cache when
   * the same request was answered before.
   */
  public JsonNode post(String route, ObjectNode body) throws IOException, InterruptedException {
    long t0 = System.nanoTime();
    if (!body.has("model")) body.put("model", model);
    String key = cache == null ? null : RequestCache.key(route, body);
    if (key != null) {
      JsonNode hit = cache.get(key);
      if (hit != null) {
        usage.cacheHits.increment();
        usage.clientNanos.add(System.nanoTime() - t0);
        return hit;
      }
    }
    byte[] bytes = JSON.writeValueAsBytes(body);
    long clientNanos = System.nanoTime() - t0;
    Response r = sendWithRetries("POST", route, bytes, true);
    long t1 = System.nanoTime();
    JsonNode n = parse(r);
    JsonNode u = n.path("usage");
    usage.promptTokens.add(u.path("prompt_tokens").asLong(0));
    usage.completionTokens.add(u.path("completion_tokens").asLong(0));
    usage.answered.increment();
    if (key != null) cache.put(key, n);
    usage.clientNanos.add(clientNanos + System.nanoTime() - t1);
    return n;
  }

  /**
   * Posts every body concurrently (up to the in-flight limit per server) and returns the responses in
   * order; {@code onDone} is told the count of finished requests as they finish. The first failure
   * stops the rest and is thrown; what finished before it is in the cache.
   */
  public List<JsonNode> postAll(String route, List<ObjectNode> bodies, IntConsumer onDone)
      throws IOException, InterruptedException {
    AtomicInteger done = new AtomicInteger();
    try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<JsonNode>> fs = new ArrayList<>(bodies.size());
      for (ObjectNode b : bodies) {
        fs.add(ex.submit(() -> {
          JsonNode r = post(route, b);
          if (onDone != null) onDone.accept(done.incrementAndGet());
          return r;
        }));
      }
      List<JsonNode> out = new ArrayList<>(bodies.size());
      try {
        for (Future<JsonNode> f : fs) out.add(f.get());
      } catch (ExecutionException e) {
        ex.shutdownNow();
        Throwable c = e.getCause();
        if (c instanceof IOException io) throw io;
        if (c instanceof InterruptedException ie) throw ie;
        if (c instanceof RuntimeException re) throw re;
        throw new IOException(c);
      }
      return out;
    }
  }

  /** {@code GET route} on the first server (e.g. {@code /models}), with retries, never cached. */
  public JsonNode get(String route) throws IOException, InterruptedException {
    return parse(sendWithRetries("GET", route, null, false));
  }

  /**
   * Sends {@code body} to {@code route} on every server (weight updates must reach them all), with
   * retries, never cached. {@code atRoot} addresses the server's root instead of its {@code /v1}
   * base (SGLang's {@code /update_weights_from_disk}). A 2xx answer that is not JSON (vLLM's
   * {@code /v1/load_lora_adapter} answers plain text) comes back as a text node.
   */
  public List<JsonNode> broadcast(String route, ObjectNode body, boolean atRoot) throws IOException, InterruptedException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    List<JsonNode> out = new ArrayList<>();
    for (Server s : servers) {
      URI uri = URI.create((atRoot ? rootOf(s.base()) : s.base().toString()) + route);
      Response r = sendTo(s, uri, "POST", bytes);
      JsonNode n;
      try {
        n = JSON.readTree(r.body());
      } catch (IOException notJson) {
        n = null;
      }
      out.add(n != null && n.isObject() ? n : JSON.getNodeFactory().textNode(r.body()));
    }
    return out;
  }

  @Override
  public void close() throws IOException {
    if (cache != null) cache.close();
    http.close();
  }

  /**
   * {@link #broadcast}, returning each server's body as text: vLLM answers {@code /v1/load_lora_adapter}
   * and {@code /v1/unload_lora_adapter} with plain text ({@code Success: LoRA adapter '…' added
   * successfully.}), not JSON.
   */
  public List<String> broadcastText(String route, ObjectNode body, boolean atRoot) throws IOException, InterruptedException {
    return broadcastText(route, body, atRoot, status -> false);
  }

  /**
   * {@link #broadcastText(String, ObjectNode, boolean)} that goes on to the next server when one refuses
   * the request with a status {@code tolerated} accepts (its entry is then null), e.g. vLLM's 404 on
   * unloading an adapter that server does not have.
   */
  public List<String> broadcastText(String route, ObjectNode body, boolean atRoot, java.util.function.IntPredicate tolerated)
      throws IOException, InterruptedException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    List<String> out = new ArrayList<>();
    for (Server s : servers) {
      URI uri = URI.create((atRoot ? rootOf(s.base()) : s.base().toString()) + route);
      try {
        out.add(sendTo(s, uri, "POST", bytes).body());
      } catch (EndpointException e) {
        if (!tolerated.test(e.status())) throw e;
        out.add(null);
      }
    }
    return out;
  }

  /** The server root of an API base: {@code http://h:8000/v1} → {@code http://h:8000}. */
  static String rootOf(URI base) {
    return base.toString().replaceFirst("/v1$", "");
  }

  private String firstModel() throws IOException, InterruptedException {
    JsonNode models = get("/models");
    JsonNode id = models.path("data").path(0).path("id");
    if (!id.isTextual())
      throw new EndpointException(servers.getFirst().base() + "/models lists no model; name one with --endpoint-model", 0);
    return id.asText();
  }

  private record Response(URI uri, int status, String body) {}

  private Response sendWithRetries(String method, String route, byte[] body, boolean spread)
      throws IOException, InterruptedException {
    EndpointException last = null;
    for (int attempt = 0; ; attempt++) {
      if (attempt > 0) usage.retries.increment();
      Server s = spread ? acquire(attempt) : servers.getFirst();
      URI uri = URI.create(s.base() + route);
      try {
        return sendOnce(uri, method, body);
      } catch (Retryable e) {
        last = new EndpointException(uri + " failed after " + (attempt + 1) + " attempt(s): " + e.getMessage(), e.status);
        if (attempt >= options.maxRetries()) throw last;
        Thread.sleep(backoffMillis(attempt, e.retryAfter));
      } finally {
        if (spread) release(s);
      }
    }
  }

  private Response sendTo(Server s, URI uri, String method, byte[] body) throws IOException, InterruptedException {
    for (int attempt = 0; ; attempt++) {
      try {
        return sendOnce(uri, method, body);
      } catch (Retryable e) {
        if (attempt >= options.maxRetries())
          throw new EndpointException(uri + " failed after " + (attempt + 1) + " attempt(s): " + e.getMessage(), e.status);
        usage.retries.increment();
        Thread.sleep(backoffMillis(attempt, e.retryAfter));
      }
    }
  }

  /** A failure worth another attempt, with the server's {@code Retry-After} in ms when it sent one. */
  private static final class Retryable extends Exception {
    final int status;
    final long retryAfter;

    Retryable(String message, int status, long retryAfter) {
      super(message, null, false, false);
      this.status = status;
      this.retryAfter = retryAfter;
    }
  }

  private Response sendOnce(URI uri, String method, byte[] body) throws IOException, InterruptedException, Retryable {
    HttpRequest.Builder rb = HttpRequest.newBuilder(uri).timeout(options.timeout());
    if (body == null) rb.GET();
    else rb.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (options.apiKey() != null) rb.header("Authorization", "Bearer " + options.apiKey());
    usage.sent.increment();
    HttpResponse<String> resp;
    try {
      resp = http.send(rb.build(), HttpResponse.BodyHandlers.ofString());
    } catch (HttpTimeoutException e) {
      throw new Retryable("timed out after " + options.timeout().toSeconds() + " s", 0, -1);
    } catch (IOException e) {
      throw new Retryable(e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()), 0, -1);
    }
    int code = resp.statusCode();
    if (code / 100 == 2) return new Response(uri, code, resp.body());
    String msg = "HTTP " + code + ": " + errorMessage(resp.body());
    if (code == 429 || code >= 500) throw new Retryable(msg, code, retryAfterMillis(resp.headers().firstValue("Retry-After")));
    throw new EndpointException(uri + " refused the request: " + msg, code);
  }

  private Server acquire(int attempt) throws InterruptedException {
    capacity.acquire();
    synchronized (servers) {
      Server best = null;
      int n = servers.size();
      for (int i = 0; i < n; i++) { // on a retry start elsewhere, so a failing server is not hit again first
        Server s = servers.get((i + attempt) % n);
        if (s.slots().availablePermits() == 0) continue;
        if (best == null || s.inFlight().get() < best.inFlight().get()) best = s;
      }
      if (best == null || !best.slots().tryAcquire()) throw new IllegalStateException("no free slot despite capacity");
      best.inFlight().incrementAndGet();
      return best;
    }
  }

  private void release(Server s) {
    synchronized (servers) {
      s.inFlight().decrementAndGet();
      s.slots().release();
    }
    capacity.release();
  }

  /** Full jitter: uniform in [0, min(cap, base·2^attempt)]; a server's Retry-After wins when larger. */
  long backoffMillis(int attempt, long retryAfterMillis) {
    long base = options.initialBackoff().toMillis();
    long ceiling = Math.min(EndpointOptions.MAX_BACKOFF.toMillis(), base << Math.min(attempt, 20));
    long jitter = ceiling <= 0 ? 0 : ThreadLocalRandom.current().nextLong(ceiling + 1);
    return Math.max(jitter, Math.min(retryAfterMillis, EndpointOptions.MAX_BACKOFF.toMillis() * 5));
  }

  /** {@code Retry-After} as seconds or an HTTP date, in ms; -1 when absent or unreadable. */
  static long retryAfterMillis(Optional<String> header) {
    if (header.isEmpty()) return -1;
    String v = header.get().trim();
    try {
      return Math.max(0, (long) (Double.parseDouble(v) * 1000));
    } catch (NumberFormatException notSeconds) {
      try {
        ZonedDateTime t = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
        return Math.max(0, Duration.between(ZonedDateTime.now(t.getZone()), t).toMillis());
      } catch (java.time.format.DateTimeParseException notDate) {
        return -1;
      }
    }
  }

  private static JsonNode parse(Response r) throws EndpointException {
    try {
      JsonNode n = JSON.readTree(r.body());
      if (n == null || !n.isObject()) throw new EndpointException(r.uri() + ": the response is not a JSON object", r.status());
      return n;
    } catch (IOException e) {
      throw new EndpointException(r.uri() + ": the response is not JSON: " + abbreviate(r.body()), r.status());
    }
  }

  /** OpenAI's {@code {"error": {"message": …}}}, else the body itself, shortened. */
  private static String errorMessage(String body) {
    try {
      JsonNode n = JSON.readTree(body);
      JsonNode m = n == null ? null : n.path("error").path("message");
      if (m != null && m.isTextual()) return m.asText();
      if (n != null && n.path("detail").isTextual()) return n.path("detail").asText(); // FastAPI (vLLM, SGLang)
    } catch (IOException notJson) {
      // fall through to the raw body
    }
    return abbreviate(body);
  }

  static String abbreviate(String s) {
    return s == null ? "" : s.length() > 300 ? s.substring(0, 300) + "..." : s;
  }
}
