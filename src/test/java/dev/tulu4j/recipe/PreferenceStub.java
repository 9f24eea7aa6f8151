package dev.tulu4j.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tulu4j.client.RequestCache;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

/**
 * A scripted OpenAI-compatible {@code /v1/chat/completions} on 127.0.0.1 for the preference builder:
 * generator models answer {@code "<model> says <prompt> #<seed>"} (or what {@link #generate} returns),
 * the model {@code judge} answers in UltraFeedback's format with {@link #rate}'s rating per text.
 * Every request is recorded by its cache key (what the client's request cache keys it by), so a test
 * can count what was sent and what was answered. Every exchange gets a status line, headers and a
 * body, then is closed, even when the script throws (500): java.net.http never sees an empty reply.
 * With {@link #hangJudgeAfter} set, judge requests past that many answered wait until {@link #close}.
 */
final class PreferenceStub implements AutoCloseable {
  final HttpServer server;
  final String base;
  /** Keys of every request received, and of those answered 200, in arrival order. */
  final List<String> received = java.util.Collections.synchronizedList(new ArrayList<>());
  final Set<String> answered = ConcurrentHashMap.newKeySet();
  final AtomicInteger judgeAnswered = new AtomicInteger();
  final List<JsonNode> judgeBodies = java.util.Collections.synchronizedList(new ArrayList<>());
  volatile int hangJudgeAfter = Integer.MAX_VALUE;
  private final CountDownLatch release = new CountDownLatch(1);
  /** (model, body) → generated text; default {@code "<model> says <last user> #<seed>"}. */
  volatile BiFunction<String, JsonNode, String> generate =
      (model, b) -> model + " says " + lastUser(b) + " #" + b.path("seed").asLong();
  /** (aspect heading, text, request body) → the "Rating:" value written for that text. */
  volatile Rater rate = (aspect, text, body) -> String.valueOf(1 + Math.floorMod(text.hashCode(), 5));

  interface Rater {
    String rating(String aspectHeading, String text, JsonNode body);
  }

  PreferenceStub() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/v1/chat/completions", this::handle);
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
  }

  static String lastUser(JsonNode body) {
    JsonNode ms = body.path("messages");
    return ms.get(ms.size() - 1).path("content").asText();
  }

  /** The texts of a judge request, from its annotation part ({@code <text i> …} up to {@code ### Output}). */
  static List<String> texts(String user) {
    String ann = user.substring(user.lastIndexOf("## Annotation"));
    String body = ann.substring(ann.indexOf("Texts:\n") + 7, ann.lastIndexOf("\n\n### Output\n"));
    List<String> out = new ArrayList<>();
    String[] parts = ("\n" + body).split("\n<text \\d+> ", -1);
    for (int i = 1; i < parts.length; i++) out.add(parts[i]);
    return out;
  }

  private void handle(HttpExchange ex) throws IOException {
    int code = 200;
    String out;
    try {
      JsonNode body = TinyRun.JSON.readTree(ex.getRequestBody());
      String key = RequestCache.key("/chat/completions", (ObjectNode) body);
      received.add(key);
      String model = body.path("model").asText();
      if (model.equals("judge")) {
        judgeBodies.add(body);
        if (judgeAnswered.get() >= hangJudgeAfter) release.await();
        String user = lastUser(body);
        String heading = user.substring(0, user.indexOf('\n'));
        List<String> texts = texts(user);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < texts.size(); i++)
          sb.append("#### Output for Text ").append(i + 1).append("\nRating: ").append(rate.rating(heading, texts.get(i), body))
              .append("\nRationale: scripted.\n\n");
        out = completion(sb.toString().strip());
        judgeAnswered.incrementAndGet();
      } else {
        out = completion(generate.apply(model, body));
      }
      answered.add(key);
    } catch (Exception e) {
      code = 500;
      out = "{\"error\":{\"message\":" + TinyRun.JSON.valueToTree(String.valueOf(e)) + "}}";
    }
    try {
      byte[] bytes = out.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "application/json");
      ex.sendResponseHeaders(code, bytes.length);
      ex.getResponseBody().write(bytes);
    } catch (IOException clientGone) {
      // a killed client: nothing to answer
    } finally {
      ex.close();
    }
  }

  static String completion(String content) {
    return "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
        + TinyRun.JSON.valueToTree(content) + "},\"finish_reason\":\"stop\"}],"
        + "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5,\"total_tokens\":15}}";
  }

  @Override
  public void close() {
    release.countDown();
    server.stop(0);
  }
}
