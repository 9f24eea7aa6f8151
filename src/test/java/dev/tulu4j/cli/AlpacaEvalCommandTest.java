package dev.tulu4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tulu4j.eval.ScriptedAlpacaEndpoint;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tulu4j eval --tasks alpaca_eval}: generation on one endpoint, the judge on another, resumable. */
class AlpacaEvalCommandTest {
  static final Path FIXTURE = Path.of("src/test/resources/eval/alpaca_eval");

  @Test
  void generatesJudgesAndReRunsFromTheCaches(@TempDir Path dir) throws Exception {
    try (var server = new ScriptedAlpacaEndpoint(ScriptedAlpacaEndpoint.fixtureAnswers(FIXTURE))) {
      Path out = dir.resolve("out");
      String[] args = {"eval", "--endpoint", server.url(), "--endpoint-model", "tiny", "--judge-endpoint", server.url(),
          "--judge-model", "judge", "--tasks", "alpaca_eval", "--task-data", "alpaca_eval=" + FIXTURE, "--out", out.toString()};
      CliRun r = CliRun.of(args);
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(server.modelRequests).hasSize(12);
      assertThat(server.judgeRequests).hasSize(11);
      var summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile()).get("alpaca_eval");
      // the golden of AlpacaEvalTaskTest (tools/golden/alpaca_eval_lc.py): the model's answers are the fixture's
      assertThat(summary.get("score").asDouble()).isCloseTo(0.50787076353161275, within(1e-10));
      assertThat(summary.get("length_controlled_winrate").asDouble()).isCloseTo(50.787076353161275, within(1e-8));
      assertThat(summary.get("win_rate").asDouble()).isCloseTo(53.20950973527854, within(1e-9));
      assertThat(summary.get("n").asInt()).isEqualTo(12);
      assertThat(r.out()).contains("alpaca_eval");
      // a second run re-sends nothing: both request caches answer
      CliRun again = CliRun.of(args);
      assertThat(again.code()).as(again.err()).isZero();
      assertThat(server.modelRequests).hasSize(12);
      assertThat(server.judgeRequests).hasSize(11);
    }
  }

  @Test
  void withoutAJudgeTheTaskIsRefused() {
    CliRun r = CliRun.of("eval", "--endpoint", "http://127.0.0.1:9/v1", "--tasks", "alpaca_eval", "--task-data",
        "alpaca_eval=" + FIXTURE, "--out", "o");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("--judge-endpoint").doesNotContain("Exception");
  }
}
