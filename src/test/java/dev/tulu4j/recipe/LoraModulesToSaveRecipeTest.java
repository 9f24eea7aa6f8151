package dev.tulu4j.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tulu4j.checkpoint.HfCheckpoint;
import dev.tulu4j.checkpoint.PeftAdapter;
import dev.tulu4j.model.HfNames;
import dev.tulu4j.model.LlamaConfig;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.tensor.NaiveGemm;
import dev.tulu4j.train.Checkpointer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lora.modules_to_save: [lm_head]} / {@code [embed_tokens]} in the recipes: SFT trains the
 * head copy next to the adapter (the loss falls, the saved {@code base_model.model.lm_head.weight}
 * moved off the base's, the base is unchanged), a crash after step 5 resumes bit-identical, a bf16
 * base trains the same copies as its fp32 load, and DPO's reference is the original head (margin 0
 * at step 1, the very reference cache of a full DPO run).
 */
class LoraModulesToSaveRecipeTest {
  @TempDir static Path in;
  @TempDir Path dir;
  static final String[] LORA = {"lora.r=4", "lora.alpha=8", "lora.dropout=0.1", "lora.target_modules=[q_proj,v_proj]",
      "lora.modules_to_save=[lm_head]", "train.optim.lr=3e-2", "train.max_steps=6", "train.save_every=3",
      "train.keep_last=3", "train.epochs=2"};

  @BeforeAll
  static void inputs() throws Exception {
    MicroRun.writeInputs(in);
  }

  private static PrintStream quiet() {
    return SftLoraTest.quiet();
  }

  private static Map<String, float[]> adapterTensors(Path ckpt) {
    return SftLoraTest.adapterTensors(ckpt);
  }

  @Test
  void sftTrainsTheHeadCopyAndResumesBitIdentical() throws Exception {
    SftConfig cfg = MicroRun.sft(in, dir.resolve("straight"), LORA);
    ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    RunResult straight = SftRecipe.run(cfg, new PrintStream(logBytes, true));
    List<Double> losses = straight.train().losses();
    assertThat(losses).hasSize(6);
    assertThat(losses.getLast()).isLessThan(losses.getFirst());
    LlamaConfig c = cfg.model().tinyConfig();
    LlamaModel base = LlamaModel.random(c, cfg.model().initSeed(), new NaiveGemm());
    Map<String, float[]> saved = adapterTensors(straight.finalModel());
    float[] head = saved.get(PeftAdapter.PREFIX + HfNames.LM_HEAD);
    assertThat(head).as("the head copy is saved under PEFT's name").isNotNull().hasSize(c.vocabSize() * c.hidden());
    assertThat(saved).doesNotContainKey(PeftAdapter.PREFIX + HfNames.EMBED);
    assertThat(head).as("the head copy trained").isNotEqualTo(base.lmHead().data());
    assertThat(PeftAdapter.readConfig(straight.finalModel()).modulesToSave()).containsExactly("lm_head");
    // it loads back onto the base; the adapter-off model is the base, bit for bit
    PeftAdapter.Loaded ad = PeftAdapter.load(straight.finalModel(), c);
    assertThat(ad.adapter().headCopy().data()).containsExactly(head);

    Path crashed = dir.resolve("crashed");
    assertThatThrownBy(() -> SftRecipe.run(MicroRun.sft(in, crashed, LORA), quiet(), loop -> loop.onStep(m -> {
      if (m.step() == 5) throw new IllegalStateException("simulated crash after step 5");
    }))).hasMessageContaining("simulated crash");
    assertThat(new Checkpointer(crashed, 3).findLatest().orElseThrow().state().step()).isEqualTo(3);
    List<String> o = new ArrayList<>(List.of(LORA));
    o.add("train.resume=true");
    RunResult resumed = SftRecipe.run(MicroRun.sft(in, crashed, o.toArray(String[]::new)), quiet());
    assertThat(resumed.train().resumedFrom()).isEqualTo(3);
    assertThat(resumed.train().losses()).containsExactlyElementsOf(losses.subList(3, 6));
    Map<String, float[]> b = adapterTensors(resumed.finalModel());
    assertThat(b.keySet()).isEqualTo(saved.keySet());
    for (String n : saved.keySet()) assertThat(b.get(n)).as(n).containsExactly(saved.get(n));
  }

  /** A bf16 base: the copies are fp32 (widened), the originals stay bf16; same run as the fp32 load. */
  @Test
  void aBf16BaseTrainsTheSameCopiesAsItsFp32Load() throws Exception {
    LlamaConfig c = MicroRun.sft(in, dir.resolve("unused")).model().tinyConfig();
    Path base = dir.resolve("base-bf16");
    HfCheckpoint.save(base, c, LlamaModel.random(c, 7, new NaiveGemm()).toTensors(), dev.tulu4j.io.DType.BF16,
        HfCheckpoint.DEFAULT_SHARD_BYTES, in.resolve("tokenizer"));
    List<String> o = new ArrayList<>(List.of(LORA));
    o.addAll(List.of("model.from=" + base, "model.vocab=0", "model.hidden=0", "model.intermediate=0", "model.layers=0",
        "model.heads=0", "model.max_positions=0", "lora.modules_to_save=[lm_head,embed_tokens]", "train.max_steps=3"));
    Map<String, RunResult> runs = new LinkedHashMap<>();
    Map<String, String> logs = new LinkedHashMap<>();
    for (String d : new String[] {"auto", "fp32"}) {
      List<String> od = new ArrayList<>(o);
      od.add("lora.base_dtype=" + d);
      ByteArrayOutputStream log = new ByteArrayOutputStream();
      runs.put(d, SftRecipe.run(MicroRun.sft(in, dir.resolve(d), od.toArray(String[]::new)), new PrintStream(log, true)));
      logs.put(d, log.toString());
    }
    assertThat(logs.get("auto")).contains("held in bf16");
    assertThat(runs.get("auto").train().losses()).containsExactlyElementsOf(runs.get("fp32").train().losses());
    Map<String, float[]> a = adapterTensors(runs.get("auto").finalModel()), b = adapterTensors(runs.get("fp32").finalModel());
    assertThat(a.keySet()).isEqualTo(b.keySet())
        .contains(PeftAdapter.PREFIX + HfNames.LM_HEAD, PeftAdapter.PREFIX + HfNames.EMBED);
    for (String n : a.keySet()) assertThat(a.get(n)).as(n).containsExactly(b.get(n));
  }

  @Test
  void dpoWithAHeadCopyKeepsTheOriginalHeadAsReference() throws Exception {
    Path model = TinyRun.model(dir, 3);
    Path data = TinyRun.preferences(dir.resolve("prefs.jsonl"), TinyRun.facts(8, 0));
    PrintStream log = quiet();
    RunResult r = DpoRecipe.run(DpoRecipeTest.config(model, data, dir, "lora.r=8", "lora.alpha=16",
        "lora.modules_to_save=[lm_head,embed_tokens]", "train.optim.lr=2e-2"), log);
    List<JsonNode> m = DpoRecipeTest.metrics(dir.resolve("run"));
    assertThat(m.getFirst().path("rewards/margin").asDouble()).isCloseTo(0.0, Offset.offset(1e-5));
    assertThat(m.getFirst().path("loss").asDouble()).isCloseTo(Math.log(2), Offset.offset(1e-6));
    double lastMargin = m.getLast().path("rewards/margin").asDouble();
    System.out.printf("lora dpo + modules_to_save: loss %.4f -> %.4f, margin 0 -> %.4f%n",
        m.getFirst().path("loss").asDouble(), m.getLast().path("loss").asDouble(), lastMargin);
    assertThat(lastMargin).isGreaterThan(0.2);
    PeftAdapter.Loaded ad = PeftAdapter.load(r.train().lastCheckpoint(), HfCheckpoint.readConfig(model));
    HfCheckpoint ck = HfCheckpoint.load(model);
    float[] original = ck.tensors().get(ck.config().tieEmbeddings() ? HfNames.EMBED : HfNames.LM_HEAD).data();
    assertThat(ad.adapter().headCopy().data()).as("the head copy trained").isNotEqualTo(original);
    // the reference a full DPO run from the same checkpoint computes (original head) is the cache the LoRA run wrote
    RunResult full = DpoRecipe.run(DpoRecipeTest.config(model, data, dir, "train.out_dir=" + dir.resolve("full"),
        "train.max_steps=1"), log);
    assertThat(full.details().get("reference_from_cache")).isEqualTo(true);
    assertThat(full.details().get("reference_file")).isEqualTo(r.details().get("reference_file"));
  }

  @Test
  void modulesAStageCannotTrainAreRefusedNamingTheKey() {
    assertThatThrownBy(() -> MicroRun.sft(in, dir, "lora.r=4", "lora.modules_to_save=[score]"))
        .hasMessageContaining("lora.modules_to_save").hasMessageContaining("score");
    assertThatThrownBy(() -> MicroRun.sft(in, dir, "lora.r=4", "lora.modules_to_save=[norm]"))
        .hasMessageContaining("lora.modules_to_save").hasMessageContaining("norm");
    assertThatThrownBy(() -> dev.tulu4j.config.ConfigLoader.fromOverrides(List.of("model=" + dir, "data=x.jsonl",
        "lora.r=4", "lora.modules_to_save=[lm_head]"), RewardConfig.class))
        .hasMessageContaining("lora.modules_to_save").hasMessageContaining("lm_head");
    assertThat(MicroRun.sft(in, dir, "lora.r=4", "lora.modules_to_save=[model.embed_tokens]").lora().config().savesEmbedding()).isTrue();
  }
}
