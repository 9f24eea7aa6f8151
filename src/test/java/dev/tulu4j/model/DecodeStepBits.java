package dev.tulu4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.tensor.Parallel;
import dev.tulu4j.tensor.VectorGemm;
import java.util.Random;
import java.util.function.BiFunction;

/**
 * Whole fused decode steps with a kernel switch on (the default, new code) and off (the reference),
 * logits compared with {@code Float.floatToRawIntBits}: 32 cache slots prefilled with the same prompts
 * in two caches, then steps of {@code counts} rows at slots {@code (5e + count) mod 32}, on 1 and 2
 * threads. The switch is left on afterwards.
 */
final class DecodeStepBits {
  /** A static test switch: {@code true} selects the new code, the default. */
  interface Switch {
    void set(boolean useNew);
  }

  private DecodeStepBits() {}

  /**
   * The model shapes the decode bits tests run on (a fresh array per call): the tiny model (depth 256,
   * V 2048), a GQA shape with tied embeddings, a Qwen2 shape with q/k/v bias, and a Qwen2 shape of
   * hidden 40 (depths not multiples of 16 or 64) with head dim 64, one kv head and q/k/v bias.
   */
  static LlamaConfig[] shapes() {
    return new LlamaConfig[] {LlamaConfig.tiny(), ModelFixtures.tinyGqaTied(), ModelFixtures.tinyQwenBiasLlama3(),
        new LlamaConfig(LlamaConfig.Architecture.QWEN2, 41, 40, 48, 2, 2, 1, 64, 1e-6, 1000.0, null, 64, false, true, 1,
            java.util.List.of(2))};
  }

  /**
   * @param prompt slot and vocabulary size to that slot's prompt ids
   * @param seed0 model {@code ci}'s weights come from seed {@code seed0 + ci}
   */
  static void assertSameLogits(LlamaConfig[] cfgs, int seed0, int cacheLen, BiFunction<Integer, Integer, int[]> prompt,
      int[] counts, Switch sw) {
    int slots = 32;
    try {
      for (int threads : new int[] {1, 2}) {
        try (Parallel pool = Parallel.create(threads)) {
          for (int ci = 0; ci < cfgs.length; ci++) {
            LlamaConfig cfg = cfgs[ci];
            LlamaModel m = LlamaModel.random(cfg, seed0 + ci, new VectorGemm(pool));
            int v = cfg.vocabSize();
            KvCache now = m.newCache(slots, cacheLen);
            KvCache ref = m.newCache(slots, cacheLen);
            int[][] seqs = new int[slots][];
            for (int b = 0; b < slots; b++) seqs[b] = prompt.apply(b, v);
            m.prefill(now, seqs);
            m.prefill(ref, seqs);
            Random r = new Random(threads * 10 + ci);
            for (int count : counts) {
              int[] sl = new int[count];
              int[][] toks = new int[count][];
              for (int e = 0; e < count; e++) {
                sl[e] = (e * 5 + count) % slots; // 5 and 32 are coprime: distinct slots
                toks[e] = new int[] {r.nextInt(v)};
              }
              float[] a = new float[count * v];
              float[] b = new float[count * v];
              sw.set(true);
              m.append(now, sl, toks, count, a);
              sw.set(false);
              m.append(ref, sl, toks, count, b);
              sw.set(true);
              for (int i = 0; i < a.length; i++)
                assertThat(Float.floatToRawIntBits(a[i])).as("threads %d cfg %d rows %d [%d]", threads, ci, count, i)
                    .isEqualTo(Float.floatToRawIntBits(b[i]));
            }
          }
        }
      }
    } finally {
      sw.set(true);
    }
  }
}
