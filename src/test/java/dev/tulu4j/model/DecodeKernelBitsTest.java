package dev.tulu4j.model;

import dev.tulu4j.tensor.DecodeGemm;
import org.junit.jupiter.api.Test;

/**
 * Session 11's decode kernels (the 2 × 8 tile, the grouped row-major stores) give the logits of
 * session 8's (2 × 6 tile, strided stores; {@link DecodeGemm#referenceKernels}) bit for bit: whole
 * fused decode steps at 1, 8 and 32 rows, 1 and 2 threads, on the tiny model's shape (depth 256, V 2048
 * tied), a GQA shape and two Qwen2 shapes with q/k/v bias. The pipeline samples from these logits.
 */
class DecodeKernelBitsTest {

  @Test
  void decodeStepsGiveTheLogitBitsOfTheSessionEightKernels() {
    LlamaConfig[] cfgs = DecodeStepBits.shapes();
    DecodeStepBits.assertSameLogits(cfgs, 3, 16, (b, v) -> ModelFixtures.randomIds(1 + b % 4, v, 70 + b),
        new int[] {32, 1, 8, 32}, useNew -> DecodeGemm.referenceKernels = !useNew);
  }
}
