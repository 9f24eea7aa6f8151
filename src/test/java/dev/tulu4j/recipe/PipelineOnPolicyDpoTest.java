package dev.tulu4j.recipe;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tulu4j.cli.Main;
import dev.tulu4j.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dpo stage's on-policy preference step (Tülu 3 §4.1) on recipes/micro.yaml: the prompt file,
 * the pairs built from the SFT model's samples and their stats land in the dpo folder, and DPO
 * trains on them (plus the static pairs with mix_static).
 */
@Tag("slow")
class PipelineOnPolicyDpoTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void dpoStageBuildsOnPolicyPairsFromTheSftModel(@TempDir Path out) throws Exception {
    assertThat(Main.execute("pipeline", "recipes/micro.yaml", "--out", out.toString(),
        "stages=[data, pretrain, sft, dpo]", "dpo_preferences.datasets=[ifeval]",
        "dpo_preferences.judge=verifier")).isZero();
    Path dpo = out.resolve("dpo");
    List<String> prompts = Files.readAllLines(dpo.resolve("onpolicy_prompts.jsonl"));
    assertThat(prompts).hasSize(6);
    for (String p : prompts) assertThat(JSON.readTree(p).get("dataset").asText()).isEqualTo("ifeval");
    JsonNode stats = JSON.readTree(dpo.resolve("onpolicy_prefs.jsonl.stats.json").toFile());
    assertThat(stats.get("prompts").asInt()).isEqualTo(6);
    assertThat(stats.get("responses").asInt()).isEqualTo(12); // 6 prompts × 2 samples
    assertThat(stats.get("pairs").asInt() + stats.get("tiesSkipped").asInt()).isEqualTo(6);
    for (String line : Files.readAllLines(dpo.resolve("onpolicy_prefs.jsonl"))) {
      JsonNode r = JSON.readTree(line);
      assertThat(r.get("chosen_rating").asDouble()).isEqualTo(5.0);
      assertThat(r.get("rejected_rating").asDouble()).isEqualTo(1.0);
    }
    JsonNode done = JSON.readTree(dpo.resolve(".done.json").toFile());
    assertThat(done.toString()).contains("\"preferences\"").contains("pairs");
  }

  /**
   * {@code dpo_preferences.judge: llm}: the SFT model's samples (in process) rated by Tülu 3's judge on
   * an endpoint (a scripted one): 6 prompts × 4 aspect requests, cached in the stage folder.
   */
  @Test
  void dpoStageJudgesOnPolicySamplesWithTheLlmJudgeOnAnEndpoint(@TempDir Path out) throws Exception {
    try (PreferenceStub stub = new PreferenceStub()) {
      stub.rate = (aspect, text, body) -> String.valueOf(1 + Math.floorMod(text.length(), 5));
      assertThat(Main.execute("pipeline", "recipes/micro.yaml", "--out", out.toString(),
          "stages=[data, pretrain, sft, dpo]", "dpo_preferences.datasets=[ifeval]", "dpo_preferences.judge=llm",
          "dpo_preferences.judge_endpoint=" + stub.base, "dpo_preferences.judge_model=judge")).isZero();
      Path dpo = out.resolve("dpo");
      JsonNode stats = JSON.readTree(dpo.resolve("onpolicy_prefs.jsonl.stats.json").toFile());
      assertThat(stats.get("prompts").asInt()).isEqualTo(6);
      assertThat(stats.get("judgeFailures").asInt()).isZero();
      assertThat(stub.judgeAnswered.get()).isEqualTo(6 * 4);
      assertThat(Files.readAllLines(dpo.resolve("onpolicy_prefs.jsonl.requests/judge.jsonl"))).hasSize(6 * 4);
      for (String line : Files.readAllLines(dpo.resolve("onpolicy_prefs.jsonl"))) {
        JsonNode r = JSON.readTree(line);
        assertThat(r.get("chosen_rating").asDouble()).isGreaterThan(r.get("rejected_rating").asDouble());
      }
    }
  }

  @Test
  void sectionIsOffByDefaultAndValidated() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ConfigLoader.fromOverrides(
            List.of("stages=[data]", "dpo_preferences.judge=llm"), PipelineConfig.class))
        .hasMessageContaining("dpo_preferences.judge_endpoint");
    var llm = ConfigLoader.fromOverrides(List.of("stages=[data]", "dpo_preferences.judge=llm",
        "dpo_preferences.judge_endpoint=http://127.0.0.1:8000/v1"), PipelineConfig.class).dpoPreferences();
    assertThat(llm.judgeEndpoint()).isEqualTo("http://127.0.0.1:8000/v1");
    var off = ConfigLoader.fromOverrides(List.of("stages=[data]"), PipelineConfig.class);
    assertThat(off.dpoPreferences().enabled()).isFalse();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ConfigLoader.fromOverrides(
            List.of("stages=[data]", "dpo_preferences.samples=1"), PipelineConfig.class))
        .hasMessageContaining("dpo_preferences.samples");
    var tiny = ConfigLoader.load(Path.of("recipes/tiny.yaml"), List.of(), PipelineConfig.class).dpoPreferences();
    assertThat(tiny.enabled()).isTrue();
    assertThat(tiny.datasets()).containsExactly("ifeval");
    assertThat(tiny.samples()).isEqualTo(8);
    var micro = ConfigLoader.load(Path.of("recipes/micro.yaml"), List.of(), PipelineConfig.class).dpoPreferences();
    assertThat(micro.prompts()).isEqualTo(6);
    assertThat(micro.mixStatic()).isTrue();
  }
}
