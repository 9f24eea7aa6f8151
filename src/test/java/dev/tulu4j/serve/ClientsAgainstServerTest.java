package dev.tulu4j.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tulu4j.client.EndpointOptions;
import dev.tulu4j.client.OpenAiClient;
import dev.tulu4j.data.Message;
import dev.tulu4j.dpo.Judge;
import dev.tulu4j.dpo.PromptSource;
import dev.tulu4j.generate.Generator;
import dev.tulu4j.generate.StepModel;
import dev.tulu4j.runtime.TextCodec;
import java.net.URI;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The OpenAI client (as persona synthesis uses it) and the DPO stage's LLM judge, talking to
 * tulu4j's own server over HTTP on 127.0.0.1. The served model is scripted: whatever it is asked,
 * it writes a fixed judge answer, one ASCII character per token, then EOS.
 */
class ClientsAgainstServerTest {
  static final String ANSWER =
      "#### Output for Text 1\nRating: 4\nRationale: clear.\n\n#### Output for Text 2\nRating: 2\nRationale: off topic.";
  static final int EOS = 128;

  static final class Scripted implements StepModel {
    final int[] generated = new int[4];

    public int vocabSize() { return 129; }
    public int slots() { return 4; }
    public int maxSequenceLength() { return 4096; }

    private void next(int slot, float[] lg, int off) {
      Arrays.fill(lg, off, off + 129, 0f);
      int g = generated[slot];
      lg[off + (g < ANSWER.length() ? ANSWER.charAt(g) : EOS)] = 20f;
    }

    public void prefill(int slot, int[] prompt, float[] lg) {
      generated[slot] = 0;
      next(slot, lg, 0);
    }

    public void decode(int[] slots, int[] tokens, int n, float[] lg) {
      for (int i = 0; i < n; i++) {
        generated[slots[i]]++;
        next(slots[i], lg, i * 129);
      }
    }
  }

  static final class Ascii implements TextCodec {
    public int[] encodeChat(List<Message> messages) {
      return encodeText(messages.get(messages.size() - 1).content());
    }

    public int[] encodeText(String text) {
      return text.chars().map(c -> c & 127).limit(2000).toArray();
    }

    public String decode(int[] ids) {
      StringBuilder b = new StringBuilder();
      for (int id : ids) if (id < 128) b.append((char) id);
      return b.toString();
    }
  }

  OpenAiServer server;

  @BeforeEach
  void start() throws Exception {
    var gen = new Generator(new Scripted(), List.of(EOS), new Ascii()::decode);
    server = new OpenAiServer(new OpenAiServer.Options("127.0.0.1", 0, "scripted", "sekret", 1 << 20, 256, 4, 128),
        new Ascii(), gen);
    server.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void personaClientAndLlmJudgeWorkAgainstTheServer() throws Exception {
    URI base = URI.create("http://127.0.0.1:" + server.port() + "/v1");
    try (var client = OpenAiClient.open(EndpointOptions.of(List.of(base), "scripted", "sekret"))) { // persona synthesis's client
      var body = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
      body.putArray("messages").addObject().put("role", "user").put("content", "Write a math problem for a baker.");
      body.put("temperature", 0.0).put("max_tokens", 200);
      assertThat(client.post("/chat/completions", body).at("/choices/0/message/content").asText()).isEqualTo(ANSWER);
    }

    // Tülu 3's judge: four aspect requests, each rating both responses (the script rates the first shown 4, the second 2)
    var options = EndpointOptions.of(List.of(base), null, "sekret"); // model: the first id /v1/models lists
    var prompt = new PromptSource("p1", "test", List.of(Message.user("Say hi in lowercase.")), null, null);
    try (Judge judge = Judge.llm(OpenAiClient.open(options), 1, 200, 42, null)) {
      double[] r = judge.rateAll(prompt, List.of("hi", "HELLO THERE"));
      Arrays.sort(r);
      assertThat(r).containsExactly(2.0, 4.0); // each the mean of four equal aspect ratings
      assertThat(judge.rate(prompt, "hi")).isEqualTo(4.0); // one response: the script's Text 1
      assertThat(judge.failures()).isZero();
      assertThat(judge.missingRatings()).isZero();
    }

    // a wrong key is refused by the server: the judge stops with the server's message instead of guessing
    try (Judge bad = Judge.llm(OpenAiClient.open(EndpointOptions.of(List.of(base), "scripted", "nope")), 0, 200, 42, null)) {
      assertThatThrownBy(() -> bad.rateAll(prompt, List.of("hi", "ho"))).hasMessageContaining("judge").hasMessageContaining("401");
    }
  }
}
