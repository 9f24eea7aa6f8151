package dev.tulu4j.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tulu4j.data.Message;
import dev.tulu4j.generate.Generator;
import dev.tulu4j.generate.SamplingParams;
import dev.tulu4j.generate.StepModel;
import dev.tulu4j.runtime.TextCodec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OpenAiServerTest {
  static final ObjectMapper JSON = new ObjectMapper();

  /** Letters a..z as token ids 0..25, token 26 = EOS; the model always continues with (last + 1) mod 26. */
  static final class CountingModel implements StepModel {
    final int[] last = new int[8];
    final int[] len = new int[8];

    public int vocabSize() { return 27; }
    public int slots() { return 8; }
    public int maxSequenceLength() { return 256; }

    private void logits(int slot, float[] out, int off) {
      java.util.Arrays.fill(out, off, off + 27, 0f);
      // after 'z' comes EOS, otherwise the next letter
      out[off + (last[slot] == 25 ? 26 : (last[slot] + 1) % 26)] = 10f;
    }

    public void prefill(int slot, int[] prompt, float[] lg) {
      last[slot] = prompt[prompt.length - 1];
      len[slot] = prompt.length;
      logits(slot, lg, 0);
    }

    public void decode(int[] slots, int[] tokens, int n, float[] lg) {
      for (int i = 0; i < n; i++) {
        last[slots[i]] = tokens[i];
        len[slots[i]]++;
        logits(slots[i], lg, i * 27);
      }
    }
  }

  static final class Letters implements TextCodec {
    public int[] encodeChat(List<Message> messages) {
      return encodeText(messages.get(messages.size() - 1).content());
    }

    public int[] encodeText(String text) {
      return text.chars().filter(c -> c >= 'a' && c <= 'z').map(c -> c - 'a').toArray();
    }

    public String decode(int[] ids) {
      return java.util.Arrays.stream(ids).filter(i -> i < 26).mapToObj(i -> Character.toString('a' + i)).collect(Collectors.joining());
    }
  }

  OpenAiServer server;
  HttpClient client = HttpClient.newHttpClient();
  String base;

  @BeforeEach
  void start() throws Exception {
    var gen = new Generator(new CountingModel(), List.of(26), new Letters()::decode);
    server = new OpenAiServer(new OpenAiServer.Options("127.0.0.1", 0, "tiny", null, 1 << 16, 64, 4, 16),
        new Letters(), gen);
    server.start();
    base = "http://127.0.0.1:" + server.port();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  HttpResponse<String> post(String path, String body) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(base + path)).POST(HttpRequest.BodyPublishers.ofString(body))
        .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void chatAndCompletion() throws Exception {
    var r = post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"abc\"}],\"max_tokens\":5,\"temperature\":0}");
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode j = JSON.readTree(r.body());
    assertThat(j.at("/choices/0/message/content").asText()).isEqualTo("defgh");
    assertThat(j.at("/choices/0/finish_reason").asText()).isEqualTo("length");
    assertThat(j.at("/usage/completion_tokens").asInt()).isEqualTo(5);
    var c = post("/v1/completions", "{\"prompt\":\"wx\",\"max_tokens\":10,\"temperature\":0,\"logprobs\":1}");
    JsonNode cj = JSON.readTree(c.body());
    assertThat(cj.at("/choices/0/text").asText()).isEqualTo("yz");
    assertThat(cj.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    assertThat(cj.at("/choices/0/logprobs/tokens").size()).isEqualTo(3); // y, z, EOS (the legacy completions shape)
    var models = client.send(HttpRequest.newBuilder(URI.create(base + "/v1/models")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(JSON.readTree(models.body()).at("/data/0/id").asText()).isEqualTo("tiny");
  }

  @Test
  void stopStringsAndStreaming() throws Exception {
    var r = post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"max_tokens\":10,\"temperature\":0,\"stop\":[\"ef\"],\"stream\":true}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).contains("text/event-stream");
    StringBuilder text = new StringBuilder();
    String finish = null;
    for (String line : r.body().split("\n")) {
      if (!line.startsWith("data: ") || line.equals("data: [DONE]")) continue;
      JsonNode ch = JSON.readTree(line.substring(6)).at("/choices/0");
      text.append(ch.at("/delta/content").asText(""));
      if (!ch.path("finish_reason").isNull() && !ch.path("finish_reason").isMissingNode()) finish = ch.get("finish_reason").asText();
    }
    assertThat(text.toString()).isEqualTo("bcd");
    assertThat(finish).isEqualTo("stop");
    assertThat(r.body()).endsWith("data: [DONE]\n\n");
  }

  @Test
  void thirtyTwoConcurrentRequestsAndMalformedOnesBesideThem() throws Exception {
    List<CompletableFuture<HttpResponse<String>>> fs = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      char start = (char) ('a' + i % 20);
      fs.add(client.sendAsync(HttpRequest.newBuilder(URI.create(base + "/v1/completions"))
          .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"" + start + "\",\"max_tokens\":4,\"temperature\":0}")).build(),
          HttpResponse.BodyHandlers.ofString()));
      if (i % 8 == 0) {
        fs.add(client.sendAsync(HttpRequest.newBuilder(URI.create(base + "/v1/completions"))
            .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": 12")).build(), HttpResponse.BodyHandlers.ofString()));
      }
    }
    int ok = 0;
    int bad = 0;
    for (var f : fs) {
      var r = f.get();
      if (r.statusCode() == 200) {
        ok++;
        String text = JSON.readTree(r.body()).at("/choices/0/text").asText();
        assertThat(text).hasSize(4);
      } else {
        bad++;
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).at("/error/type").asText()).isEqualTo("invalid_request_error");
      }
    }
    assertThat(ok).isEqualTo(32);
    assertThat(bad).isEqualTo(4);
  }

  @Test
  void badRequestsAreFourHundreds() throws Exception {
    assertThat(post("/v1/chat/completions", "{\"messages\":[]}").statusCode()).isEqualTo(400);
    assertThat(post("/v1/chat/completions", "{\"messages\":[{\"role\":\"robot\",\"content\":\"a\"}]}").statusCode()).isEqualTo(400);
    var r = post("/v1/completions", "{\"prompt\":\"a\",\"max_tokens\":100000}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(r.body()).at("/error/param").asText()).isEqualTo("max_tokens");
    assertThat(post("/v1/nothing", "{}").statusCode()).isEqualTo(404);
    assertThat(post("/v1/completions", "x".repeat(70_000)).statusCode()).isEqualTo(413);
  }

  @Test
  void visiblePartHoldsBackPossibleStopPrefixes() {
    assertThat(OpenAiServer.visiblePart("abcd", List.of("de"))).isEqualTo("abc");
    assertThat(OpenAiServer.visiblePart("abcde", List.of("de"))).isNull();
    assertThat(OpenAiServer.visiblePart("abc", List.of())).isEqualTo("abc");
  }
}
