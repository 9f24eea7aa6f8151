package dev.tulu4j.recipe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.cli.Main;
import dev.tulu4j.testing.EngineDouble;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code data preferences} with endpoint generators and the LLM judge sends only chat requests vLLM
 * accepts as it declares them ({@link dev.tulu4j.testing.EngineProtocol}), and builds its pairs
 * from the {@link EngineDouble}'s vLLM-shaped answers.
 */
class PreferencesProtocolConformanceTest {
  @Test
  void generatorAndJudgeRequestsAreVllmShaped(@TempDir Path dir) throws Exception {
    try (EngineDouble vllm = new EngineDouble("served")) {
      vllm.text = (route, body) -> {
        String user = PreferenceStub.lastUser(body);
        if (!user.contains("## Annotation")) return "Answer to " + user + " #" + body.path("seed").asLong();
        List<String> texts = PreferenceStub.texts(user);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < texts.size(); i++)
          sb.append("#### Output for Text ").append(i + 1).append("\nRating: ").append(1 + Math.floorMod(texts.get(i).hashCode(), 5))
              .append("\nRationale: scripted.\n\n");
        return sb.toString().strip();
      };
      Files.writeString(dir.resolve("prompts.jsonl"), String.join("\n",
          "{\"id\":\"q0\",\"messages\":[{\"role\":\"user\",\"content\":\"Question 0?\"}]}",
          "{\"id\":\"q1\",\"messages\":[{\"role\":\"user\",\"content\":\"Question 1?\"}]}", ""));
      Path yaml = dir.resolve("p.yaml");
      Files.writeString(yaml, String.join("\n",
          "prompts: [" + dir.resolve("prompts.jsonl") + "]",
          "out: " + dir.resolve("prefs.jsonl"),
          "generators:",
          "  - {name: gen-a, endpoint: '" + vllm.base() + "', model_name: served, samples: 2}",
          "judge: {kind: llm, endpoint: '" + vllm.base() + "', model_name: served, retries: 0, max_in_flight: 4}",
          ""));
      assertThat(Main.execute("data", "preferences", "--config", yaml.toString())).isZero();
      assertThat(vllm.allViolations()).isEmpty();
      assertThat(vllm.count("/v1/chat/completions")).isEqualTo(2 * 2 + 2 * 4); // samples, then 4 aspects per prompt
      assertThat(Files.readString(dir.resolve("prefs.jsonl")).lines().count()).isPositive();
    }
  }
}
