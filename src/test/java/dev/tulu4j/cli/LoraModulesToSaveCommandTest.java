package dev.tulu4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.checkpoint.HfCheckpoint;
import dev.tulu4j.checkpoint.ModelFiles;
import dev.tulu4j.checkpoint.PeftAdapter;
import dev.tulu4j.io.DType;
import dev.tulu4j.io.Safetensors;
import dev.tulu4j.model.HfNames;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.model.LoraAdapter;
import dev.tulu4j.model.LoraConfig;
import dev.tulu4j.model.Parameter;
import dev.tulu4j.runtime.TinyCheckpoint;
import dev.tulu4j.tensor.NaiveGemm;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lora merge} and {@code --adapter} with {@code modules_to_save: [lm_head, embed_tokens]} on a
 * tied tiny Llama (both copies moved off the shared matrix): the merge writes an untied checkpoint in
 * the base's dtype (F32 and BF16) that scores as base + adapter at run time, and {@code --adapter} on
 * score and generate gives what the merged checkpoint gives.
 */
class LoraModulesToSaveCommandTest {
  @TempDir static Path dir;
  static Path f32;
  static Path bf16;
  static Path adapter;

  @BeforeAll
  static void fixtures() {
    f32 = TinyCheckpoint.write(dir, "f32", false, DType.F32, false);
    bf16 = TinyCheckpoint.write(dir, "bf16", false, DType.BF16, false);
    LlamaModel m = ModelFiles.loadModel(f32, new NaiveGemm(), false);
    assertThat(m.config().tieEmbeddings()).isTrue();
    LoraAdapter ad = m.attachLora(new LoraConfig(4, 8, 0, List.of("q_proj", "v_proj"), false,
        List.of("lm_head", "embed_tokens")), 3);
    Random r = new Random(5);
    for (Parameter p : ad.parameters()) {
      boolean copy = p == ad.headCopy() || p == ad.embeddingCopy();
      if (copy || p.name().endsWith("lora_B.weight"))
        for (int i = 0; i < p.data().length; i++) p.data()[i] += (float) ((copy ? 0.3 : 0.05) * r.nextGaussian());
    }
    adapter = dir.resolve("adapter");
    PeftAdapter.save(adapter, ad, Map.of(), f32.toString());
  }

  @Test
  void mergeUntiesAndScoresAsBasePlusAdapter() {
    Path out = dir.resolve("merged");
    CliRun r = CliRun.of("lora", "merge", "--model", f32.toString(), "--adapter", adapter.toString(), "--out", out.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(HfCheckpoint.readConfig(out).tieEmbeddings()).isFalse();
    LlamaModel withAdapter = ModelFiles.loadModel(f32, new NaiveGemm(), false);
    withAdapter.attachLora(PeftAdapter.load(adapter, withAdapter.config()).adapter());
    LlamaModel base = ModelFiles.loadModel(f32, new NaiveGemm(), false);
    LlamaModel merged = ModelFiles.loadModel(out, new NaiveGemm(), false);
    int[] p = {1, 40, 41, 42, 43}, c = {44, 45, 46, 47, 48, 49};
    double[] want = TinyCheckpoint.fullForwardLogProbs(withAdapter, p, c);
    double[] got = TinyCheckpoint.fullForwardLogProbs(merged, p, c);
    double[] plain = TinyCheckpoint.fullForwardLogProbs(base, p, c);
    double effect = 0;
    for (int k = 0; k < c.length; k++) {
      assertThat(got[k]).as("logp[%d]", k).isCloseTo(want[k], Offset.offset(1e-5));
      effect = Math.max(effect, Math.abs(want[k] - plain[k]));
    }
    assertThat(effect).as("the adapter changes the log-probs").isGreaterThan(1e-3);

    Path outBf16 = dir.resolve("merged-bf16");
    CliRun rb = CliRun.of("lora", "merge", "--model", bf16.toString(), "--adapter", adapter.toString(), "--out", outBf16.toString());
    assertThat(rb.code()).as(rb.err()).isZero();
    assertThat(HfCheckpoint.readConfig(outBf16).tieEmbeddings()).isFalse();
    try (Safetensors st = Safetensors.open(outBf16)) {
      assertThat(st.info(HfNames.EMBED).orElseThrow().dtype()).isEqualTo(DType.BF16);
      assertThat(st.info(HfNames.LM_HEAD).orElseThrow().dtype()).isEqualTo(DType.BF16);
    }
  }

  @Test
  void adapterFlagOnScoreAndGenerateEqualsTheMergedCheckpoint() throws Exception {
    LoraCommandTest.assertAdapterFlagsEqualMerged(dir, f32, adapter);
  }
}
