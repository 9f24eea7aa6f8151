package dev.tulu4j.model;

import dev.tulu4j.tensor.FewRowsGemm;
import java.util.List;
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
    LlamaConfig[] cfgs = {LlamaConfig.tiny(), ModelFixtures.tinyGqaTied(), ModelFixtures.tinyQwenBiasLlama3(),
        new LlamaConfig(LlamaConfig.Architecture.QWEN2, 41, 40, 48, 2, 2, 1, 64, 1e-6, 1000.0, null, 64, false, true, 1,
            List.of(2))};
    DecodeStepBits.assertSameLogits(cfgs, 11, 16, (b, v) -> ModelFixtures.randomIds(1 + b % 4, v, 70 + b),
        new int[] {1, 1, 1, 1}, useNew -> FewRowsGemm.lineLoads = useNew);
    DecodeStepBits.assertSameLogits(cfgs, 11, 16, (b, v) -> ModelFixtures.randomIds(1 + b % 4, v, 70 + b),
        new int[] {1, 1}, useNew -> FewRowsGemm.pairedRows = useNew);
  }
}
