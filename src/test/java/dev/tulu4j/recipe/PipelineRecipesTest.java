package dev.tulu4j.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tulu4j.config.ConfigLoader;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pipeline recipes load and their stage configs exist; bad stage lists are clear errors. */
class PipelineRecipesTest {
  @Test
  void tinyAndTulu3EightBLoadWithTheirStageConfigs() {
    var tiny = ConfigLoader.load(Path.of("recipes/tiny.yaml"), List.of(), PipelineConfig.class);
    assertThat(tiny.stages()).containsExactlyElementsOf(PipelineConfig.ORDER);
    var big = ConfigLoader.load(Path.of("recipes/tulu3-8b.yaml"), List.of(), PipelineConfig.class);
    assertThat(big.stages()).containsExactly("decontaminate", "sft", "reward", "dpo", "rlvr", "eval");
    for (var ref : List.of(big.sft(), big.reward(), big.dpo(), big.rlvr())) {
      assertThat(ref.config()).exists();
      assertThat(RecipeFilesTest.configType(ref.config())).isNotEqualTo(PipelineConfig.class);
      ConfigLoader.load(ref.config(), ref.overrides(), RecipeFilesTest.configType(ref.config()));
    }
    // the Tülu 3 development suite (AlpacaEval 2 aside: it needs a judge endpoint), each suite task with its data folder
    assertThat(big.eval().tasks()).containsExactly("gsm8k", "math", "ifeval", "mmlu", "popqa", "truthfulqa", "bbh", "drop",
        "humaneval", "humanevalplus");
    assertThat(big.eval().taskData().keySet()).containsExactlyInAnyOrderElementsOf(dev.tulu4j.eval.Tulu3Tasks.names());
    assertThat(big.eval().allowCodeExecution()).isTrue();
  }

  @Test
  void stageListsAreChecked() {
    Path tiny = Path.of("recipes/tiny.yaml");
    assertThatThrownBy(() -> ConfigLoader.load(tiny, List.of("stages=[sft,data]"), PipelineConfig.class))
        .hasMessageContaining("recipe order");
    assertThatThrownBy(() -> ConfigLoader.load(tiny, List.of("stages=[sft,dpo]"), PipelineConfig.class))
        .hasMessageContaining("base_model is required");
    assertThatThrownBy(() -> ConfigLoader.load(tiny, List.of("stages=[data,finetune]"), PipelineConfig.class))
        .hasMessageContaining("unknown stage 'finetune'");
  }
}
