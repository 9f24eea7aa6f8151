package dev.tulu4j.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tulu4j.io.CheckpointException;
import dev.tulu4j.io.DType;
import dev.tulu4j.io.SafetensorsFile;
import dev.tulu4j.model.LlamaConfig;
import dev.tulu4j.model.LlamaConfig.Architecture;
import dev.tulu4j.model.LlamaConfig.RopeScaling;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

public class HfConfigTest {
  @TempDir Path tmp;

  static Path fixture(String name) {
    try {
      return Path.of(HfConfigTest.class.getResource("/hf-configs/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The public values, field by field (src/test/resources/hf-configs/PROVENANCE.md). */
  public static final LlamaConfig LLAMA31_8B_INSTRUCT = new LlamaConfig(Architecture.LLAMA, 128256, 4096, 14336, 32, 32, 8,
      128, 1e-5, 500000.0, new RopeScaling(8.0, 1.0, 4.0, 8192), 131072, false, false, 128000,
      List.of(128001, 128008, 128009));
  public static final LlamaConfig SMOLLM2_135M = new LlamaConfig(Architecture.LLAMA, 49152, 576, 1536, 30, 9, 3, 64, 1e-5,
      100000.0, null, 8192, true, false, 0, List.of(0));
  public static final LlamaConfig QWEN25_05B = new LlamaConfig(Architecture.QWEN2, 151936, 896, 4864, 24, 14, 2, 64, 1e-6,
      1000000.0, null, 32768, true, true, 151643, List.of(151643));

  static Stream<Arguments> fixtures() {
    return Stream.of(
        Arguments.of("llama31_8b_instruct.json", LLAMA31_8B_INSTRUCT),
        Arguments.of("smollm2_135m.json", SMOLLM2_135M),
        Arguments.of("qwen25_05b.json", QWEN25_05B));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void parsesRealConfigs(String file, LlamaConfig expected) {
    assertThat(HfConfig.read(fixture(file))).isEqualTo(expected);
  }

  @Test
  void presetsAgreeWithTheRealConfigsOnArchitecture() {
    // The shared presets differ from the fixtures only in token ids (base vs instruct) where noted.
    LlamaConfig p = LlamaConfig.qwen25_05b();
    assertThat(p).isEqualTo(QWEN25_05B);
    LlamaConfig l = LlamaConfig.llama31_8b();
    assertThat(new LlamaConfig(l.architecture(), l.vocabSize(), l.hidden(), l.intermediate(), l.layers(), l.heads(),
        l.kvHeads(), l.headDim(), l.rmsNormEps(), l.ropeTheta(), l.ropeScaling(), l.maxPositions(), l.tieEmbeddings(),
        l.attentionBias(), 128000, LLAMA31_8B_INSTRUCT.eosIds())).isEqualTo(LLAMA31_8B_INSTRUCT);
  }

  /** Keys only the original producer writes and transformers ignores when loading. */
  static final Set<String> PRODUCER_EXTRAS = Set.of("is_llama_config", "rope_interleaved", "use_mrope");
  /** Keys we write that an older transformers omitted: head_dim (Llama, 4.45+), rope_scaling null (Qwen2, 4.42+). */
  static final Set<String> NEWER_KEYS = Set.of("head_dim", "rope_scaling");
  /** Values that are not architecture: version stamp, and the init scale used only for training from scratch. */
  static final Set<String> UNMODELLED_VALUES = Set.of("transformers_version", "initializer_range");

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void writtenConfigHasTheHfKeysAndValues(String file, LlamaConfig config) throws IOException {
    JsonNode real = SafetensorsFile.JSON.readTree(fixture(file).toFile());
    JsonNode ours = SafetensorsFile.JSON.readTree(HfConfig.toJson(config, DType.BF16));
    Set<String> realKeys = keys(real);
    realKeys.removeAll(PRODUCER_EXTRAS);
    Set<String> ourKeys = keys(ours);
    assertThat(ourKeys).containsAll(realKeys);
    Set<String> extra = new HashSet<>(ourKeys);
    extra.removeAll(realKeys);
    assertThat(extra).isSubsetOf(NEWER_KEYS);
    for (String k : realKeys) {
      if (UNMODELLED_VALUES.contains(k)) continue;
      JsonNode a = real.get(k), b = ours.get(k);
      if (a.isNumber()) assertThat(b.doubleValue()).as(k).isEqualTo(a.doubleValue());
      else if (k.equals("rope_scaling") && a.isObject()) assertThat(b).as(k).isEqualTo(a);
      else assertThat(b).as(k).isEqualTo(a);
    }
    assertThat(HfConfig.parse(ours, "written")).isEqualTo(config);
  }

  /** Byte-exact text for Llama 3.1 8B Instruct: the fixture re-sorted as transformers 4.46 writes it. */
  @Test
  void writesTheExactTransformersText() throws IOException {
    String expected = """
        {
          "architectures": [
            "LlamaForCausalLM"
          ],
          "attention_bias": false,
          "attention_dropout": 0.0,
          "bos_token_id": 128000,
          "eos_token_id": [
            128001,
            128008,
            128009
          ],
          "head_dim": 128,
          "hidden_act": "silu",
          "hidden_size": 4096,
          "initializer_range": 0.02,
          "intermediate_size": 14336,
          "max_position_embeddings": 131072,
          "mlp_bias": false,
          "model_type": "llama",
          "num_attention_heads": 32,
          "num_hidden_layers": 32,
          "num_key_value_heads": 8,
          "pretraining_tp": 1,
          "rms_norm_eps": 1e-05,
          "rope_scaling": {
            "factor": 8.0,
            "high_freq_factor": 4.0,
            "low_freq_factor": 1.0,
            "original_max_position_embeddings": 8192,
            "rope_type": "llama3"
          },
          "rope_theta": 500000.0,
          "tie_word_embeddings": false,
          "torch_dtype": "bfloat16",
          "transformers_version": "4.46.0",
          "use_cache": true,
          "vocab_size": 128256
        }
        """;
    assertThat(HfConfig.toJson(LLAMA31_8B_INSTRUCT, DType.BF16)).isEqualTo(expected);
    Path f = tmp.resolve("config.json");
    HfConfig.write(f, LLAMA31_8B_INSTRUCT, DType.BF16);
    assertThat(Files.readString(f)).isEqualTo(expected);
    assertThat(HfConfig.read(f)).isEqualTo(LLAMA31_8B_INSTRUCT);
  }

  @Test
  void torchDtypeIsReadForResaving() throws IOException {
    assertThat(HfConfig.readTorchDtype(fixture("qwen25_05b.json"))).contains(DType.BF16);
    Path f = tmp.resolve("config.json");
    Files.writeString(f, "{\"dtype\": \"float32\"}");
    assertThat(HfConfig.readTorchDtype(f)).contains(DType.F32);
    Files.writeString(f, "{\"torch_dtype\": \"int8\"}");
    assertThat(HfConfig.readTorchDtype(f)).isEmpty();
  }

  @Test
  void generationConfigCarriesTokenIds() {
    assertThat(HfConfig.generationConfigJson(LLAMA31_8B_INSTRUCT)).isEqualTo("""
        {
          "_from_model_config": true,
          "bos_token_id": 128000,
          "eos_token_id": [
            128001,
            128008,
            128009
          ],
          "transformers_version": "4.46.0"
        }
        """);
    assertThat(HfConfig.generationConfigJson(QWEN25_05B))
        .contains("\"bos_token_id\": 151643,").contains("\"eos_token_id\": 151643,");
  }

  static Stream<Arguments> badConfigs() {
    return Stream.of(
        Arguments.of("architectures", "[\"GemmaForCausalLM\"]",
            "field 'architectures' 'GemmaForCausalLM' is not supported (tulu4j reads LlamaForCausalLM, Qwen2ForCausalLM, "
                + "Qwen3ForCausalLM, Olmo2ForCausalLM, MistralForCausalLM, Gemma2ForCausalLM)"),
        Arguments.of("architectures", "\"LlamaForCausalLM\"", "field 'architectures' must be a list of one class name"),
        Arguments.of("model_type", "\"qwen2\"", "field 'model_type' 'qwen2' does not match architectures LlamaForCausalLM"),
        Arguments.of("rope_scaling", "{\"rope_type\":\"yarn\",\"factor\":4.0}",
            "field 'rope_scaling.rope_type' 'yarn' is not supported (tulu4j supports llama3 or none)"),
        Arguments.of("rope_scaling", "{\"type\":\"linear\",\"factor\":2.0}",
            "field 'rope_scaling.rope_type' 'linear' is not supported"),
        Arguments.of("rope_scaling", "{\"rope_type\":\"llama3\",\"factor\":8.0,\"low_freq_factor\":1.0,\"high_freq_factor\":4.0}",
            "field 'rope_scaling.original_max_position_embeddings' is missing"),
        Arguments.of("rope_scaling", "{\"rope_type\":\"llama3\",\"factor\":8.0,\"low_freq_factor\":4.0,"
            + "\"high_freq_factor\":1.0,\"original_max_position_embeddings\":8192}", "high_freq_factor must exceed"),
        Arguments.of("hidden_size", "null", "field 'hidden_size' is missing"),
        Arguments.of("vocab_size", "null", "field 'vocab_size' is missing"),
        Arguments.of("num_hidden_layers", "0", "num_hidden_layers must be > 0, got 0"),
        Arguments.of("hidden_size", "\"4096\"", "field 'hidden_size' must be an integer, got \"4096\""),
        Arguments.of("num_key_value_heads", "5", "num_attention_heads (32) must be a multiple of num_key_value_heads (5)"),
        Arguments.of("hidden_act", "\"gelu\"", "field 'hidden_act' 'gelu' is not supported"),
        Arguments.of("mlp_bias", "true", "field 'mlp_bias' true is not supported"),
        Arguments.of("attention_bias", "true", "field 'attention_bias' true is not supported for LlamaForCausalLM"),
        Arguments.of("tie_word_embeddings", "1", "field 'tie_word_embeddings' must be true or false, got 1"),
        Arguments.of("eos_token_id", "[128001, \"x\"]", "field 'eos_token_id' must be an integer, got \"x\""),
        Arguments.of("rms_norm_eps", "\"tiny\"", "field 'rms_norm_eps' must be a number"));
  }

  @ParameterizedTest(name = "{0} = {1}")
  @MethodSource("badConfigs")
  void unsupportedOrMalformedFieldsAreNamed(String field, String value, String message) throws IOException {
    ObjectNode n = (ObjectNode) SafetensorsFile.JSON.readTree(fixture("llama31_8b_instruct.json").toFile());
    n.set(field, SafetensorsFile.JSON.readTree(value));
    Path f = tmp.resolve("config.json");
    Files.writeString(f, n.toString());
    assertThatThrownBy(() -> HfConfig.read(f))
        .isInstanceOf(CheckpointException.class)
        .hasMessageStartingWith(f + ": ")
        .hasMessageContaining(message)
        .satisfies(e -> assertThat(e.getMessage().indexOf(f.toString(), 1)).as("file named once").isEqualTo(-1));
  }

  @Test
  void qwenSlidingWindowIsRefused() throws IOException {
    ObjectNode n = (ObjectNode) SafetensorsFile.JSON.readTree(fixture("qwen25_05b.json").toFile());
    n.put("use_sliding_window", true);
    assertThatThrownBy(() -> HfConfig.parse(n, "q/config.json"))
        .hasMessage("q/config.json: field 'use_sliding_window' true is not supported (tulu4j uses full attention)");
  }

  @ParameterizedTest
  @ValueSource(strings = {"{", "[]", "{\"a\":1,\"a\":2}"})
  void notAConfigObject(String text) throws IOException {
    Path f = tmp.resolve("config.json");
    Files.writeString(f, text);
    assertThatThrownBy(() -> HfConfig.read(f)).isInstanceOf(CheckpointException.class).hasMessageStartingWith(f + ": ");
  }

  /** TinyLlama-style minimal config: defaults fill the gaps as transformers' LlamaConfig does. */
  @Test
  void defaultsFollowTransformers() throws IOException {
    JsonNode n = SafetensorsFile.JSON.readTree("""
        {"architectures": ["LlamaForCausalLM"], "hidden_size": 64, "intermediate_size": 128,
         "num_attention_heads": 4, "num_hidden_layers": 2, "vocab_size": 100}""");
    LlamaConfig c = HfConfig.parse(n, "mini");
    assertThat(c.kvHeads()).isEqualTo(4);
    assertThat(c.headDim()).isEqualTo(16);
    assertThat(c.rmsNormEps()).isEqualTo(1e-6);
    assertThat(c.ropeTheta()).isEqualTo(10000.0);
    assertThat(c.maxPositions()).isEqualTo(2048);
    assertThat(c.ropeScaling()).isNull();
    assertThat(c.tieEmbeddings()).isFalse();
    assertThat(c.bosId()).isEqualTo(1);
    assertThat(c.eosIds()).containsExactly(2);
    ObjectNode nulls = ((ObjectNode) n.deepCopy()).putNull("bos_token_id").putNull("eos_token_id");
    nulls.putObject("rope_scaling").put("rope_type", "default");
    LlamaConfig none = HfConfig.parse(nulls, "mini");
    assertThat(none.bosId()).isEqualTo(-1);
    assertThat(none.eosIds()).isEmpty();
    assertThat(none.ropeScaling()).isNull();
    assertThat(HfConfig.toJson(none, DType.F32)).contains("\"bos_token_id\": null").contains("\"eos_token_id\": null")
        .contains("\"torch_dtype\": \"float32\"");
  }

  /**
   * transformers 5 saves RoPE as {@code rope_parameters} (theta and scaling together, no top-level
   * {@code rope_theta}); the key set is what 5.18's {@code LlamaConfig.save_pretrained} wrote for the
   * golden fixture {@code golden/llama_gqa_llama3_untied}. Reading only the old keys gave theta 10000
   * and no scaling, silently.
   */
  @Test
  void transformers5RopeParametersAreRead() throws IOException {
    JsonNode n = SafetensorsFile.JSON.readTree("""
        {"architectures": ["LlamaForCausalLM"], "hidden_size": 64, "intermediate_size": 128,
         "num_attention_heads": 4, "num_hidden_layers": 2, "vocab_size": 100,
         "rope_parameters": {"factor": 8.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
           "original_max_position_embeddings": 256, "rope_theta": 500000.0, "rope_type": "llama3"}}""");
    LlamaConfig c = HfConfig.parse(n, "v5");
    assertThat(c.ropeTheta()).isEqualTo(500000.0);
    assertThat(c.ropeScaling()).isEqualTo(new RopeScaling(8.0, 1.0, 4.0, 256));
    ObjectNode plain = (ObjectNode) n.deepCopy();
    plain.putObject("rope_parameters").put("rope_theta", 1e6).put("rope_type", "default");
    assertThat(HfConfig.parse(plain, "v5").ropeTheta()).isEqualTo(1e6);
    assertThat(HfConfig.parse(plain, "v5").ropeScaling()).isNull();
    plain.putObject("rope_parameters").put("rope_theta", 1e6).put("rope_type", "yarn");
    assertThatThrownBy(() -> HfConfig.parse(plain, "v5")).isInstanceOf(CheckpointException.class)
        .hasMessage("v5: field 'rope_parameters.rope_type' 'yarn' is not supported (tulu4j supports llama3 or none)");
  }

  @Test
  void explicitHeadDimIsKept() {
    LlamaConfig q = new LlamaConfig(Architecture.QWEN2, 100, 64, 128, 2, 4, 2, 32, 1e-6, 1e6, null, 512, true, true,
        1, List.of(2));
    String json = HfConfig.toJson(q, DType.BF16);
    assertThat(json).contains("\"head_dim\": 32");
    assertThat(HfConfig.parse(readTree(json), "q")).isEqualTo(q);
  }

  private static JsonNode readTree(String s) {
    try {
      return SafetensorsFile.JSON.readTree(s);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Set<String> keys(JsonNode n) {
    Set<String> out = new HashSet<>();
    n.fieldNames().forEachRemaining(out::add);
    return out;
  }
}
