package dev.tulu4j.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tulu4j.client.EndpointOptions;
import dev.tulu4j.client.OpenAiClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * AlpacaEval 2 on a hand-made fixture in the tatsu-lab/alpaca_eval layout
 * ({@code src/test/resources/eval/alpaca_eval/}: 12 instructions, gpt4_turbo reference outputs, a
 * 24-row {@code df_gamed.csv}), judged by {@link ScriptedAlpacaEndpoint}. Every golden value below is
 * printed by {@code tools/golden/alpaca_eval_lc.py}, which restates alpaca_eval's own code (order coin,
 * make_prompts, prompt_to_chatml, logprob_parser, get_winrate, the length_controlled_v1 GLM) with numpy
 * and checks the GLM optimum by its KKT conditions.
 */
class AlpacaEvalTaskTest {
  static final Path FIXTURE = Path.of("src/test/resources/eval/alpaca_eval");
  // per instruction, after un-swapping; 5 is a draw (identical outputs, not sent), 7 an "M"-only answer
  // (P(m) = 0 → 2), 9 an answer naming neither token (NaN)
  static final double[] PREFERENCES = {1.3093023255813954, 1.821105527638191, 1.2363636363636363, 1.7053511705685618,
      1.0956521739130434, 1.5, 1.0527093596059114, 2.0, 1.5639344262295083, Double.NaN, 1.9627450980392156,
      1.6058823529411765};

  @TempDir Path dir;

  @Test
  void orderCoinMatchesAlpacaEval() {
    // random.Random("is_switched_outputs" + instruction + "123").choices([False, True], k=1)[0]
    List<AlpacaEvalTask.Doc> docs = AlpacaEvalTask.load(FIXTURE, 0).docs();
    boolean[] expected = {true, true, true, true, false, true, false, false, false, false, true, false};
    for (int i = 0; i < docs.size(); i++)
      assertThat(AlpacaEvalJudge.isSwitched(docs.get(i).instruction())).as("instruction %d", i).isEqualTo(expected[i]);
  }

  @Test
  void judgedPreferencesAndLengthControlledWinRateMatchTheGolden() throws Exception {
    AlpacaEvalTask.Data data = AlpacaEvalTask.load(FIXTURE, 0);
    Map<String, String> answers = ScriptedAlpacaEndpoint.fixtureAnswers(FIXTURE);
    List<String> outputs = data.docs().stream().map(d -> answers.get(d.instruction())).toList();
    try (var server = new ScriptedAlpacaEndpoint(answers);
        var judge = OpenAiClient.open(EndpointOptions.of(List.of(URI.create(server.url())), "judge", null)
            .withCache(dir.resolve("judge_requests.jsonl")))) {
      Path items = dir.resolve("alpaca_eval.jsonl");
      EvalRunner.TaskResult r = AlpacaEvalTask.score("alpaca_eval", data, outputs, judge, items, null);
      assertThat(server.judgeRequests).hasSize(11); // the identical pair is a draw without a request
      JsonNode first = server.judgeRequests.stream()
          .filter(b -> b.at("/messages/1/content").asText().contains("famous actors")).findFirst().orElseThrow();
      assertThat(first.get("max_tokens").asInt()).isEqualTo(1);
      assertThat(first.get("temperature").asDouble()).isEqualTo(1.0);
      assertThat(first.get("logprobs").asBoolean()).isTrue();
      assertThat(first.get("top_logprobs").asInt()).isEqualTo(5);
      assertThat(first.at("/messages/0/role").asText()).isEqualTo("system");
      assertThat(first.at("/messages/0/content").asText()).startsWith("You are a highly efficient assistant")
          .endsWith("human-preferred answers.");
      // sha256 of the user turn, from the script: comparison 0 (swapped) and 11, whose instruction holds the
      // literal "{output_1}" that make_prompts fills instead of the template's own placeholder
      assertThat(sha256(first.at("/messages/1/content").asText()))
          .isEqualTo("3c65dd413ac0572d626a360390eb1c49209edb0215105b2b3e0454ef5fcefa42");
      JsonNode last = server.judgeRequests.stream()
          .filter(b -> b.at("/messages/1/content").asText().contains("Romeo")).findFirst().orElseThrow();
      assertThat(sha256(last.at("/messages/1/content").asText()))
          .isEqualTo("8018c815aada3f44031c577de48a1585a0cf64f10c81664d19bc17d32699f209");

      List<String> lines = Files.readAllLines(items);
      assertThat(lines).hasSize(12);
      ObjectMapper json = new ObjectMapper();
      for (int i = 0; i < 12; i++) {
        JsonNode row = json.readTree(lines.get(i));
        if (Double.isNaN(PREFERENCES[i])) assertThat(row.get("preference").isNull()).isTrue();
        else assertThat(row.get("preference").asDouble()).as("preference %d", i).isCloseTo(PREFERENCES[i], within(1e-12));
      }
      Map<String, Double> m = r.metrics();
      assertThat(m.get("win_rate")).isCloseTo(53.20950973527854, within(1e-9));
      assertThat(m.get("standard_error")).isCloseTo(9.921575851305061, within(1e-9));
      assertThat(m.get("discrete_win_rate")).isCloseTo(59.09090909090909, within(1e-9));
      assertThat(m).containsEntry("n_wins", 6.0).containsEntry("n_wins_base", 4.0).containsEntry("n_draws", 1.0)
          .containsEntry("n_total", 11.0).containsEntry("avg_length", 74.0);
      // the GLM: C chosen by 5-fold grouped CV among logspace(-4, 4, 10) is the 6th, 10^(-4 + 5·8/9)
      assertThat(m.get("glm_c")).isCloseTo(2.782559402207126, within(1e-12));
      assertThat(m.get("length_controlled_winrate")).isCloseTo(50.787076353161275, within(1e-8));
      assertThat(m.get("lc_standard_error")).isCloseTo(0.5921653042079519, within(1e-8));
      assertThat(r.headline().value()).isCloseTo(0.50787076353161275, within(1e-10));
    }
  }

  @Test
  void glmWeightsMatchTheGolden() {
    AlpacaEvalTask.Data data = AlpacaEvalTask.load(FIXTURE, 0);
    Map<String, String> answers;
    try {
      answers = ScriptedAlpacaEndpoint.fixtureAnswers(FIXTURE);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
    List<String> refs = data.docs().stream().map(AlpacaEvalTask.Doc::reference).toList();
    List<String> outs = data.docs().stream().map(d -> answers.get(d.instruction())).toList();
    var r = LengthControlledWinRate.compute(PREFERENCES, refs, outs, data.gamed());
    // weights of np.tanh(std_delta_len), instruction_difficulty, not_gamed_baseline.astype(float)
    assertThat(r.weights()[0]).isCloseTo(-1.2691590479293264, within(1e-9));
    assertThat(r.weights()[1]).isCloseTo(0.11050229315402785, within(1e-9));
    assertThat(r.weights()[2]).isCloseTo(0.028759767808170265, within(1e-9));
  }

  @Test
  void aJudgeWithoutLogprobsIsRefusedClearly() throws Exception {
    AlpacaEvalTask.Data data = AlpacaEvalTask.load(FIXTURE, 2);
    try (var server = new ScriptedAlpacaEndpoint(Map.of());
        var judge = OpenAiClient.open(EndpointOptions.of(List.of(URI.create(server.url())), "judge", null))) {
      server.logprobs = false;
      assertThatThrownBy(() -> AlpacaEvalTask.score("alpaca_eval", data, List.of("a", "b"), judge, dir.resolve("x.jsonl"), null))
          .hasMessageContaining("top_logprobs").hasMessageContaining("logprobs");
    }
  }

  @Test
  void missingFilesAndBadRowsNameThemselves() throws Exception {
    Files.createDirectories(dir.resolve("a"));
    Files.copy(FIXTURE.resolve("alpaca_eval_gpt4_baseline.json"), dir.resolve("a/alpaca_eval_gpt4_baseline.json"));
    assertThatThrownBy(() -> AlpacaEvalTask.load(dir.resolve("a"), 0)).hasMessageContaining("df_gamed.csv")
        .hasMessageContaining("tatsu-lab/alpaca_eval");
    Files.writeString(dir.resolve("a/df_gamed.csv"), "model,index,preference,std_delta_len,instruction_difficulty,"
        + "not_gamed_baseline\nv,0,0.5,x,0.1,False\n", StandardCharsets.UTF_8);
    assertThatThrownBy(() -> AlpacaEvalTask.load(dir.resolve("a"), 0)).hasMessageContaining("df_gamed.csv:2");
    Files.writeString(dir.resolve("a/df_gamed.csv"), "model,index,preference\n", StandardCharsets.UTF_8);
    assertThatThrownBy(() -> AlpacaEvalTask.load(dir.resolve("a"), 0)).hasMessageContaining("no column 'std_delta_len'");
    assertThatThrownBy(() -> AlpacaEvalTask.load(dir.resolve("nope"), 0)).hasMessageContaining("nope");
  }

  @Test
  void evalSuiteRefusesAlpacaEvalWithoutAJudge() {
    var src = new EvalSuite.Sources(null, null, Map.of("alpaca_eval", FIXTURE), 0, false, null);
    assertThatThrownBy(() -> EvalSuite.load(List.of("alpaca_eval"), src)).hasMessageContaining("--judge-endpoint");
  }

  static String sha256(String s) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
  }
}
