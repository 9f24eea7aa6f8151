package dev.tulu4j.golden;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.checkpoint.HfCheckpoint;
import dev.tulu4j.checkpoint.ModelFiles;
import dev.tulu4j.io.DType;
import dev.tulu4j.model.Activations;
import dev.tulu4j.model.Batch;
import dev.tulu4j.model.KvCache;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.model.Parameter;
import dev.tulu4j.model.WeightsDtype;
import dev.tulu4j.tensor.Parallel;
import dev.tulu4j.tensor.VectorGemm;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The inference loader ({@link ModelFiles#loadFrozen}, behind generate, score, serve and eval) on
 * each family's transformers checkpoint re-saved in BF16: auto keeps the matrices bf16 and its
 * log-probs, prefill and decode logits equal the fp32 load's exactly; bf16 forced on the F32
 * original rounds to nearest even.
 */
class FamilyBf16LoadTest {
  @TempDir static Path dir;

  static java.util.List<String> cases() {
    return FamilyModelsTest.cases();
  }

  @ParameterizedTest
  @MethodSource("cases")
  void aBf16FamilyCheckpointLoadsAsBf16AndScoresAsItsFp32Load(String name) {
    Path src = GoldenFixture.folder(name).resolve("checkpoint");
    HfCheckpoint ck = HfCheckpoint.load(src);
    Path bf16 = dir.resolve(name);
    HfCheckpoint.save(bf16, ck.config(), ck.tensors(), DType.BF16, HfCheckpoint.DEFAULT_SHARD_BYTES, null);
    try (Parallel pool = Parallel.create(2)) {
      VectorGemm gemm = new VectorGemm(pool);
      ModelFiles.Frozen auto = ModelFiles.loadFrozen(bf16, WeightsDtype.AUTO, gemm, pool::parallelFor);
      ModelFiles.Frozen fp32 = ModelFiles.loadFrozen(bf16, WeightsDtype.FP32, gemm, pool::parallelFor);
      assertThat(auto.weights()).contains("bf16 weights (auto, checkpoint stores bf16");
      for (Parameter p : auto.model().parameters()) assertThat(p.isBf16()).as(p.name()).isEqualTo(p.shape().length == 2);
      for (Parameter p : fp32.model().parameters()) assertThat(p.isBf16()).as(p.name()).isFalse();
      assertThat(score(auto.model())).isEqualTo(score(fp32.model()));
      assertThat(prefillAndDecode(auto.model())).isEqualTo(prefillAndDecode(fp32.model()));
      ModelFiles.Frozen forced = ModelFiles.loadFrozen(src, WeightsDtype.BF16, gemm, pool::parallelFor);
      assertThat(forced.model().layer(0).q().bf16())
          .isEqualTo(dev.tulu4j.tensor.Bf16.round(ck.tensors().get("model.layers.0.self_attn.q_proj.weight").data()));
    }
  }

  private static float[] score(LlamaModel m) {
    int v = m.config().vocabSize(), t = 12;
    int[] ids = new int[t], y = new int[t];
    for (int i = 0; i < t; i++) ids[i] = (5 * i + 3) % v;
    for (int i = 0; i < t; i++) y[i] = i + 1 < t ? ids[i + 1] : -100;
    return m.forward(new Batch(1, t, ids, y, null, null), Activations.inference(m.config(), t)).logp();
  }

  private static float[] prefillAndDecode(LlamaModel m) {
    KvCache c = m.newCache(2, 16);
    float[] a = m.prefill(c, new int[][] {{1, 4, 9, 3, 7, 2}, {1, 7}});
    float[] b = m.decode(c, new int[] {5, 6});
    float[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
