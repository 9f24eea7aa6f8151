package dev.tulu4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.tensor.DecodeGemm;
import dev.tulu4j.tensor.VectorMath;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The decode step's four-task attention ({@link DecodeAttentionQuad}, {@code DecodeAttentionPhase.attentionQuad})
 * gives the bits of the tasks run one at a time: the kernel against four {@link DecodeAttention#attend}
 * calls for every key count 1..80 (several key blocks, odd and even counts, a lone last block) with
 * four distinct queries, key runs and value runs, and whole decode steps with
 * {@link DecodeStep#quadAttention} set against cleared (pairs; {@link DecodeAttentionPairTest} covers
 * pairs against single tasks): the tiny shape, a GQA and a q/k/v-bias shape with head dim 32 (rows at
 * mixed positions, so quads are taken only where four tasks' positions agree), and a head dim 64
 * shape (no quads: the pairs' path), 32, 8, 4 rows, 1 and 2 threads. Logits compared with
 * {@code Float.floatToRawIntBits}.
 */
class DecodeAttentionQuadTest {

  @Test
  void quadKernelGivesTheBitsOfFourSingleCalls() {
    int lanes = VectorMath.S.length(), d = 2 * lanes, maxLen = 80, lenPad = DecodeGemm.padded(maxLen);
    Random r = new Random(11);
    float[] kt = new float[4 * lenPad * d], v = new float[4 * maxLen * d], q = new float[4 * d + 7];
    for (int i = 0; i < kt.length; i++) kt[i] = (float) r.nextGaussian();
    for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
    for (int i = 0; i < q.length; i++) q[i] = (float) r.nextGaussian() * 3;
    float scale = (float) (1.0 / Math.sqrt(d));
    float[] lanesSum = new float[lanes];
    // runs in a shuffled order, queries at odd offsets, outputs interleaved with a gap
    int[] run = {2, 0, 3, 1};
    int[] o = new int[16];
    for (int i = 0; i < 4; i++) {
      o[i] = 1 + i * (d + 1);
      o[4 + i] = run[i] * lenPad * d;
      o[8 + i] = run[i] * maxLen * d;
      o[12 + i] = 3 + i * (d + 2);
    }
    int stride = lenPad + lanes;
    for (int n = 1; n <= maxLen; n++) {
      float[] p = new float[lenPad];
      float[] one = new float[4 * d];
      for (int i = 0; i < 4; i++) DecodeAttention.attend(q, o[i], kt, o[4 + i], v, o[8 + i], d, n, d, scale, one, i * d, p, lanesSum);
      float[] quad = new float[4 * (d + 2) + 3];
      float[] p4 = new float[4 * stride + 5];
      DecodeAttentionQuad.attend(q, kt, v, o, n, d, scale, quad, p4, 5, stride, lanesSum);
      for (int i = 0; i < 4; i++)
        for (int e = 0; e < d; e++)
          assertThat(Float.floatToRawIntBits(quad[o[12 + i] + e])).as("n %d query %d [%d]", n, i, e)
              .isEqualTo(Float.floatToRawIntBits(one[i * d + e]));
    }
  }

  @Test
  void decodeStepsGiveTheLogitBitsOfPairedAttention() {
    LlamaConfig[] cfgs = {LlamaConfig.tiny(),
        new LlamaConfig(LlamaConfig.Architecture.LLAMA, 41, 64, 96, 2, 4, 2, 32, 1e-5, 10000.0, null, 64, true, false, 1,
            List.of(2)),
        new LlamaConfig(LlamaConfig.Architecture.QWEN2, 43, 64, 80, 2, 2, 1, 32, 1e-6, 1000.0, null, 64, false, true, 1,
            List.of(2)),
        new LlamaConfig(LlamaConfig.Architecture.LLAMA, 47, 64, 96, 2, 6, 3, 64, 1e-5, 10000.0, null, 64, true, false, 1,
            List.of(2))};
    DecodeStepBits.assertSameLogits(cfgs, 13, 48, (b, v) -> ModelFixtures.randomIds(promptLength(b), v, 70 + b),
        new int[] {32, 8, 4, 32, 32}, useNew -> DecodeStep.quadAttention = useNew);
  }

  /**
   * The prompt length of slot b: a 32-row step takes slot 5e mod 32 as row e (DecodeStepBits), so
   * row e = 13b mod 32 (13 = 5⁻¹ mod 32); rows 0..23 come in fours of one length (1, 3, .., 11 plus
   * a block's worth for the later fours: quads across rows where a row has fewer than four kv heads),
   * rows 24..31 alternate two lengths (no quad: pairs or single tasks).
   */
  private static int promptLength(int b) {
    int e = 13 * b % 32;
    return e < 24 ? 1 + 2 * (e / 4) + (e >= 12 ? 16 : 0) : 5 + 12 * (e % 2);
  }
}
