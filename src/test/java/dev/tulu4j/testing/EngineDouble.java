package dev.tulu4j.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

/**
 * A test double of a vLLM server (with SGLang's {@code /update_weights_from_disk}) on 127.0.0.1
 * that accepts only request bodies shaped as the engines declare them ({@link EngineProtocol}) and
 * answers with the engines' response and error bodies:
 *
 * <ul>
 *   <li>{@code GET /v1/models}: vLLM's {@code ModelList} (base card with {@code root} and
 *       {@code max_model_len}, one card per loaded adapter with {@code parent});
 *   <li>{@code POST /v1/completions}, {@code /v1/chat/completions}: the text {@link #text} returns,
 *       one pseudo-token per character (id = code point), with {@code logprobs} in vLLM's shapes
 *       (legacy completions shape, {@code echo} prepending one entry per prompt token, the first
 *       null; chat's {@code content[]}), {@code token_ids}/{@code prompt_token_ids} on
 *       {@code return_token_ids};
 *   <li>{@code POST /v1/load_lora_adapter}, {@code /v1/unload_lora_adapter}: vLLM's plain-text
 *       success and its 400/404 errors ({@code OpenAIServingModels});
 *   <li>{@code POST /update_weights_from_disk}: SGLang's {@code {success, message,
 *       num_paused_requests}}, 200 or 400.
 * </ul>
 *
 * A body that breaks the protocol is answered as the engine answers a validation error (vLLM: 400
 * {@code {"error": {"message", "type": "BadRequestError", "param", "code": 400}}}; SGLang/FastAPI:
 * 422 {@code {"detail": [...]}}) and recorded in {@link #violations}, so a test asserts none.
 */
public final class EngineDouble implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final String model;
  /** Route → violations found in bodies sent to it. */
  public final Map<String, List<String>> violations = new ConcurrentHashMap<>();
  /** Route → requests received. */
  public final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();
  /** Every body received, in arrival order, as {@code route → body}. */
  public final List<Map.Entry<String, JsonNode>> bodies = Collections.synchronizedList(new ArrayList<>());
  private final Map<String, String> adapters = Collections.synchronizedMap(new LinkedHashMap<>());
  /** (route, body) → generated text; default {@code "The answer is 42."}. */
  public volatile BiFunction<String, JsonNode, String> text = (route, body) -> "The answer is 42.";

  public EngineDouble(String model) throws IOException {
    this.model = model;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", this::handle);
    server.start();
  }

  /** The API base, {@code http://127.0.0.1:PORT/v1}. */
  public String base() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
  }

  public int count(String route) {
    AtomicInteger n = requests.get(route);
    return n == null ? 0 : n.get();
  }

  /** Every violation, as {@code route: message}. */
  public List<String> allViolations() {
    List<String> out = new ArrayList<>();
    violations.forEach((r, vs) -> vs.forEach(v -> out.add(r + ": " + v)));
    return out;
  }

  public List<String> loadedAdapters() {
    synchronized (adapters) {
      return List.copyOf(adapters.keySet());
    }
  }

  private record Reply(int status, String contentType, String body) {
    static Reply json(int status, JsonNode n) {
      return new Reply(status, "application/json", n.toString());
    }
  }

  private void handle(HttpExchange ex) throws IOException {
    Reply r;
    try {
      String route = ex.getRequestURI().getPath();
      String method = ex.getRequestMethod();
      requests.computeIfAbsent(route, k -> new AtomicInteger()).incrementAndGet();
      if (method.equals("GET") && route.equals("/v1/models")) r = Reply.json(200, models());
      else if (!method.equals("POST")) r = notFound();
      else {
        JsonNode body;
        try {
          body = JSON.readTree(ex.getRequestBody());
        } catch (IOException e) {
          body = null;
        }
        bodies.add(Map.entry(route, body == null ? JSON.nullNode() : body));
        r = switch (route) {
          case "/v1/completions" -> completions(route, body, false);
          case "/v1/chat/completions" -> completions(route, body, true);
          case "/v1/load_lora_adapter" -> loadLora(route, body);
          case "/v1/unload_lora_adapter" -> unloadLora(route, body);
          case "/update_weights_from_disk" -> updateWeights(route, body);
          default -> notFound();
        };
      }
    } catch (RuntimeException e) {
      r = Reply.json(500, vllmError(500, "InternalServerError", String.valueOf(e)));
    }
    try {
      byte[] b = r.body().getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", r.contentType());
      ex.sendResponseHeaders(r.status(), b.length);
      ex.getResponseBody().write(b);
    } finally {
      ex.close();
    }
  }

  private static Reply notFound() {
    return Reply.json(404, JSON.createObjectNode().put("detail", "Not Found")); // FastAPI's unknown route
  }

  private boolean violated(String route, List<String> v) {
    if (v.isEmpty()) return false;
    violations.computeIfAbsent(route, k -> Collections.synchronizedList(new ArrayList<>())).addAll(v);
    return true;
  }

  static ObjectNode vllmError(int status, String type, String message) {
    ObjectNode b = JSON.createObjectNode();
    b.putObject("error").put("message", message).put("type", type).putNull("param").put("code", status);
    return b;
  }

  private ObjectNode models() {
    ObjectNode list = JSON.createObjectNode().put("object", "list");
    ArrayNode data = list.putArray("data");
    data.addObject().put("id", model).put("object", "model").put("created", 0).put("owned_by", "vllm")
        .put("root", model).putNull("parent").put("max_model_len", 4096).putArray("permission");
    synchronized (adapters) {
      adapters.forEach((name, path) -> data.addObject().put("id", name).put("object", "model").put("created", 0)
          .put("owned_by", "vllm").put("root", path).put("parent", model).putNull("max_model_len").putArray("permission"));
    }
    return list;
  }

  private Reply completions(String route, JsonNode body, boolean chat) {
    List<String> v = body == null ? List.of("the body is not JSON")
        : chat ? EngineProtocol.vllmChat(body) : EngineProtocol.vllmCompletion(body);
    if (violated(route, v)) return Reply.json(400, vllmError(400, "BadRequestError", String.join("; ", v)));
    String name = body.path("model").asText(model);
    if (!name.equals(model) && !loadedAdapters().contains(name)) {
      ObjectNode e = vllmError(404, "NotFoundError", "The model `" + name + "` does not exist.");
      ((ObjectNode) e.get("error")).put("param", "model");
      return Reply.json(404, e);
    }
    int n = body.path("n").asInt(1);
    int maxTokens = body.has("max_completion_tokens") ? body.path("max_completion_tokens").asInt()
        : body.path("max_tokens").asInt(chat ? 1 << 20 : 16);
    boolean echo = !chat && body.path("echo").asBoolean(false);
    boolean asIds = body.path("return_tokens_as_token_ids").asBoolean(false);
    boolean ids = body.path("return_token_ids").asBoolean(false);
    int[] prompt = promptIds(body, chat);
    ObjectNode out = JSON.createObjectNode().put("id", (chat ? "chatcmpl-" : "cmpl-") + System.nanoTime())
        .put("object", chat ? "chat.completion" : "text_completion").put("created", System.currentTimeMillis() / 1000)
        .put("model", name);
    ArrayNode choices = out.putArray("choices");
    int completionTokens = 0;
    for (int i = 0; i < n; i++) {
      String full = text.apply(route, body);
      String gen = full.length() > maxTokens ? full.substring(0, maxTokens) : full;
      int[] genIds = gen.codePoints().toArray();
      completionTokens += genIds.length;
      ObjectNode c = choices.addObject().put("index", i);
      if (chat) c.putObject("message").put("role", "assistant").put("content", gen).putNull("refusal").putArray("tool_calls");
      else c.put("text", (echo ? promptText(body) : "") + gen);
      boolean lp = chat ? body.path("logprobs").asBoolean(false) : body.has("logprobs") && !body.get("logprobs").isNull();
      if (!lp) c.putNull("logprobs");
      else if (chat) {
        ArrayNode content = c.putObject("logprobs").putArray("content");
        for (int t : genIds) {
          ObjectNode e = content.addObject().put("token", token(t, asIds)).put("logprob", -0.25);
          ArrayNode bytes = e.putArray("bytes");
          for (byte b : token(t, asIds).getBytes(StandardCharsets.UTF_8)) bytes.add(b & 0xff);
          ArrayNode top = e.putArray("top_logprobs");
          for (int k = 0; k < body.path("top_logprobs").asInt(0); k++) top.addObject().put("token", token(t + k, asIds))
              .put("logprob", -0.25 - k).putArray("bytes");
        }
      } else {
        ObjectNode l = c.putObject("logprobs");
        ArrayNode tokens = l.putArray("tokens"), lps = l.putArray("token_logprobs"), tops = l.putArray("top_logprobs"),
            offs = l.putArray("text_offset");
        int off = 0;
        List<Integer> all = new ArrayList<>();
        if (echo) for (int t : prompt) all.add(t);
        for (int t : genIds) all.add(t);
        for (int j = 0; j < all.size(); j++) {
          String tok = token(all.get(j), asIds);
          tokens.add(tok);
          offs.add(off);
          off += tok.length();
          if (echo && j == 0) {
            lps.addNull();
            tops.addNull();
          } else {
            double value = -0.1 * (1 + j % 7);
            lps.add(value);
            tops.addObject().put(tok, value);
          }
        }
      }
      c.put("finish_reason", gen.length() < full.length() ? "length" : "stop").putNull("stop_reason");
      if (ids) {
        ArrayNode t = c.putArray("token_ids");
        for (int x : genIds) t.add(x);
        if (!chat) {
          ArrayNode p = c.putArray("prompt_token_ids");
          for (int x : prompt) p.add(x);
        }
      }
    }
    if (chat && ids) {
      ArrayNode p = out.putArray("prompt_token_ids");
      for (int x : prompt) p.add(x);
    }
    out.putObject("usage").put("prompt_tokens", prompt.length).put("total_tokens", prompt.length + completionTokens)
        .put("completion_tokens", completionTokens).putNull("prompt_tokens_details");
    return Reply.json(200, out);
  }

  private static String token(int id, boolean asIds) {
    return asIds ? "token_id:" + id : Character.isValidCodePoint(id) ? new String(Character.toChars(id)) : "?";
  }

  private static int[] promptIds(JsonNode body, boolean chat) {
    if (chat) {
      StringBuilder sb = new StringBuilder();
      for (JsonNode m : body.get("messages")) sb.append(m.path("content").asText());
      return sb.codePoints().toArray();
    }
    JsonNode p = body.get("prompt");
    if (p.isTextual()) return p.asText().codePoints().toArray();
    if (p.isArray() && p.get(0).isNumber()) {
      int[] out = new int[p.size()];
      for (int i = 0; i < out.length; i++) out[i] = p.get(i).asInt();
      return out;
    }
    throw new IllegalArgumentException("the double answers one prompt per request");
  }

  private static String promptText(JsonNode body) {
    JsonNode p = body.get("prompt");
    return p.isTextual() ? p.asText() : "";
  }

  private static Reply text(String s) {
    return new Reply(200, "text/plain; charset=utf-8", s);
  }

  private Reply loadLora(String route, JsonNode body) {
    List<String> v = body == null ? List.of("the body is not JSON") : EngineProtocol.vllmLoadLora(body);
    if (violated(route, v)) return Reply.json(400, vllmError(400, "BadRequestError", String.join("; ", v)));
    String name = body.get("lora_name").asText(), path = body.get("lora_path").asText();
    if (name.isEmpty() || path.isEmpty())
      return Reply.json(400, vllmError(400, "InvalidUserInput", "Both 'lora_name' and 'lora_path' must be provided."));
    synchronized (adapters) {
      if (adapters.containsKey(name) && !body.path("load_inplace").asBoolean(false))
        return Reply.json(400, vllmError(400, "InvalidUserInput", "The lora adapter '" + name + "' has already been loaded. "
            + "If you want to load the adapter in place, set 'load_inplace' to True."));
      if (!Files.isRegularFile(Path.of(path, "adapter_config.json")))
        return Reply.json(404, vllmError(404, "NotFoundError", "Loading lora " + name + " failed: No adapter found for " + path));
      adapters.put(name, path);
    }
    return text("Success: LoRA adapter '" + name + "' added successfully.");
  }

  private Reply unloadLora(String route, JsonNode body) {
    List<String> v = body == null ? List.of("the body is not JSON") : EngineProtocol.vllmUnloadLora(body);
    if (violated(route, v)) return Reply.json(400, vllmError(400, "BadRequestError", String.join("; ", v)));
    String name = body.get("lora_name").asText();
    if (adapters.remove(name) == null)
      return Reply.json(404, vllmError(404, "NotFoundError", "The lora adapter '" + name + "' cannot be found."));
    return text("Success: LoRA adapter '" + name + "' removed successfully.");
  }

  private Reply updateWeights(String route, JsonNode body) {
    List<String> v = body == null ? List.of("the body is not JSON") : EngineProtocol.sglangUpdateWeightsFromDisk(body);
    if (violated(route, v)) {
      ObjectNode d = JSON.createObjectNode();
      ArrayNode detail = d.putArray("detail");
      for (String m : v) detail.addObject().put("type", "value_error").put("msg", m).putArray("loc").add("body");
      return Reply.json(422, d); // FastAPI's request-validation answer
    }
    String path = body.get("model_path").asText();
    boolean ok = Files.isDirectory(Path.of(path));
    ObjectNode r = JSON.createObjectNode().put("success", ok)
        .put("message", ok ? "Succeeded to update model weights." : "Failed to get weights iterator: " + path + " does not exist")
        .put("num_paused_requests", 0);
    return Reply.json(ok ? 200 : 400, r);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
