package dev.tulu4j.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tulu4j.io.DType;
import dev.tulu4j.model.KvCache;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.model.Parameter;
import dev.tulu4j.model.WeightsDtype;
import dev.tulu4j.tensor.Bf16;
import dev.tulu4j.tensor.GemmBackend;
import dev.tulu4j.tensor.KernelConfig;
import dev.tulu4j.tokenizer.TemplateChoice;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loading a checkpoint frozen for inference ({@link ModelBundle#load(Path, TemplateChoice, KernelConfig,
 * WeightsDtype)}): auto keeps a BF16 checkpoint's matrices as bf16 (read straight from the file) and
 * an F32 checkpoint fp32; the bf16 load's logits equal the fp32 load's exactly; bf16 forced on an F32
 * checkpoint rounds to nearest even.
 */
class FrozenWeightsLoadTest {
  @TempDir static Path dir;

  private static ModelBundle open(Path ck, WeightsDtype w) {
    return ModelBundle.load(ck, TemplateChoice.MODEL, new KernelConfig(GemmBackend.VECTOR, 1), w);
  }

  private static float[] prefillAndDecode(LlamaModel m) {
    KvCache c = m.newCache(2, 16);
    float[] a = m.prefill(c, new int[][] {{1, 40, 41, 300}, {1, 7}});
    float[] b = m.decode(c, new int[] {5, 6});
    float[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void autoKeepsABf16CheckpointInBf16AndTheLogitsEqualTheFp32Load() {
    for (boolean qwen : new boolean[] {false, true}) {
      Path ck = TinyCheckpoint.write(dir, "bf16-" + qwen, qwen, DType.BF16, qwen);
      try (ModelBundle auto = open(ck, WeightsDtype.AUTO); ModelBundle fp32 = open(ck, WeightsDtype.FP32)) {
        for (Parameter p : auto.model().parameters())
          assertThat(p.isBf16()).as(p.name()).isEqualTo(p.shape().length == 2);
        for (Parameter p : fp32.model().parameters()) assertThat(p.isBf16()).as(p.name()).isFalse();
        assertThat(auto.gemmReason()).contains("bf16 weights (auto, checkpoint stores bf16");
        assertThat(fp32.gemmReason()).contains("fp32 weights (fp32");
        assertThat(auto.model().weightBytes()).isLessThan(fp32.model().weightBytes() * 6 / 10);
        assertThat(prefillAndDecode(auto.model())).isEqualTo(prefillAndDecode(fp32.model()));
      }
    }
  }

  @Test
  void anF32CheckpointStaysFp32UnderAutoAndIsRoundedWhenBf16IsAsked() {
    Path ck = TinyCheckpoint.write(dir, "f32", false, DType.F32, false);
    try (ModelBundle auto = open(ck, WeightsDtype.AUTO); ModelBundle bf16 = open(ck, WeightsDtype.BF16)) {
      assertThat(auto.model().embedding().isBf16()).isFalse();
      assertThat(auto.gemmReason()).contains("fp32 weights (auto, checkpoint stores not only bf16");
      assertThat(bf16.model().embedding().bf16()).isEqualTo(Bf16.round(auto.model().embedding().data()));
    }
    assertThatThrownBy(() -> WeightsDtype.parse("fp16")).hasMessageContaining("expected auto, fp32 or bf16");
  }
}
