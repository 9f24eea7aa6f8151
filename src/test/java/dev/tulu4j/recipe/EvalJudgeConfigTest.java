package dev.tulu4j.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tulu4j.config.ConfigLoader;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The eval stage's AlpacaEval judge settings and the suite sets of the decontaminate stage, as recipes give them. */
class EvalJudgeConfigTest {
  @Test
  void judgeKeysLoadAndAreChecked() {
    Path tiny = Path.of("recipes/tiny.yaml");
    var c = ConfigLoader.load(tiny, List.of("eval.judge_endpoint=http://127.0.0.1:8001/v1", "eval.judge_model=gpt-4-1106-preview",
        "eval.judge_max_in_flight=3"), PipelineConfig.class);
    assertThat(c.eval().judgeEndpoint()).isEqualTo("http://127.0.0.1:8001/v1");
    assertThat(c.eval().judgeModel()).isEqualTo("gpt-4-1106-preview");
    assertThat(c.eval().judgeMaxInFlight()).isEqualTo(3);
    assertThat(ConfigLoader.load(tiny, List.of(), PipelineConfig.class).eval().judgeEndpoint()).isNull();
    assertThatThrownBy(() -> ConfigLoader.load(tiny, List.of("eval.judge_max_in_flight=0"), PipelineConfig.class))
        .hasMessageContaining("judge_max_in_flight");
  }

  @Test
  void theEightBRecipeDecontaminatesAgainstTheWholeSuite() {
    var big = ConfigLoader.load(Path.of("recipes/tulu3-8b.yaml"), List.of(), PipelineConfig.class);
    assertThat(big.decontaminate().evals()).containsExactly("gsm8k", "math", "math500", "ifeval", "mmlu", "popqa",
        "truthfulqa", "bbh", "drop", "humaneval", "humanevalplus", "alpaca_eval");
    assertThat(big.eval().judgeModel()).isEqualTo("gpt-4-1106-preview");
  }
}
