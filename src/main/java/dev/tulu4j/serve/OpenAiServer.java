package dev.tulu4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tulu4j.data.Message;
import dev.tulu4j.generate.Generator;
import dev.tulu4j.generate.SamplingParams;
import dev.tulu4j.runtime.TextCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * An OpenAI-compatible HTTP server ({@code /v1/models}, {@code /v1/completions},
 * {@code /v1/chat/completions}, with {@code stream: true} as server-sent events). Requests from
 * many connections are fed into one {@link Generator}, driven by a single engine thread, so
 * concurrent requests share a continuous batch. Errors use OpenAI's JSON shape with 4xx codes.
 */
public final class OpenAiServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Server limits and identity. */
  public record Options(String host, int port, String modelName, String apiKey, int maxRequestBytes,
      int maxTokensLimit, int maxN, int defaultMaxTokens) {
    public Options {
      if (maxRequestBytes <= 0 || maxTokensLimit <= 0 || maxN <= 0) throw new IllegalArgumentException("limits must be positive");
    }
  }

  private final Options options;
  private final TextCodec codec;
  private final Generator generator;
  private final HttpServer http;
  private final ExecutorService handlers = Executors.newFixedThreadPool(64, r -> {
    Thread t = new Thread(r, "tulu4j-http");
    t.setDaemon(true);
    return t;
  });
  private final LinkedBlockingQueue<Boolean> wake = new LinkedBlockingQueue<>();
  private final Thread engine;
  private volatile boolean running = true;
  private final long created = System.currentTimeMillis() / 1000;

  public OpenAiServer(Options options, TextCodec codec, Generator generator) throws IOException {
    this.options = options;
    this.codec = codec;
    this.generator = generator;
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

  @Override
  public void close() {
    running = false;
    http.stop(0);
    engine.interrupt();
    handlers.shutdownNow();
  }

  private void engineLoop() {
    while (running) {
      try {
        wake.take();
        wake.clear();
        generator.runUntilIdle(null);
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        System.err.println("engine error: " + e);
      }
    }
  }

  /** A client mistake: answered with {@code status} and OpenAI's error JSON. */
  static final class ApiError extends RuntimeException {
    final int status;
    final String param;

    ApiError(int status, String message, String param) {
      super(message);
      this.status = status;
      this.param = param;
    }
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      try {
        if (options.apiKey() != null) {
          String auth = ex.getRequestHeaders().getFirst("Authorization");
          if (auth == null || !auth.equals("Bearer " + options.apiKey()))
            throw new ApiError(401, "invalid or missing API key", null);
        }
        String path = ex.getRequestURI().getPath();
        String method = ex.getRequestMethod();
        if (path.equals("/v1/models") && method.equals("GET")) {
          ObjectNode m = JSON.createObjectNode().put("id", options.modelName()).put("object", "model")
              .put("created", created).put("owned_by", "tulu4j");
          ObjectNode body = JSON.createObjectNode().put("object", "list");
          body.putArray("data").add(m);
          send(ex, 200, body);
        } else if (path.equals("/v1/chat/completions") && method.equals("POST")) {
          complete(ex, readBody(ex), true);
        } else if (path.equals("/v1/completions") && method.equals("POST")) {
          complete(ex, readBody(ex), false);
        } else {
          throw new ApiError(404, "no route " + method + " " + path, null);
        }
      } catch (ApiError e) {
        sendError(ex, e.status, e.getMessage(), e.param);
      } catch (RuntimeException e) {
        sendError(ex, 500, "internal error: " + e.getMessage(), null);
      }
    }
  }

  private JsonNode readBody(HttpExchange ex) throws IOException {
    InputStream in = ex.getRequestBody();
    byte[] body = in.readNBytes(options.maxRequestBytes() + 1);
    if (body.length > options.maxRequestBytes())
      throw new ApiError(413, "request body exceeds " + options.maxRequestBytes() + " bytes", null);
    try {
      JsonNode n = JSON.readTree(body);
      if (n == null || !n.isObject()) throw new ApiError(400, "request body must be a JSON object", null);
      return n;
    } catch (IOException e) {
      throw new ApiError(400, "request body is not valid JSON", null);
    }
  }

  private void complete(HttpExchange ex, JsonNode req, boolean chat) throws IOException {
    int[] prompt;
    if (chat) {
      JsonNode msgs = req.get("messages");
      if (msgs == null || !msgs.isArray() || msgs.isEmpty()) throw new ApiError(400, "'messages' must be a non-empty array", "messages");
      List<Message> messages = new ArrayList<>();
      for (JsonNode m : msgs) {
        JsonNode role = m.get("role");
        JsonNode content = m.get("content");
        if (role == null || !role.isTextual() || !List.of("system", "user", "assistant").contains(role.asText()))
          throw new ApiError(400, "each message needs a 'role' of system, user or assistant", "messages");
        if (content == null || !content.isTextual()) throw new ApiError(400, "each message needs a string 'content'", "messages");
        messages.add(new Message(role.asText(), content.asText()));
      }
      prompt = codec.encodeChat(messages);
    } else {
      JsonNode p = req.get("prompt");
      if (p == null || !p.isTextual()) throw new ApiError(400, "'prompt' must be a string", "prompt");
      prompt = codec.encodeText(p.asText());
    }
    int maxTokens = intField(req, chat && req.has("max_completion_tokens") ? "max_completion_tokens" : "max_tokens",
        options.defaultMaxTokens(), 0, options.maxTokensLimit());
    int n = intField(req, "n", 1, 1, options.maxN());
    double temperature = doubleField(req, "temperature", 1.0, 0, 2);
    double topP = doubleField(req, "top_p", 1.0, 1e-9, 1);
    long seed = req.has("seed") ? req.get("seed").asLong() : System.nanoTime();
    List<String> stop = new ArrayList<>();
    JsonNode st = req.get("stop");
    if (st != null && st.isTextual()) stop.add(st.asText());
    else if (st != null && st.isArray()) for (JsonNode s : st) stop.add(s.asText());
    else if (st != null && !st.isNull()) throw new ApiError(400, "'stop' must be a string or an array of strings", "stop");
    boolean logprobs = req.has("logprobs") && (req.get("logprobs").asBoolean() || req.get("logprobs").isInt());
    boolean stream = req.path("stream").asBoolean(false);
    SamplingParams params = new SamplingParams(temperature, 0, topP, maxTokens, stop, seed);
    String id = (chat ? "chatcmpl-" : "cmpl-") + Long.toHexString(System.nanoTime());
    if (stream) {
      streamResponse(ex, prompt, params, n, chat, id);
      return;
    }
    List<CompletableFuture<Generator.Output>> futures = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) futures.add(generator.submit(prompt, params, i, null));
    } catch (IllegalArgumentException e) {
      throw new ApiError(400, e.getMessage(), chat ? "messages" : "prompt");
    }
    wake.offer(Boolean.TRUE);
    ObjectNode body = JSON.createObjectNode().put("id", id).put("object", chat ? "chat.completion" : "text_completion")
        .put("created", System.currentTimeMillis() / 1000).put("model", options.modelName());
    ArrayNode choices = body.putArray("choices");
    int completionTokens = 0;
    for (int i = 0; i < n; i++) {
      Generator.Output o = futures.get(i).join();
      completionTokens += o.ids().length;
      ObjectNode c = choices.addObject().put("index", i).put("finish_reason", o.finishReason());
      if (chat) c.putObject("message").put("role", "assistant").put("content", o.text());
      else c.put("text", o.text());
      if (logprobs) {
        ArrayNode lp = JSON.createArrayNode();
        for (int t = 0; t < o.ids().length; t++) {
          lp.addObject().put("token", codec.decode(new int[] {o.ids()[t]})).put("logprob", o.logprobs()[t]);
        }
        if (chat) c.putObject("logprobs").set("content", lp);
        else c.putObject("logprobs").set("content", lp);
      } else {
        c.putNull("logprobs");
      }
    }
    body.putObject("usage").put("prompt_tokens", prompt.length).put("completion_tokens", completionTokens)
        .put("total_tokens", prompt.length + completionTokens);
    send(ex, 200, body);
  }

  /** Server-sent events: one chunk per new piece of text, then {@code data: [DONE]}. */
  private void streamResponse(HttpExchange ex, int[] prompt, SamplingParams params, int n, boolean chat, String id)
      throws IOException {
    LinkedBlockingQueue<int[]> events = new LinkedBlockingQueue<>(); // {choice, token} or {choice, -1} at the end
    List<CompletableFuture<Generator.Output>> futures = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        final int choice = i;
        var f = generator.submit(prompt, params, i, (tok, lp) -> events.add(new int[] {choice, tok}));
        f.whenComplete((o, e) -> events.add(new int[] {choice, -1}));
        futures.add(f);
      }
    } catch (IllegalArgumentException e) {
      throw new ApiError(400, e.getMessage(), chat ? "messages" : "prompt");
    }
    wake.offer(Boolean.TRUE);
    ex.getResponseHeaders().set("Content-Type", "text/event-stream");
    ex.getResponseHeaders().set("Cache-Control", "no-cache");
    ex.sendResponseHeaders(200, 0);
    OutputStream out = ex.getResponseBody();
    int[][] ids = new int[n][0];
    String[] sent = new String[n];
    Arrays.fill(sent, "");
    int open = n;
    try {
      if (chat) {
        for (int i = 0; i < n; i++) {
          ObjectNode c = chunk(id, true);
          c.withArray("choices").addObject().put("index", i).putNull("finish_reason").putObject("delta").put("role", "assistant");
          writeEvent(out, c);
        }
      }
      while (open > 0) {
        int[] e = events.take();
        int i = e[0];
        ObjectNode c = chunk(id, chat);
        ObjectNode choice = c.withArray("choices").addObject().put("index", i);
        if (e[1] < 0) {
          Generator.Output o = futures.get(i).join();
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
          String visible = visiblePart(text, params.stopStrings());
          if (visible == null || !visible.startsWith(sent[i]) || visible.length() == sent[i].length()) continue;
          String delta = visible.substring(sent[i].length());
          sent[i] = visible;
          if (chat) choice.putObject("delta").put("content", delta);
          else choice.put("text", delta);
          choice.putNull("finish_reason");
        }
        writeEvent(out, c);
      }
      out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
      out.flush();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
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

  private static int intField(JsonNode req, String name, int dflt, int min, int max) {
    JsonNode v = req.get(name);
    if (v == null || v.isNull()) return Math.min(dflt, max);
    if (!v.isIntegralNumber()) throw new ApiError(400, "'" + name + "' must be an integer", name);
    int x = v.asInt();
    if (x < min || x > max) throw new ApiError(400, "'" + name + "' must be between " + min + " and " + max + ", got " + x, name);
    return x;
  }

  private static double doubleField(JsonNode req, String name, double dflt, double min, double max) {
    JsonNode v = req.get(name);
    if (v == null || v.isNull()) return dflt;
    if (!v.isNumber()) throw new ApiError(400, "'" + name + "' must be a number", name);
    double x = v.asDouble();
    if (!(x >= min && x <= max)) throw new ApiError(400, "'" + name + "' must be between " + min + " and " + max + ", got " + x, name);
    return x;
  }

  private static void send(HttpExchange ex, int status, JsonNode body) throws IOException {
    byte[] b = JSON.writeValueAsBytes(body);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, b.length);
    ex.getResponseBody().write(b);
  }

  private static void sendError(HttpExchange ex, int status, String message, String param) throws IOException {
    ObjectNode body = JSON.createObjectNode();
    ObjectNode err = body.putObject("error").put("message", message)
        .put("type", status >= 500 ? "server_error" : "invalid_request_error");
    if (param == null) err.putNull("param");
    else err.put("param", param);
    err.putNull("code");
    send(ex, status, body);
  }
}
