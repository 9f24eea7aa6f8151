package dev.tulu4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tulu4j.eval.Tulu3Tasks;
import dev.tulu4j.io.DType;
import dev.tulu4j.runtime.TinyCheckpoint;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvalCommandTest {
  @Test
  void tasksAloneListsEveryTask() {
    CliRun r = CliRun.of("eval", "--tasks");
    assertThat(r.code()).as(r.err()).isZero();
    for (String t : Tulu3Tasks.names()) assertThat(r.out()).contains("  " + t + " ");
    assertThat(r.out()).contains("gsm8k", "math500", "ifeval", "synth_popqa");
  }

  @Test
  void helpNamesTheSuite() {
    assertThat(EvalCommand.SUITE).isEqualTo(String.join(", ", Tulu3Tasks.names()));
    assertThat(CliRun.of("eval", "--help").out()).contains(EvalCommand.SUITE);
  }

  @Test
  void unknownTaskNamesTheKnownOnes() {
    CliRun r = CliRun.of("eval", "--model", "m", "--tasks", "nope", "--out", "o");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("unknown eval task 'nope'").contains("drop");
  }

  @Test
  void suiteRunsEndToEndOnATinyCheckpoint(@TempDir Path dir) throws Exception {
    Path ck = TinyCheckpoint.write(dir, "ck", false, DType.F32, false);
    Path out = dir.resolve("out");
    // every suite task with its fixture folder from src/test/resources/eval/<task>/
    CliRun r = CliRun.of("eval", "--model", ck.toString(), "--gemm", "vector", "--tasks", "drop,mmlu,popqa,truthfulqa,bbh_date_understanding",
        "--data-dir", "src/test/resources/eval", "--limit", "2", "--max-length", "256", "--out", out.toString());
    assertThat(r.code()).as(r.err()).isZero();
    var summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
    for (String t : new String[] {"drop", "mmlu", "popqa", "truthfulqa", "bbh_date_understanding"}) {
      assertThat(summary.has(t)).as(t).isTrue();
      assertThat(summary.get(t).get("n").asInt()).as(t).isEqualTo(2);
      assertThat(summary.get(t).get("score").asDouble()).as(t).isBetween(0.0, 1.0);
    }
    assertThat(summary.get("truthfulqa").has("mc2")).isTrue();
    assertThat(summary.get("drop").has("exact_match")).isTrue();
  }
}
