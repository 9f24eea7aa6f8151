package dev.tulu4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tulu4j.generate.Generator;
import dev.tulu4j.generate.SamplingParams;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.runtime.TextCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * An OpenAI-compatible HTTP server ({@code /v1/models}, {@code /v1/completions},
 * {@code /v1/chat/completions}, with {@code stream: true} as server-sent events, and {@code /health}).
 * Requests from many connections (one virtual thread each) are fed into one {@link Generator},
 * driven by a single engine thread, so concurrent requests share a continuous batch.
 *
 * <p>Reliability: every client mistake is a 4xx with OpenAI's error body ({@link ApiError}); a
 * request that outlives {@link Options#requestTimeout} is cancelled (504, or an error event when
 * streaming); a streaming client that hangs up is noticed at the next write (a token or a one-second
 * keep-alive comment) and its sequence is cancelled, which frees its KV slot before the next decode
 * step; {@link #drain} stops accepting and lets in-flight requests finish (the SIGTERM path).
 *
 * <p>Request parsing lives in {@link CompletionRequest}, the finished completion's body in
 * {@link CompletionBody}, weight routing in {@link RoutedStepModel}, the served models in {@link ServedModels}.
 */
public final class OpenAiServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long KEEPALIVE_NANOS = TimeUnit.SECONDS.toNanos(1);

  /**
   * Server limits and identity.
   *
   * @param requestTimeout longest a completion request may take before it is cancelled
   * @param maxConcurrentRequests completion requests admitted at once (queued or generating); more get 503
   */
  public record Options(String host, int port, String modelName, String apiKey, int maxRequestBytes,
      int maxTokensLimit, int maxN, int defaultMaxTokens, Duration requestTimeout, int maxConcurrentRequests) {
    public Options {
      if (maxRequestBytes <= 0 || maxTokensLimit <= 0 || maxN <= 0 || maxConcurrentRequests <= 0)
        throw new IllegalArgumentException("limits must be positive");
      if (requestTimeout.isNegative() || requestTimeout.isZero()) throw new IllegalArgumentException("request timeout must be positive");
    }

    /** Ten-minute request timeout, 1024 concurrent requests. */
    public Options(String host, int port, String modelName, String apiKey, int maxRequestBytes, int maxTokensLimit,
        int maxN, int defaultMaxTokens) {
      this(host, port, modelName, apiKey, maxRequestBytes, maxTokensLimit, maxN, defaultMaxTokens, Duration.ofMinutes(10), 1024);
    }
  }

  private final Options options;
  private final TextCodec codec;
  private final Generator generator;
  private final ServedModels models;          // null: one unnamed set of weights (test doubles)
  private final RoutedStepModel routed;       // null with models
  private final boolean runtimeLora;
  private final boolean processedLogprobs;    // vLLM's --logprobs-mode processed_logprobs (default raw_logprobs)
  private final ConcurrentLinkedQueue<Runnable> engineTasks = new ConcurrentLinkedQueue<>();
  private final HttpServer http;
  private final ExecutorService handlers = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("tulu4j-http-", 0).factory());
  private final LinkedBlockingQueue<Boolean> wake = new LinkedBlockingQueue<>();
  private final Thread engine;
  private final byte[] expectedAuth;
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile boolean running = true;
  private volatile boolean draining;
  private boolean stopped;
  private final long created = System.currentTimeMillis() / 1000;

  public OpenAiServer(Options options, TextCodec codec, Generator generator) throws IOException {
    this(options, codec, generator, null, null, false, false);
  }

  /**
   * A server over named weights: requests pick the base or a LoRA adapter by {@code model},
   * {@code echo} scores prompts, and {@code /update_weights_from_disk} (and, with
   * {@code runtimeLora}, {@code /v1/load_lora_adapter} and {@code /v1/unload_lora_adapter}) replace
   * weights between requests. {@code generator} must run over {@code routed}. {@code processedLogprobs}:
   * sampled tokens' log-probs are those of the distribution they were drawn from (temperature and
   * top-p applied, vLLM's {@code processed_logprobs}) instead of the raw model's.
   */
  OpenAiServer(Options options, TextCodec codec, Generator generator, ServedModels models, RoutedStepModel routed,
      boolean runtimeLora, boolean processedLogprobs) throws IOException {
    this.processedLogprobs = processedLogprobs;
    this.options = options;
    this.codec = codec;
    this.generator = generator;
    this.models = models;
    this.routed = routed;
    this.runtimeLora = runtimeLora;
    this.expectedAuth = options.apiKey() == null ? null : ("Bearer " + options.apiKey()).getBytes(StandardCharsets.UTF_8);
    this.http = HttpServer.create(new InetSocketAddress(options.host(), options.port()), 128);
    http.setExecutor(handlers);
    http.createContext("/", this::handle);
    engine = new Thread(this::engineLoop, "tulu4j-engine");
    engine.setDaemon(true);
  }

  public void start() {
    engine.start();
    http.start();
  }

  public int port() {
    return http.getAddress().getPort();
  }

  /** The address the server listens on. */
  public InetSocketAddress address() {
    return http.getAddress();
  }

  /** Completion requests admitted and not yet answered. */
  public int inFlight() {
    return inFlight.get();
  }

  /**
   * Graceful stop: closes the listening socket (new connections are refused), answers requests that
   * arrive on open connections with 503, waits up to {@code grace} for in-flight requests to finish,
   * then stops the engine. Returns the number of requests still in flight when the wait ended.
   */
  public synchronized int drain(Duration grace) {
    draining = true;
    if (!stopped) {
      stopped = true;
      http.stop((int) Math.max(1, Math.min(Integer.MAX_VALUE, grace.toSeconds()))); // returns once exchanges end
    }
    int left = inFlight.get();
    close();
    return left;
  }

  @Override
  public synchronized void close() {
    running = false;
    draining = true;
    if (!stopped) {
      stopped = true;
      http.stop(0);
    }
    engine.interrupt();
    handlers.shutdownNow();
  }

  private void engineLoop() {
    while (running) {
      try {
        wake.take();
        wake.clear();
        runEngineTasks();
        generator.runUntilIdle((finished, generated) -> runEngineTasks());
        runEngineTasks();
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        System.err.println("engine error: " + e);
        generator.abortAll(e); // their requests answer 500 instead of waiting forever
      }
    }
  }

  /** Work that must not overlap a model pass (prompt scoring, weight swaps): runs on the engine thread between steps. */
  private void runEngineTasks() {
    Runnable t;
    while ((t = engineTasks.poll()) != null) t.run();
  }

  /** Runs {@code work} on the engine thread between decode steps and waits for its result. */
  private <T> T onEngine(Supplier<T> work) {
    CompletableFuture<T> f = new CompletableFuture<>();
    engineTasks.add(() -> {
      try {
        f.complete(work.get());
      } catch (Throwable e) {
        f.completeExceptionally(e);
      }
    });
    wake.offer(Boolean.TRUE);
    try {
      return f.get(options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw timedOut();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ApiError a) throw a;
      if (e.getCause() instanceof RuntimeException r) throw r;
      throw new ApiError(500, "engine task failed: " + e.getCause(), null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiError(503, "the server is shutting down", null, "shutting_down");
    }
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      try {
        String path = ex.getRequestURI().getPath();
        String method = ex.getRequestMethod();
        if (path.equals("/health") && method.equals("GET")) {
          ObjectNode h = JSON.createObjectNode().put("status", draining ? "draining" : "ok").put("in_flight", inFlight.get());
          send(ex, draining ? 503 : 200, h);
          return;
        }
        authorize(ex);
        if (draining) throw new ApiError(503, "the server is shutting down", null, "shutting_down");
        if (path.equals("/v1/models") && method.equals("GET")) {
          ObjectNode body = JSON.createObjectNode().put("object", "list");
          if (models != null) {
            models.cards(body.putArray("data"), options.maxTokensLimit() + 1);
          } else {
            body.putArray("data").addObject().put("id", options.modelName()).put("object", "model")
                .put("created", created).put("owned_by", "tulu4j");
          }
          send(ex, 200, body);
        } else if (runtimeLora && models != null && path.equals("/v1/load_lora_adapter") && method.equals("POST")) {
          JsonNode b = readVllmBody(ex);
          String name = vllmString(b, "lora_name", true);
          String dir = vllmString(b, "lora_path", true);
          JsonNode inplace = b.get("load_inplace");
          if (inplace != null && !inplace.isNull() && !inplace.isBoolean())
            throw ApiError.vllm(400, "BadRequestError", "load_inplace: Input should be a valid boolean");
          boolean in = inplace != null && inplace.asBoolean();
          sendText(ex, 200, onEngine(() -> models.loadAdapter(name, dir, in)));
        } else if (runtimeLora && models != null && path.equals("/v1/unload_lora_adapter") && method.equals("POST")) {
          JsonNode b = readVllmBody(ex);
          String name = vllmString(b, "lora_name", true);
          sendText(ex, 200, onEngine(() -> models.unloadAdapter(name)));
        } else if (models != null && path.equals("/update_weights_from_disk") && method.equals("POST")) {
          updateWeightsFromDisk(ex);
        } else if (path.equals("/v1/chat/completions") && method.equals("POST")) {
          completion(ex, true);
        } else if (path.equals("/v1/completions") && method.equals("POST")) {
          completion(ex, false);
        } else {
          throw new ApiError(404, "no route " + method + " " + path, null, "not_found");
        }
      } catch (ApiError e) {
        sendError(ex, e);
      } catch (RuntimeException e) {
        sendError(ex, new ApiError(500, "internal error: " + e.getMessage(), null));
      }
    }
  }

  /** A JSON object body for a vLLM route; a malformed one is vLLM's 400 (its request-validation handler). */
  private JsonNode readVllmBody(HttpExchange ex) throws IOException {
    try {
      return readBody(ex);
    } catch (ApiError e) {
      if (e.status != 400) throw e;
      throw ApiError.vllm(400, "BadRequestError", e.getMessage());
    }
  }

  /** A string field as pydantic reads it: missing (when required) or not a string is a 400. */
  private static String vllmString(JsonNode b, String field, boolean required) {
    JsonNode v = b.get(field);
    if (v == null || v.isNull()) {
      if (required) throw ApiError.vllm(400, "BadRequestError", field + ": Field required");
      return null;
    }
    if (!v.isTextual()) throw ApiError.vllm(400, "BadRequestError", field + ": Input should be a valid string");
    return v.asText();
  }

  /**
   * SGLang's {@code POST /update_weights_from_disk} ({@code UpdateWeightFromDiskReqInput}:
   * {@code model_path}, optional {@code load_format}): replaces the base weights between decode
   * steps and answers {@code {"success", "message", "num_paused_requests"}}, 200 or 400. Requests
   * in flight finish on the weights they started with, so none is paused.
   */
  private void updateWeightsFromDisk(HttpExchange ex) throws IOException {
    JsonNode b;
    try {
      b = readBody(ex);
    } catch (ApiError e) {
      if (e.status != 400) throw e;
      send(ex, 400, weightResult(false, e.getMessage()));
      return;
    }
    JsonNode path = b.get("model_path");
    if (path == null || !path.isTextual() || path.asText().isEmpty()) {
      send(ex, 400, weightResult(false, "model_path must be a non-empty string"));
      return;
    }
    JsonNode format = b.get("load_format");
    if (format != null && !format.isNull()
        && !(format.isTextual() && List.of("auto", "safetensors").contains(format.asText()))) {
      send(ex, 400, weightResult(false, "load_format " + format + " is not supported: tulu4j serve reads safetensors (auto)"));
      return;
    }
    Path dir = Path.of(path.asText());
    try {
      onEngine(() -> {
        models.reloadBase(dir);
        return Boolean.TRUE;
      });
    } catch (ApiError e) {
      throw e;
    } catch (RuntimeException e) { // a bad folder, another architecture, an unreadable file: SGLang's 400
      send(ex, 400, weightResult(false, "Failed to update weights: " + e.getMessage()));
      return;
    }
    send(ex, 200, weightResult(true, "Succeeded to update model weights."));
  }

  private static ObjectNode weightResult(boolean ok, String message) {
    return JSON.createObjectNode().put("success", ok).put("message", message).put("num_paused_requests", 0);
  }

  /** The key is compared in constant time (its timing depends only on the length the client sent). */
  private void authorize(HttpExchange ex) {
    if (expectedAuth == null) return;
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    byte[] got = auth == null ? new byte[0] : auth.getBytes(StandardCharsets.UTF_8);
    if (!MessageDigest.isEqual(got, expectedAuth)) throw new ApiError(401, "invalid or missing API key", null, "invalid_api_key");
  }

  private void completion(HttpExchange ex, boolean chat) throws IOException {
    if (inFlight.incrementAndGet() > options.maxConcurrentRequests()) {
      inFlight.decrementAndGet();
      throw new ApiError(503, "the server is overloaded (" + options.maxConcurrentRequests() + " requests in flight); retry later",
          null, "overloaded");
    }
    try {
      CompletionRequest req = models == null
          ? CompletionRequest.parse(readBody(ex), chat, options, codec)
          : CompletionRequest.parse(readBody(ex), chat, options, codec, name -> models.resolve(name) != null,
              models.config().vocabSize());
      String id = (chat ? "chatcmpl-" : "cmpl-") + Long.toHexString(System.nanoTime());
      if (req.stream()) streamResponse(ex, req, id);
      else respond(ex, req, id);
    } finally {
      inFlight.decrementAndGet();
    }
  }

  private JsonNode readBody(HttpExchange ex) throws IOException {
    String declared = ex.getRequestHeaders().getFirst("Content-Length");
    if (declared != null) {
      try {
        if (Long.parseLong(declared.trim()) > options.maxRequestBytes()) throw tooLarge();
      } catch (NumberFormatException e) {
        throw new ApiError(400, "Content-Length is not a number", null);
      }
    }
    InputStream in = ex.getRequestBody();
    byte[] body = in.readNBytes(options.maxRequestBytes() + 1);
    if (body.length > options.maxRequestBytes()) throw tooLarge();
    JsonNode n;
    try {
      n = JSON.readTree(body);
    } catch (IOException e) {
      throw new ApiError(400, "request body is not valid JSON", null, "invalid_json");
    }
    if (n == null || !n.isObject()) throw new ApiError(400, "request body must be a JSON object", null, "invalid_json");
    return n;
  }

  private ApiError tooLarge() {
    return new ApiError(413, "request body exceeds " + options.maxRequestBytes() + " bytes", null, "request_too_large");
  }

  /**
   * Queues the request's n samples on the weights its {@code model} names (each sample's prompt a
   * copy bound to those weights); on a refusal the ones already queued are cancelled.
   */
  private List<CompletableFuture<Generator.Output>> submit(CompletionRequest req, IntFunction<Generator.TokenSink> sinks) {
    List<CompletableFuture<Generator.Output>> futures = new ArrayList<>();
    LlamaModel weights = weightsOf(req);
    try {
      for (int i = 0; i < req.n(); i++) {
        int[] prompt = req.prompt();
        if (routed != null) {
          prompt = prompt.clone();
          routed.bind(prompt, weights);
          final int[] bound = prompt;
          CompletableFuture<Generator.Output> f = generator.submit(prompt, req.params(), i, sinks.apply(i));
          f.whenComplete((o, e) -> routed.unbind(bound)); // a sequence cancelled while queued is never prefilled
          futures.add(f);
        } else {
          futures.add(generator.submit(prompt, req.params(), i, sinks.apply(i)));
        }
      }
    } catch (IllegalArgumentException e) {
      cancel(futures);
      throw new ApiError(400, e.getMessage(), req.chat() ? "messages" : "prompt");
    }
    wake.offer(Boolean.TRUE);
    return futures;
  }

  /** The weights a request runs on (null without named models); an adapter unloaded meanwhile is a 404. */
  private LlamaModel weightsOf(CompletionRequest req) {
    if (models == null) return null;
    LlamaModel m = models.resolve(req.model());
    if (m == null)
      throw new ApiError(404, "The model '" + req.model() + "' does not exist", "model", "model_not_found");
    return m;
  }

  private static void cancel(List<CompletableFuture<Generator.Output>> futures) {
    for (var f : futures) f.cancel(false);
  }

  private void respond(HttpExchange ex, CompletionRequest req, String id) throws IOException {
    TokenLogprobs.Position[] promptLps = null;
    if (req.echo() && req.logprobs()) {
      if (models == null) throw new ApiError(400, "'echo' with 'logprobs' is not supported by this server", "echo");
      LlamaModel weights = weightsOf(req);
      promptLps = onEngine(() -> TokenLogprobs.prompt(weights, req.prompt(), req.topLogprobs()));
    }
    LogprobSink[] sinks = new LogprobSink[req.n()];
    for (int i = 0; i < sinks.length; i++) sinks[i] = req.logprobs() ? new LogprobSink(req.topLogprobs(), processedLogprobs, req.params().temperature()) : null;
    List<CompletableFuture<Generator.Output>> futures = submit(req, i -> sinks[i]);
    try {
      CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
          .get(options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw timedOut();
    } catch (ExecutionException e) {
      throw new ApiError(500, "generation failed: " + e.getCause().getMessage(), null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiError(503, "the server is shutting down", null, "shutting_down");
    } finally {
      cancel(futures); // no-op for finished ones; frees the slots of the others
    }
    String served = req.model() != null ? req.model() : options.modelName();
    List<Generator.Output> outputs = new ArrayList<>();
    for (var f : futures) outputs.add(f.join());
    send(ex, 200, new CompletionBody(codec).of(req, id, served, outputs, sinks, promptLps));
  }

  private ApiError timedOut() {
    return new ApiError(504, "the request did not finish within " + options.requestTimeout().toMillis() + " ms", null, "timeout");
  }

  /**
   * Server-sent events: one chunk per new piece of text, then {@code data: [DONE]}. A write that
   * fails (the client hung up) ends the handler, and the finally block cancels the sequences.
   */
  private void streamResponse(HttpExchange ex, CompletionRequest req, String id) throws IOException {
    LinkedBlockingQueue<int[]> events = new LinkedBlockingQueue<>(); // {choice, token} or {choice, -1} at the end
    List<CompletableFuture<Generator.Output>> futures = submit(req, i -> (tok, lp) -> events.add(new int[] {i, tok}));
    try {
      for (int i = 0; i < futures.size(); i++) {
        final int choice = i;
        futures.get(i).whenComplete((o, e) -> events.add(new int[] {choice, -1}));
      }
      ex.getResponseHeaders().set("Content-Type", "text/event-stream");
      ex.getResponseHeaders().set("Cache-Control", "no-cache");
      ex.sendResponseHeaders(200, 0);
      OutputStream out = ex.getResponseBody();
      if (req.chat()) {
        for (int i = 0; i < req.n(); i++) {
          ObjectNode c = chunk(id, true);
          c.withArray("choices").addObject().put("index", i).putNull("finish_reason").putObject("delta").put("role", "assistant");
          writeEvent(out, c);
        }
      }
      pumpEvents(out, events, futures, req, id);
      out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
      out.flush();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      cancel(futures);
    }
  }

  /** Writes chunks until every choice has finished, or the deadline passes (then an error event). */
  private void pumpEvents(OutputStream out, LinkedBlockingQueue<int[]> events, List<CompletableFuture<Generator.Output>> futures,
      CompletionRequest req, String id) throws IOException, InterruptedException {
    boolean chat = req.chat();
    List<String> stops = req.params().stopStrings();
    int n = req.n();
    int[][] ids = new int[n][0];
    String[] sent = new String[n];
    Arrays.fill(sent, "");
    int open = n;
    long deadline = System.nanoTime() + options.requestTimeout().toNanos();
    while (open > 0) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        ApiError t = timedOut();
        writeEvent(out, t.body());
        return;
      }
      int[] e = events.poll(Math.min(left, KEEPALIVE_NANOS), TimeUnit.NANOSECONDS);
      if (e == null) { // an SSE comment: keeps proxies open and finds a client that hung up while queued
        out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
        continue;
      }
      int i = e[0];
      ObjectNode c = chunk(id, chat);
      ObjectNode choice = c.withArray("choices").addObject().put("index", i);
      if (e[1] < 0) {
        CompletableFuture<Generator.Output> f = futures.get(i);
        if (f.isCompletedExceptionally()) {
          writeEvent(out, new ApiError(500, "generation failed", null).body());
          return;
        }
        Generator.Output o = f.join();
        String rest = o.text().length() > sent[i].length() && o.text().startsWith(sent[i]) ? o.text().substring(sent[i].length()) : "";
        if (chat) choice.putObject("delta").put("content", rest);
        else choice.put("text", rest);
        choice.put("finish_reason", o.finishReason());
        open--;
      } else {
        ids[i] = Arrays.copyOf(ids[i], ids[i].length + 1);
        ids[i][ids[i].length - 1] = e[1];
        String text = codec.decode(ids[i]);
        // hold back while the tail is an incomplete UTF-8 sequence, or could begin a stop string
        if (text.endsWith("\uFFFD")) continue;
        String visible = visiblePart(text, stops);
        if (visible == null || !visible.startsWith(sent[i]) || visible.length() == sent[i].length()) continue;
        String delta = visible.substring(sent[i].length());
        sent[i] = visible;
        if (chat) choice.putObject("delta").put("content", delta);
        else choice.put("text", delta);
        choice.putNull("finish_reason");
      }
      writeEvent(out, c);
    }
  }

  /**
   * The text that may be shown now: null when it already contains a stop string (the final chunk
   * sends what is left), else the text minus any tail that could be the start of a stop string.
   */
  static String visiblePart(String text, List<String> stops) {
    int hold = 0;
    for (String s : stops) {
      if (text.contains(s)) return null;
      for (int k = Math.min(s.length() - 1, text.length()); k > 0; k--) {
        if (text.endsWith(s.substring(0, k))) {
          hold = Math.max(hold, k);
          break;
        }
      }
    }
    return text.substring(0, text.length() - hold);
  }

  private ObjectNode chunk(String id, boolean chat) {
    return JSON.createObjectNode().put("id", id).put("object", chat ? "chat.completion.chunk" : "text_completion")
        .put("created", System.currentTimeMillis() / 1000).put("model", options.modelName());
  }

  private static void writeEvent(OutputStream out, JsonNode n) throws IOException {
    out.write(("data: " + JSON.writeValueAsString(n) + "\n\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static void send(HttpExchange ex, int status, JsonNode body) throws IOException {
    byte[] b = JSON.writeValueAsBytes(body);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, b.length);
    ex.getResponseBody().write(b);
  }

  private static void sendText(HttpExchange ex, int status, String text) throws IOException {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    ex.sendResponseHeaders(status, b.length);
    ex.getResponseBody().write(b);
  }

  private static void sendError(HttpExchange ex, ApiError e) throws IOException {
    send(ex, e.status, e.body());
  }
}
