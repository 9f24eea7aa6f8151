package dev.tulu4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.tensor.Gemm;
import dev.tulu4j.tensor.NaiveGemm;
import dev.tulu4j.tensor.Parallel;
import dev.tulu4j.tensor.VectorGemm;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * LoRA training over a frozen base held as bf16 ({@link LlamaModel#frozenBf16Copy}) against the
 * same adapter over an fp32 base holding exactly those (bf16-rounded) values: the loss, the
 * log-probs and every adapter gradient must be equal bit for bit — through the forward, the fused
 * LM head's backward, the input-gradient GEMMs of every frozen projection and the embedding, with
 * and without activation checkpointing, on the vector GEMM (1 and 2 threads) and the naive one. The
 * adapter-off reference ({@link LlamaModel#frozenView}) shares the bf16 arrays and equals the fp32
 * base's log-probs.
 */
class LoraBf16BaseTest {

  /** Qwen2 with q/k/v bias, untied head, GQA, F 200 and C 160 (deep enough for the blocked routes). */
  private static final LlamaConfig WIDE = new LlamaConfig(LlamaConfig.Architecture.QWEN2, 300, 160, 200, 2, 4, 2, 40,
      1e-6, 10000.0, null, 128, false, true, 1, List.of(2));

  private static LlamaModel adapted(LlamaModel base, LoraConfig lc) {
    LlamaModel m = base.frozenView();
    LoraAdapter ad = m.attachLora(lc, 5);
    ad.training(true);
    Random r = new Random(17); // a random B, so that dA and dx through the adapter are not zero
    for (Parameter p : ad.parameters())
      if (p.name().endsWith("lora_B.weight")) for (int i = 0; i < p.data().length; i++) p.data()[i] = (float) (0.3 * r.nextGaussian());
    return m;
  }

  private static void check(LlamaConfig cfg, LoraConfig lc, Gemm gemm, String what) {
    LlamaModel source = LlamaModel.random(cfg, 3, gemm);
    for (Parameter p : source.parameters()) // weights of order 0.3 so the logits spread
      if (p.shape().length == 2) for (int i = 0; i < p.data().length; i++) p.data()[i] *= 15f;
    LlamaModel half = source.frozenBf16Copy();
    LlamaModel full = LlamaModel.fromTensors(cfg, half.toTensors(), gemm, false); // fp32 over the bf16 values
    assertThat(half.layer(0).q().isBf16()).isTrue();
    assertThat(half.weightBytes()).isLessThan(full.weightBytes() * 6 / 10);
    int b = 2, t = 40;
    int[] ids = ModelFixtures.randomIds(b * t, cfg.vocabSize(), 11);
    int[] y = ModelFixtures.shiftTargets(ids, b, t);
    y[3] = -100;
    Batch batch = new Batch(b, t, ids, y, null, null);
    for (boolean checkpointed : new boolean[] {false, true}) {
      LlamaModel mh = adapted(half, lc), mf = adapted(full, lc);
      mh.lora().dropoutSeed(99);
      mf.lora().dropoutSeed(99);
      LlamaModel.LogProbs lh = mh.lossAndBackward(batch, Activations.training(cfg, b * t, checkpointed), 1f / 77);
      LlamaModel.LogProbs lf = mf.lossAndBackward(batch, Activations.training(cfg, b * t, checkpointed), 1f / 77);
      String w = what + (checkpointed ? ", checkpointed" : "");
      assertThat(lh.lossSum()).as(w + " loss").isEqualTo(lf.lossSum());
      assertThat(lh.logp()).as(w + " log-probs").isEqualTo(lf.logp());
      List<Parameter> ph = mh.trainableParameters(), pf = mf.trainableParameters();
      assertThat(ph).hasSameSizeAs(pf).hasSize(2 * 7 * cfg.layers());
      boolean nonZero = false;
      for (int i = 0; i < ph.size(); i++) {
        assertThat(ph.get(i).grad()).as(w + " " + ph.get(i).name()).isEqualTo(pf.get(i).grad());
        for (float g : ph.get(i).grad()) nonZero |= g != 0f;
      }
      assertThat(nonZero).as(w + ": the adapter gradients are not all zero").isTrue();
      for (Parameter p : mh.parameters()) assertThat(p.grad()).as("frozen %s", p.name()).isNull();
      // the adapter-off reference shares the bf16 arrays and computes the fp32 base's log-probs
      LlamaModel ref = mh.frozenView();
      assertThat(ref.layer(0).q().bf16()).isSameAs(half.layer(0).q().bf16());
      assertThat(ref.forward(batch, Activations.inference(cfg, b * t)).logp())
          .as(w + " reference").isEqualTo(full.forward(batch, Activations.inference(cfg, b * t)).logp());
    }
  }

  @Test
  void adapterGradientsOverABf16BaseEqualThoseOverTheWidenedFp32Base() {
    LoraConfig lc = new LoraConfig(4, 8, 0.1, List.of("all-linear"), false, List.of());
    for (int threads : new int[] {1, 2}) {
      try (Parallel pool = Parallel.create(threads)) {
        VectorGemm gemm = new VectorGemm(pool);
        check(WIDE, lc, gemm, "vector gemm, " + threads + " threads, qwen2 untied");
        check(ModelFixtures.tinyGqaTied(), lc, gemm, "vector gemm, " + threads + " threads, tied");
      }
    }
    check(WIDE, lc, new NaiveGemm(), "naive gemm");
  }
}
