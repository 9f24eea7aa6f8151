package dev.tulu4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tulu4j.checkpoint.HfConfigTest;
import dev.tulu4j.io.CheckpointException;
import dev.tulu4j.tensor.NaiveGemm;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HfNamesTest {

  @Test
  void llama31_8bNamesAndShapes() {
    var m = HfNames.expected(HfConfigTest.LLAMA31_8B_INSTRUCT);
    assertThat(m).hasSize(1 + 32 * 9 + 1 + 1); // embed, 9 per layer, norm, untied lm_head
    assertThat(m.get("model.embed_tokens.weight")).containsExactly(128256, 4096);
    assertThat(m.get("model.layers.31.self_attn.q_proj.weight")).containsExactly(4096, 4096);
    assertThat(m.get("model.layers.31.self_attn.k_proj.weight")).containsExactly(1024, 4096); // Hkv·D = 8·128
    assertThat(m.get("model.layers.31.self_attn.v_proj.weight")).containsExactly(1024, 4096);
    assertThat(m.get("model.layers.31.self_attn.o_proj.weight")).containsExactly(4096, 4096);
    assertThat(m.get("model.layers.0.mlp.gate_proj.weight")).containsExactly(14336, 4096);
    assertThat(m.get("model.layers.0.mlp.up_proj.weight")).containsExactly(14336, 4096);
    assertThat(m.get("model.layers.0.mlp.down_proj.weight")).containsExactly(4096, 14336);
    assertThat(m.get("model.layers.0.input_layernorm.weight")).containsExactly(4096);
    assertThat(m.get("model.layers.0.post_attention_layernorm.weight")).containsExactly(4096);
    assertThat(m.get("model.norm.weight")).containsExactly(4096);
    assertThat(m.get("lm_head.weight")).containsExactly(128256, 4096);
    assertThat(m.keySet()).noneMatch(k -> k.endsWith(".bias"));
    assertThat(List.copyOf(m.keySet()).subList(0, 11)).containsExactly(
        "model.embed_tokens.weight",
        "model.layers.0.self_attn.q_proj.weight",
        "model.layers.0.self_attn.k_proj.weight",
        "model.layers.0.self_attn.v_proj.weight",
        "model.layers.0.self_attn.o_proj.weight",
        "model.layers.0.mlp.gate_proj.weight",
        "model.layers.0.mlp.up_proj.weight",
        "model.layers.0.mlp.down_proj.weight",
        "model.layers.0.input_layernorm.weight",
        "model.layers.0.post_attention_layernorm.weight",
        "model.layers.1.self_attn.q_proj.weight");
  }

  @Test
  void smollm2IsTiedAndHasNoLmHead() {
    var m = HfNames.expected(HfConfigTest.SMOLLM2_135M);
    assertThat(m).hasSize(1 + 30 * 9 + 1).doesNotContainKey("lm_head.weight");
    assertThat(m.get("model.layers.29.self_attn.k_proj.weight")).containsExactly(192, 576); // 3·64
    // 134,515,008 parameters: the published SmolLM2-135M count
    assertThat(m.values().stream().mapToLong(s -> { long n = 1; for (int d : s) n *= d; return n; }).sum())
        .isEqualTo(134_515_008L);
  }

  @Test
  void qwenHasQkvBiasesButNoOutputBias() {
    var m = HfNames.expected(HfConfigTest.QWEN25_05B);
    assertThat(m).hasSize(1 + 24 * 12 + 1);
    assertThat(m.get("model.layers.0.self_attn.q_proj.bias")).containsExactly(896);
    assertThat(m.get("model.layers.0.self_attn.k_proj.bias")).containsExactly(128);
    assertThat(m.get("model.layers.0.self_attn.v_proj.bias")).containsExactly(128);
    assertThat(m).doesNotContainKey("model.layers.0.self_attn.o_proj.bias");
    // 494,032,768 parameters: Qwen2.5-0.5B's published count (0.49B)
    assertThat(m.values().stream().mapToLong(s -> { long n = 1; for (int d : s) n *= d; return n; }).sum())
        .isEqualTo(494_032_768L);
  }

  @Test
  void engineOrderIsTheModelsParameterOrder() {
    // a micro Qwen2-shaped config: q/k/v biases, untied head
    LlamaConfig c = new LlamaConfig(LlamaConfig.Architecture.QWEN2, 32, 8, 16, 2, 2, 1, 4, 1e-6, 10000.0, null, 64,
        false, true, -1, List.of(2));
    LlamaModel m = LlamaModel.random(c, 1, new NaiveGemm());
    assertThat(m.parameters().stream().map(Parameter::name).toList())
        .containsExactlyElementsOf(HfNames.parameterOrder(c).keySet());
    for (Parameter p : m.parameters()) assertThat(p.shape()).containsExactly(HfNames.parameterOrder(c).get(p.name()));
    // the engine's order, as LlamaModel spelled it before the table existed (random init draws in it)
    assertThat(List.copyOf(HfNames.parameterOrder(c).keySet()).subList(0, 13)).containsExactly(
        "model.embed_tokens.weight",
        "model.layers.0.input_layernorm.weight",
        "model.layers.0.self_attn.q_proj.weight",
        "model.layers.0.self_attn.k_proj.weight",
        "model.layers.0.self_attn.v_proj.weight",
        "model.layers.0.self_attn.q_proj.bias",
        "model.layers.0.self_attn.k_proj.bias",
        "model.layers.0.self_attn.v_proj.bias",
        "model.layers.0.self_attn.o_proj.weight",
        "model.layers.0.post_attention_layernorm.weight",
        "model.layers.0.mlp.gate_proj.weight",
        "model.layers.0.mlp.up_proj.weight",
        "model.layers.0.mlp.down_proj.weight");
    assertThat(HfNames.parameterOrder(c).keySet()).containsExactlyInAnyOrderElementsOf(HfNames.expected(c).keySet());
    assertThat(HfNames.parameterOrder(c).lastEntry().getKey()).isEqualTo("lm_head.weight");
  }

  @Test
  void checkListsEveryProblem() {
    LlamaConfig c = LlamaConfig.tiny();
    Map<String, int[]> got = new LinkedHashMap<>(HfNames.expected(c));
    got.remove("model.layers.2.mlp.up_proj.weight");
    got.put("model.norm.weight", new int[] {255});
    got.put("model.layers.0.self_attn.o_proj.bias", new int[] {256});
    assertThatThrownBy(() -> HfNames.check(c, got, "ckpt"))
        .isInstanceOf(CheckpointException.class)
        .hasMessageStartingWith("ckpt: tensors do not match the config (3 problems): ")
        .hasMessageContaining("missing tensor 'model.layers.2.mlp.up_proj.weight' [768, 256]")
        .hasMessageContaining("tensor 'model.norm.weight' has shape [255] but config.json implies [256]")
        .hasMessageContaining("unexpected tensor 'model.layers.0.self_attn.o_proj.bias'");
  }

  @Test
  void tiedLmHeadAndRopeBuffersAreIgnored() {
    LlamaConfig c = LlamaConfig.tiny();
    Map<String, int[]> got = new LinkedHashMap<>(HfNames.expected(c));
    got.put("lm_head.weight", new int[] {2048, 256});
    got.put("model.layers.0.self_attn.rotary_emb.inv_freq", new int[] {16});
    HfNames.check(c, got, "ckpt");
    LlamaConfig untied = HfConfigTest.LLAMA31_8B_INSTRUCT;
    Map<String, int[]> noHead = new LinkedHashMap<>(HfNames.expected(untied));
    noHead.remove("lm_head.weight");
    assertThatThrownBy(() -> HfNames.check(untied, noHead, "ckpt")).hasMessageContaining("missing tensor 'lm_head.weight'");
  }

  @Test
  void longProblemListsAreCut() {
    LlamaConfig c = HfConfigTest.SMOLLM2_135M;
    assertThatThrownBy(() -> HfNames.check(c, Map.of(), "empty"))
        .hasMessageContaining("(272 problems)")
        .hasMessageEndingWith("; and 260 more");
  }
}
