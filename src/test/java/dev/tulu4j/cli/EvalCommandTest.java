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
    String help = CliRun.of("eval", "--help").out();
    for (String t : Tulu3Tasks.names()) assertThat(help).contains(t); // the help wraps lines
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

  @Test
  void humanEvalRunsWithTheFlag(@TempDir Path dir) throws Exception {
    boolean hasPython;
    try {
      hasPython = new ProcessBuilder("python3", "-c", "pass").start().waitFor() == 0;
    } catch (java.io.IOException e) {
      hasPython = false;
    }
    org.junit.jupiter.api.Assumptions.assumeTrue(hasPython, "python3 is not installed");
    Path ck = TinyCheckpoint.write(dir, "ck", false, DType.F32, false);
    Path out = dir.resolve("out");
    CliRun r = CliRun.of("eval", "--model", ck.toString(), "--gemm", "vector", "--tasks", "humaneval", "--allow-code-execution",
        "--data-dir", "src/test/resources/eval", "--limit", "1", "--max-length", "256", "--out", out.toString());
    assertThat(r.code()).as(r.err()).isZero();
    var summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
    assertThat(summary.at("/humaneval/n").asInt()).isEqualTo(1);
    assertThat(summary.at("/humaneval/pass_at_10").asDouble()).isBetween(0.0, 1.0);
    var row = new ObjectMapper().readTree(java.nio.file.Files.readAllLines(out.resolve("humaneval.jsonl")).get(0));
    assertThat(row.get("samples")).hasSize(20); // a random tiny model writes no passing code, but all 20 ran
    assertThat(row.get("n").asInt()).isEqualTo(20);
  }

  @Test
  void codeExecutionIsRefusedWithoutTheFlag() {
    CliRun r = CliRun.of("eval", "--model", "no-such-model", "--tasks", "humaneval", "--data-dir", "src/test/resources/eval",
        "--out", "o");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("--allow-code-execution").doesNotContain("Exception");
  }
}
