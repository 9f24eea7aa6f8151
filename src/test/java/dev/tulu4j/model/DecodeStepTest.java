package dev.tulu4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.io.Tensor;
import dev.tulu4j.tensor.DecodeGemm;
import dev.tulu4j.tensor.Parallel;
import dev.tulu4j.tensor.TaskRunner;
import dev.tulu4j.tensor.VectorGemm;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The fused decode step ({@link DecodeStep}) against the general cached path of a NaiveGemm twin
 * (same weights) and against a full forward over the whole sequence, for GQA/tied, Qwen2 bias with
 * llama3 RoPE, and multi-head untied with an odd hidden size; on 1, 2 and 3 threads, over subsets
 * of slots in any order and with an empty entry (its logits untouched).
 */
class DecodeStepTest {

  private static LlamaModel twin(LlamaModel naive, VectorGemm gemm) {
    Map<String, Tensor> t = new LinkedHashMap<>();
    for (Parameter p : naive.parameters()) t.put(p.name(), new Tensor(p.shape(), p.data()));
    return LlamaModel.fromTensors(naive.config(), t, gemm, false);
  }

  private static float[] fullLast(LlamaModel m, int[] seq) {
    Batch b = new Batch(1, seq.length, seq, null, null, null);
    float[] all = m.logits(b, new Activations(m.config(), seq.length));
    int v = m.config().vocabSize();
    return Arrays.copyOfRange(all, (seq.length - 1) * v, seq.length * v);
  }

  private static double maxDiff(float[] a, int off, float[] b) {
    double worst = 0;
    for (int i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[off + i] - b[i]));
    return worst;
  }

  @Test
  void fusedStepEqualsGeneralPathAndFullForward() {
    LlamaConfig[] cfgs = {ModelFixtures.tinyGqaTied(), ModelFixtures.tinyQwenBiasLlama3(), ModelFixtures.tinyMhaUntied(),
        // head dims 32 and 64: the register paths of the value sum (2 and 4 vectors of 16 lanes)
        new LlamaConfig(LlamaConfig.Architecture.LLAMA, 37, 64, 48, 1, 4, 2, 32, 1e-5, 10000.0, null, 64, true, false, 1,
            List.of(2)),
        new LlamaConfig(LlamaConfig.Architecture.QWEN2, 41, 40, 48, 2, 2, 1, 64, 1e-6, 1000.0, null, 64, false, true, 1,
            List.of(2))};
    for (int threads : new int[] {1, 2, 3}) {
      try (Parallel pool = Parallel.create(threads)) {
        for (int ci = 0; ci < 2 * cfgs.length; ci++) {
          LlamaConfig cfg = cfgs[ci % cfgs.length];
          boolean smallChunks = ci >= cfgs.length; // many chunks per phase (column blocks of 4)
          LlamaModel naive = ModelFixtures.model(cfg, 9);
          if (cfg.headDim() >= 32) // keep the attention logits of the wide heads in a well-conditioned range
            for (Parameter p : naive.parameters()) for (int i = 0; i < p.data().length; i++)
              if (!p.name().endsWith("norm.weight")) p.data()[i] *= 0.4f;
          LlamaModel fast = twin(naive, new VectorGemm(pool));
          int v = cfg.vocabSize();
          int slots = 4;
          KvCache cn = naive.newCache(slots, 24);
          KvCache cf = fast.newCache(slots, 24);
          if (smallChunks) cf.decodeMinBlockFloats = 1;
          int[][] seqs = new int[slots][];
          for (int b = 0; b < slots; b++) seqs[b] = ModelFixtures.randomIds(2 + b, v, 30 + b);
          naive.prefill(cn, seqs);
          fast.prefill(cf, seqs);
          Random r = new Random(threads * 100 + cfg.hidden());
          int[][] orders = {{0, 1, 2, 3}, {3, 1}, {2}, {1, 0, 3, 2}, {0, 2, 3}};
          for (int step = 0; step < orders.length; step++) {
            int[] which = orders[step];
            int free = 0;
            while (free < slots && contains(which, free)) free++;
            // entries: the slots of this step, plus (when a slot is idle) an empty entry at index 1
            int count = which.length + (free < slots ? 1 : 0);
            int[] sl = new int[count];
            int[][] toks = new int[count][];
            for (int i = 0, e = 0; e < count; e++) {
              if (e == Math.min(1, which.length) && count > which.length) {
                sl[e] = free;
                toks[e] = new int[0];
              } else {
                sl[e] = which[i++];
                toks[e] = new int[] {r.nextInt(v)};
              }
            }
            assertThat(DecodeStep.applies(fast, toks, count, which.length)).isTrue();
            float[] on = new float[count * v];
            float[] of = new float[count * v];
            Arrays.fill(of, 7f);
            naive.append(cn, sl, toks, count, on);
            fast.append(cf, sl, toks, count, of);
            for (int i = 0; i < count; i++) {
              String what = "threads " + threads + " cfg C" + cfg.hidden() + (smallChunks ? " small chunks" : "")
                  + " step " + step + " entry " + i;
              if (toks[i].length == 0) {
                for (int j = 0; j < v; j++) assertThat(of[i * v + j]).as(what + " (empty, untouched)").isEqualTo(7f);
                continue;
              }
              int b = sl[i];
              seqs[b] = Arrays.copyOf(seqs[b], seqs[b].length + 1);
              seqs[b][seqs[b].length - 1] = toks[i][0];
              assertThat(cf.length(b)).isEqualTo(seqs[b].length);
              float[] want = fullLast(naive, seqs[b]);
              assertThat(maxDiff(of, i * v, want)).as(what + " vs full forward").isLessThan(2e-5);
              assertThat(maxDiff(of, i * v, Arrays.copyOfRange(on, i * v, (i + 1) * v))).as(what + " vs general path")
                  .isLessThan(2e-5);
            }
          }
        }
      }
    }
  }

  /**
   * From {@link DecodeStep#TRANSPOSED_MIN_ROWS} rows on the projections run transposed
   * ({@link DecodeGemm}): 7 rows (below), 8, 9 and 17 (one and two partly filled vectors of 16),
   * 33 (a pair of vectors and a single one), against the full forward and the general path.
   */
  @Test
  void manyRowsTakeTheTransposedPathAndStillEqualTheFullForward() {
    LlamaConfig[] cfgs = {ModelFixtures.tinyGqaTied(), ModelFixtures.tinyQwenBiasLlama3(),
        new LlamaConfig(LlamaConfig.Architecture.QWEN2, 41, 40, 48, 2, 2, 1, 64, 1e-6, 1000.0, null, 64, false, true, 1,
            List.of(2))};
    int slots = 33;
    int[] sizes = {33, 7, 17, 8, 9};
    for (int threads : new int[] {1, 2}) {
      try (Parallel pool = Parallel.create(threads)) {
        for (int ci = 0; ci < cfgs.length; ci++) {
          LlamaConfig cfg = cfgs[ci];
          LlamaModel naive = ModelFixtures.model(cfg, 5);
          if (cfg.headDim() >= 32)
            for (Parameter p : naive.parameters()) for (int i = 0; i < p.data().length; i++)
              if (!p.name().endsWith("norm.weight")) p.data()[i] *= 0.4f;
          LlamaModel fast = twin(naive, new VectorGemm(pool));
          int v = cfg.vocabSize();
          KvCache cn = naive.newCache(slots, 16);
          KvCache cf = fast.newCache(slots, 16);
          if (threads == 2 && ci == 0) cf.decodeMinBlockFloats = 1;
          int[][] seqs = new int[slots][];
          for (int b = 0; b < slots; b++) seqs[b] = ModelFixtures.randomIds(1 + b % 5, v, 50 + b);
          naive.prefill(cn, seqs);
          fast.prefill(cf, seqs);
          Random r = new Random(threads * 10 + ci);
          for (int step = 0; step < sizes.length; step++) {
            int count = sizes[step];
            int[] sl = new int[count];
            int[][] toks = new int[count][];
            for (int e = 0; e < count; e++) {
              sl[e] = (e * 7 + step * 3) % slots; // 7 and 33 are coprime: distinct slots in a shuffled order
              toks[e] = new int[] {r.nextInt(v)};
            }
            float[] on = new float[count * v];
            float[] of = new float[count * v];
            naive.append(cn, sl, toks, count, on);
            fast.append(cf, sl, toks, count, of);
            for (int i = 0; i < count; i++) {
              String what = "threads " + threads + " cfg C" + cfg.hidden() + " rows " + count + " entry " + i;
              int b = sl[i];
              seqs[b] = Arrays.copyOf(seqs[b], seqs[b].length + 1);
              seqs[b][seqs[b].length - 1] = toks[i][0];
              assertThat(maxDiff(of, i * v, Arrays.copyOfRange(on, i * v, (i + 1) * v))).as(what + " vs general path")
                  .isLessThan(2e-5);
              if (i % 4 == 0) assertThat(maxDiff(of, i * v, fullLast(naive, seqs[b]))).as(what + " vs full forward")
                  .isLessThan(2e-5);
            }
          }
        }
      }
    }
  }

  /**
   * Participants that run one after the other (a serial runner: the second "thread" arrives only
   * after the first has finished) must not deadlock: the first claims every chunk of every phase.
   */
  @Test
  void aParticipantThatArrivesLateFindsTheStepDone() {
    try (Parallel pool = Parallel.create(3)) {
      LlamaModel naive = ModelFixtures.model(ModelFixtures.tinyQwenBiasLlama3(), 4);
      Map<String, Tensor> t = new LinkedHashMap<>();
      for (Parameter p : naive.parameters()) t.put(p.name(), new Tensor(p.shape(), p.data()));
      LlamaModel serial = LlamaModel.fromTensors(naive.config(), t, new VectorGemm(pool), TaskRunner.serial(), false);
      int v = naive.config().vocabSize();
      int[][] seqs = {ModelFixtures.randomIds(3, v, 1), ModelFixtures.randomIds(6, v, 2)};
      KvCache cache = serial.newCache(2, 16);
      cache.decodeMinBlockFloats = 1;
      serial.prefill(cache, seqs);
      for (int step = 0; step < 3; step++) {
        int[] next = {(step * 5 + 1) % v, (step * 11 + 3) % v};
        float[] logits = serial.decode(cache, next);
        for (int b = 0; b < 2; b++) {
          seqs[b] = Arrays.copyOf(seqs[b], seqs[b].length + 1);
          seqs[b][seqs[b].length - 1] = next[b];
          assertThat(maxDiff(logits, b * v, fullLast(naive, seqs[b]))).as("step %d seq %d", step, b).isLessThan(2e-5);
        }
      }
    }
  }

  @Test
  void promptsAndNonVectorGemmsTakeTheGeneralPath() {
    try (Parallel pool = Parallel.create(2)) {
      LlamaModel naive = ModelFixtures.model(ModelFixtures.tinyGqaTied(), 3);
      LlamaModel fast = twin(naive, new VectorGemm(pool));
      assertThat(DecodeStep.applies(fast, new int[][] {{1, 2}}, 1, 2)).isFalse();
      assertThat(DecodeStep.applies(naive, new int[][] {{1}}, 1, 1)).isFalse();
      assertThat(DecodeStep.applies(fast, new int[65][], 65, 65)).isFalse();
    }
  }

  @Test
  void columnBlocksAreMultiplesOfFourAndCoverTheOutput() {
    for (int[] s : new int[][] {{768, 256, 2}, {960, 576, 2}, {49152, 576, 2}, {37, 16, 3}, {12, 20, 1}, {3, 5, 2}}) {
      int cols = DecodeSplit.blockColumns(s[0], s[1], s[2]);
      assertThat(cols).as(Arrays.toString(s)).isPositive().isLessThanOrEqualTo(s[0]);
      if (cols < s[0]) assertThat(cols % 4).as(Arrays.toString(s)).isZero();
    }
    assertThat(DecodeSplit.blockColumns(768, 256, 2)).isEqualTo(96); // 8 chunks of 96 KiB
  }

  private static boolean contains(int[] a, int x) {
    for (int y : a) if (y == x) return true;
    return false;
  }
}
