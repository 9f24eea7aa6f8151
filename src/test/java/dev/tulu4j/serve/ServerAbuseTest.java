package dev.tulu4j.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tulu4j.generate.Generator;
import dev.tulu4j.generate.StepModel;
import dev.tulu4j.runtime.TextCodec;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The server under load and abuse (issue 19 part 4): 64 concurrent streams, a client that hangs up
 * mid-stream, malformed and oversized requests beside a live stream, timeouts, /health, draining.
 * The model is scripted (letters a..z cycling, never EOS) and sleeps per decode step, so a runaway
 * sequence is measurable: {@link Slow#decoded} counts every token the engine produced.
 */
class ServerAbuseTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static final class Slow implements StepModel {
    final int slots;
    final long sleepMillis;
    final int[] last;
    final AtomicLong decoded = new AtomicLong();

    Slow(int slots, long sleepMillis) {
      this.slots = slots;
      this.sleepMillis = sleepMillis;
      this.last = new int[slots];
    }

    public int vocabSize() { return 27; }
    public int slots() { return slots; }
    public int maxSequenceLength() { return 100_000; }

    private void logits(int slot, float[] out, int off) {
      Arrays.fill(out, off, off + 27, 0f);
      out[off + (last[slot] + 1) % 26] = 10f;
    }

    public void prefill(int slot, int[] prompt, float[] lg) {
      last[slot] = prompt[prompt.length - 1];
      logits(slot, lg, 0);
    }

    public void decode(int[] s, int[] tokens, int n, float[] lg) {
      if (sleepMillis > 0) {
        try {
          Thread.sleep(sleepMillis);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      for (int i = 0; i < n; i++) {
        last[s[i]] = tokens[i];
        logits(s[i], lg, i * 27);
      }
      decoded.addAndGet(n);
    }
  }

  static final class Letters implements TextCodec {
    public int[] encodeChat(List<dev.tulu4j.data.Message> messages) {
      return encodeText(messages.getLast().content());
    }

    public int[] encodeText(String text) {
      return text.chars().filter(c -> c >= 'a' && c <= 'z').map(c -> c - 'a').toArray();
    }

    public String decode(int[] ids) {
      return Arrays.stream(ids).filter(i -> i < 26).mapToObj(i -> Character.toString('a' + i)).collect(Collectors.joining());
    }
  }

  OpenAiServer server;
  Slow model;
  final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  String start(int slots, long sleepMillis, Duration timeout, String key) throws Exception {
    model = new Slow(slots, sleepMillis);
    var gen = new Generator(model, List.of(26), new Letters()::decode);
    server = new OpenAiServer(new OpenAiServer.Options("127.0.0.1", 0, "tiny", key, 4096, 50_000, 4, 16, timeout, 1024),
        new Letters(), gen);
    server.start();
    return "http://127.0.0.1:" + server.port();
  }

  @AfterEach
  void stop() {
    if (server != null) server.close();
  }

  HttpRequest post(String base, String path, String body) {
    return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
  }

  /** The streamed text of an SSE body; asserts it ends with [DONE]. */
  static String streamedText(String body) throws Exception {
    assertThat(body).endsWith("data: [DONE]\n\n");
    StringBuilder text = new StringBuilder();
    for (String line : body.split("\n")) {
      if (!line.startsWith("data: ") || line.equals("data: [DONE]")) continue;
      JsonNode ch = JSON.readTree(line.substring(6)).at("/choices/0");
      text.append(ch.path("text").asText(""));
    }
    return text.toString();
  }

  @Test
  void sixtyFourConcurrentStreamsAllComplete() throws Exception {
    String base = start(32, 0, Duration.ofMinutes(2), null);
    List<CompletableFuture<HttpResponse<String>>> fs = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      char first = (char) ('a' + i % 26);
      fs.add(client.sendAsync(post(base, "/v1/completions",
          "{\"prompt\":\"" + first + "\",\"max_tokens\":20,\"temperature\":0,\"stream\":true}"), HttpResponse.BodyHandlers.ofString()));
    }
    for (int i = 0; i < 64; i++) {
      HttpResponse<String> r = fs.get(i).get();
      assertThat(r.statusCode()).isEqualTo(200);
      StringBuilder want = new StringBuilder();
      for (int t = 1; t <= 20; t++) want.append((char) ('a' + (i % 26 + t) % 26));
      assertThat(streamedText(r.body())).as("stream %d", i).isEqualTo(want.toString());
    }
  }

  @Test
  void aClientThatHangsUpMidStreamFreesItsSlotAtOnce() throws Exception {
    String base = start(1, 5, Duration.ofMinutes(2), null); // one slot: the next request waits for it
    String body = "{\"prompt\":\"a\",\"max_tokens\":20000,\"temperature\":0,\"stream\":true}";
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      OutputStream o = s.getOutputStream();
      o.write(("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: "
          + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
      o.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      int events = 0;
      for (String line; events < 5 && (line = in.readLine()) != null; ) if (line.startsWith("data: ")) events++;
      assertThat(events).isEqualTo(5);
    } // closed mid-stream: 20,000 tokens at 5 ms would hold the only slot for 100 s
    long t0 = System.nanoTime();
    HttpResponse<String> next = client.send(post(base, "/v1/completions", "{\"prompt\":\"a\",\"max_tokens\":3,\"temperature\":0}"),
        HttpResponse.BodyHandlers.ofString());
    double seconds = (System.nanoTime() - t0) / 1e9;
    assertThat(next.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(next.body()).at("/choices/0/text").asText()).isEqualTo("bcd");
    assertThat(seconds).as("the next request waited %.2f s", seconds).isLessThan(3);
    assertThat(model.decoded.get()).as("tokens decoded in all").isLessThan(600);
  }

  @Test
  void badRequestsGetOpenAiErrorsWithoutDisturbingALiveStream() throws Exception {
    String base = start(4, 2, Duration.ofMinutes(2), "s3cret");
    var live = client.sendAsync(HttpRequest.newBuilder(URI.create(base + "/v1/completions")).header("Authorization", "Bearer s3cret")
        .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"a\",\"max_tokens\":300,\"temperature\":0,\"stream\":true}")).build(),
        HttpResponse.BodyHandlers.ofString());
    Map<String, Integer> cases = new LinkedHashMap<>();
    cases.put("{\"prompt\": 12", 400); // malformed JSON
    cases.put("[1, 2]", 400); // not an object
    cases.put("{\"prompt\": 12}", 400);
    cases.put("{\"prompt\": \"a\", \"max_tokens\": \"ten\"}", 400);
    cases.put("{\"prompt\": \"a\", \"max_tokens\": 1.5}", 400);
    cases.put("{\"prompt\": \"a\", \"max_tokens\": 99999999999}", 400);
    cases.put("{\"prompt\": \"a\", \"temperature\": \"hot\"}", 400);
    cases.put("{\"prompt\": \"a\", \"temperature\": -1}", 400);
    cases.put("{\"prompt\": \"a\", \"stream\": \"yes\"}", 400);
    cases.put("{\"prompt\": \"a\", \"seed\": \"x\"}", 400);
    cases.put("{\"prompt\": \"a\", \"stop\": 5}", 400);
    cases.put("{\"prompt\": \"a\", \"n\": 0}", 400);
    cases.put("{\"prompt\": \"\"}", 400); // empty prompt
    cases.put("{\"prompt\": \"a\", \"model\": \"gpt-5\"}", 404);
    cases.put("{\"prompt\": \"a\", \"model\": 3}", 400);
    cases.put("{\"prompt\": \"" + "a".repeat(5000) + "\"}", 413);
    for (var c : cases.entrySet()) {
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + "/v1/completions"))
          .header("Authorization", "Bearer s3cret").POST(HttpRequest.BodyPublishers.ofString(c.getKey())).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(c.getKey()).isEqualTo(c.getValue());
      JsonNode err = JSON.readTree(r.body()).get("error");
      assertThat(err).as(r.body()).isNotNull();
      assertThat(err.fieldNames()).toIterable().containsExactly("message", "type", "param", "code");
      assertThat(err.get("type").asText()).isEqualTo("invalid_request_error");
    }
    HttpResponse<String> model404 = client.send(HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
        .header("Authorization", "Bearer s3cret").POST(HttpRequest.BodyPublishers.ofString(
            "{\"model\":\"nope\",\"messages\":[{\"role\":\"user\",\"content\":\"a\"}]}")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(JSON.readTree(model404.body()).at("/error/code").asText()).isEqualTo("model_not_found");
    for (String key : new String[] {"Bearer s3cres", "Bearer s3cret2", "s3cret", ""}) {
      var b = HttpRequest.newBuilder(URI.create(base + "/v1/models"));
      if (!key.isEmpty()) b.header("Authorization", key);
      HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(key).isEqualTo(401);
      assertThat(JSON.readTree(r.body()).at("/error/code").asText()).isEqualTo("invalid_api_key");
    }
    HttpResponse<String> r = live.get();
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(streamedText(r.body())).hasSize(300);
  }

  @Test
  void requestsThatOutliveTheTimeoutAreCancelled() throws Exception {
    String base = start(1, 5, Duration.ofMillis(400), null);
    HttpResponse<String> plain = client.send(post(base, "/v1/completions", "{\"prompt\":\"a\",\"max_tokens\":20000}"),
        HttpResponse.BodyHandlers.ofString());
    assertThat(plain.statusCode()).isEqualTo(504);
    assertThat(JSON.readTree(plain.body()).at("/error/code").asText()).isEqualTo("timeout");
    HttpResponse<String> stream = client.send(post(base, "/v1/completions", "{\"prompt\":\"a\",\"max_tokens\":20000,\"stream\":true}"),
        HttpResponse.BodyHandlers.ofString());
    assertThat(stream.body()).contains("\"code\":\"timeout\"").endsWith("data: [DONE]\n\n");
    // the single slot is free again: a short request completes
    HttpResponse<String> after = client.send(post(base, "/v1/completions", "{\"prompt\":\"a\",\"max_tokens\":3,\"temperature\":0}"),
        HttpResponse.BodyHandlers.ofString());
    assertThat(JSON.readTree(after.body()).at("/choices/0/text").asText()).isEqualTo("bcd");
    assertThat(model.decoded.get()).isLessThan(2 * 400 / 5 + 50);
  }

  @Test
  void healthAndLoopbackBinding() throws Exception {
    String base = start(1, 0, Duration.ofMinutes(1), "k");
    HttpResponse<String> h = client.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(h.statusCode()).isEqualTo(200); // no key needed for a probe
    assertThat(JSON.readTree(h.body()).get("status").asText()).isEqualTo("ok");
    assertThat(server.address().getAddress().isLoopbackAddress()).isTrue();
  }

  @Test
  void drainFinishesInFlightStreamsAndRefusesNewConnections() throws Exception {
    String base = start(2, 5, Duration.ofMinutes(1), null);
    var inFlight = client.sendAsync(post(base, "/v1/completions", "{\"prompt\":\"a\",\"max_tokens\":200,\"temperature\":0,\"stream\":true}"),
        HttpResponse.BodyHandlers.ofString());
    while (model.decoded.get() < 5) Thread.sleep(5); // generating
    long t0 = System.nanoTime();
    int left = server.drain(Duration.ofSeconds(30));
    assertThat(left).isZero();
    HttpResponse<String> r = inFlight.get();
    assertThat(streamedText(r.body())).hasSize(200);
    assertThat((System.nanoTime() - t0) / 1e9).isLessThan(20);
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      throw new AssertionError("a connection was accepted after drain");
    } catch (ConnectException expected) {
      // refused
    }
  }
}
