package dev.tulu4j.recipe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.config.ConfigLoader;
import dev.tulu4j.train.LossReduction;
import dev.tulu4j.train.LrSchedule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every recipes/*.yaml loads through ConfigLoader; the Tülu 3 8B SFT file has the paper's settings. */
class RecipeFilesTest {
  static final Path RECIPES = Path.of("recipes");

  @Test
  void everyRecipeFileLoads() throws Exception {
    List<Path> files;
    try (Stream<Path> s = Files.list(RECIPES)) {
      files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertThat(files).extracting(p -> p.getFileName().toString())
        .contains("tiny-pretrain.yaml", "tiny-sft.yaml", "smollm2-135m-sft.yaml", "tulu3-8b-sft.yaml");
    for (Path f : files) {
      Record r = ConfigLoader.load(f, List.of(), configType(f));
      assertThat(r).as(f.toString()).isNotNull();
    }
  }

  /** Stage suffix of a recipe file name → its config record; a file without one is a whole pipeline. */
  static final Map<String, Class<? extends Record>> BY_STAGE = Map.of(
      "pretrain", PretrainConfig.class,
      "sft", SftConfig.class,
      "dpo", DpoConfig.class,
      "reward", RewardConfig.class,
      "grpo", dev.tulu4j.rlvr.RlvrConfig.class,
      "ppo", dev.tulu4j.rlvr.RlvrConfig.class,
      "rlvr", dev.tulu4j.rlvr.RlvrConfig.class);

  static Class<? extends Record> configType(Path f) {
    String name = f.getFileName().toString().replaceFirst("\\.yaml$", "");
    String stage = name.substring(name.lastIndexOf('-') + 1);
    return BY_STAGE.getOrDefault(stage, PipelineConfig.class);
  }

  @Test
  void tulu3EightBSftHasThePaperSettings() {
    SftConfig c = ConfigLoader.load(RECIPES.resolve("tulu3-8b-sft.yaml"), List.of(), SftConfig.class);
    assertThat(c.train().optim().lr()).isEqualTo(5e-6);
    assertThat(c.train().optim().schedule()).isEqualTo(LrSchedule.Kind.LINEAR);
    assertThat(c.train().optim().warmupRatio()).isEqualTo(0.03);
    assertThat(c.train().optim().weightDecay()).isEqualTo(0.0);
    assertThat(c.train().epochs()).isEqualTo(2);
    assertThat(c.train().effectiveBatch()).isEqualTo(128);
    assertThat(c.maxSeqLength()).isEqualTo(4096);
    assertThat(c.train().lossReduction()).isEqualTo(LossReduction.SUM);
    assertThat(c.train().seed()).isEqualTo(123); // open-instruct docs/tulu3.md: --seed 123
  }

  @Test
  void tulu3EightBRewardModelHasOpenInstructsSettings() {
    // open-instruct docs/tulu3.md "Llama-3.1-Tulu-3-8B-RM Reproduction" and reward_modeling.py's defaults
    RewardConfig c = ConfigLoader.load(RECIPES.resolve("tulu3-8b-reward.yaml"), List.of(), RewardConfig.class);
    assertThat(c.train().optim().lr()).isEqualTo(3e-6);
    assertThat(c.train().optim().schedule()).isEqualTo(LrSchedule.Kind.LINEAR);
    assertThat(c.train().optim().warmupRatio()).isEqualTo(0.0);
    assertThat(c.train().optim().eps()).isEqualTo(1e-5);
    assertThat(c.train().optim().maxGradNorm()).isEqualTo(1.0);
    assertThat(c.train().effectiveBatch()).isEqualTo(256);
    assertThat(c.train().epochs()).isEqualTo(1);
    assertThat(c.train().seed()).isEqualTo(1);
    assertThat(c.maxLength()).isEqualTo(2048);
    assertThat(c.headInit()).isEqualTo(dev.tulu4j.reward.ScalarHeadModel.HeadInit.OPEN_INSTRUCT);
    assertThat(c.headInit().std(4096)).isEqualTo(1 / Math.sqrt(4097));
  }

  @Test
  void tulu3EightBDpoHasTheCommandsSettings() {
    DpoConfig c = ConfigLoader.load(RECIPES.resolve("tulu3-8b-dpo.yaml"), List.of(), DpoConfig.class);
    assertThat(c.beta()).isEqualTo(5.0);
    assertThat(c.train().optim().lr()).isEqualTo(5e-7);
    assertThat(c.train().optim().warmupRatio()).isEqualTo(0.1);
    assertThat(c.train().effectiveBatch()).isEqualTo(128);
    assertThat(c.train().seed()).isEqualTo(42); // dpo_tune.py's default: the command sets no seed
  }
  /**
   * The LoRA variants are the full recipes plus open-instruct's --use_lora defaults (finetune.py and
   * dpo_utils.py: lora_rank 64, lora_alpha 16, lora_dropout 0.1, the seven projections), with the base
   * kept in the checkpoint's dtype and gradient checkpointing as the Tülu 3 commands have it.
   */
  @Test
  void tulu3EightBLoraVariantsAreTheFullRecipesPlusOpenInstructsLoraDefaults() {
    SftConfig full = ConfigLoader.load(RECIPES.resolve("tulu3-8b-sft.yaml"), List.of(), SftConfig.class);
    SftConfig sft = ConfigLoader.load(RECIPES.resolve("tulu3-8b-lora-sft.yaml"), List.of(), SftConfig.class);
    DpoConfig fullDpo = ConfigLoader.load(RECIPES.resolve("tulu3-8b-dpo.yaml"), List.of(), DpoConfig.class);
    DpoConfig dpo = ConfigLoader.load(RECIPES.resolve("tulu3-8b-lora-dpo.yaml"), List.of(), DpoConfig.class);
    for (dev.tulu4j.train.LoraSettings l : List.of(sft.lora(), dpo.lora())) {
      assertThat(l.r()).isEqualTo(64);
      assertThat(l.alpha()).isEqualTo(16.0);
      assertThat(l.dropout()).isEqualTo(0.1);
      assertThat(l.useRslora()).isFalse();
      assertThat(l.config().targetNames())
          .containsExactlyInAnyOrder("q_proj", "o_proj", "v_proj", "k_proj", "gate_proj", "up_proj", "down_proj");
      assertThat(l.baseWeightsDtype()).isEqualTo(dev.tulu4j.model.WeightsDtype.AUTO);
    }
    assertThat(sft.train().activationCheckpointing()).isTrue();
    assertThat(dpo.train().activationCheckpointing()).isTrue();
    // the rest is the full recipe's
    assertThat(sft.train().optim()).isEqualTo(full.train().optim());
    assertThat(sft.train().effectiveBatch()).isEqualTo(full.train().effectiveBatch());
    assertThat(sft.train().epochs()).isEqualTo(full.train().epochs());
    assertThat(sft.train().seed()).isEqualTo(full.train().seed());
    assertThat(sft.maxSeqLength()).isEqualTo(full.maxSeqLength());
    assertThat(dpo.train().optim()).isEqualTo(fullDpo.train().optim());
    assertThat(dpo.beta()).isEqualTo(fullDpo.beta());
    assertThat(dpo.lossType()).isEqualTo(fullDpo.lossType());
    assertThat(dpo.maxLength()).isEqualTo(fullDpo.maxLength());
    assertThat(dpo.train().effectiveBatch()).isEqualTo(fullDpo.train().effectiveBatch());
    // Llama 3.1 8B: 168M adapter weights of rank 64 (r·(in + out) per projection and layer)
    dev.tulu4j.model.LlamaConfig l8 = dev.tulu4j.model.LlamaConfig.llama31_8b();
    assertThat(dev.tulu4j.train.MemoryPlan.adapterParameterCount(l8, sft.lora().config())).isEqualTo(167_772_160L);
  }
}
