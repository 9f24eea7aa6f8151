package dev.tulu4j.golden;

import static dev.tulu4j.golden.PeftGoldenTest.logits;
import static dev.tulu4j.golden.PeftGoldenTest.relError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.checkpoint.HfCheckpoint;
import dev.tulu4j.checkpoint.ModelFiles;
import dev.tulu4j.checkpoint.PeftAdapter;
import dev.tulu4j.io.SafetensorsFile;
import dev.tulu4j.io.Tensor;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.model.LoraAdapter;
import dev.tulu4j.model.Parameter;
import dev.tulu4j.tensor.GemmBackend;
import dev.tulu4j.tensor.KernelConfig;
import dev.tulu4j.tensor.Kernels;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A PEFT 0.21 adapter with {@code modules_to_save=["lm_head", "embed_tokens"]} on a tied tiny Llama
 * ({@code tools/golden/make_peft_golden.py --modules-to-save}, fixture {@code peft-llama-mts/}):
 * PEFT deep-copies the shared matrix into each wrapper, so the adapted model reads one copy at the
 * input and another at the output, while {@code disable_adapter()} reads the tied original. The
 * engine scores it as PEFT does in float64, adapter on and off; merged equals unmerged (and the
 * merge unties the checkpoint); a re-save carries PEFT's tensor names and round-trips bit for bit.
 */
class PeftModulesToSaveGoldenTest {
  static final double TOL = 1e-4;

  @TempDir Path tmp;

  private static GoldenFixture fixture() {
    return fixture("peft-llama-mts");
  }

  private static GoldenFixture fixture(String name) {
    return GoldenFixture.read(GoldenFixture.folder(name));
  }

  /** Llama, and Gemma 2 (tied too, with its √C-scaled embedding and final soft-cap on the copies). */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"peft-llama-mts", "peft-gemma2-mts"})
  void copiesOfTheTiedHeadAndEmbeddingScoreAsPeftComputesThem(String name) {
    GoldenFixture g = fixture(name);
    try (Kernels k = Kernels.create(new KernelConfig(GemmBackend.VECTOR, 2))) {
      LlamaModel m = ModelFiles.loadModel(g.checkpoint(), k.gemm(), false);
      assertThat(m.config().tieEmbeddings()).as("the fixture's base is tied").isTrue();
      PeftAdapter.Loaded ad = PeftAdapter.load(g.dir().resolve("adapter"), m.config());
      assertThat(ad.config().savesLmHead()).isTrue();
      assertThat(ad.config().savesEmbedding()).isTrue();
      assertThat(ad.savedModules()).isEmpty(); // the copies are adapter parameters, not scalar-head tensors
      LoraAdapter lora = ad.adapter();
      assertThat(lora.embeddingCopy().data()).isNotEqualTo(lora.headCopy().data());
      float[] base = m.embedding().data().clone();
      m.attachLora(lora);
      assertThat(m.inputEmbedding()).isSameAs(lora.embeddingCopy());
      assertThat(m.outputHead()).isSameAs(lora.headCopy());
      double on = relError(logits(m, g), g.tensor("logits").data());
      m.lora().enabled(false);
      assertThat(m.inputEmbedding()).isSameAs(m.embedding());
      assertThat(m.outputHead()).isSameAs(m.embedding());
      double off = relError(logits(m, g), g.tensor("base_logits").data());
      System.out.printf("PEFT modules_to_save adapter %s: logits error %.2e (adapter on), %.2e (off)%n", name, on, off);
      assertThat(on).as("adapter on vs PEFT").isLessThan(TOL);
      assertThat(off).as("adapter off vs PEFT's disable_adapter()").isLessThan(TOL);
      assertThat(relError(logits(m, g), g.tensor("logits").data())).isGreaterThan(100 * TOL);
      // the adapter-off view is the base: the same logits as a model that never saw the adapter
      LlamaModel plain = ModelFiles.loadModel(g.checkpoint(), k.gemm(), false);
      assertThat(logits(m, g)).containsExactly(logits(plain, g));
      assertThat(logits(m.frozenView(), g)).containsExactly(logits(plain, g));
      assertThat(m.embedding().data()).containsExactly(base); // the original is untouched
    }
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"peft-llama-mts", "peft-gemma2-mts"})
  void mergedWeightsAreUntiedAndScoreAsTheUnmergedAdapter(String name) {
    GoldenFixture g = fixture(name);
    try (Kernels k = Kernels.create(new KernelConfig(GemmBackend.VECTOR, 2))) {
      LlamaModel m = ModelFiles.loadModel(g.checkpoint(), k.gemm(), false);
      m.attachLora(PeftAdapter.load(g.dir().resolve("adapter"), m.config()).adapter());
      float[] unmerged = logits(m, g);
      m.mergeLora();
      assertThat(m.config().tieEmbeddings()).as("PEFT sets tie_word_embeddings=False when the merge unties").isFalse();
      assertThat(m.lmHead()).isNotSameAs(m.embedding());
      float[] merged = logits(m, g);
      double[] want = new double[unmerged.length];
      for (int i = 0; i < want.length; i++) want[i] = unmerged[i];
      assertThat(relError(merged, want)).isLessThan(1e-5);
      assertThat(relError(merged, g.tensor("logits").data())).isLessThan(TOL);
      // lora merge writes the untied checkpoint in the base's dtype; it loads back and scores the same
      Path out = tmp.resolve("merged");
      ModelFiles.mergeAdapter(g.checkpoint(), g.dir().resolve("adapter"), out, k.gemm());
      HfCheckpoint ck = HfCheckpoint.load(out);
      assertThat(ck.config().tieEmbeddings()).isFalse();
      assertThat(ck.tensors()).containsKey("lm_head.weight");
      LlamaModel back = ModelFiles.loadModel(out, k.gemm(), false);
      assertThat(logits(back, g)).containsExactly(merged);
    }
  }

  @Test
  void aResaveCarriesPeftsTensorNamesAndRoundTrips() throws Exception {
    GoldenFixture g = fixture();
    Path peftDir = g.dir().resolve("adapter");
    try (Kernels k = Kernels.create(new KernelConfig(GemmBackend.VECTOR, 1))) {
      LlamaModel m = ModelFiles.loadModel(g.checkpoint(), k.gemm(), false);
      PeftAdapter.Loaded ad = PeftAdapter.load(peftDir, m.config());
      Path out = tmp.resolve("ours");
      PeftAdapter.save(out, ad.adapter(), Map.of(), null);
      try (var ours = SafetensorsFile.open(out.resolve(PeftAdapter.WEIGHTS));
          var theirs = SafetensorsFile.open(peftDir.resolve(PeftAdapter.WEIGHTS))) {
        assertThat(new TreeSet<>(ours.tensors().keySet())).isEqualTo(new TreeSet<>(theirs.tensors().keySet()))
            .contains("base_model.model.lm_head.weight", "base_model.model.model.embed_tokens.weight");
        for (String name : theirs.tensors().keySet()) {
          Tensor a = ours.load(name), b = theirs.load(name);
          assertThat(a.shape()).as(name).containsExactly(b.shape());
          assertThat(a.data()).as(name).containsExactly(b.data());
        }
      }
      PeftAdapter.Loaded back = PeftAdapter.load(out, m.config());
      assertThat(back.config().modulesToSave()).containsExactly("lm_head", "embed_tokens");
      for (Parameter p : ad.adapter().parameters()) {
        Parameter q = back.adapter().parameters().stream().filter(x -> x.name().equals(p.name())).findFirst().orElseThrow();
        assertThat(q.data()).as(p.name()).containsExactly(p.data());
      }
      assertThat(java.nio.file.Files.readString(out.resolve(PeftAdapter.CONFIG)))
          .contains("\"modules_to_save\": [\n    \"lm_head\",\n    \"embed_tokens\"\n  ]").contains("\"task_type\": \"CAUSAL_LM\"");
    }
  }
}
