package dev.tulu4j.model;

import org.junit.jupiter.api.Test;

/**
 * One-row fused decode steps reading x from {@code small}'s line-aligned copy give the same logits,
 * bit for bit, as reading it where the step left it (session 12): the same kernel over the same
 * values, only the address differs. Depths that are and are not multiples of 16 (hidden 40), GQA,
 * biases, tied heads; 1 and 2 threads (two participants, two copies).
 */
class DecodeB1AlignedXBitsTest {
  @Test
  void alignedCopyOfXKeepsEveryLogitsBit() {
    LlamaConfig[] cfgs = DecodeStepBits.shapes();
    DecodeStepBits.assertSameLogits(cfgs, 7, 16, (b, v) -> ModelFixtures.randomIds(1 + b % 4, v, 90 + b),
        new int[] {1, 1, 1, 1}, useNew -> DecodeStep.b1AlignedX = useNew);
  }
}
