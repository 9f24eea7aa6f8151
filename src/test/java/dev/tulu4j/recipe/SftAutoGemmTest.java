package dev.tulu4j.recipe;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gemm: auto} through the SFT recipe (the real OpenBLAS, as the environment configures it):
 * the train loop times whole steps on both backends (or skips that when the bound forbids it), prints
 * one line, records the choice in the checkpoint, and the run equals a {@code gemm: vector} run when
 * vector is chosen.
 */
class SftAutoGemmTest {
  @TempDir static Path in;
  @TempDir Path dir;

  @BeforeAll
  static void inputs() throws Exception {
    MicroRun.writeInputs(in);
  }

  @Test
  void autoMeasuresWholeStepsAtTheStartAndRecordsTheChoice() throws Exception {
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    RunResult auto;
    try {
      System.setErr(new PrintStream(captured, true));
      auto = SftRecipe.run(MicroRun.sft(in, dir.resolve("auto"), "gemm=auto", "train.max_steps=2"), quiet);
    } finally {
      System.setErr(err);
    }
    String line = captured.toString().lines().filter(l -> l.startsWith("tulu4j: gemm auto: ")).findFirst().orElseThrow();
    // measured, or (a 2-step run on a slow or loaded machine) skipped by the bound and left on vector
    assertThat(line).contains("forward+backward of the first micro-batch (4 examples): vector ");
    if (!line.contains("measurement skipped")) assertThat(line).contains(" openblas/").contains("per step");
    Map<?, ?> machine = new ObjectMapper().readValue(
        auto.finalModel().resolve("trainer_state").resolve("machine.json").toFile(), Map.class);
    String choice = machine.get("gemmAutoChoice").toString();
    assertThat(line).contains(line.contains("measurement skipped") ? "vector (measurement skipped" : "): " + choice + " (");
    if (choice.equals("vector")) {
      assertThat(machine.get("gemmBackend")).isEqualTo("vector");
      RunResult vector = SftRecipe.run(MicroRun.sft(in, dir.resolve("vector"), "gemm=vector", "train.max_steps=2"), quiet);
      assertThat(auto.train().losses()).isEqualTo(vector.train().losses());
      assertThat(MicroRun.weights(auto.finalModel()).get("model.norm.weight").data())
          .isEqualTo(MicroRun.weights(vector.finalModel()).get("model.norm.weight").data());
    } else {
      assertThat(machine.get("gemmBackend")).isEqualTo("vector+" + choice);
    }
  }
}
