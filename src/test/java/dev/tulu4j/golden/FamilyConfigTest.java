package dev.tulu4j.golden;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tulu4j.checkpoint.HfConfig;
import dev.tulu4j.io.CheckpointException;
import dev.tulu4j.io.SafetensorsFile;
import dev.tulu4j.model.Family;
import dev.tulu4j.model.LlamaConfig;
import java.io.IOException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * config.json of the new families, starting from the configs transformers saved for the golden
 * fixtures: what is read (each family's own keys and its config class's defaults) and what is
 * refused at load time, with the key named.
 */
class FamilyConfigTest {

  private static ObjectNode config(String fixture) throws IOException {
    return (ObjectNode) SafetensorsFile.JSON.readTree(
        GoldenFixture.folder(fixture).resolve("checkpoint").resolve("config.json").toFile());
  }

  static Stream<Arguments> refused() {
    return Stream.of(
        Arguments.of("qwen3_tied", "attention_bias", "true", "field 'attention_bias' true is not supported for Qwen3ForCausalLM"),
        Arguments.of("qwen3_tied", "hidden_act", "\"gelu\"", "field 'hidden_act' 'gelu' is not supported"),
        Arguments.of("qwen3_tied", "rope_parameters", "{\"rope_type\":\"yarn\",\"factor\":4.0,\"rope_theta\":1e6}",
            "field 'rope_parameters.rope_type' 'yarn' is not supported"),
        Arguments.of("qwen3_tied", "layer_types", "[\"sliding_attention\",\"full_attention\"]",
            "field 'layer_types' has sliding_attention layers but use_sliding_window is false"),
        Arguments.of("olmo2_untied", "layer_types", "[\"sliding_attention\",\"full_attention\"]",
            "field 'layer_types' sliding_attention layers are not supported for Olmo2ForCausalLM"),
        Arguments.of("olmo2_untied", "attention_bias", "true", "field 'attention_bias' true is not supported for Olmo2ForCausalLM"),
        Arguments.of("mistral_sliding_window", "layer_types", "[\"sliding_attention\",\"full_attention\"]",
            "field 'layer_types' is not supported for MistralForCausalLM"),
        Arguments.of("mistral_sliding_window", "sliding_window", "0", "field 'sliding_window' must be > 0 or null, got 0"),
        Arguments.of("mistral_sliding_window", "model_type", "\"llama\"", "field 'model_type' 'llama' does not match architectures MistralForCausalLM"),
        Arguments.of("gemma2_softcap", "hidden_activation", "\"gelu\"", "field 'hidden_activation' 'gelu' is not supported"),
        Arguments.of("gemma2_softcap", "layer_types", "[\"sliding_attention\",\"chunked_attention\"]",
            "field 'layer_types' entry \"chunked_attention\" is not supported"),
        Arguments.of("gemma2_softcap", "layer_types", "[\"sliding_attention\"]", "field 'layer_types' must be a list of 2 entries"),
        Arguments.of("gemma2_softcap", "use_bidirectional_attention", "true", "field 'use_bidirectional_attention' true is not supported"),
        Arguments.of("gemma2_softcap", "attn_logit_softcapping", "-1.0", "field 'attn_logit_softcapping' must be > 0 or null"),
        Arguments.of("gemma2_softcap", "sliding_window", "null", "field 'sliding_window' is null but layer_types has sliding_attention layers"),
        Arguments.of("gemma2_softcap", "rope_parameters", "{\"rope_type\":\"dynamic\",\"factor\":2.0}",
            "field 'rope_parameters.rope_type' 'dynamic' is not supported"));
  }

  @ParameterizedTest(name = "{0}: {1} = {2}")
  @MethodSource("refused")
  void unsupportedOptionsAreRefusedNamingTheKey(String fixture, String key, String value, String message) throws IOException {
    ObjectNode n = config(fixture);
    n.set(key, SafetensorsFile.JSON.readTree(value));
    assertThatThrownBy(() -> HfConfig.parse(n, "m/config.json"))
        .isInstanceOf(CheckpointException.class)
        .hasMessageStartingWith("m/config.json: ")
        .hasMessageContaining(message);
  }

  @Test
  void eachFamilyReadsItsOwnSwitches() throws IOException {
    assertThat(HfConfig.parse(config("qwen3_tied"), "q").family()).isEqualTo(Family.qwen3());
    assertThat(HfConfig.parse(config("olmo2_untied"), "o").family()).isEqualTo(Family.olmo2());
    LlamaConfig mistral = HfConfig.parse(config("mistral_sliding_window"), "m");
    assertThat(mistral.family()).isEqualTo(Family.mistral(4, 2));
    assertThat(mistral.family().window(0)).isEqualTo(4);
    LlamaConfig gemma = HfConfig.parse(config("gemma2_softcap"), "g");
    assertThat(gemma.family()).isEqualTo(Family.gemma2(12, 4, 5, 4, List.of(true, false)));
    assertThat(gemma.family().attentionScale(8)).isEqualTo((float) (1 / Math.sqrt(12)));
  }

  @Test
  void defaultsAndNullsFollowTheTransformersConfigClasses() throws IOException {
    // Mistral: sliding_window null is full attention (the plain Llama path); absent is MistralConfig's 4096
    ObjectNode m = config("mistral_sliding_window");
    m.putNull("sliding_window");
    assertThat(HfConfig.parse(m, "m").family().isPlain()).isTrue();
    m.remove("sliding_window");
    assertThat(HfConfig.parse(m, "m").family().slidingWindow()).isEqualTo(4096);
    // Gemma 2: null soft-caps are none; absent ones Gemma2Config's 50 / 30; absent layer_types alternate from a sliding layer 0
    ObjectNode g = config("gemma2_softcap");
    g.putNull("attn_logit_softcapping");
    g.putNull("final_logit_softcapping");
    g.remove("layer_types");
    g.remove("query_pre_attn_scalar");
    Family gf = HfConfig.parse(g, "g").family();
    assertThat(gf.attnSoftcap()).isZero();
    assertThat(gf.finalSoftcap()).isZero();
    assertThat(gf.slidingLayers()).containsExactly(true, false);
    assertThat(gf.queryPreAttnScalar()).isEqualTo(256);
    g.remove("attn_logit_softcapping");
    g.remove("final_logit_softcapping");
    assertThat(HfConfig.parse(g, "g").family().attnSoftcap()).isEqualTo(50);
    assertThat(HfConfig.parse(g, "g").family().finalSoftcap()).isEqualTo(30);
    // Qwen3: use_sliding_window slides the layers from max_window_layers on; head_dim defaults to 128
    ObjectNode q = config("qwen3_tied");
    q.put("use_sliding_window", true);
    q.put("sliding_window", 6);
    q.put("max_window_layers", 1);
    q.remove("layer_types");
    Family qf = HfConfig.parse(q, "q").family();
    assertThat(qf.slidingWindow()).isEqualTo(6);
    assertThat(qf.slidingLayers()).containsExactly(false, true);
    q.remove("head_dim");
    assertThat(HfConfig.parse(q, "q").headDim()).isEqualTo(128);
  }

  @Test
  void publicShapesRoundTripThroughConfigJson() throws IOException {
    for (LlamaConfig c : List.of(LlamaConfig.olmo2_1b(), LlamaConfig.qwen3_06b(), LlamaConfig.gemma2_2b())) {
      String json = HfConfig.toJson(c, dev.tulu4j.io.DType.BF16);
      assertThat(HfConfig.parse(SafetensorsFile.JSON.readTree(json), "x")).as(c.architecture().toString()).isEqualTo(c);
    }
  }
}
