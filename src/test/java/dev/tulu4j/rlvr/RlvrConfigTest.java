package dev.tulu4j.rlvr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tulu4j.config.ConfigException;
import dev.tulu4j.config.ConfigLoader;
import java.nio.file.Path;
import java.util.List;
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
}
