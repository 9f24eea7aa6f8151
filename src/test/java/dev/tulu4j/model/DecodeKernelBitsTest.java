package dev.tulu4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.tensor.DecodeGemm;
import dev.tulu4j.tensor.Parallel;
import dev.tulu4j.tensor.VectorGemm;
import java.util.List;
import java.util.Random;
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
    LlamaConfig[] cfgs = {LlamaConfig.tiny(), ModelFixtures.tinyGqaTied(), ModelFixtures.tinyQwenBiasLlama3(),
        new LlamaConfig(LlamaConfig.Architecture.QWEN2, 41, 40, 48, 2, 2, 1, 64, 1e-6, 1000.0, null, 64, false, true, 1,
            List.of(2))};
    int slots = 32;
    try {
      for (int threads : new int[] {1, 2}) {
        try (Parallel pool = Parallel.create(threads)) {
          for (int ci = 0; ci < cfgs.length; ci++) {
            LlamaConfig cfg = cfgs[ci];
            LlamaModel m = LlamaModel.random(cfg, 3 + ci, new VectorGemm(pool));
            int v = cfg.vocabSize();
            KvCache now = m.newCache(slots, 16);
            KvCache ref = m.newCache(slots, 16);
            int[][] seqs = new int[slots][];
            for (int b = 0; b < slots; b++) seqs[b] = ModelFixtures.randomIds(1 + b % 4, v, 70 + b);
            m.prefill(now, seqs);
            m.prefill(ref, seqs);
            Random r = new Random(threads * 10 + ci);
            for (int count : new int[] {32, 1, 8, 32}) {
              int[] sl = new int[count];
              int[][] toks = new int[count][];
              for (int e = 0; e < count; e++) {
                sl[e] = (e * 5 + count) % slots; // 5 and 32 are coprime: distinct slots
                toks[e] = new int[] {r.nextInt(v)};
              }
              float[] a = new float[count * v];
              float[] b = new float[count * v];
              DecodeGemm.referenceKernels = false;
              m.append(now, sl, toks, count, a);
              DecodeGemm.referenceKernels = true;
              m.append(ref, sl, toks, count, b);
              DecodeGemm.referenceKernels = false;
              for (int i = 0; i < a.length; i++)
                assertThat(Float.floatToRawIntBits(a[i])).as("threads %d cfg %d rows %d [%d]", threads, ci, count, i)
                    .isEqualTo(Float.floatToRawIntBits(b[i]));
            }
          }
        }
      }
    } finally {
      DecodeGemm.referenceKernels = false;
    }
  }
}
