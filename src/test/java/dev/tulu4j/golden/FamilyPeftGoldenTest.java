package dev.tulu4j.golden;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.checkpoint.ModelFiles;
import dev.tulu4j.checkpoint.PeftAdapter;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.model.LoraTarget;
import dev.tulu4j.model.WeightsDtype;
import dev.tulu4j.tensor.GemmBackend;
import dev.tulu4j.tensor.KernelConfig;
import dev.tulu4j.tensor.Kernels;
import java.util.EnumSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * PEFT adapters on OLMo 2 and Gemma 2 ({@code tools/golden/make_peft_golden.py --family olmo2 /
 * gemma2}: the transformers fixtures' bases, {@code LoraConfig(r=4, lora_alpha=8)} on q, k, v, o,
 * gate, up and down by their HF names, B random): loaded by the engine on top of the base, they
 * score as PEFT computes in float64 — logits within 1e-4 of the largest golden logit with the
 * adapter on and off — also over the bf16 load of the base path (frozen weights widened in the
 * kernels, the adapter fp32), and merged into the weights.
 */
class FamilyPeftGoldenTest {
  static final double TOL = PeftGoldenTest.TOL;

  @ParameterizedTest
  @ValueSource(strings = {"peft-olmo2", "peft-gemma2"})
  void aPeftAdapterOnTheFamilyScoresAsPeftComputesIt(String name) {
    GoldenFixture g = GoldenFixture.read(GoldenFixture.folder(name));
    try (Kernels k = Kernels.create(new KernelConfig(GemmBackend.VECTOR, 2))) {
      LlamaModel m = ModelFiles.loadModel(g.checkpoint(), k.gemm(), false);
      PeftAdapter.Loaded ad = PeftAdapter.load(g.dir().resolve("adapter"), m.config());
      assertThat(ad.config().targets()).isEqualTo(EnumSet.allOf(LoraTarget.class));
      m.attachLora(ad.adapter());
      double on = PeftGoldenTest.relError(PeftGoldenTest.logits(m, g), g.tensor("logits").data());
      m.lora().enabled(false);
      double off = PeftGoldenTest.relError(PeftGoldenTest.logits(m, g), g.tensor("base_logits").data());
      assertThat(PeftGoldenTest.relError(PeftGoldenTest.logits(m, g), g.tensor("logits").data()))
          .as("the adapter matters").isGreaterThan(100 * TOL);
      // the inference loader's frozen model (generate, score, serve, eval), matrices as bf16 bits of
      // the fp32 fixture: the same adapter over it scores as over the fp32 weights rounded alike
      LlamaModel half = ModelFiles.loadFrozen(g.checkpoint(), WeightsDtype.BF16, k.gemm(), k.parallel()::parallelFor).model();
      LlamaModel widened = LlamaModel.fromTensors(half.config(), half.toTensors(), k.gemm(), false);
      half.attachLora(PeftAdapter.load(g.dir().resolve("adapter"), m.config()).adapter());
      widened.attachLora(PeftAdapter.load(g.dir().resolve("adapter"), m.config()).adapter());
      assertThat(PeftGoldenTest.logits(half, g)).isEqualTo(PeftGoldenTest.logits(widened, g));
      // merged into the weights: the same function
      m.lora().enabled(true);
      m.mergeLora();
      double merged = PeftGoldenTest.relError(PeftGoldenTest.logits(m, g), g.tensor("logits").data());
      System.out.printf("%s: logits error %.2e (adapter on), %.2e (off), %.2e (merged)%n", name, on, off, merged);
      assertThat(on).as("adapter on vs PEFT").isLessThan(TOL);
      assertThat(off).as("adapter off vs PEFT's disable_adapter()").isLessThan(TOL);
      assertThat(merged).as("merged vs PEFT").isLessThan(TOL);
    }
  }
}
