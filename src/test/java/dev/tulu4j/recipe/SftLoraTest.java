package dev.tulu4j.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tulu4j.checkpoint.PeftAdapter;
import dev.tulu4j.config.ConfigLoader;
import dev.tulu4j.io.SafetensorsFile;
import dev.tulu4j.model.LlamaConfig;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.model.Parameter;
import dev.tulu4j.tensor.NaiveGemm;
import dev.tulu4j.train.Checkpointer;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SFT with {@code lora:}: only the adapter trains (the loss falls, the base stays bit-identical),
 * each checkpoint is a PEFT adapter folder that loads back onto the base, and a run interrupted
 * after a checkpoint resumes to exactly the adapter and losses of an uninterrupted run (with dropout,
 * whose masks come from the loop's checkpointed generator).
 */
class SftLoraTest {
  @TempDir static Path in;
  @TempDir Path dir;
  static final String[] LORA = {"lora.r=4", "lora.alpha=8", "lora.dropout=0.1", "lora.target_modules=[q_proj,v_proj,down_proj]",
      "train.optim.lr=3e-2", "train.max_steps=6", "train.save_every=3", "train.keep_last=3", "train.epochs=2"};

  @BeforeAll
  static void inputs() throws Exception {
    MicroRun.writeInputs(in);
  }

  static PrintStream quiet() {
    return new PrintStream(java.io.OutputStream.nullOutputStream());
  }

  /** Every tensor of a PEFT adapter folder's safetensors, by name. */
  static Map<String, float[]> adapterTensors(Path ckpt) {
    Map<String, float[]> m = new LinkedHashMap<>();
    try (SafetensorsFile f = SafetensorsFile.open(ckpt.resolve(PeftAdapter.WEIGHTS))) {
      for (String n : f.tensors().keySet()) m.put(n, f.load(n).data());
    }
    return m;
  }

  @Test
  void trainsOnlyTheAdapterAndSavesPeftFolders() throws Exception {
    SftConfig cfg = MicroRun.sft(in, dir.resolve("run"), LORA);
    java.io.ByteArrayOutputStream logBytes = new java.io.ByteArrayOutputStream();
    RunResult r = SftRecipe.run(cfg, new PrintStream(logBytes, true));
    assertThat(logBytes.toString()).contains("lora: r=4 alpha=8 dropout=0.1 on [q_proj, v_proj, down_proj]");
    List<Double> losses = r.train().losses();
    assertThat(losses).hasSize(6);
    assertThat(losses.getLast()).isLessThan(losses.getFirst());
    Path last = r.finalModel();
    assertThat(last.getFileName().toString()).isEqualTo("step-000006");
    assertThat(Files.exists(last.resolve("config.json"))).as("an adapter folder, not a full checkpoint").isFalse();
    assertThat(Files.exists(last.resolve("tokenizer_config.json"))).isTrue();
    assertThat(PeftAdapter.readConfig(last).r()).isEqualTo(4);
    // the saved adapter onto the same (random tiny) base reproduces the trained model: B moved off zero
    LlamaConfig c = cfg.model().tinyConfig();
    LlamaModel base = LlamaModel.random(c, cfg.model().initSeed(), new NaiveGemm()).frozenView();
    PeftAdapter.Loaded ad = PeftAdapter.load(last, c);
    double bNorm = 0;
    for (Parameter p : ad.adapter().parameters())
      if (p.name().endsWith("lora_B.weight")) for (float v : p.data()) bNorm += v * v;
    assertThat(bNorm).isGreaterThan(0);
    base.attachLora(ad.adapter());
    assertThat(base.lora().parameters()).hasSize(2 * 3 * c.layers());
  }

  @Test
  void resumeAfterACrashEqualsTheUninterruptedRun() throws Exception {
    RunResult straight = SftRecipe.run(MicroRun.sft(in, dir.resolve("straight"), LORA), quiet());
    Path crashed = dir.resolve("crashed");
    assertThatThrownBy(() -> SftRecipe.run(MicroRun.sft(in, crashed, LORA), quiet(), loop -> loop.onStep(m -> {
      if (m.step() == 5) throw new IllegalStateException("simulated crash after step 5");
    }))).hasMessageContaining("simulated crash");
    assertThat(new Checkpointer(crashed, 3).findLatest().orElseThrow().state().step()).isEqualTo(3);
    List<String> o = new ArrayList<>(List.of(LORA));
    o.add("train.resume=true");
    RunResult resumed = SftRecipe.run(MicroRun.sft(in, crashed, o.toArray(String[]::new)), quiet());
    assertThat(resumed.train().resumedFrom()).isEqualTo(3);
    assertThat(resumed.train().losses()).containsExactlyElementsOf(straight.train().losses().subList(3, 6));
    Map<String, float[]> a = adapterTensors(straight.finalModel()), b = adapterTensors(resumed.finalModel());
    assertThat(b.keySet()).isEqualTo(a.keySet());
    for (String n : a.keySet()) assertThat(b.get(n)).as(n).containsExactly(a.get(n));
  }

  /**
   * {@code lora.base_dtype}: a bf16 checkpoint's frozen base held in bf16 (auto) trains exactly the
   * adapter and the losses of the same base loaded as fp32, with half the base's weight memory; the
   * memory plan counts 2 bytes per frozen weight. For Llama and for each family beyond it (OLMo 2,
   * Qwen3, Mistral, Gemma 2 in their tiny shapes over the same vocabulary).
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"llama", "olmo2", "qwen3", "mistral", "gemma2"})
  void aBf16BaseTrainsTheSameAdapterAsItsFp32Load(String family) throws Exception {
    LlamaConfig tiny = MicroRun.sft(in, dir.resolve("unused")).model().tinyConfig();
    LlamaConfig c = family.equals("llama") ? tiny : dev.tulu4j.reliability.FamilyKillResumeTest.config(family, tiny);
    Path base = dir.resolve("base-bf16");
    dev.tulu4j.checkpoint.HfCheckpoint.save(base, c, LlamaModel.random(c, 7, new NaiveGemm()).toTensors(),
        dev.tulu4j.io.DType.BF16, dev.tulu4j.checkpoint.HfCheckpoint.DEFAULT_SHARD_BYTES, in.resolve("tokenizer"));
    List<String> o = new ArrayList<>(List.of(LORA));
    o.addAll(List.of("model.from=" + base, "model.vocab=0", "model.hidden=0", "model.intermediate=0", "model.layers=0",
        "model.heads=0", "model.max_positions=0", "lora.target_modules=[all-linear]"));
    Map<String, RunResult> runs = new LinkedHashMap<>();
    Map<String, String> logs = new LinkedHashMap<>();
    for (String d : new String[] {"auto", "fp32"}) {
      List<String> od = new ArrayList<>(o);
      od.add("lora.base_dtype=" + d);
      java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
      runs.put(d, SftRecipe.run(MicroRun.sft(in, dir.resolve(d), od.toArray(String[]::new)), new PrintStream(log, true)));
      logs.put(d, log.toString());
    }
    assertThat(logs.get("auto")).contains("held in bf16").contains("frozen bf16");
    assertThat(logs.get("fp32")).contains("held in fp32").contains("frozen fp32");
    assertThat(runs.get("auto").train().losses()).containsExactlyElementsOf(runs.get("fp32").train().losses());
    Map<String, float[]> a = adapterTensors(runs.get("auto").finalModel()), b = adapterTensors(runs.get("fp32").finalModel());
    assertThat(a.keySet()).isEqualTo(b.keySet()).hasSize(2 * 7 * c.layers());
    for (String n : a.keySet()) assertThat(a.get(n)).as(n).containsExactly(b.get(n));
    assertThatThrownBy(() -> MicroRun.sft(in, dir, "lora.r=4", "lora.base_dtype=fp8")).hasMessageContaining("lora.base_dtype");
  }

  @Test
  void badLoraSettingsNameTheKey() {
    assertThatThrownBy(() -> MicroRun.sft(in, dir, "lora.r=4", "lora.target_modules=[qkv_proj]"))
        .hasMessageContaining("qkv_proj").hasMessageContaining("lora");
    assertThatThrownBy(() -> MicroRun.sft(in, dir, "lora.r=4", "lora.dropout=1.5")).hasMessageContaining("lora.dropout");
    assertThat(ConfigLoader.fromOverrides(List.of("r=0"), dev.tulu4j.train.LoraSettings.class).enabled()).isFalse();
  }
}
