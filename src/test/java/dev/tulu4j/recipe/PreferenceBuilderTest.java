package dev.tulu4j.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tulu4j.cli.Main;
import dev.tulu4j.config.ConfigLoader;
import dev.tulu4j.dpo.PreferenceBuildConfig;
import dev.tulu4j.dpo.PreferenceBuilder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The preference builder end to end: generators on a real {@code tulu4j serve} of a tiny checkpoint
 * and on a scripted server ({@link PreferenceStub}), Tülu 3's judge on the scripted server (its
 * re-asks and unreadable ratings counted); and a local checkpoint + verifier judge.
 */
class PreferenceBuilderTest {
  PreferenceStub stub;
  String base;

  @BeforeEach
  void start() throws Exception {
    stub = new PreferenceStub();
    base = stub.base;
  }

  @AfterEach
  void stop() {
    stub.close();
  }

  /**
   * Three prompts × (1 sample from the served tiny model + 2 from the scripted "stub" model: sample 0
   * "good …", sample 1 "bad …"). The judge rates good 5, bad 2, anything else (the tiny model) 3 on
   * every aspect, except: prompt Q2's honesty answer is prose until re-asked (seed 1); prompt Q3's
   * bad response never gets a readable helpfulness rating. By hand: Q1 chosen good (5.0), rejected
   * bad (2.0) or tiny (3.0); Q2 the same after one re-ask; Q3 bad is unrated, so good (5.0) over tiny
   * (3.0). Judge requests: 3 prompts × 4 aspects + 1 re-ask (Q2) + 2 re-asks (Q3) = 15.
   */
  @Test
  void twoGeneratorsAndTulu3JudgeThroughTheCli(@TempDir Path dir) throws Exception {
    stub.generate = (model, b) -> (b.path("seed").asLong() % 2 == 0 ? "good" : "bad") + " answer to " + PreferenceStub.lastUser(b);
    stub.rate = (aspect, text, body) -> {
      String user = PreferenceStub.lastUser(body);
      boolean q2 = user.contains("Instruction: Q2"), q3 = user.contains("Instruction: Q3");
      if (q2 && aspect.startsWith("# Honesty") && !body.has("seed")) return "I would rather not say";
      if (q3 && aspect.startsWith("# Informativeness") && text.startsWith("bad")) return "excellent";
      return text.startsWith("good") ? "5" : text.startsWith("bad") ? "2" : "3";
    };
    Path ck = dev.tulu4j.runtime.TinyCheckpoint.write(dir, "ck", false, dev.tulu4j.io.DType.F32, false);
    var kernels = new dev.tulu4j.tensor.KernelConfig(dev.tulu4j.tensor.GemmBackend.VECTOR, 1);
    try (var bundle = dev.tulu4j.runtime.ModelBundle.load(ck, dev.tulu4j.tokenizer.TemplateChoice.TULU, kernels);
        var served = dev.tulu4j.serve.Serving.create(bundle, "127.0.0.1", 0, null,
            new dev.tulu4j.serve.Serving.Limits(4, 256, 64, 16, 1 << 20))) {
      served.start();
      String tiny = "http://127.0.0.1:" + served.port() + "/v1";
      StringBuilder prompts = new StringBuilder();
      for (String q : List.of("Q1", "Q2", "Q3"))
        prompts.append("{\"messages\":[{\"role\":\"user\",\"content\":\"").append(q).append("\"}]}\n");
      Files.writeString(dir.resolve("prompts.jsonl"), prompts.toString());
      Path out = dir.resolve("prefs.jsonl");
      Path yaml = dir.resolve("p.yaml");
      Files.writeString(yaml, String.join("\n",
          "prompts: [" + dir.resolve("prompts.jsonl") + "]",
          "out: " + out,
          "generators:",
          "  - name: tiny",
          "    endpoint: " + tiny,
          "    max_new_tokens: 6",
          "  - name: stub",
          "    endpoint: " + base,
          "    model_name: stub",
          "    samples: 2",
          "judge:",
          "  kind: llm",
          "  endpoint: " + base,
          "  model_name: judge",
          "  retries: 2",
          ""));
      assertThat(Main.execute("data", "preferences", "--config", yaml.toString())).isZero();
      List<JsonNode> rows = new ArrayList<>();
      for (String l : Files.readAllLines(out)) rows.add(TinyRun.JSON.readTree(l));
      assertThat(rows).hasSize(3);
      for (int i = 0; i < 3; i++) {
        JsonNode r = rows.get(i);
        assertThat(r.path("chosen").get(1).path("content").asText()).isEqualTo("good answer to Q" + (i + 1));
        assertThat(r.path("chosen_model").asText()).isEqualTo("stub");
        assertThat(r.path("chosen_rating").asDouble()).isEqualTo(5.0);
        String rej = r.path("rejected_model").asText();
        assertThat(r.path("rejected_rating").asDouble()).isEqualTo(rej.equals("tiny") ? 3.0 : 2.0);
      }
      assertThat(rows.get(2).path("rejected_model").asText()).isEqualTo("tiny");
      JsonNode stats = TinyRun.JSON.readTree(PreferenceBuilder.statsFile(out).toFile());
      assertThat(stats.path("prompts").asInt()).isEqualTo(3);
      assertThat(stats.path("responses").asInt()).isEqualTo(9);
      assertThat(stats.path("pairs").asInt()).isEqualTo(3);
      assertThat(stats.path("judgeFailures").asInt()).isEqualTo(1);
      assertThat(stats.path("missingRatings").asInt()).isEqualTo(1);
      assertThat(stub.judgeAnswered.get()).isEqualTo(15);
      // the judge's requests: open-instruct's system prompt, one aspect rubric each, all three responses shown once
      JsonNode first = stub.judgeBodies.getFirst();
      assertThat(first.path("messages").get(0).path("content").asText()).isEqualTo(dev.tulu4j.dpo.UltraFeedback.SYSTEM_PROMPT);
      assertThat(first.path("temperature").asDouble()).isZero();
      assertThat(PreferenceStub.texts(PreferenceStub.lastUser(first))).hasSize(3);
      assertThat(Files.list(dev.tulu4j.dpo.PreferenceBuildConfig.requestsDir(out)).map(p -> p.getFileName().toString()).sorted())
          .containsExactly("gen-stub.jsonl", "gen-tiny.jsonl", "judge.jsonl");

      // a second run answers everything from the request caches: nothing reaches either server
      int before = stub.received.size();
      String first1 = Files.readString(out);
      assertThat(Main.execute("data", "preferences", "--config", yaml.toString())).isZero();
      assertThat(stub.received.size()).isEqualTo(before);
      assertThat(Files.readString(out)).isEqualTo(first1);
    }
  }

  @Test
  void verifierJudgePrefersTheCorrectResponseOverALocalModelsSample(@TempDir Path dir) throws Exception {
    Path model = TinyRun.model(dir, 5);
    stub.generate = (m, b) -> "The answer is 987654.";
    Files.writeString(dir.resolve("rlvr.jsonl"),
        "{\"messages\":[{\"role\":\"user\",\"content\":\"What is 9 plus 3?\"}],\"ground_truth\":\"987654\",\"dataset\":\"gsm8k\"}\n");
    Path out = dir.resolve("prefs.jsonl");
    PreferenceBuildConfig cfg = ConfigLoader.fromOverrides(List.of(
        "prompts=" + dir.resolve("rlvr.jsonl"), "out=" + out, "threads=1",
        "generators=[{name: sft, model: " + model + ", samples: 2, max_new_tokens: 6, max_length: 128, slots: 2},"
            + " {name: api, endpoint: '" + base + "', model_name: stub}]",
        "judge.kind=verifier"), PreferenceBuildConfig.class);
    PreferenceBuilder.Stats s = PreferenceBuilder.run(cfg, new PrintStream(new ByteArrayOutputStream()));
    assertThat(s.responses()).isEqualTo(3);
    assertThat(s.pairs()).isEqualTo(1);
    JsonNode row = TinyRun.JSON.readTree(Files.readAllLines(out).getFirst());
    assertThat(row.path("chosen_model").asText()).isEqualTo("api");
    assertThat(row.path("rejected_model").asText()).isEqualTo("sft");
    assertThat(row.path("chosen_rating").asDouble()).isEqualTo(5.0);
    assertThat(row.path("rejected_rating").asDouble()).isEqualTo(1.0);
  }

  @Test
  void verifierJudgeNeedsGroundTruth(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("p.jsonl"), "{\"messages\":[{\"role\":\"user\",\"content\":\"Q1\"}]}\n");
    PreferenceBuildConfig cfg = ConfigLoader.fromOverrides(List.of(
        "prompts=" + dir.resolve("p.jsonl"), "out=" + dir.resolve("o.jsonl"),
        "generators=[{name: api, endpoint: '" + base + "', model_name: stub, samples: 2}]", "judge.kind=verifier"),
        PreferenceBuildConfig.class);
    assertThatThrownBy(() -> PreferenceBuilder.run(cfg, new PrintStream(new ByteArrayOutputStream())))
        .hasMessageContaining("p.jsonl:1").hasMessageContaining("ground_truth");
  }
}
