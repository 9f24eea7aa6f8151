package dev.tulu4j.model;

import dev.tulu4j.tensor.FewRowsGemm;
import org.junit.jupiter.api.Test;

/**
 * One-row fused decode steps give the same logits, bit for bit, with W's rows read as whole cache
 * lines ({@code FewRowsGemm.lineLoads}) and with plain loads wherever the rows start, and with two
 * rows at a time ({@code FewRowsGemm.pairedRows}) and one. Depths that are
 * and are not multiples of 64 (hidden 40), GQA, biases, tied heads; 1 and 2 threads.
 */
class DecodeB1LineLoadsBitsTest {
  @Test
  void lineLoadsKeepEveryLogitsBit() {
    LlamaConfig[] cfgs = DecodeStepBits.shapes();
    DecodeStepBits.assertSameLogits(cfgs, 11, 16, (b, v) -> ModelFixtures.randomIds(1 + b % 4, v, 70 + b),
        new int[] {1, 1, 1, 1}, useNew -> FewRowsGemm.lineLoads = useNew);
    DecodeStepBits.assertSameLogits(cfgs, 11, 16, (b, v) -> ModelFixtures.randomIds(1 + b % 4, v, 70 + b),
        new int[] {1, 1}, useNew -> FewRowsGemm.pairedRows = useNew);
  }
}
