package dev.tulu4j.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The endpoint client against scripted HTTP servers on 127.0.0.1: retries (429/5xx with and without
 * Retry-After), immediate failure on other 4xx, the model name from /v1/models, the in-flight limit,
 * load spread over servers, and the request cache (a re-run re-sends nothing it has).
 */
class OpenAiClientTest {
  /** A server that answers every request with {@code script.apply(requestNumber)}: status, headers and body. */
  record Reply(int status, String retryAfter, String body) {
    static Reply ok(String text) {
      return new Reply(200, null, "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"" + text
          + "\"}}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2}}");
    }
  }

  final List<HttpServer> servers = new ArrayList<>();
  final ConcurrentLinkedQueue<String> bodies = new ConcurrentLinkedQueue<>();

  URI serve(Function<Integer, Reply> script, AtomicInteger inFlight, AtomicInteger maxInFlight, long delayMs) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    AtomicInteger n = new AtomicInteger();
    s.setExecutor(Executors.newFixedThreadPool(32));
    s.createContext("/", (HttpExchange ex) -> {
      try (ex) {
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Reply r;
        if (ex.getRequestURI().getPath().equals("/v1/models")) {
          r = new Reply(200, null, "{\"object\":\"list\",\"data\":[{\"id\":\"served-model\",\"object\":\"model\"}]}");
        } else {
          bodies.add(body);
          int now = inFlight.incrementAndGet();
          maxInFlight.accumulateAndGet(now, Math::max);
          try {
            if (delayMs > 0) Thread.sleep(delayMs);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          r = script.apply(n.getAndIncrement());
          inFlight.decrementAndGet();
        }
        if (r.retryAfter() != null) ex.getResponseHeaders().add("Retry-After", r.retryAfter());
        byte[] b = r.body().getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(r.status(), b.length);
        ex.getResponseBody().write(b);
      }
    });
    s.start();
    servers.add(s);
    return URI.create("http://127.0.0.1:" + s.getAddress().getPort() + "/v1");
  }

  URI serve(Function<Integer, Reply> script) throws IOException {
    return serve(script, new AtomicInteger(), new AtomicInteger(), 0);
  }

  @AfterEach
  void stop() {
    servers.forEach(s -> s.stop(0));
  }

  static ObjectNode chat(String content) {
    ObjectNode b = JsonNodeFactory.instance.objectNode();
    b.putArray("messages").addObject().put("role", "user").put("content", content);
    b.put("max_tokens", 8);
    return b;
  }

  static EndpointOptions fast(List<URI> urls, String model) {
    return EndpointOptions.of(urls, model, null).withRetries(3, Duration.ofMillis(5));
  }

  @Test
  void retriesServerErrorsAndTooManyRequestsThenSucceeds() throws Exception {
    URI u = serve(i -> i == 0 ? new Reply(503, null, "{\"error\":{\"message\":\"warming up\"}}")
        : i == 1 ? new Reply(429, "0", "{}") : Reply.ok("hi"));
    try (OpenAiClient c = OpenAiClient.open(fast(List.of(u), "m"))) {
      JsonNode r = c.post("/chat/completions", chat("x"));
      assertThat(r.path("choices").path(0).path("message").path("content").asText()).isEqualTo("hi");
      assertThat(c.usage().retries()).isEqualTo(2);
      assertThat(c.usage().sent()).isEqualTo(3);
      assertThat(c.usage().promptTokens()).isEqualTo(3);
      assertThat(c.usage().completionTokens()).isEqualTo(2);
    }
  }

  @Test
  void honoursRetryAfterSeconds() throws Exception {
    URI u = serve(i -> i == 0 ? new Reply(429, "1", "{}") : Reply.ok("late"));
    try (OpenAiClient c = OpenAiClient.open(fast(List.of(u), "m"))) {
      long t0 = System.nanoTime();
      c.post("/chat/completions", chat("x"));
      assertThat((System.nanoTime() - t0) / 1e6).as("waited for Retry-After: 1").isGreaterThanOrEqualTo(990);
    }
    assertThat(OpenAiClient.retryAfterMillis(java.util.Optional.of("2.5"))).isEqualTo(2500);
    assertThat(OpenAiClient.retryAfterMillis(java.util.Optional.of("Wed, 21 Oct 2015 07:28:00 GMT"))).isZero(); // in the past
    assertThat(OpenAiClient.retryAfterMillis(java.util.Optional.of("soon"))).isEqualTo(-1);
  }

  @Test
  void clientErrorsFailAtOnceWithTheServersMessage() throws Exception {
    URI u = serve(i -> new Reply(400, null, "{\"error\":{\"message\":\"max_tokens is too large\",\"type\":\"invalid_request_error\"}}"));
    try (OpenAiClient c = OpenAiClient.open(fast(List.of(u), "m"))) {
      assertThatThrownBy(() -> c.post("/chat/completions", chat("x")))
          .isInstanceOf(EndpointException.class).hasMessageContaining("HTTP 400: max_tokens is too large");
      assertThat(c.usage().sent()).isEqualTo(1);
    }
  }

  @Test
  void givesUpAfterTheRetriesNamingTheLastError() throws Exception {
    URI u = serve(i -> new Reply(502, null, "bad gateway"));
    try (OpenAiClient c = OpenAiClient.open(fast(List.of(u), "m"))) {
      assertThatThrownBy(() -> c.post("/chat/completions", chat("x")))
          .isInstanceOf(EndpointException.class).hasMessageContaining("after 4 attempt(s)").hasMessageContaining("HTTP 502");
    }
  }

  @Test
  void connectionRefusedIsRetriedThenReported() throws Exception {
    URI dead = URI.create("http://127.0.0.1:1/v1");
    try (OpenAiClient c = OpenAiClient.open(fast(List.of(dead), "m"))) {
      assertThatThrownBy(() -> c.post("/chat/completions", chat("x"))).isInstanceOf(EndpointException.class)
          .hasMessageContaining("127.0.0.1:1");
      assertThat(c.usage().retries()).isEqualTo(3);
    }
  }

  @Test
  void modelNameDefaultsToTheFirstServedModel() throws Exception {
    URI u = serve(i -> Reply.ok("x"));
    try (OpenAiClient c = OpenAiClient.open(fast(List.of(u), null))) {
      assertThat(c.model()).isEqualTo("served-model");
      c.post("/chat/completions", chat("x"));
      assertThat(bodies.peek()).contains("\"model\":\"served-model\"");
    }
  }

  @Test
  void keepsAtMostTheLimitInFlightPerServerAndSpreadsTheLoad() throws Exception {
    AtomicInteger in1 = new AtomicInteger(), max1 = new AtomicInteger(), in2 = new AtomicInteger(), max2 = new AtomicInteger();
    AtomicInteger served1 = new AtomicInteger(), served2 = new AtomicInteger();
    URI a = serve(i -> { served1.incrementAndGet(); return Reply.ok("a"); }, in1, max1, 40);
    URI b = serve(i -> { served2.incrementAndGet(); return Reply.ok("b"); }, in2, max2, 40);
    List<ObjectNode> reqs = new ArrayList<>();
    for (int i = 0; i < 40; i++) reqs.add(chat("q" + i));
    try (OpenAiClient c = OpenAiClient.open(fast(List.of(a, b), "m").withMaxInFlight(3))) {
      AtomicInteger reported = new AtomicInteger();
      List<JsonNode> out = c.postAll("/chat/completions", reqs, reported::set);
      assertThat(out).hasSize(40);
      assertThat(reported.get()).isEqualTo(40);
    }
    assertThat(max1.get()).isBetween(2, 3);
    assertThat(max2.get()).isBetween(2, 3);
    assertThat(served1.get() + served2.get()).isEqualTo(40);
    assertThat(Math.abs(served1.get() - served2.get())).as("load spread: %d vs %d", served1.get(), served2.get()).isLessThanOrEqualTo(8);
  }

  @Test
  void aRerunAfterAFailureResendsOnlyWhatWasNotAnswered(@TempDir Path dir) throws Exception {
    // first run: the server dies (400) at its 6th request; the 5 answered ones are cached
    AtomicInteger calls = new AtomicInteger();
    URI u = serve(i -> { calls.incrementAndGet(); return i < 5 ? Reply.ok("r") : new Reply(400, null, "{\"error\":{\"message\":\"gone\"}}"); },
        new AtomicInteger(), new AtomicInteger(), 0);
    List<ObjectNode> reqs = new ArrayList<>();
    for (int i = 0; i < 12; i++) reqs.add(chat("q" + i));
    Path cache = dir.resolve("requests.jsonl");
    try (OpenAiClient c = OpenAiClient.open(fast(List.of(u), "m").withMaxInFlight(1).withCache(cache))) {
      assertThatThrownBy(() -> c.postAll("/chat/completions", reqs.stream().map(ObjectNode::deepCopy).toList(), null))
          .isInstanceOf(EndpointException.class);
    }
    int answeredFirst = (int) Files.readAllLines(cache).size();
    assertThat(answeredFirst).isEqualTo(5);
    // a torn last line, as a kill in the middle of a write leaves it
    Files.writeString(cache, "{\"key\":\"abc\",\"resp", java.nio.file.StandardOpenOption.APPEND);
    // second run on a healthy server: only the 7 missing requests are sent
    AtomicInteger calls2 = new AtomicInteger();
    URI u2 = serve(i -> { calls2.incrementAndGet(); return Reply.ok("r"); });
    try (OpenAiClient c = OpenAiClient.open(fast(List.of(u2), "m").withCache(cache))) {
      List<JsonNode> out = c.postAll("/chat/completions", reqs.stream().map(ObjectNode::deepCopy).toList(), null);
      assertThat(out).hasSize(12);
      assertThat(calls2.get()).isEqualTo(7);
      assertThat(c.usage().cacheHits()).isEqualTo(5);
    }
    assertThat(Files.readAllLines(cache)).hasSize(12);
  }

  @Test
  void theCacheKeyIsTheWholeRequestWhateverItsKeyOrder() {
    ObjectNode a = chat("x").put("temperature", 0.7).put("seed", 3);
    ObjectNode b = JsonNodeFactory.instance.objectNode().put("seed", 3).put("temperature", 0.7).put("max_tokens", 8);
    b.putArray("messages").addObject().put("role", "user").put("content", "x");
    assertThat(RequestCache.key("/chat/completions", a)).isEqualTo(RequestCache.key("/chat/completions", b));
    assertThat(RequestCache.key("/completions", a)).isNotEqualTo(RequestCache.key("/chat/completions", a));
    assertThat(RequestCache.key("/chat/completions", a.deepCopy().put("seed", 4)))
        .isNotEqualTo(RequestCache.key("/chat/completions", a));
  }

  @Test
  void aCorruptCacheLineIsReportedWithFileAndLine(@TempDir Path dir) throws Exception {
    Path cache = dir.resolve("requests.jsonl");
    Files.writeString(cache, "{\"key\":\"a\",\"response\":{}}\nnot json\n{\"key\":\"b\",\"response\":{}}\n");
    assertThatThrownBy(() -> RequestCache.open(cache)).hasMessageContaining("requests.jsonl:2:");
  }

  @Test
  void broadcastReachesEveryServerAtItsRoot() throws Exception {
    URI a = serve(i -> new Reply(200, null, "{\"success\":true}"));
    URI b = serve(i -> new Reply(200, null, "{\"success\":true}"));
    try (OpenAiClient c = OpenAiClient.open(fast(List.of(a, b), "m"))) {
      var rs = c.broadcast("/update_weights_from_disk", JsonNodeFactory.instance.objectNode().put("model_path", "/w"), true);
      assertThat(rs).hasSize(2).allSatisfy(r -> assertThat(r.path("success").asBoolean()).isTrue());
    }
    assertThat(OpenAiClient.rootOf(URI.create("http://h:8000/v1"))).isEqualTo("http://h:8000");
  }

  @Test
  void rejectsUrlsThatAreNotHttp() {
    assertThatThrownBy(() -> EndpointOptions.of(EndpointOptions.parseUrls("localhost:8000"), null, null))
        .hasMessageContaining("not an http(s) URL such as http://127.0.0.1:8000/v1");
    assertThatThrownBy(() -> EndpointOptions.of(EndpointOptions.parseUrls("ftp://h/v1"), null, null))
        .hasMessageContaining("not an http(s) URL");
  }
}
