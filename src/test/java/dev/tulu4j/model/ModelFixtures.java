package dev.tulu4j.model;

import dev.tulu4j.tensor.NaiveGemm;
import java.util.List;
import java.util.Random;

/** Tiny configurations and well-conditioned random weights shared by the model tests. */
final class ModelFixtures {
  private ModelFixtures() {}

  /** V=37, C=16, F=24, L=2, H=4, Hkv=2 (GQA), D=4, tied, no bias, plain RoPE. */
  static LlamaConfig tinyGqaTied() {
    return new LlamaConfig(LlamaConfig.Architecture.LLAMA, 37, 16, 24, 2, 4, 2, 4, 1e-5, 10000.0, null, 64,
        true, false, 1, List.of(2));
  }

  /** Qwen2-style: untied, q/k/v bias, GQA, llama3 RoPE scaling whose bands all occur at D=8. */
  static LlamaConfig tinyQwenBiasLlama3() {
    return new LlamaConfig(LlamaConfig.Architecture.QWEN2, 37, 16, 24, 2, 4, 2, 8, 1e-6, 100.0,
        new LlamaConfig.RopeScaling(4.0, 1.0, 4.0, 8), 64, false, true, 1, List.of(2));
  }

  /** Untied, multi-head (Hkv = H), llama3 scaling, no bias, three layers, odd C. */
  static LlamaConfig tinyMhaUntied() {
    return new LlamaConfig(LlamaConfig.Architecture.LLAMA, 29, 12, 20, 3, 3, 3, 4, 1e-5, 500.0,
        new LlamaConfig.RopeScaling(8.0, 1.0, 4.0, 16), 64, false, false, 1, List.of(2));
  }

  /** A model whose weights are large enough that every gradient is far from zero. */
  static LlamaModel model(LlamaConfig c, long seed) {
    LlamaModel m = LlamaModel.random(c, seed, new NaiveGemm());
    Random r = new Random(seed * 31 + 7);
    for (Parameter p : m.parameters()) {
      float[] d = p.data();
      boolean norm = p.name().endsWith("norm.weight");
      boolean bias = p.name().endsWith(".bias");
      for (int i = 0; i < d.length; i++) {
        double z = r.nextGaussian();
        d[i] = (float) (norm ? 1 + 0.2 * z : bias ? 0.2 * z : 0.35 * z);
      }
    }
    return m;
  }

  /**
   * Attaches a LoRA adapter to {@code m} (seed 5) with a random B (0.3·N(0, 1), seed 17), so the
   * adapter changes the outputs, in or out of training mode, dropout seed 23; returns {@code m}.
   */
  static LlamaModel withRandomLora(LlamaModel m, LoraConfig lc, boolean trainingMode) {
    LoraAdapter ad = m.attachLora(lc, 5);
    Random r = new Random(17);
    for (Parameter p : ad.parameters())
      if (p.name().endsWith("lora_B.weight")) for (int i = 0; i < p.data().length; i++) p.data()[i] = (float) (0.3 * r.nextGaussian());
    ad.training(trainingMode);
    ad.dropoutSeed(23);
    return m;
  }

  static int[] randomIds(int n, int vocab, long seed) {
    Random r = new Random(seed);
    int[] ids = new int[n];
    for (int i = 0; i < n; i++) ids[i] = r.nextInt(vocab);
    return ids;
  }

  /** Next-token targets of ids per row, last position of each row ignored. */
  static int[] shiftTargets(int[] ids, int b, int t) {
    int[] y = new int[b * t];
    for (int i = 0; i < b; i++)
      for (int j = 0; j < t; j++) y[i * t + j] = j + 1 < t ? ids[i * t + j + 1] : -100;
    return y;
  }
}
