package dev.tulu4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tulu4j.io.DType;
import dev.tulu4j.runtime.TinyCheckpoint;
import dev.tulu4j.testing.EngineDouble;
import dev.tulu4j.testing.EngineProtocol;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code eval --endpoint} sends only requests vLLM accepts as it declares them: every body it sends
 * to the {@link EngineDouble} (chat, completions with token-id prompts, and {@code echo} +
 * {@code logprobs} for {@code mc:} tasks) passes {@link EngineProtocol}'s field-by-field checks, and
 * the runs finish on the double's vLLM-shaped answers. The double itself refuses drift (last test).
 */
class EndpointProtocolConformanceTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dir;
  static Path ck;
  static Path synth;
  static Path mc;

  @BeforeAll
  static void setUp() throws Exception {
    ck = TinyCheckpoint.write(dir, "ck", false, DType.F32, false);
    synth = dir.resolve("synth");
    Files.createDirectories(synth.resolve("test"));
    List<String> math = new ArrayList<>();
    for (int i = 0; i < 3; i++)
      math.add("{\"question\":\"Sam has " + (i + 3) + " eggs and buys 2. How many eggs?\",\"answer\":\"#### " + (i + 5) + "\"}");
    Files.write(synth.resolve("test/gsm8k.jsonl"), math);
    mc = dir.resolve("mc.jsonl");
    Files.write(mc, List.of("{\"question\":\"Which is a bird?\",\"choices\":[\"duck\",\"cow\"],\"answer\":0}",
        "{\"question\":\"Which is red?\",\"choices\":[\"grass\",\"blood\",\"sky\"],\"answer\":1}"));
  }

  @Test
  void chatApiRequestsAreVllmShaped() throws Exception {
    try (EngineDouble vllm = new EngineDouble("served")) {
      CliRun r = CliRun.of("eval", "--endpoint", vllm.base(), "--tasks", "synth_gsm8k,synth_gsm8k@t0.7x2",
          "--synth-dir", synth.toString(), "--out", dir.resolve("chat").toString());
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(vllm.allViolations()).isEmpty();
      assertThat(vllm.count("/v1/chat/completions")).isEqualTo(6);
      assertThat(vllm.count("/v1/models")).isEqualTo(1); // the model name is asked once
    }
  }

  @Test
  void completionsApiAndMultipleChoiceEchoLogprobsRequestsAreVllmShaped() throws Exception {
    try (EngineDouble vllm = new EngineDouble("served")) {
      CliRun r = CliRun.of("eval", "--endpoint", vllm.base(), "--endpoint-model", "served", "--api", "completions",
          "--model", ck.toString(), "--template", "tulu", "--tasks", "synth_gsm8k,mc:" + mc,
          "--synth-dir", synth.toString(), "--out", dir.resolve("completions").toString());
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(vllm.allViolations()).isEmpty();
      assertThat(vllm.count("/v1/completions")).isEqualTo(3 + 5); // 3 generations, one scoring request per choice
      long echo = vllm.bodies.stream().filter(e -> e.getValue().path("echo").asBoolean(false)).count();
      assertThat(echo).isEqualTo(5);
      for (var e : vllm.bodies) assertThat(e.getValue().get("prompt").isArray()).as("token-id prompts").isTrue();
    }
  }

  @Test
  void theDoubleRefusesWhatVllmAndSglangWouldIgnoreOrReject() throws Exception {
    JsonNode ok = JSON.readTree("{\"model\": \"m\", \"prompt\": [1, 2], \"max_tokens\": 1, \"echo\": true, \"logprobs\": 1}");
    assertThat(EngineProtocol.vllmCompletion(ok)).isEmpty();
    assertThat(EngineProtocol.vllmCompletion(JSON.readTree("{\"prompt\": \"a\", \"max_new_tokens\": 3}")))
        .singleElement().asString().contains("max_new_tokens");
    assertThat(EngineProtocol.vllmCompletion(JSON.readTree("{\"prompt\": \"a\", \"n\": \"2\"}"))).isNotEmpty();
    assertThat(EngineProtocol.vllmCompletion(JSON.readTree("{\"prompt\": \"\"}"))).isNotEmpty();
    assertThat(EngineProtocol.vllmChat(JSON.readTree("{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}], \"logprobs\": 1}")))
        .as("chat logprobs is a boolean").isNotEmpty();
    assertThat(EngineProtocol.vllmChat(JSON.readTree("{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}], \"top_logprobs\": 2}")))
        .contains("when using `top_logprobs`, `logprobs` must be set to true.");
    assertThat(EngineProtocol.vllmLoadLora(JSON.readTree("{\"lora_name\": \"a\"}"))).contains("lora_path: Field required");
    assertThat(EngineProtocol.sglangUpdateWeightsFromDisk(JSON.readTree("{\"path\": \"/x\"}"))).hasSize(2);

    try (EngineDouble vllm = new EngineDouble("served")) {
      var http = java.net.http.HttpClient.newHttpClient();
      var bad = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(vllm.base() + "/completions"))
          .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"prompt\": \"a\", \"lora\": \"x\"}")).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(bad.statusCode()).isEqualTo(400);
      JsonNode err = JSON.readTree(bad.body()).get("error");
      assertThat(err.get("type").asText()).isEqualTo("BadRequestError");
      assertThat(err.get("code").asInt()).isEqualTo(400);
      assertThat(vllm.allViolations()).singleElement().asString().contains("lora");
      var sglang = http.send(java.net.http.HttpRequest.newBuilder(
          java.net.URI.create(vllm.base().replace("/v1", "") + "/update_weights_from_disk"))
          .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(sglang.statusCode()).isEqualTo(422);
      assertThat(JSON.readTree(sglang.body()).get("detail").isArray()).isTrue();
    }
  }
}
