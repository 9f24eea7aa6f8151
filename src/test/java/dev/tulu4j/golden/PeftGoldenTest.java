package dev.tulu4j.golden;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tulu4j.checkpoint.ModelFiles;
import dev.tulu4j.checkpoint.PeftAdapter;
import dev.tulu4j.io.CheckpointException;
import dev.tulu4j.model.Activations;
import dev.tulu4j.model.Batch;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.model.Parameter;
import dev.tulu4j.tensor.GemmBackend;
import dev.tulu4j.tensor.KernelConfig;
import dev.tulu4j.tensor.Kernels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A LoRA adapter folder written by PEFT itself ({@code tools/golden/make_peft_golden.py}: a tiny
 * Llama, {@code LoraConfig(r=4, lora_alpha=8, target_modules=[q_proj, v_proj, o_proj, down_proj])},
 * B set to random non-zero values) loads into the engine on top of its base checkpoint and scores
 * as PEFT computes it in float64: logits within 1e-4 of the largest golden logit, with the adapter
 * on and off. The folder tulu4j writes for the same adapter round-trips bit for bit and has exactly
 * PEFT's config keys.
 */
class PeftGoldenTest {
  static final double TOL = 1e-4;

  @TempDir Path tmp;

  private static GoldenFixture fixture() {
    return GoldenFixture.read(GoldenFixture.folder("peft-llama"));
  }

  static float[] logits(LlamaModel m, GoldenFixture g) {
    Batch b = new Batch(g.batch(), g.seqLen(), g.ids(), null, g.positions(), null);
    return m.logits(b, new Activations(m.config(), b.rows()));
  }

  static double relError(float[] got, double[] want) {
    double maxErr = 0, maxRef = 0;
    for (int i = 0; i < want.length; i++) {
      maxErr = Math.max(maxErr, Math.abs(got[i] - want[i]));
      maxRef = Math.max(maxRef, Math.abs(want[i]));
    }
    return maxErr / maxRef;
  }

  @Test
  void peftAdapterScoresAsPeftComputesIt() {
    GoldenFixture g = fixture();
    try (Kernels k = Kernels.create(new KernelConfig(GemmBackend.VECTOR, 2))) {
      LlamaModel m = ModelFiles.loadModel(g.checkpoint(), k.gemm(), false);
      PeftAdapter.Loaded ad = PeftAdapter.load(g.dir().resolve("adapter"), m.config());
      assertThat(ad.config().r()).isEqualTo(4);
      assertThat(ad.config().scaling()).isEqualTo(2.0);
      assertThat(ad.savedModules()).isEmpty();
      m.attachLora(ad.adapter());
      double on = relError(logits(m, g), g.tensor("logits").data());
      m.lora().enabled(false);
      double off = relError(logits(m, g), g.tensor("base_logits").data());
      System.out.printf("PEFT adapter: logits error %.2e (adapter on), %.2e (off)%n", on, off);
      assertThat(on).as("adapter on vs PEFT").isLessThan(TOL);
      assertThat(off).as("adapter off vs PEFT's disable_adapter()").isLessThan(TOL);
      // the on/off distinction is real: the base logits are far from the adapted ones
      assertThat(relError(logits(m, g), g.tensor("logits").data())).isGreaterThan(100 * TOL);
    }
  }

  @Test
  void mergedWeightsScoreAsTheUnmergedAdapter() {
    GoldenFixture g = fixture();
    try (Kernels k = Kernels.create(new KernelConfig(GemmBackend.VECTOR, 2))) {
      LlamaModel m = ModelFiles.loadModel(g.checkpoint(), k.gemm(), false);
      m.attachLora(PeftAdapter.load(g.dir().resolve("adapter"), m.config()).adapter());
      float[] unmerged = logits(m, g);
      m.mergeLora();
      assertThat(m.lora()).isNull();
      float[] merged = logits(m, g);
      double[] want = new double[unmerged.length];
      for (int i = 0; i < want.length; i++) want[i] = unmerged[i];
      assertThat(relError(merged, want)).isLessThan(1e-5);
      assertThat(relError(merged, g.tensor("logits").data())).isLessThan(TOL);
    }
  }

  @Test
  void anAdapterSavedByTulu4jLoadsBackIdenticalWithPeftsConfigKeys() throws IOException {
    GoldenFixture g = fixture();
    Path peftDir = g.dir().resolve("adapter");
    try (Kernels k = Kernels.create(new KernelConfig(GemmBackend.VECTOR, 1))) {
      LlamaModel m = ModelFiles.loadModel(g.checkpoint(), k.gemm(), false);
      PeftAdapter.Loaded ad = PeftAdapter.load(peftDir, m.config());
      Path out = tmp.resolve("ours");
      PeftAdapter.save(out, ad.adapter(), Map.of(), "some/base");
      PeftAdapter.Loaded back = PeftAdapter.load(out, m.config());
      assertThat(back.config().targets()).isEqualTo(ad.config().targets());
      assertThat(back.config().scaling()).isEqualTo(ad.config().scaling());
      assertThat(back.config().dropout()).isEqualTo(ad.config().dropout());
      assertThat(back.baseModel()).isEqualTo("some/base");
      for (Parameter p : ad.adapter().parameters()) {
        Parameter q = back.adapter().parameters().stream().filter(x -> x.name().equals(p.name())).findFirst().orElseThrow();
        assertThat(q.data()).as(p.name()).containsExactly(p.data());
        assertThat(q.shape()).containsExactly(p.shape());
      }
      ObjectMapper json = new ObjectMapper();
      JsonNode theirs = json.readTree(peftDir.resolve(PeftAdapter.CONFIG).toFile());
      JsonNode ours = json.readTree(out.resolve(PeftAdapter.CONFIG).toFile());
      Set<String> theirKeys = keys(theirs);
      theirKeys.remove("peft_version"); // PEFT stamps its own version; we do not claim one
      assertThat(keys(ours)).isEqualTo(theirKeys);
      for (String key : theirKeys)
        if (!key.equals("target_modules") && !key.equals("base_model_name_or_path"))
          assertThat(ours.get(key)).as(key).isEqualTo(theirs.get(key));
      assertThat(new TreeSet<>(json.convertValue(ours.get("target_modules"), java.util.List.class)))
          .isEqualTo(new TreeSet<>(json.convertValue(theirs.get("target_modules"), java.util.List.class)));
      // the tensor names are PEFT's own
      try (var st = dev.tulu4j.io.SafetensorsFile.open(out.resolve(PeftAdapter.WEIGHTS));
          var pt = dev.tulu4j.io.SafetensorsFile.open(peftDir.resolve(PeftAdapter.WEIGHTS))) {
        assertThat(new TreeSet<>(st.tensors().keySet())).isEqualTo(new TreeSet<>(pt.tensors().keySet()));
      }
    }
  }

  @Test
  void aMismatchedAdapterIsRefusedWithTheFieldNamed() throws IOException {
    GoldenFixture g = fixture();
    Path bad = tmp.resolve("dora");
    Files.createDirectories(bad);
    String cfg = Files.readString(g.dir().resolve("adapter").resolve(PeftAdapter.CONFIG)).replace("\"use_dora\": false", "\"use_dora\": true");
    Files.writeString(bad.resolve(PeftAdapter.CONFIG), cfg);
    Files.copy(g.dir().resolve("adapter").resolve(PeftAdapter.WEIGHTS), bad.resolve(PeftAdapter.WEIGHTS));
    try (Kernels k = Kernels.create(new KernelConfig(GemmBackend.VECTOR, 1))) {
      LlamaModel m = ModelFiles.loadModel(g.checkpoint(), k.gemm(), false);
      assertThatThrownBy(() -> PeftAdapter.load(bad, m.config())).isInstanceOf(CheckpointException.class)
          .hasMessageContaining("use_dora").hasMessageContaining(PeftAdapter.CONFIG);
      Path r8 = tmp.resolve("r8");
      Files.createDirectories(r8);
      Files.writeString(r8.resolve(PeftAdapter.CONFIG), Files.readString(g.dir().resolve("adapter").resolve(PeftAdapter.CONFIG))
          .replace("\"r\": 4", "\"r\": 8"));
      Files.copy(g.dir().resolve("adapter").resolve(PeftAdapter.WEIGHTS), r8.resolve(PeftAdapter.WEIGHTS));
      assertThatThrownBy(() -> PeftAdapter.load(r8, m.config())).isInstanceOf(CheckpointException.class)
          .hasMessageContaining("lora_A.weight' has shape [4, 16], expected [8, 16]");
    }
  }

  private static Set<String> keys(JsonNode n) {
    Set<String> s = new TreeSet<>();
    for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) s.add(it.next());
    return s;
  }
}
