package dev.tulu4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.tensor.DecodeGemm;
import dev.tulu4j.tensor.VectorMath;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The decode step's four- and eight-task attention ({@link DecodeAttentionWide},
 * {@code DecodeAttentionPhase.attentionWide}) gives the bits of the tasks run one at a time: the
 * kernels against single {@link DecodeAttention#attend} calls for every key count 1..80 (several key
 * blocks, odd and even counts, a lone last block) with distinct queries, key runs and value runs in a
 * shuffled order, and whole decode steps with eight at once against four at once
 * ({@link DecodeStep#octAttention}) and four against pairs ({@link DecodeStep#quadAttention};
 * {@link DecodeAttentionPairTest} covers the default against single tasks): the tiny shape, a GQA and
 * a q/k/v-bias shape with head dim 32 (rows at mixed positions, so wide calls are taken only where the
 * tasks' positions agree, across rows where a row has fewer kv heads), and a head dim 64 shape (no wide
 * calls: the pairs' path), 32, 8, 4 rows, 1 and 2 threads. Logits compared with
 * {@code Float.floatToRawIntBits}.
 */
class DecodeAttentionWideTest {

  @Test
  void fourQueriesGiveTheBitsOfSingleCalls() {
    wideKernel(4, new int[] {2, 0, 3, 1});
  }

  @Test
  void eightQueriesGiveTheBitsOfSingleCalls() {
    wideKernel(8, new int[] {5, 2, 7, 0, 3, 6, 1, 4});
  }

  private static void wideKernel(int w, int[] run) {
    int lanes = VectorMath.S.length(), d = 2 * lanes, maxLen = 80, lenPad = DecodeGemm.padded(maxLen);
    Random r = new Random(11 + w);
    float[] kt = new float[w * lenPad * d], v = new float[w * maxLen * d], q = new float[w * (d + 1) + 7];
    for (int i = 0; i < kt.length; i++) kt[i] = (float) r.nextGaussian();
    for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
    for (int i = 0; i < q.length; i++) q[i] = (float) r.nextGaussian() * 3;
    float scale = (float) (1.0 / Math.sqrt(d));
    float[] lanesSum = new float[lanes];
    // runs in a shuffled order, queries at odd offsets, outputs with gaps between them
    int[] o = new int[4 * w];
    for (int i = 0; i < w; i++) {
      o[i] = 1 + i * (d + 1);
      o[w + i] = run[i] * lenPad * d;
      o[2 * w + i] = run[i] * maxLen * d;
      o[3 * w + i] = 3 + i * (d + 2);
    }
    int stride = lenPad + lanes;
    for (int n = 1; n <= maxLen; n++) {
      float[] p = new float[lenPad];
      float[] one = new float[w * d];
      for (int i = 0; i < w; i++) DecodeAttention.attend(q, o[i], kt, o[w + i], v, o[2 * w + i], d, n, d, scale, one, i * d, p, lanesSum);
      float[] wide = new float[w * (d + 2) + 3];
      float[] pw = new float[w * stride + 5];
      if (w == 8) DecodeAttentionWide.attend8(q, kt, v, o, n, d, scale, wide, pw, 5, stride, lanesSum);
      else DecodeAttentionWide.attend4(q, kt, v, o, n, d, scale, wide, pw, 5, stride, lanesSum);
      for (int i = 0; i < w; i++)
        for (int e = 0; e < d; e++)
          assertThat(Float.floatToRawIntBits(wide[o[3 * w + i] + e])).as("w %d n %d query %d [%d]", w, n, i, e)
              .isEqualTo(Float.floatToRawIntBits(one[i * d + e]));
    }
  }

  private static final LlamaConfig[] CFGS = {LlamaConfig.tiny(),
      new LlamaConfig(LlamaConfig.Architecture.LLAMA, 41, 64, 96, 2, 4, 2, 32, 1e-5, 10000.0, null, 64, true, false, 1, List.of(2)),
      new LlamaConfig(LlamaConfig.Architecture.QWEN2, 43, 64, 80, 2, 2, 1, 32, 1e-6, 1000.0, null, 64, false, true, 1, List.of(2)),
      new LlamaConfig(LlamaConfig.Architecture.LLAMA, 47, 64, 96, 2, 6, 3, 64, 1e-5, 10000.0, null, 64, true, false, 1, List.of(2))};

  @Test
  void decodeStepsWithEightAtOnceGiveTheLogitBitsOfFour() {
    DecodeStepBits.assertSameLogits(CFGS, 13, 48, (b, v) -> ModelFixtures.randomIds(promptLength(b), v, 70 + b),
        new int[] {32, 8, 4, 32, 32}, useNew -> DecodeStep.octAttention = useNew);
  }

  @Test
  void decodeStepsWithFourAtOnceGiveTheLogitBitsOfPairs() {
    DecodeStepBits.assertSameLogits(CFGS, 17, 48, (b, v) -> ModelFixtures.randomIds(promptLength(b), v, 30 + b),
        new int[] {32, 8, 4, 32, 32}, useNew -> {
          DecodeStep.quadAttention = useNew;
          DecodeStep.octAttention = useNew;
        });
  }

  /**
   * The prompt length of slot b: a 32-row step takes slot 5e mod 32 as row e (DecodeStepBits), so
   * row e = 13b mod 32 (13 = 5⁻¹ mod 32); rows 0..23 come in fours of one length (1, 3, .., 11 plus
   * a block's worth for the later fours: wide calls across rows where a row has fewer than four or
   * eight kv heads), rows 24..31 alternate two lengths (pairs or single tasks).
   */
  private static int promptLength(int b) {
    int e = 13 * b % 32;
    return e < 24 ? 1 + 2 * (e / 4) + (e >= 12 ? 16 : 0) : 5 + 12 * (e % 2);
  }
}
