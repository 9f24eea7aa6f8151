package dev.tulu4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tulu4j.tensor.Bf16;
import dev.tulu4j.tensor.Parallel;
import dev.tulu4j.tensor.VectorGemm;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A model whose weight matrices are held as bf16 ({@link LlamaModel#frozenBf16Copy}) against the
 * fp32 model whose weights are those bf16 values widened: the logits must be <em>equal</em>, bit
 * for bit, on every path (full forward with the blocked GEMM and the fused LM head, cached prefill,
 * the fused decode step at 1 row, 2–7 rows and the transposed mode from 8 rows, the general cached
 * path), on one and two threads, because widening is exact and every bf16 kernel runs the fp32
 * kernel's arithmetic.
 */
class Bf16WeightsTest {

  /** Depth 160 ≥ 128 and F 200 put the few-rows products on their own route; V 300, untied, bias. */
  private static final LlamaConfig WIDE = new LlamaConfig(LlamaConfig.Architecture.QWEN2, 300, 160, 200, 2, 4, 2, 40,
      1e-6, 10000.0, null, 128, false, true, 1, List.of(2));

  private static LlamaModel widenedTwin(LlamaModel bf16, VectorGemm gemm) {
    // toTensors widens bf16 parameters: an fp32 model over exactly the bf16 values
    return LlamaModel.fromTensors(bf16.config(), bf16.toTensors(), gemm, false);
  }

  @Test
  void bf16ModelLogitsEqualTheWidenedFp32ModelExactly() {
    for (int threads : new int[] {1, 2}) {
      try (Parallel pool = Parallel.create(threads)) {
        VectorGemm gemm = new VectorGemm(pool);
        for (LlamaConfig cfg : new LlamaConfig[] {WIDE, ModelFixtures.tinyGqaTied()}) {
          LlamaModel source = LlamaModel.random(cfg, 5, gemm);
          for (Parameter p : source.parameters()) // weights of order 0.3 so the logits spread
            if (p.shape().length == 2) for (int i = 0; i < p.data().length; i++) p.data()[i] *= 15f;
          LlamaModel half = source.frozenBf16Copy();
          LlamaModel full = widenedTwin(half, gemm);
          assertThat(half.embedding().isBf16()).isTrue();
          assertThat(half.layer(0).inputNorm().isBf16()).isFalse();
          assertThat(full.embedding().isBf16()).isFalse();
          String what = "threads " + threads + " C " + cfg.hidden();
          // full forward: 2 × 40 = 80 rows (the blocked GEMM, B packed from bf16), logits and log-probs
          int b = 2, t = 40, v = cfg.vocabSize();
          int[] ids = ModelFixtures.randomIds(b * t, v, 11);
          Batch batch = new Batch(b, t, ids, ModelFixtures.shiftTargets(ids, b, t), null, null);
          assertThat(half.logits(batch, Activations.inference(cfg, b * t)))
              .as(what + " logits").isEqualTo(full.logits(batch, Activations.inference(cfg, b * t)));
          assertThat(half.forward(batch, Activations.inference(cfg, b * t)).logp())
              .as(what + " log-probs").isEqualTo(full.forward(batch, Activations.inference(cfg, b * t)).logp());
          // KV cache: prefill, then decode steps at 1, 3, 9 and 17 rows
          for (int rows : new int[] {1, 3, 9, 17}) {
            KvCache ch = half.newCache(rows, 24), cf = full.newCache(rows, 24);
            int[][] prompts = new int[rows][];
            for (int r = 0; r < rows; r++) prompts[r] = ModelFixtures.randomIds(3 + r % 4, v, 40 + r);
            assertThat(half.prefill(ch, prompts)).as(what + " prefill " + rows).isEqualTo(full.prefill(cf, prompts));
            int[] next = new int[rows];
            for (int step = 0; step < 4; step++) {
              for (int r = 0; r < rows; r++) next[r] = (7 * step + 13 * r) % v;
              assertThat(half.decode(ch, next)).as(what + " decode " + rows + " rows, step " + step)
                  .isEqualTo(full.decode(cf, next));
            }
          }
        }
      }
    }
  }

  @Test
  void theGeneralCachedPathOfAnotherBackendAlsoMatches() {
    // NaiveGemm: no fused decode step, every product through Gemm.sgemmBf16B
    LlamaModel source = LlamaModel.random(WIDE, 6, new dev.tulu4j.tensor.NaiveGemm());
    LlamaModel half = source.frozenBf16Copy();
    LlamaModel full = LlamaModel.fromTensors(WIDE, half.toTensors(), half.gemm(), false);
    KvCache ch = half.newCache(2, 16), cf = full.newCache(2, 16);
    int[][] prompts = {ModelFixtures.randomIds(5, 300, 1), ModelFixtures.randomIds(2, 300, 2)};
    assertThat(half.prefill(ch, prompts)).isEqualTo(full.prefill(cf, prompts));
    assertThat(half.decode(ch, new int[] {4, 9})).isEqualTo(full.decode(cf, new int[] {4, 9}));
  }

  /**
   * The backward through a frozen weight (a LoRA base): dx = dy·W over the bf16 bits equals dx over
   * the widened fp32 values exactly, and no weight gradient is touched (there is none).
   */
  @Test
  void backwardThroughAFrozenBf16WeightGivesTheInputGradientOnly() {
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(8);
    int rows = 37, in = 160, out = 75;
    short[] h = new short[out * in];
    for (int i = 0; i < h.length; i++) h[i] = Bf16.round((float) rnd.nextGaussian());
    Parameter frozen = Parameter.frozenBf16("w", new int[] {out, in}, h, true);
    Parameter widened = new Parameter("w", new int[] {out, in}, Bf16.widen(h), null, true);
    float[] dy = new float[rows * out], x = new float[rows * in];
    for (int i = 0; i < dy.length; i++) dy[i] = (float) rnd.nextGaussian();
    for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
    for (int threads : new int[] {1, 2}) {
      try (Parallel pool = Parallel.create(threads)) {
        LlamaModel m = LlamaModel.random(ModelFixtures.tinyGqaTied(), 1, new VectorGemm(pool));
        float[] a = new float[rows * in], b = new float[rows * in];
        java.util.Arrays.fill(a, 0.5f);
        java.util.Arrays.fill(b, 0.5f);
        m.linearBackward(dy, x, rows, in, out, frozen, null, a, true);
        m.linearBackward(dy, x, rows, in, out, widened, null, b, true);
        assertThat(a).as(threads + " threads").isEqualTo(b);
        float[] y1 = new float[rows * out], y2 = new float[rows * out];
        m.linear(x, rows, in, frozen, null, y1, out);
        m.linear(x, rows, in, widened, null, y2, out);
        assertThat(y1).isEqualTo(y2);
      }
    }
  }

  @Test
  void bf16ParametersAreFrozenAndHalfTheBytes() {
    LlamaModel source = LlamaModel.random(WIDE, 7, new VectorGemm(Parallel.serial()));
    LlamaModel half = source.frozenBf16Copy();
    long matrices = 0, vectors = 0;
    for (Parameter p : source.parameters()) {
      if (p.shape().length == 2) matrices += p.numel();
      else vectors += p.numel();
    }
    assertThat(half.weightBytes()).isEqualTo(2 * matrices + 4 * vectors);
    assertThat(source.weightBytes()).isEqualTo(4 * (matrices + vectors));
    assertThat(half.parameterCount()).isEqualTo(source.parameterCount());
    for (Parameter p : half.parameters()) {
      assertThat(p.grad()).as(p.name()).isNull();
      if (p.isBf16()) {
        float[] want = source.parameters().stream().filter(q -> q.name().equals(p.name())).findFirst().orElseThrow().data();
        short[] rounded = Bf16.round(want);
        assertThat(p.bf16()).as(p.name() + " rounded to nearest even").isEqualTo(rounded);
      }
    }
    assertThatThrownBy(() -> new Parameter("w", new int[] {2}, null, new float[2], false, new short[2]))
        .hasMessageContaining("no gradient");
    assertThatThrownBy(() -> new Parameter("w", new int[] {2}, null, null, false, null))
        .hasMessageContaining("exactly one");
    assertThatThrownBy(() -> new Parameter("w", new int[] {2}, new float[2], null, false, new short[2]))
        .hasMessageContaining("exactly one");
    assertThat(Arrays.equals(half.toTensors().get(HfNames.EMBED).data(), half.embedding().toFloats())).isTrue();
  }
}
