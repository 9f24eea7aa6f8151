package dev.tulu4j.rlvr;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.tulu4j.checkpoint.HfCheckpoint;
import dev.tulu4j.checkpoint.PeftAdapter;
import dev.tulu4j.client.EndpointOptions;
import dev.tulu4j.client.OpenAiClient;
import dev.tulu4j.io.DType;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.model.LoraAdapter;
import dev.tulu4j.model.LoraConfig;
import dev.tulu4j.testing.EngineDouble;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the RLVR endpoint path sends, checked field by field against vLLM's and SGLang's request
 * models ({@code testing/EngineProtocol}, read from their sources) by the protocol double: rollout
 * completions (token-id prompt, seed, logprobs, return_token_ids), the LoRA load/unload of a sync
 * and SGLang's {@code /update_weights_from_disk}. Any unknown field, wrong type or refused value fails.
 */
class RolloutProtocolConformanceTest {
  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());
  @TempDir Path tmp;

  @Test
  void rolloutRequestsAndWeightSyncsAreShapedAsTheEnginesDeclareThem() throws Exception {
    try (EngineDouble engine = new EngineDouble("base");
        OpenAiClient client = OpenAiClient.open(EndpointOptions.of(List.of(URI.create(engine.base())), null, null))) {
      LlamaModel policy = ToyTask.model(3).frozenView();
      LoraAdapter ad = policy.attachLora(new LoraConfig(4, 8, 0, List.of("all-linear"), false, List.of()), 7);
      WeightSync lora = new WeightSync(client, RolloutEndpointConfig.SyncMode.LORA, tmp.resolve("sync"),
          dir -> PeftAdapter.writeFiles(dir, ad, Map.of(), null), QUIET);
      lora.sync(0);
      lora.sync(1);
      assertThat(engine.loadedAdapters()).containsExactly("policy-step-1");
      // the double's token ids are its text's code points: decode them as numbers
      EndpointRollouts source = new EndpointRollouts(client, lora::modelName, List.of(ToyTask.EOS),
          ids -> java.util.Arrays.toString(ids));
      RlvrPrompt p = new RlvrPrompt(new int[] {0, 2}, "ac", TextNode.valueOf("d"), "toy", ToyTask.STARTS_WITH);
      var batch = source.generate(List.of(p, p), new Rollouts.Sampling(3, 0.7, 8, 1.0, Double.NaN), 5);
      assertThat(batch.rollouts()).hasSize(6);
      assertThat(batch.rollouts().getFirst().response()).hasSize(8);
      WeightSync full = new WeightSync(client, RolloutEndpointConfig.SyncMode.FULL, tmp.resolve("full"),
          dir -> HfCheckpoint.save(dir, policy.config(), HfCheckpoint.tensorsOf(policy.parameters()), DType.F32,
              HfCheckpoint.DEFAULT_SHARD_BYTES, null), QUIET);
      full.sync(2);
      assertThat(engine.count("/v1/completions")).isEqualTo(6);
      assertThat(engine.count("/update_weights_from_disk")).isEqualTo(1);
      assertThat(engine.allViolations()).isEmpty();
    }
  }
}
