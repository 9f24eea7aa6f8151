package dev.tulu4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tulu4j lora merge} and {@code --adapter} on generate and score, with an adapter saved by
 * tulu4j (random non-zero B, so the adapter changes the model): the merged checkpoint scores as base
 * + adapter at run time (1e-5), is stored in the base's dtype, and {@code --adapter} gives what the
 * merged checkpoint gives.
 */
class LoraCommandTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dir;
  static Path f32;
  static Path bf16;
  static Path adapter;

  @BeforeAll
  static void fixtures() {
    f32 = TinyCheckpoint.write(dir, "f32", false, DType.F32, false);
    bf16 = TinyCheckpoint.write(dir, "bf16", false, DType.BF16, false);
    LlamaModel m = ModelFiles.loadModel(f32, new NaiveGemm(), false);
    LoraAdapter ad = m.attachLora(new LoraConfig(4, 8, 0.1, List.of("all-linear"), true, List.of()), 3);
    Random r = new Random(5);
    for (Parameter p : ad.parameters())
      if (p.name().endsWith("lora_B.weight")) for (int i = 0; i < p.data().length; i++) p.data()[i] = (float) (0.05 * r.nextGaussian());
    adapter = dir.resolve("adapter");
    PeftAdapter.save(adapter, ad, Map.of(), f32.toString());
  }

  @Test
  void mergedCheckpointScoresAsBasePlusAdapterAtRunTime() {
    Path out = dir.resolve("merged");
    CliRun r = CliRun.of("lora", "merge", "--model", f32.toString(), "--adapter", adapter.toString(), "--out", out.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("lora merge:").contains("F32");
    LlamaModel base = ModelFiles.loadModel(f32, new NaiveGemm(), false);
    LlamaModel withAdapter = ModelFiles.loadModel(f32, new NaiveGemm(), false);
    withAdapter.attachLora(PeftAdapter.load(adapter, withAdapter.config()).adapter());
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
    assertThat(Files.isRegularFile(out.resolve("tokenizer.json"))).isTrue();
  }

  @Test
  void aBf16BaseMergesIntoABf16Checkpoint() {
    Path out = dir.resolve("merged-bf16");
    CliRun r = CliRun.of("lora", "merge", "--model", bf16.toString(), "--adapter", adapter.toString(), "--out", out.toString());
    assertThat(r.code()).as(r.err()).isZero();
    try (Safetensors st = Safetensors.open(out)) {
      assertThat(st.info(HfNames.EMBED).orElseThrow().dtype()).isEqualTo(DType.BF16);
      assertThat(st.info("model.layers.0.self_attn.q_proj.weight").orElseThrow().dtype()).isEqualTo(DType.BF16);
    }
  }

  @Test
  void adapterFlagOnScoreAndGenerateEqualsTheMergedCheckpoint() throws Exception {
    Path in = assertAdapterFlagsEqualMerged(dir, f32, adapter);

    CliRun bad = CliRun.of("score", "--model", f32.toString(), "--adapter", dir.resolve("nope").toString(), "--in", in.toString(),
        "--out", dir.resolve("x.jsonl").toString());
    assertThat(bad.code()).isEqualTo(1);
    assertThat(bad.err()).startsWith("error: ").contains("adapter_config.json").doesNotContain("\tat ");
  }

  /**
   * {@code lora merge} of {@code adapter} over the fp32 base {@code f32}, then {@code score} and greedy {@code generate}
   * with {@code --adapter} against the merged checkpoint (log-probs within 1e-5, the same tokens), and
   * the adapter visibly changing the base's score. Returns the scored input file.
   */
  static Path assertAdapterFlagsEqualMerged(Path dir, Path f32, Path adapter) throws Exception {
    Path merged = dir.resolve("merged-for-flags");
    assertThat(CliRun.of("lora", "merge", "--model", f32.toString(), "--adapter", adapter.toString(), "--out", merged.toString()).code()).isZero();
    Path in = dir.resolve("in.jsonl");
    Files.writeString(in, "{\"prompt\": \"Janet's ducks\", \"completion\": \" lay 16 eggs per day.\"}\n");
    Path a = dir.resolve("scored-adapter.jsonl"), b = dir.resolve("scored-merged.jsonl"), c = dir.resolve("scored-base.jsonl");
    CliRun ra = CliRun.of("score", "--model", f32.toString(), "--adapter", adapter.toString(), "--in", in.toString(), "--out", a.toString());
    assertThat(ra.code()).as(ra.err()).isZero();
    assertThat(CliRun.of("score", "--model", merged.toString(), "--in", in.toString(), "--out", b.toString()).code()).isZero();
    assertThat(CliRun.of("score", "--model", f32.toString(), "--in", in.toString(), "--out", c.toString()).code()).isZero();
    double sa = JSON.readTree(Files.readString(a)).get("sum_logprob").asDouble();
    double sb = JSON.readTree(Files.readString(b)).get("sum_logprob").asDouble();
    double sc = JSON.readTree(Files.readString(c)).get("sum_logprob").asDouble();
    assertThat(sa).isCloseTo(sb, Offset.offset(1e-5));
    assertThat(Math.abs(sa - sc)).isGreaterThan(1e-3);

    String[] gen = {"--prompt", "Janet", "--max-new-tokens", "8", "--temperature", "0", "--json"};
    CliRun ga = CliRun.of(concat(new String[] {"generate", "--model", f32.toString(), "--adapter", adapter.toString()}, gen));
    CliRun gb = CliRun.of(concat(new String[] {"generate", "--model", merged.toString()}, gen));
    assertThat(ga.code()).as(ga.err()).isZero();
    JsonNode oa = JSON.readTree(ga.out()), ob = JSON.readTree(gb.out());
    assertThat(oa.get("output_ids")).isEqualTo(ob.get("output_ids"));
    return in;
  }

  private static String[] concat(String[] a, String[] b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
