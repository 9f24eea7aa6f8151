package dev.tulu4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.eval.Tulu3Tasks;
import org.junit.jupiter.api.Test;

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
}
