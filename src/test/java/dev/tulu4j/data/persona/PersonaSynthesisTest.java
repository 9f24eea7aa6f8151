package dev.tulu4j.data.persona;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.tulu4j.cli.Main;
import dev.tulu4j.data.Json;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against a local OpenAI-compatible server that answers 429, then 500, then 200 for every persona. */
class PersonaSynthesisTest {
  @TempDir Path dir;
  HttpServer server;
  final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  final AtomicInteger inFlight = new AtomicInteger();
  final AtomicInteger maxInFlight = new AtomicInteger();
  final List<String> authHeaders = java.util.Collections.synchronizedList(new ArrayList<>());

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(8));
    server.createContext("/v1/chat/completions", ex -> {
      int now = inFlight.incrementAndGet();
      maxInFlight.accumulateAndGet(now, Math::max);
      try {
        JsonNode req = Json.MAPPER.readTree(ex.getRequestBody());
        authHeaders.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
        String content = req.at("/messages/0/content").asText();
        String persona = content.substring(content.indexOf("Persona: ") + 9);
        int n = calls.computeIfAbsent(persona, k -> new AtomicInteger()).incrementAndGet();
        Thread.sleep(5);
        int code;
        String body;
        if (persona.startsWith("forbidden")) {
          code = 400;
          body = "{\"error\":{\"message\":\"bad request\"}}";
        } else if (n == 1) {
          code = 429;
          body = "{\"error\":{\"message\":\"rate limited\"}}";
          ex.getResponseHeaders().add("Retry-After", "0");
        } else if (n == 2) {
          code = 500;
          body = "{\"error\":{\"message\":\"oops\"}}";
        } else {
          code = 200;
          body = Json.MAPPER.createObjectNode().put("id", "x").set("choices", Json.MAPPER.createArrayNode()
              .add(Json.MAPPER.createObjectNode().put("index", 0).set("message", Json.MAPPER.createObjectNode()
                  .put("role", "assistant").put("content", " A problem for " + persona + " (" + req.get("model").asText() + ")"))))
              .toString();
        }
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(code, b.length);
        ex.getResponseBody().write(b);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        inFlight.decrementAndGet();
        ex.close();
      }
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }

  Path config(String personasFile, int limit, int concurrency) throws IOException {
    return config(personasFile, limit, concurrency, "math");
  }

  Path config(String personasFile, int limit, int concurrency, String task) throws IOException {
    Path c = dir.resolve("cfg.yaml");
    Files.writeString(c, """
        personas: %s
        task: %s
        out: out/prompts.jsonl
        base_url: http://127.0.0.1:%d/v1/
        model: tiny-teacher
        api_key_env: NOT_USED_IN_LIBRARY_TESTS
        concurrency: %d
        max_retries: 3
        initial_backoff_ms: 1
        limit: %d
        """.formatted(personasFile, task, server.getAddress().getPort(), concurrency, limit));
    return c;
  }

  @Test
  void retriesThenResumesWithoutRedoingFinishedRows() throws IOException {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      lines.add("{\"id\":\"u" + i + "\",\"persona\":\"a chemist number " + i + "\"}");
    }
    Files.write(dir.resolve("personas.jsonl"), lines);
    PersonaConfig first = PersonaConfig.load(config("personas.jsonl", 5, 3));
    PersonaSynthesis.Result r1 = PersonaSynthesis.run(first, "sk-test");
    assertThat(r1.written()).isEqualTo(5);
    assertThat(r1.failures()).isEmpty();
    assertThat(r1.retries()).isEqualTo(10); // a 429 and a 500 per persona
    assertThat(authHeaders).containsOnly("Bearer sk-test");
    assertThat(maxInFlight.get()).isLessThanOrEqualTo(3);

    // simulate a crash mid-write: a truncated row at the end
    Path out = dir.resolve("out/prompts.jsonl");
    Files.writeString(out, "{\"id\":\"math-u5\",\"pro", java.nio.file.StandardOpenOption.APPEND);
    PersonaConfig all = PersonaConfig.load(config("personas.jsonl", 0, 4));
    PersonaSynthesis.Result r2 = PersonaSynthesis.run(all, "sk-test");
    assertThat(r2.skipped()).isEqualTo(5);
    assertThat(r2.written()).isEqualTo(7);
    List<JsonNode> rows = new ArrayList<>();
    for (String l : Files.readAllLines(out)) {
      rows.add(Json.MAPPER.readTree(l));
    }
    assertThat(rows).extracting(n -> n.get("id").asText()).hasSize(12).doesNotHaveDuplicates()
        .contains("math-u0", "math-u11");
    assertThat(rows.getFirst().get("prompt").asText()).startsWith("A problem for a chemist").endsWith("(tiny-teacher)");
    // finished personas were never requested again: 3 calls each
    assertThat(calls.values()).allSatisfy(c -> assertThat(c.get()).isEqualTo(3));
  }

  @Test
  void clientErrorsFailTheRowAndTheCommandSaysSo() throws IOException {
    Files.writeString(dir.resolve("personas.txt"), "a baker\nforbidden persona\n\na sailor\n");
    PersonaSynthesis.Result r = PersonaSynthesis.run(PersonaConfig.load(config("personas.txt", 0, 2)), null);
    assertThat(r.written()).isEqualTo(2);
    assertThat(r.failures()).containsOnlyKeys("math-p2");
    assertThat(r.failures().get("math-p2")).contains("HTTP 400");
    assertThat(calls.get("forbidden persona").get()).isEqualTo(1); // 4xx is not retried
    assertThat(authHeaders).containsOnly("null");
  }

  @Test
  void exhaustedRetriesAndMissingKeyAreReported() throws IOException {
    Files.writeString(dir.resolve("personas.txt"), "a baker\n");
    Path c = config("personas.txt", 0, 1);
    Files.writeString(c, Files.readString(c).replace("max_retries: 3", "max_retries: 1"));
    PersonaSynthesis.Result r = PersonaSynthesis.run(PersonaConfig.load(c), null);
    assertThat(r.failures().get("math-p1")).contains("failed after 2 attempt").contains("HTTP 500");
    // the CLI resolves the key from the env var NAMED in the config
    assertThat(Main.execute("data", "personas", "--config", c.toString())).isEqualTo(1);
    assertThatThrownBy(() -> PersonaConfig.load(dir.resolve("nope.yaml"))).hasMessageContaining("nope.yaml");
  }

  @Test
  void everyPersonaTimesEveryTaskKind() throws IOException {
    Files.writeString(dir.resolve("personas.txt"), "a baker\na sailor\n");
    PersonaSynthesis.Result r = PersonaSynthesis.run(
        PersonaConfig.load(config("personas.txt", 0, 2, "[math, precise_if, general]")), null);
    assertThat(r.written()).isEqualTo(6);
    List<String> ids = new ArrayList<>();
    for (String l : Files.readAllLines(dir.resolve("out/prompts.jsonl"))) {
      JsonNode n = Json.MAPPER.readTree(l);
      ids.add(n.get("id").asText());
      assertThat(n.get("id").asText()).startsWith(n.get("task").asText() + "-");
    }
    assertThat(ids).containsExactlyInAnyOrder("math-p1", "math-p2", "precise_if-p1", "precise_if-p2", "general-p1", "general-p2");
    assertThatThrownBy(() -> PersonaConfig.load(config("personas.txt", 0, 2, "poetry")))
        .hasMessageContaining("task must be one of");
  }
}
