package dev.tulu4j.rlvr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tulu4j.config.ConfigDoc;
import dev.tulu4j.config.ConfigException;
import dev.tulu4j.config.ConfigLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RlvrConfigTest {
  @ParameterizedTest
  @ValueSource(strings = {"tiny-grpo.yaml", "tiny-ppo.yaml", "tulu3-8b-rlvr.yaml"})
  void recipesLoad(String file) {
    RlvrConfig c = ConfigLoader.load(Path.of("recipes", file), List.of(), RlvrConfig.class);
    assertThat(c.rolloutBatch() % c.minibatches()).isZero();
    assertThat(c.temperature()).isEqualTo(file.startsWith("tiny-") ? 0.7 : 1.0); // tiny: T 1.0 samples are word salad
  }

  @Test
  void tulu3RecipeHasThePublishedSettings() {
    RlvrConfig c = ConfigLoader.load(Path.of("recipes/tulu3-8b-rlvr.yaml"), List.of(), RlvrConfig.class);
    assertThat(c.algorithm()).isEqualTo(RlvrConfig.Algorithm.PPO);
    assertThat(c.beta()).isEqualTo(0.05);
    assertThat(c.train().optim().lr()).isEqualTo(3e-7);
    assertThat(c.rolloutBatch()).isEqualTo(224);
    assertThat(c.ppoEpochs()).isEqualTo(4);
    assertThat(c.responseLength()).isEqualTo(2048);
    assertThat(c.verifyReward()).isEqualTo(10.0);
    assertThat(c.nonEosPenalty()).isEqualTo(-10.0);
    assertThat(c.gamma()).isEqualTo(1.0);
    assertThat(c.lambda()).isEqualTo(0.95);
    assertThat(c.vfCoef()).isEqualTo(0.1);
    assertThat(c.clipEps()).isEqualTo(0.2);
    assertThat(c.train().optim().maxGradNorm()).isEqualTo(1.0);
    // docs/tulu3.md: 7 actor GPUs x local_rollout_batch_size 32 prompts, one sample each; seed 3; per-device batch 2
    assertThat(c.promptsPerBatch()).isEqualTo(224);
    assertThat(c.samplesPerPrompt()).isEqualTo(1);
    assertThat(c.minibatches()).isEqualTo(1);
    assertThat(c.train().seed()).isEqualTo(3);
    assertThat(c.train().microBatch()).isEqualTo(2);
    assertThat(c.nonEosScore()).isEqualTo(-10.0);
    // the value model starts from the reward model where the reward recipe writes it
    RecipeOut rm = RecipeOut.of("recipes/tulu3-8b-reward.yaml");
    assertThat(c.valueModel()).isEqualTo(rm.outDir());
  }

  /** The reward recipe's out_dir, read as the reward stage reads it. */
  private record RecipeOut(Path outDir) {
    static RecipeOut of(String file) {
      return new RecipeOut(ConfigLoader.load(Path.of(file), List.of(), dev.tulu4j.recipe.RewardConfig.class).train().outDir());
    }
  }

  @Test
  void tulu31GrpoRecipeHasThePublishedSettings() {
    // open-instruct docs/tulu3.md, "(NEW) Llama-3.1-Tulu-3.1-8B Reproduction"
    RlvrConfig c = ConfigLoader.load(Path.of("recipes/tulu31-8b-grpo.yaml"), List.of(), RlvrConfig.class);
    assertThat(c.algorithm()).isEqualTo(RlvrConfig.Algorithm.GRPO);
    assertThat(c.beta()).isEqualTo(0.01);
    assertThat(c.klEstimator()).isEqualTo(PolicyLoss.KlEstimator.KL3);
    assertThat(c.samplesPerPrompt()).isEqualTo(16);
    assertThat(c.promptsPerBatch()).isEqualTo(48);
    assertThat(c.minibatches()).isEqualTo(2);
    assertThat(c.ppoEpochs()).isEqualTo(1);
    assertThat(c.train().optim().lr()).isEqualTo(5e-7);
    assertThat(c.train().optim().schedule()).isEqualTo(dev.tulu4j.train.LrSchedule.Kind.CONSTANT);
    assertThat(c.train().seed()).isEqualTo(1);
    // --non_stop_penalty with --penalty_reward_value 0.0: a response without EOS scores 0, verified or not
    assertThat(c.nonEosScore()).isEqualTo(0.0);
  }

  @Test
  void nonStopPenaltyFollowsOpenInstructsFlag() {
    List<String> base = List.of("model=m", "train_file=t");
    RlvrConfig off = ConfigLoader.fromOverrides(concat(base, "non_eos_penalty=0"), RlvrConfig.class);
    assertThat(off.nonEosScore()).isNaN();
    var right = new dev.tulu4j.verify.VerificationResult(true, "4", null);
    // off: a verified response without EOS keeps its reward; on with 0: it scores 0 (open-instruct replaces the score)
    assertThat(Rollouts.score(right, false, 10, off.nonEosScore())).isEqualTo(10.0);
    RlvrConfig zero = ConfigLoader.fromOverrides(concat(base, "non_eos_penalty=0", "non_stop_penalty=true"), RlvrConfig.class);
    assertThat(zero.nonEosScore()).isEqualTo(0.0);
    assertThat(Rollouts.score(right, false, 10, zero.nonEosScore())).isEqualTo(0.0);
    assertThat(Rollouts.score(right, true, 10, zero.nonEosScore())).isEqualTo(10.0);
    RlvrConfig disabled = ConfigLoader.fromOverrides(concat(base, "non_stop_penalty=false"), RlvrConfig.class);
    assertThat(disabled.nonEosScore()).isNaN();
    assertThat(ConfigLoader.fromOverrides(base, RlvrConfig.class).nonEosScore()).isEqualTo(-10.0);
  }

  private static List<String> concat(List<String> a, String... more) {
    List<String> all = new java.util.ArrayList<>(a);
    all.addAll(List.of(more));
    return all;
  }

  @Test
  void defaultsAreTulu3AndBadValuesAreNamed() {
    RlvrConfig d = ConfigLoader.fromOverrides(List.of("model=m", "train_file=t"), RlvrConfig.class);
    assertThat(d.algorithm()).isEqualTo(RlvrConfig.Algorithm.GRPO);
    assertThat(d.klEstimator()).isEqualTo(PolicyLoss.KlEstimator.KL3);
    assertThat(d.train().optim().lr()).isEqualTo(3e-7);
    assertThatThrownBy(() -> ConfigLoader.fromOverrides(List.of("model=m", "train_file=t", "minibatches=3"), RlvrConfig.class))
        .isInstanceOf(ConfigException.class).hasMessageContaining("minibatches (3) must divide");
    assertThatThrownBy(() -> ConfigLoader.fromOverrides(List.of("model=m", "train_file=t", "samples_per_prompt=1"), RlvrConfig.class))
        .hasMessageContaining("grpo needs samples_per_prompt >= 2");
    assertThatThrownBy(() -> ConfigLoader.fromOverrides(List.of("model=m", "train_file=t", "algorithm=dqn"), RlvrConfig.class))
        .hasMessageContaining("algorithm");
  }

  @Test
  void datasetWeightsAreCheckedAgainstDatasets() {
    RlvrConfig c = ConfigLoader.fromOverrides(List.of("model=m", "train_file=t", "datasets=[gsm8k, ifeval]",
        "dataset_weights={ifeval: 2, gsm8k: 0.5}"), RlvrConfig.class);
    assertThat(c.datasetWeights()).containsEntry("ifeval", 2.0).containsEntry("gsm8k", 0.5);
    assertThat(ConfigLoader.fromOverrides(List.of("model=m", "train_file=t"), RlvrConfig.class).datasetWeights()).isEmpty();
    assertThatThrownBy(() -> ConfigLoader.fromOverrides(List.of("model=m", "train_file=t", "dataset_weights={ifeval: -1}"),
        RlvrConfig.class)).hasMessageContaining("dataset_weights.ifeval must be a finite number >= 0");
    assertThatThrownBy(() -> ConfigLoader.fromOverrides(List.of("model=m", "train_file=t", "datasets=[ifeval]",
        "dataset_weights={gsm8k: 2}"), RlvrConfig.class)).hasMessageContaining("'gsm8k', which datasets [ifeval] leaves out");
  }

  /** RLVR nests the shared TrainConfig with its own defaults; a partial train section keeps them. */
  @Test
  void trainSectionHasRlvrDefaultsUnderTheGivenKeys() {
    RlvrConfig d = ConfigLoader.fromOverrides(List.of("model=m", "train_file=t"), RlvrConfig.class);
    assertThat(d.train().maxSteps()).isEqualTo(100);
    assertThat(d.train().microBatch()).isEqualTo(4);
    assertThat(d.train().outDir()).isEqualTo(Path.of("runs/rlvr"));
    assertThat(d.train().optim().warmupRatio()).isZero();
    assertThat(d.train().optim().maxGradNorm()).isEqualTo(1.0);
    assertThat(d.train().optim().betas()).containsExactly(0.9, 0.999); // AdamW, as before the nesting
    assertThat(d.train().optim().eps()).isEqualTo(1e-8);
    RlvrConfig p = ConfigLoader.fromOverrides(List.of("model=m", "train_file=t", "train.seed=3",
        "train.optim.betas=[0.9, 0.95]"), RlvrConfig.class);
    assertThat(p.train().seed()).isEqualTo(3);
    assertThat(p.train().optim().lr()).as("RLVR's default lr survives a partial section").isEqualTo(3e-7);
    assertThat(p.train().optim().beta2()).isEqualTo(0.95);
    assertThat(p.train().maxSteps()).isEqualTo(100);
    assertThat(ConfigLoader.fromOverrides(List.of("model=m", "train_file=t", "train.optim.lr=0"), RlvrConfig.class)
        .train().optim().lr()).isZero();
  }

  @Test
  void flatKeysOfTheOldLayoutAndLoopSettingsThatDoNotApplyAreErrors() {
    assertThatThrownBy(() -> ConfigLoader.fromOverrides(List.of("model=m", "train_file=t", "steps=3"), RlvrConfig.class))
        .isInstanceOf(ConfigException.class).hasMessageContaining("unknown key 'steps'");
    assertThatThrownBy(() -> ConfigLoader.fromOverrides(List.of("model=m", "train_file=t", "train.optim.lrr=1"),
        RlvrConfig.class)).hasMessageContaining("unknown key 'train.optim.lrr'").hasMessageContaining("train.optim.lr");
    assertThatThrownBy(() -> ConfigLoader.fromOverrides(List.of("model=m", "train_file=t", "train.grad_accum=2"),
        RlvrConfig.class)).hasMessageContaining("train.grad_accum must be 1 for rlvr");
    assertThatThrownBy(() -> ConfigLoader.fromOverrides(List.of("model=m", "train_file=t", "train.loss_reduction=mean"),
        RlvrConfig.class)).hasMessageContaining("train.loss_reduction does not apply to rlvr");
    assertThatThrownBy(() -> ConfigLoader.fromOverrides(List.of("model=m", "train_file=t", "train.max_steps=4",
        "value_warmup_steps=4"), RlvrConfig.class)).hasMessageContaining("value_warmup_steps must be in 0..3");
  }

  /** {@code tulu4j config dev.tulu4j.rlvr.RlvrConfig} shows the defaults RLVR runs with, not SFT's. */
  @Test
  void keyTableShowsTheRlvrDefaultsOfTheTrainSection() {
    Map<String, String> def = new java.util.HashMap<>();
    for (var r : ConfigDoc.rows(RlvrConfig.class)) def.put(r.key(), r.def());
    assertThat(def).containsEntry("train.max_steps", "100").containsEntry("train.optim.lr", "3e-7")
        .containsEntry("train.optim.warmup_ratio", "0.0").containsEntry("train.optim.max_grad_norm", "1.0")
        .containsEntry("train.micro_batch", "4").containsEntry("train.out_dir", "runs/rlvr")
        .containsEntry("train.optim.betas", "[0.9, 0.999]").containsEntry("train.seed", "42");
    assertThat(def).doesNotContainKeys("steps", "lr", "out_dir", "seed");
  }

  @Test
  void docsHoldTheGeneratedKeyTable() throws Exception {
    assertThat(java.nio.file.Files.readString(Path.of("docs/RLVR.md")))
        .as("docs/RLVR.md is stale: paste `tulu4j config dev.tulu4j.rlvr.RlvrConfig --markdown` into it")
        .contains(ConfigDoc.markdown(RlvrConfig.class));
  }
}
