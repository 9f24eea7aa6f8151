package dev.tulu4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local OpenAI-compatible server for the AlpacaEval tests. Requests for model {@code "judge"} are
 * answered like the scripted judge of {@code tools/golden/alpaca_eval_lc.py}: one token with top
 * log-probabilities P(m) = 0.9·p, P(M) = 0.9·(1 − p), P(Both) = 0.1, where p = len(first)/(len(first) +
 * len(second)) + 0.1 clipped to [0.02, 0.98] (a bias towards the output shown first, so the order swap
 * matters); an instruction holding {@code [only-M]} gets only M, one holding {@code [none]} neither.
 * Other models answer the user turn from {@code answers} (the model under test).
 */
public final class ScriptedAlpacaEndpoint implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern LOWER = Pattern.compile("\"model_identifier\": \"m\",\\s*\"output\": \"\"\"(.*?)\"\"\"", Pattern.DOTALL);
  private static final Pattern UPPER = Pattern.compile("\"model_identifier\": \"M\",\\s*\"output\": \"\"\"(.*?)\"\"\"", Pattern.DOTALL);
  private final HttpServer server;
  private final Map<String, String> answers;
  /** Every judge request body, in arrival order. */
  public final List<JsonNode> judgeRequests = Collections.synchronizedList(new ArrayList<>());
  /** Every generation request body. */
  public final List<JsonNode> modelRequests = Collections.synchronizedList(new ArrayList<>());
  /** When false the judge answers without logprobs (a server that does not support them). */
  public volatile boolean logprobs = true;

  public ScriptedAlpacaEndpoint(Map<String, String> answers) throws IOException {
    this.answers = answers;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.createContext("/v1/chat/completions", ex -> {
      try {
        JsonNode req = JSON.readTree(ex.getRequestBody());
        ObjectNode choice = JSON.createObjectNode().put("index", 0).put("finish_reason", "length");
        if (req.path("model").asText().equals("judge")) {
          judgeRequests.add(req);
          choice.putObject("message").put("role", "assistant").put("content", "m");
          if (logprobs) {
            ArrayNode top = choice.putObject("logprobs").putArray("content").addObject().put("token", "m")
                .put("logprob", 0).putArray("top_logprobs");
            for (Map.Entry<String, Double> t : judge(req.at("/messages/1/content").asText()))
              top.addObject().put("token", t.getKey()).put("logprob", t.getValue());
          }
        } else {
          modelRequests.add(req);
          String user = req.at("/messages/0/content").asText();
          choice.put("finish_reason", "stop").putObject("message").put("role", "assistant")
              .put("content", answers.getOrDefault(user, "I do not know."));
        }
        ObjectNode body = JSON.createObjectNode().put("id", "x");
        body.putArray("choices").add(choice);
        byte[] b = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(200, b.length);
        ex.getResponseBody().write(b);
      } finally {
        ex.close();
      }
    });
    server.start();
  }

  /** The scripted judge's top log-probabilities for one user turn. */
  static List<Map.Entry<String, Double>> judge(String user) {
    if (user.contains("[none]")) return List.of(Map.entry("The", -0.1), Map.entry("Both", -2.5));
    if (user.contains("[only-M]")) return List.of(Map.entry("M", Math.log(0.9)), Map.entry("The", Math.log(0.1)));
    Matcher a = LOWER.matcher(user);
    Matcher b = UPPER.matcher(user);
    if (!a.find() || !b.find()) throw new IllegalStateException("no outputs in the judge prompt");
    int la = a.group(1).codePointCount(0, a.group(1).length());
    int lb = b.group(1).codePointCount(0, b.group(1).length());
    double p = Math.min(0.98, Math.max(0.02, (double) la / (la + lb) + 0.1));
    return List.of(Map.entry("M", Math.log(0.9 * (1 - p))), Map.entry("m", Math.log(0.9 * p)), Map.entry("Both", Math.log(0.1)));
  }

  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
  }

  /** The model outputs of the fixture, keyed by instruction. */
  public static Map<String, String> fixtureAnswers(java.nio.file.Path fixture) throws IOException {
    Map<String, String> m = new java.util.LinkedHashMap<>();
    for (JsonNode n : JSON.readTree(fixture.resolve("model_outputs.json").toFile()))
      m.put(n.get("instruction").asText(), n.get("output").asText());
    return m;
  }

  @Override
  public void close() {
    server.stop(0);
    ((ExecutorService) server.getExecutor()).shutdownNow();
  }
}
