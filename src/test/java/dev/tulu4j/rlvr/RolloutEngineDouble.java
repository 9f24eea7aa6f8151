package dev.tulu4j.rlvr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tulu4j.checkpoint.HfCheckpoint;
import dev.tulu4j.checkpoint.PeftAdapter;
import dev.tulu4j.generate.Generator;
import dev.tulu4j.generate.LlamaStepModel;
import dev.tulu4j.generate.SamplingParams;
import dev.tulu4j.io.Tensor;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.model.LoraAdapter;
import dev.tulu4j.model.Parameter;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A one-process stand-in for a vLLM / SGLang server in front of our own engine: {@code /v1/models},
 * {@code /v1/completions} with token-id prompts, {@code logprobs} and {@code return_token_ids}
 * (vLLM's request fields; any other field is refused, so a drift in what the client sends fails),
 * vLLM's {@code /v1/load_lora_adapter} / {@code /v1/unload_lora_adapter} (plain-text success, 400 on
 * a name already loaded, 404 on an unknown one) and SGLang's {@code /update_weights_from_disk}.
 * Sampling runs the same {@link Generator} as in-process rollouts, over the base weights plus the
 * adapter the request names. {@link #stale} makes it acknowledge weight updates without applying
 * them: the "sync skipped" failure the trainer's check must catch.
 */
final class RolloutEngineDouble implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> COMPLETION_FIELDS = Set.of("model", "prompt", "n", "max_tokens", "temperature",
      "top_p", "seed", "logprobs", "return_token_ids", "return_tokens_as_token_ids", "skip_special_tokens");

  private final HttpServer http;
  private final LlamaModel base;
  private final String name;
  private final Map<String, LoraAdapter> adapters = new LinkedHashMap<>();
  final AtomicInteger completions = new AtomicInteger();
  final AtomicInteger loads = new AtomicInteger();
  final AtomicInteger fullUpdates = new AtomicInteger();
  final List<String> models = new ArrayList<>();
  volatile boolean stale;

  /** Serves {@code base} (its weights are this server's: full updates write into them) as {@code name}. */
  RolloutEngineDouble(LlamaModel base, String name) throws IOException {
    this.base = base;
    this.name = name;
    this.http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    http.createContext("/", this::handle);
    http.start();
  }

  String url() {
    return "http://127.0.0.1:" + http.getAddress().getPort() + "/v1";
  }

  @Override
  public void close() {
    http.stop(0);
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getPath();
      try {
        if (path.equals("/v1/models")) {
          ObjectNode r = JSON.createObjectNode();
          r.putArray("data").addObject().put("id", name);
          send(ex, 200, r.toString());
          return;
        }
        JsonNode req = JSON.readTree(ex.getRequestBody().readAllBytes());
        switch (path) {
          case "/v1/completions" -> send(ex, 200, completion(req).toString());
          case "/v1/load_lora_adapter" -> send(ex, 200, load(req));
          case "/v1/unload_lora_adapter" -> send(ex, 200, unload(req));
          case "/update_weights_from_disk" -> send(ex, 200, updateWeights(req));
          default -> throw new Refused(404, "no route " + path);
        }
      } catch (Refused e) {
        ObjectNode err = JSON.createObjectNode();
        err.putObject("error").put("message", e.getMessage()).put("code", e.status);
        send(ex, e.status, err.toString());
      }
    }
  }

  private synchronized ObjectNode completion(JsonNode req) {
    req.fieldNames().forEachRemaining(f -> {
      if (!COMPLETION_FIELDS.contains(f)) throw new Refused(400, "unexpected field " + f);
    });
    String model = req.path("model").asText();
    LlamaModel m;
    if (model.equals(name)) m = base;
    else if (adapters.containsKey(model)) {
      m = base.frozenView();
      m.attachLora(adapters.get(model));
    } else throw new Refused(404, "The model '" + model + "' does not exist.");
    models.add(model);
    if (!req.path("prompt").isArray() || !req.path("return_token_ids").asBoolean() || req.path("logprobs").asInt() < 1
        || !req.path("seed").isIntegralNumber() || req.path("n").asInt() != 1)
      throw new Refused(400, "expected token-id prompt, n 1, seed, logprobs >= 1, return_token_ids");
    int[] prompt = new int[req.path("prompt").size()];
    for (int i = 0; i < prompt.length; i++) prompt[i] = req.path("prompt").get(i).asInt();
    int max = req.path("max_tokens").asInt();
    SamplingParams p = new SamplingParams(req.path("temperature").asDouble(), 0, req.path("top_p").asDouble(), max,
        List.of(), req.path("seed").asLong());
    Generator g = new Generator(new LlamaStepModel(m, 1, prompt.length + max), m.config().eosIds(), ToyTask.DECODER);
    Generator.Output o = g.generate(List.of(new Generator.Request(prompt, 1, p)), null).getFirst().getFirst();
    completions.incrementAndGet();
    ObjectNode r = JSON.createObjectNode();
    ObjectNode c = r.putArray("choices").addObject();
    c.put("index", 0).put("text", o.text() == null ? "" : o.text()).put("finish_reason", o.finishReason());
    ArrayNode ids = c.putArray("token_ids");
    for (int id : o.ids()) ids.add(id);
    ObjectNode lp = c.putObject("logprobs");
    ArrayNode tl = lp.putArray("token_logprobs");
    ArrayNode toks = lp.putArray("tokens");
    for (int k = 0; k < o.ids().length; k++) {
      tl.add(o.logprobs()[k]);
      toks.add("token_id:" + o.ids()[k]);
    }
    r.putObject("usage").put("prompt_tokens", prompt.length).put("completion_tokens", o.ids().length);
    return r;
  }

  private synchronized String load(JsonNode req) {
    String n = req.path("lora_name").asText(), path = req.path("lora_path").asText();
    if (n.isEmpty() || path.isEmpty()) throw new Refused(400, "Both 'lora_name' and 'lora_path' must be provided.");
    if (adapters.containsKey(n)) throw new Refused(400, "The lora adapter '" + n + "' has already been loaded.");
    loads.incrementAndGet();
    LoraAdapter a = stale && !adapters.isEmpty() ? adapters.values().iterator().next()
        : PeftAdapter.load(Path.of(path), base.config()).adapter();
    adapters.put(n, a);
    return "Success: LoRA adapter '" + n + "' added successfully.";
  }

  private synchronized String unload(JsonNode req) {
    String n = req.path("lora_name").asText();
    if (adapters.remove(n) == null) throw new Refused(404, "The lora adapter '" + n + "' cannot be found.");
    return "Success: LoRA adapter '" + n + "' removed successfully.";
  }

  private synchronized String updateWeights(JsonNode req) {
    fullUpdates.incrementAndGet();
    if (!stale) {
      Map<String, Tensor> t = HfCheckpoint.load(Path.of(req.path("model_path").asText())).tensors();
      for (Parameter p : base.parameters()) {
        Tensor src = t.get(p.name());
        if (src == null) throw new Refused(400, "no tensor " + p.name());
        System.arraycopy(src.data(), 0, p.data(), 0, p.data().length);
      }
    }
    return JSON.createObjectNode().put("success", true).put("message", "Succeeded to update model weights.").toString();
  }

  private static void send(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", body.startsWith("{") ? "application/json" : "text/plain");
    ex.sendResponseHeaders(status, b.length);
    ex.getResponseBody().write(b);
  }

  private static final class Refused extends RuntimeException {
    final int status;

    Refused(int status, String message) {
      super(message);
      this.status = status;
    }
  }
}
