package dev.tulu4j.model;

import dev.tulu4j.tensor.DecodeGemm;
import org.junit.jupiter.api.Test;

/**
 * Where the decode step's data sits changes no bit (session 13): whole fused decode steps with every
 * buffer and the KV cache on a cache line against the same steps with the transposed activations,
 * tmp group areas, score rows ({@link DecodeGemm#lineSkew}) and the KV cache's layer data
 * ({@link KvCache#lineSkew}, moved within its arrays by {@link KvCache#realign} at each step) 20
 * bytes off it; logits compared raw, at 32, 1, 8 and 32 rows, 1 and 2 threads, on the tiny shape,
 * a GQA shape, a q/k/v-bias shape and a head dim 64 shape.
 */
class DecodeCacheLinesTest {

  @Test
  void decodeStepsGiveTheSameLogitBitsWhereverTheirBuffersStart() {
    LlamaConfig[] cfgs = DecodeStepBits.shapes();
    try {
      DecodeStepBits.assertSameLogits(cfgs, 5, 40, (b, v) -> ModelFixtures.randomIds(1 + b % 7, v, 90 + b),
          new int[] {32, 1, 8, 32}, aligned -> {
            DecodeGemm.lineSkew = aligned ? 0 : 5;
            KvCache.lineSkew = aligned ? 0 : 5;
          });
    } finally {
      DecodeGemm.lineSkew = 0;
      KvCache.lineSkew = 0;
    }
  }
}
