package dev.tulu4j.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tulu4j.checkpoint.ModelFiles;
import dev.tulu4j.checkpoint.PeftAdapter;
import dev.tulu4j.client.EndpointException;
import dev.tulu4j.client.EndpointOptions;
import dev.tulu4j.client.OpenAiClient;
import dev.tulu4j.io.DType;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.model.LoraAdapter;
import dev.tulu4j.model.LoraConfig;
import dev.tulu4j.runtime.ModelBundle;
import dev.tulu4j.runtime.TinyCheckpoint;
import dev.tulu4j.tensor.GemmBackend;
import dev.tulu4j.tensor.KernelConfig;
import dev.tulu4j.tensor.NaiveGemm;
import dev.tulu4j.testing.EngineDouble;
import dev.tulu4j.tokenizer.TemplateChoice;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The weight-sync calls an RLVR trainer makes with rollouts on an engine (load a LoRA adapter,
 * sample on it with token ids and log-probs, reload it in place, unload it, reload full weights
 * from disk), sent through {@link OpenAiClient} to the vLLM/SGLang-shaped {@link EngineDouble} and
 * to a real {@code tulu4j serve}: the double finds no field the engines would refuse or ignore, and
 * both servers answer the same way.
 */
class WeightSyncProtocolTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void weightSyncCallsAreEngineShapedAndTulu4jServeAnswersThemAsTheDoubleDoes(@TempDir Path dir) throws Exception {
    Path base = TinyCheckpoint.write(dir, "base", false, DType.F32, false);
    LlamaModel m = ModelFiles.loadModel(base, new NaiveGemm(), false);
    LoraAdapter ad = m.attachLora(new LoraConfig(4, 8, 0, List.of("all-linear"), false, List.of()), 3);
    Path adapter = dir.resolve("adapter");
    PeftAdapter.save(adapter, ad, Map.of(), base.toString());

    try (EngineDouble vllm = new EngineDouble("base")) {
      run(vllm.base(), adapter, base);
      assertThat(vllm.allViolations()).isEmpty();
      assertThat(vllm.count("/v1/load_lora_adapter")).isEqualTo(3);
      assertThat(vllm.count("/update_weights_from_disk")).isEqualTo(1);
    }
    try (ModelBundle b = ModelBundle.load(base, TemplateChoice.MODEL, new KernelConfig(GemmBackend.VECTOR, 1));
        OpenAiServer server = Serving.create(b, "127.0.0.1", 0, null, new Serving.Limits(2, 128, 16, 4, 1 << 20),
            new Serving.Adapters("base", true, 1, true, Map.of()))) {
      server.start();
      run("http://127.0.0.1:" + server.port() + "/v1", adapter, base);
    }
  }

  /** The calls, in a trainer's order; the answers checked. */
  private static void run(String url, Path adapter, Path base) throws Exception {
    var opts = EndpointOptions.of(List.of(URI.create(url)), null, null).withRetries(0, Duration.ofMillis(10));
    try (OpenAiClient c = OpenAiClient.open(opts)) {
      assertThat(c.model()).isEqualTo("base");
      ObjectNode load = JSON.createObjectNode().put("lora_name", "policy").put("lora_path", adapter.toString());
      assertThat(c.broadcast("/load_lora_adapter", load, false).getFirst().asText())
          .isEqualTo("Success: LoRA adapter 'policy' added successfully.");
      JsonNode models = c.get("/models");
      assertThat(models.at("/data/1/id").asText()).isEqualTo("policy");
      assertThat(models.at("/data/1/parent").asText()).isEqualTo("base");

      ObjectNode sample = JSON.createObjectNode().put("model", "policy");
      sample.putArray("prompt").add(1).add(40).add(41);
      sample.put("n", 2).put("max_tokens", 3).put("temperature", 1.0).put("top_p", 1.0).put("seed", 7).put("logprobs", 1)
          .put("return_token_ids", true).put("return_tokens_as_token_ids", true).put("skip_special_tokens", false);
      JsonNode r = c.post("/completions", sample);
      assertThat(r.get("choices").size()).isEqualTo(2);
      for (JsonNode ch : r.get("choices")) {
        assertThat(ch.get("token_ids").size()).isEqualTo(ch.at("/logprobs/token_logprobs").size()).isPositive();
        assertThat(ch.at("/logprobs/tokens/0").asText()).isEqualTo("token_id:" + ch.at("/token_ids/0").asInt());
      }

      assertThatThrownBy(() -> c.broadcast("/load_lora_adapter", load, false))
          .isInstanceOfSatisfying(EndpointException.class, e -> assertThat(e.status()).isEqualTo(400))
          .hasMessageContaining("has already been loaded");
      load.put("load_inplace", true);
      assertThat(c.broadcast("/load_lora_adapter", load, false).getFirst().asText()).startsWith("Success");
      ObjectNode unload = JSON.createObjectNode().put("lora_name", "policy");
      assertThat(c.broadcast("/unload_lora_adapter", unload, false).getFirst().asText())
          .isEqualTo("Success: LoRA adapter 'policy' removed successfully.");
      assertThatThrownBy(() -> c.broadcast("/unload_lora_adapter", unload, false))
          .isInstanceOfSatisfying(EndpointException.class, e -> assertThat(e.status()).isEqualTo(404));

      JsonNode w = c.broadcast("/update_weights_from_disk", JSON.createObjectNode().put("model_path", base.toString()), true)
          .getFirst();
      assertThat(w.get("success").asBoolean()).isTrue();
      assertThat(w.get("message").asText()).isEqualTo("Succeeded to update model weights.");
    }
  }
}
