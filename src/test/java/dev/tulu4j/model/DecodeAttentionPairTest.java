package dev.tulu4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.tensor.DecodeGemm;
import dev.tulu4j.tensor.VectorMath;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The decode step's paired attention ({@code DecodeAttentionPhase.attentionPair}: two (row, kv head) tasks' scores
 * and values in one loop each) gives the bits of the tasks run one at a time ({@code DecodeAttentionPhase.attention},
 * {@link DecodeStep#pairAttention} cleared): the kernel against {@code attend} for every key count
 * across several key blocks, and whole decode steps (tiny shape, a GQA and a q/k/v-bias shape with
 * head dim 32, a GQA shape with head dim 64; rows at mixed positions, so pairs across rows are taken only where positions agree;
 * 32, 8, 4 rows; 1 and 2 threads), logits compared with {@code Float.floatToRawIntBits}.
 */
class DecodeAttentionPairTest {

  @Test
  void pairedKernelGivesTheBitsOfTwoSingleCalls() {
    int lanes = VectorMath.S.length();
    pairedKernel(2 * lanes);
    pairedKernel(4 * lanes);
  }

  private static void pairedKernel(int d) {
    int lanes = VectorMath.S.length(), maxLen = 80, lenPad = DecodeGemm.padded(maxLen);
    Random r = new Random(5);
    float[] kt = new float[2 * lenPad * d], v = new float[2 * maxLen * d], q = new float[2 * d + 3];
    for (int i = 0; i < kt.length; i++) kt[i] = (float) r.nextGaussian();
    for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
    for (int i = 0; i < q.length; i++) q[i] = (float) r.nextGaussian() * 3;
    int kA = 0, kB = lenPad * d, vA = 0, vB = maxLen * d, qA = 1, qB = 3 + d;
    float scale = (float) (1.0 / Math.sqrt(d));
    float[] lanesSum = new float[lanes];
    for (int n = 1; n <= maxLen; n++) {
      float[] p = new float[lenPad], pb = new float[lenPad];
      float[] one = new float[2 * d], pair = new float[2 * d + 5];
      DecodeAttention.attend(q, qA, kt, kA, v, vA, d, n, d, scale, one, 0, p, lanesSum);
      DecodeAttention.attend(q, qB, kt, kB, v, vB, d, n, d, scale, one, d, p, lanesSum);
      DecodeAttention.attendPair(q, qA, qB, kt, kA, kB, v, vA, vB, n, d, scale, pair, 2, 2 + d, p, pb, lanesSum);
      for (int e = 0; e < 2 * d; e++)
        assertThat(Float.floatToRawIntBits(pair[2 + e])).as("d %d n %d [%d]", d, n, e).isEqualTo(Float.floatToRawIntBits(one[e]));
    }
  }

  @Test
  void decodeStepsGiveTheLogitBitsOfUnpairedAttention() {
    LlamaConfig[] cfgs = {LlamaConfig.tiny(),
        new LlamaConfig(LlamaConfig.Architecture.LLAMA, 41, 64, 96, 2, 4, 2, 32, 1e-5, 10000.0, null, 64, true, false, 1,
            List.of(2)),
        new LlamaConfig(LlamaConfig.Architecture.QWEN2, 43, 64, 80, 2, 2, 1, 32, 1e-6, 1000.0, null, 64, false, true, 1,
            List.of(2)),
        // head dim 64 (SmolLM2's), group 2
        new LlamaConfig(LlamaConfig.Architecture.LLAMA, 47, 64, 96, 2, 6, 3, 64, 1e-5, 10000.0, null, 64, true, false, 1,
            List.of(2))};
    // lengths 1..20 and repeats: several key blocks, odd and even counts, equal positions in neighbours
    DecodeStepBits.assertSameLogits(cfgs, 7, 48, (b, v) -> ModelFixtures.randomIds(1 + (b / 2) % 20, v, 90 + b),
        new int[] {32, 8, 4, 32, 32}, useNew -> DecodeStep.pairAttention = useNew);
  }
}
