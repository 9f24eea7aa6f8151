package dev.tulu4j.model;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One-row fused decode steps with one owned part per thread and product phase
 * ({@link DecodeStep#b1Owned}) give the same logits, bit for bit, as session 13's split into about
 * four chunks per thread: every output row is the same dot product of the same W row and x, only
 * the thread that computes it changes. Depths that are and are not multiples of 16 (hidden 40), GQA,
 * biases, tied heads; 1 and 2 threads.
 */
class DecodeB1OwnedPartsBitsTest {
  private static final LlamaConfig[] CFGS = {LlamaConfig.tiny(), ModelFixtures.tinyGqaTied(), ModelFixtures.tinyQwenBiasLlama3(),
      new LlamaConfig(LlamaConfig.Architecture.QWEN2, 41, 40, 48, 2, 2, 1, 64, 1e-6, 1000.0, null, 64, false, true, 1, List.of(2))};

  @Test
  void ownedPartsKeepEveryLogitsBit() {
    DecodeStepBits.assertSameLogits(CFGS, 11, 16, (b, v) -> ModelFixtures.randomIds(1 + b % 4, v, 70 + b),
        new int[] {1, 1, 1, 1}, useNew -> DecodeStep.b1Owned = useNew);
  }
}
