package dev.tulu4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.tensor.Parallel;
import dev.tulu4j.tensor.VectorGemm;
import org.junit.jupiter.api.Test;

/**
 * bf16 frozen weights for OLMo 2, Qwen3, Mistral and Gemma 2, as {@link Bf16WeightsTest} for
 * Llama: a model whose matrices are bf16 ({@link LlamaModel#frozenBf16Copy}) against the fp32 model
 * over exactly those values widened gives <em>equal</em> logits, log-probs and hidden states
 * ({@link FamilyTrunk}) and equal prefill and decode logits ({@link FamilyCached}), on one and two
 * threads, and with a LoRA adapter over the bf16 base.
 */
class FamilyBf16WeightsTest {

  @Test
  void bf16FamilyModelsEqualTheirWidenedFp32TwinsExactly() {
    for (int threads : new int[] {1, 2}) {
      try (Parallel pool = Parallel.create(threads)) {
        VectorGemm gemm = new VectorGemm(pool);
        for (LlamaConfig c : FamilyFixtures.all()) {
          LlamaModel half = LlamaModel.fromTensors(c, ModelFixtures.model(c, 5).toTensors(), gemm, false).frozenBf16Copy();
          LlamaModel full = LlamaModel.fromTensors(c, half.toTensors(), gemm, false);
          assertThat(half.embedding().isBf16()).isTrue();
          assertThat(half.layer(0).down().isBf16()).isTrue();
          assertThat(full.embedding().isBf16()).isFalse();
          String what = c.architecture().hfClass + ", " + threads + " threads";
          int b = 2, t = 9, v = c.vocabSize();
          int[] ids = ModelFixtures.randomIds(b * t, v, 11);
          Batch batch = new Batch(b, t, ids, ModelFixtures.shiftTargets(ids, b, t), null, null);
          assertThat(half.logits(batch, Activations.inference(c, b * t)))
              .as(what + " logits").isEqualTo(full.logits(batch, Activations.inference(c, b * t)));
          assertThat(half.forward(batch, Activations.inference(c, b * t)).logp())
              .as(what + " log-probs").isEqualTo(full.forward(batch, Activations.inference(c, b * t)).logp());
          assertThat(half.hidden(batch, Activations.inference(c, b * t)).clone())
              .as(what + " hidden").isEqualTo(full.hidden(batch, Activations.inference(c, b * t)).clone());
          KvCache ch = half.newCache(3, 16), cf = full.newCache(3, 16);
          int[][] prompts = {ModelFixtures.randomIds(5, v, 1), ModelFixtures.randomIds(2, v, 2), ModelFixtures.randomIds(7, v, 3)};
          assertThat(half.prefill(ch, prompts)).as(what + " prefill").isEqualTo(full.prefill(cf, prompts));
          for (int step = 0; step < 4; step++) {
            int[] next = {(7 * step) % v, (7 * step + 3) % v, (5 * step + 1) % v};
            assertThat(half.decode(ch, next)).as(what + " decode step " + step).isEqualTo(full.decode(cf, next));
          }
          // a LoRA adapter over the bf16 base trains as over the fp32 one
          LoraConfig lc = new LoraConfig(2, 4, 0, java.util.List.of("all-linear"), false, java.util.List.of());
          half.attachLora(lc, 3);
          full.attachLora(lc, 3);
          for (LlamaModel m : new LlamaModel[] {half, full})
            for (Parameter p : m.lora().parameters())
              if (p.name().endsWith("lora_B.weight")) java.util.Arrays.fill(p.data(), 0.1f);
          float[] u = new float[b * t];
          java.util.Arrays.fill(u, -1f);
          Activations ah = new Activations(c, b * t), af = new Activations(c, b * t);
          assertThat(half.forward(batch, ah).logp()).as(what + " LoRA log-probs").isEqualTo(full.forward(batch, af).logp());
          half.backward(batch, ah, u);
          full.backward(batch, af, u);
          for (int i = 0; i < half.lora().parameters().size(); i++)
            assertThat(half.lora().parameters().get(i).grad()).as(what + " " + half.lora().parameters().get(i).name())
                .isEqualTo(full.lora().parameters().get(i).grad());
        }
      }
    }
  }
}
