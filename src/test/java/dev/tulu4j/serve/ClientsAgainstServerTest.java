package dev.tulu4j.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.data.Message;
import dev.tulu4j.data.persona.ChatClient;
import dev.tulu4j.dpo.Judge;
import dev.tulu4j.dpo.PromptSource;
import dev.tulu4j.generate.Generator;
import dev.tulu4j.generate.StepModel;
import dev.tulu4j.runtime.TextCodec;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The data package's OpenAI client (persona synthesis) and the DPO stage's LLM judge, talking to
 * tulu4j's own server over HTTP on 127.0.0.1. The served model is scripted: whatever it is asked,
 * it writes a fixed judge answer, one ASCII character per token, then EOS.
 */
class ClientsAgainstServerTest {
  static final String ANSWER =
      "{\"helpfulness\": 4, \"instruction_following\": 5, \"honesty\": 3, \"truthfulness\": 4}";
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
    var client = new ChatClient(base, "scripted", "sekret", 2, 10, Duration.ofSeconds(30));
    assertThat(client.complete("Write a math problem for a baker.", 0.0, 200)).isEqualTo(ANSWER);

    Judge judge = Judge.llm(client, 1, 200);
    var prompt = new PromptSource("p1", "test", List.of(Message.user("Say hi in lowercase.")), null, null);
    assertThat(judge.rate(prompt, "hi")).isEqualTo(4.0); // mean of 4, 5, 3, 4
    assertThat(judge.failures()).isZero();

    // a wrong key is refused by the server: the client reports it, the judge counts a failure instead of guessing
    var wrongKey = new ChatClient(base, "scripted", "nope", 0, 10, Duration.ofSeconds(30));
    Judge bad = Judge.llm(wrongKey, 0, 200);
    assertThat(bad.rate(prompt, "hi")).isNaN();
    assertThat(bad.failures()).isEqualTo(1);
  }
}
