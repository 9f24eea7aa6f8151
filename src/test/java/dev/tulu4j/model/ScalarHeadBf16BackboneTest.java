package dev.tulu4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.io.DType;
import dev.tulu4j.io.Tensor;
import dev.tulu4j.reward.ScalarHeadModel;
import dev.tulu4j.tensor.Gemm;
import dev.tulu4j.tensor.NaiveGemm;
import dev.tulu4j.tensor.Parallel;
import dev.tulu4j.tensor.TaskRunner;
import dev.tulu4j.tensor.VectorGemm;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reward/value model's backbone loaded frozen in bf16 for LoRA ({@link ScalarHeadModel#loadFrozenBackbone},
 * the reward stage's and PPO's {@code value_model} load under {@code lora.base_dtype}) against the
 * same bf16 checkpoint loaded as fp32 (which holds exactly the bf16-rounded values): the values and
 * every adapter and head gradient are equal bit for bit, with and without activation checkpointing,
 * on the vector GEMM (1 and 2 threads) and the naive one; the backbone matrices take 2 bytes each.
 */
class ScalarHeadBf16BackboneTest {
  /** Qwen2 with q/k/v bias, GQA, F 200 and C 160 (deep enough for the blocked GEMM routes). */
  private static final LlamaConfig WIDE = new LlamaConfig(LlamaConfig.Architecture.QWEN2, 300, 160, 200, 2, 4, 2, 40,
      1e-6, 10000.0, null, 128, false, true, 1, List.of(2));

  @TempDir Path dir;

  /** A sequence-classification folder stored in bf16: weights of order 0.3, a head of std 0.5. */
  private Path bf16Folder(LlamaConfig c, String name) {
    LlamaModel src = LlamaModel.random(c, 3, new NaiveGemm());
    Map<String, Tensor> t = new LinkedHashMap<>(src.toTensors());
    for (Tensor x : t.values()) if (x.shape().length == 2) for (int i = 0; i < x.data().length; i++) x.data()[i] *= 15f;
    float[] s = new float[c.hidden()];
    Random r = new Random(4);
    for (int i = 0; i < s.length; i++) s[i] = (float) (0.5 * r.nextGaussian());
    t.put(ScalarHeadModel.SCORE, new Tensor(new int[] {1, c.hidden()}, s));
    Path out = dir.resolve(name);
    ScalarHeadModel.fromTensors(c, t, 0, new NaiveGemm(), false, null).save(out, DType.BF16, null);
    return out;
  }

  private static ScalarHeadModel adapted(Path folder, WeightsDtype dtype, LoraConfig lc, Gemm gemm, TaskRunner runner,
      boolean checkpointed) {
    ScalarHeadModel m = ScalarHeadModel.loadFrozenBackbone(folder, dtype, 0, ScalarHeadModel.HeadInit.HF, gemm, runner);
    m.backbone().activationCheckpointing(checkpointed);
    LoraAdapter ad = m.backbone().attachLora(lc, 5);
    ad.training(true);
    ad.dropoutSeed(99);
    Random r = new Random(17); // a random B, so that dA and dx through the adapter are not zero
    for (Parameter p : ad.parameters())
      if (p.name().endsWith("lora_B.weight")) for (int i = 0; i < p.data().length; i++) p.data()[i] = (float) (0.3 * r.nextGaussian());
    return m;
  }

  private void check(LlamaConfig c, Gemm gemm, TaskRunner runner, String what) {
    Path folder = bf16Folder(c, what.replaceAll("[^a-z0-9]", "-"));
    LoraConfig lc = new LoraConfig(4, 8, 0.1, List.of("all-linear"), false, List.of("score"));
    assertThat(ScalarHeadModel.backboneBf16(folder, WeightsDtype.AUTO)).isTrue();
    assertThat(ScalarHeadModel.backboneBf16(folder, WeightsDtype.FP32)).isFalse();
    int b = 2, t = 40;
    int[] ids = ModelFixtures.randomIds(b * t, c.vocabSize(), 11);
    Batch batch = new Batch(b, t, ids, null, null, null);
    float[] up = new float[b * t];
    Random r = new Random(6);
    for (int i = 0; i < up.length; i++) up[i] = (float) r.nextGaussian();
    for (boolean checkpointed : new boolean[] {false, true}) {
      ScalarHeadModel half = adapted(folder, WeightsDtype.AUTO, lc, gemm, runner, checkpointed);
      ScalarHeadModel full = adapted(folder, WeightsDtype.FP32, lc, gemm, runner, checkpointed);
      assertThat(half.backbone().layer(0).q().isBf16()).isTrue();
      assertThat(full.backbone().layer(0).q().isBf16()).isFalse();
      assertThat(half.backbone().weightBytes()).isLessThan(full.backbone().weightBytes() * 6 / 10);
      Activations ah = half.newActivations(b * t), af = full.newActivations(b * t);
      String w = what + (checkpointed ? ", checkpointed" : "");
      assertThat(half.values(batch, ah)).as(w + " values").isEqualTo(full.values(batch, af));
      half.backward(batch, ah, up);
      full.backward(batch, af, up);
      List<Parameter> ph = half.trainableParameters(), pf = full.trainableParameters();
      assertThat(ph).hasSameSizeAs(pf).hasSize(2 * 7 * c.layers() + 1);
      assertThat(ph.getLast().name()).isEqualTo(ScalarHeadModel.SCORE);
      boolean nonZero = false;
      for (int i = 0; i < ph.size(); i++) {
        assertThat(ph.get(i).grad()).as(w + " " + ph.get(i).name()).isEqualTo(pf.get(i).grad());
        for (float g : ph.get(i).grad()) nonZero |= g != 0f;
      }
      assertThat(nonZero).as(w + ": the gradients are not all zero").isTrue();
      for (Parameter p : half.backbone().parameters()) assertThat(p.grad()).as("frozen %s", p.name()).isNull();
    }
  }

  @Test
  void adapterAndHeadGradientsOverABf16BackboneEqualThoseOverTheWidenedFp32Backbone() {
    for (int threads : new int[] {1, 2}) {
      try (Parallel pool = Parallel.create(threads)) {
        VectorGemm gemm = new VectorGemm(pool);
        check(WIDE, gemm, pool, "vector gemm " + threads + " threads qwen2");
        check(ModelFixtures.tinyGqaTied(), gemm, pool, "vector gemm " + threads + " threads tied");
      }
    }
    check(WIDE, new NaiveGemm(), TaskRunner.commonPool(), "naive gemm");
  }
}
