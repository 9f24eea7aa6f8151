package dev.tulu4j.recipe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.config.ConfigLoader;
import dev.tulu4j.dpo.DpoLossType;
import dev.tulu4j.rlvr.PolicyLoss.KlEstimator;
import dev.tulu4j.rlvr.RlvrConfig;
import dev.tulu4j.train.LossReduction;
import dev.tulu4j.train.LrSchedule;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * recipes/olmo2-1b-*.yaml carry the published OLMo 2 1B Instruct post-training commands (open-instruct
 * docs/olmo2.md at commit b5dd5621d0ae; each value's line is cited in the recipe), and the pipeline
 * olmo2-1b.yaml loads with its stage configs under the path overrides the pipeline applies.
 */
class Olmo2RecipesTest {
  static final Path RECIPES = Path.of("recipes");

  @Test
  void sftHasTheCommandsSettings() {
    SftConfig c = ConfigLoader.load(RECIPES.resolve("olmo2-1b-sft.yaml"), List.of(), SftConfig.class);
    assertThat(c.model().from()).hasToString("/path/to/OLMo-2-0425-1B");
    assertThat(c.tokenizer()).isEqualTo("/path/to/OLMo-2-1124-7B");
    assertThat(c.train().optim().lr()).isEqualTo(3e-5);
    assertThat(c.train().optim().schedule()).isEqualTo(LrSchedule.Kind.LINEAR);
    assertThat(c.train().optim().warmupRatio()).isEqualTo(0.03);
    assertThat(c.train().optim().weightDecay()).isEqualTo(0.0);
    assertThat(c.train().optim().maxGradNorm()).isEqualTo(-1.0);
    assertThat(c.train().epochs()).isEqualTo(2);
    assertThat(c.train().microBatch()).isEqualTo(2);
    assertThat(c.train().effectiveBatch()).isEqualTo(128); // 8 GPUs x 2 x 8
    assertThat(c.maxSeqLength()).isEqualTo(4096);
    assertThat(c.train().lossReduction()).isEqualTo(LossReduction.MEAN); // finetune.py default: no --reduce_loss
    assertThat(c.train().seed()).isEqualTo(1);
    assertThat(c.template()).isEqualTo(dev.tulu4j.tokenizer.TemplateChoice.TULU);
  }

  @Test
  void dpoHasTheCommandsSettings() {
    DpoConfig c = ConfigLoader.load(RECIPES.resolve("olmo2-1b-dpo.yaml"), List.of(), DpoConfig.class);
    assertThat(c.model()).hasToString("/path/to/OLMo-2-0425-1B-SFT");
    assertThat(c.lossType()).isEqualTo(DpoLossType.DPO_NORM);
    assertThat(c.beta()).isEqualTo(5.0);
    assertThat(c.maxLength()).isEqualTo(2048);
    assertThat(c.template()).isEqualTo("tulu");
    assertThat(c.train().optim().lr()).isEqualTo(2.5e-6);
    assertThat(c.train().optim().schedule()).isEqualTo(LrSchedule.Kind.LINEAR);
    assertThat(c.train().optim().warmupRatio()).isEqualTo(0.1);
    assertThat(c.train().optim().weightDecay()).isEqualTo(0.0);
    assertThat(c.train().epochs()).isEqualTo(1);
    assertThat(c.train().microBatch()).isEqualTo(8);
    assertThat(c.train().effectiveBatch()).isEqualTo(128); // 8 GPUs x 8 x 2
    assertThat(c.train().seed()).isEqualTo(111);
  }

  @Test
  void rlvrHasTheCommandsSettings() {
    RlvrConfig c = ConfigLoader.load(RECIPES.resolve("olmo2-1b-rlvr.yaml"), List.of(), RlvrConfig.class);
    assertThat(c.algorithm()).isEqualTo(RlvrConfig.Algorithm.GRPO);
    assertThat(c.model()).hasToString("/path/to/OLMo-2-0425-1B-DPO");
    assertThat(c.promptsPerBatch()).isEqualTo(48);
    assertThat(c.samplesPerPrompt()).isEqualTo(16);
    assertThat(c.rolloutBatch()).isEqualTo(768);
    assertThat(c.minibatches()).isEqualTo(2);
    assertThat(c.ppoEpochs()).isEqualTo(1);
    assertThat(c.beta()).isEqualTo(0.01);
    assertThat(c.klEstimator()).isEqualTo(KlEstimator.KL3);
    assertThat(c.temperature()).isEqualTo(1.0);
    assertThat(c.responseLength()).isEqualTo(2048);
    assertThat(c.maxPromptLength()).isEqualTo(2048);
    assertThat(c.verifyReward()).isEqualTo(10.0);
    assertThat(c.nonEosScore()).isEqualTo(0.0); // --non_stop_penalty with value 0.0
    assertThat(c.train().optim().lr()).isEqualTo(5e-7);
    assertThat(c.train().optim().schedule()).isEqualTo(LrSchedule.Kind.CONSTANT);
    assertThat(c.train().maxSteps()).isEqualTo(2_000_000 / 768); // total_episodes / responses per rollout batch
    assertThat(c.train().microBatch()).isEqualTo(1);
    assertThat(c.train().seed()).isEqualTo(1);
    assertThat(c.train().saveEvery()).isEqualTo(200);
  }

  /** {@code template: tulu} is OLMo 2 Instruct's own chat template (templates/olmo2_instruct.jinja) with its BOS. */
  @Test
  void tuluTemplateRendersAsOlmo2InstructsOwn() throws Exception {
    String src;
    try (var in = getClass().getResourceAsStream("/templates/olmo2_instruct.jinja")) {
      src = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
    var olmo = dev.tulu4j.tokenizer.ChatTemplate.of(src);
    var tulu = dev.tulu4j.tokenizer.ChatTemplate.tulu();
    List<dev.tulu4j.data.Message> conv = List.of(dev.tulu4j.data.Message.system("Be brief."),
        dev.tulu4j.data.Message.user("Hi"), dev.tulu4j.data.Message.assistant("Hello."), dev.tulu4j.data.Message.user("Why?"));
    String e = "<|endoftext|>";
    for (int n = 2; n <= conv.size(); n++)
      for (boolean gen : new boolean[] {false, true})
        assertThat(tulu.render(conv.subList(0, n), gen, e, e)).isEqualTo(olmo.render(conv.subList(0, n), gen, e, e));
  }

  @Test
  void pipelineLoadsWithItsStageConfigsWired() {
    PipelineConfig p = ConfigLoader.load(RECIPES.resolve("olmo2-1b.yaml"), List.of(), PipelineConfig.class);
    assertThat(p.stages()).containsExactly("decontaminate", "sft", "dpo", "rlvr", "eval");
    assertThat(p.baseModel()).hasToString("/path/to/OLMo-2-0425-1B");
    assertThat(p.sft().config()).hasToString("recipes/olmo2-1b-sft.yaml");
    assertThat(p.dpo().config()).hasToString("recipes/olmo2-1b-dpo.yaml");
    assertThat(p.rlvr().config()).hasToString("recipes/olmo2-1b-rlvr.yaml");
    // each stage config loads under the overrides the pipeline applies (its input model and output folder)
    Path out = p.out();
    var sft = ConfigLoader.load(p.sft().config(), List.of("model.from=" + p.baseModel(), "train.out_dir=" + out.resolve("sft")),
        SftConfig.class);
    var dpo = ConfigLoader.load(p.dpo().config(), List.of("model=" + sft.train().outDir(), "train.out_dir=" + out.resolve("dpo")),
        DpoConfig.class);
    var rlvr = ConfigLoader.load(p.rlvr().config(), List.of("model=" + dpo.train().outDir(), "train.out_dir=" + out.resolve("rlvr")),
        RlvrConfig.class);
    assertThat(rlvr.model()).isEqualTo(out.resolve("dpo"));
    assertThat(rlvr.valueModel()).isNull(); // GRPO: no value model, so the pipeline needs no reward stage
    assertThat(p.eval().tasks()).contains("gsm8k", "math", "ifeval");
    assertThat(p.eval().taskData().keySet()).containsExactlyInAnyOrderElementsOf(dev.tulu4j.eval.Tulu3Tasks.names());
  }
}
