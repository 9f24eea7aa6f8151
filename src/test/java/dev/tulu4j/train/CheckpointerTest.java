package dev.tulu4j.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointerTest {
  @TempDir Path dir;

  @Test
  void aStepFolderWithoutValidStateIsIgnoredAndReplaced() throws Exception {
    ToyRegression toy = new ToyRegression(TrainLoopTest.N, 7);
    TrainLoopTest.train(TrainLoopTest.cfg(dir, "max_steps=8"), toy);
    // corrupt the newest checkpoint: truncate its optimizer state
    Path opt = dir.resolve("step-000008/trainer_state/optimizer.bin");
    Files.write(opt, Files.readAllBytes(opt).length > 10 ? new byte[10] : new byte[0]);
    assertThat(new Checkpointer(dir, 2).findLatest().orElseThrow().state().step()).isEqualTo(4);
    // resuming from step 4 re-saves step 8 over the invalid folder and reaches the same weights
    ToyRegression again = new ToyRegression(TrainLoopTest.N, 7);
    TrainResult r = TrainLoopTest.train(TrainLoopTest.cfg(dir, "max_steps=8"), again);
    assertThat(r.resumedFrom()).isEqualTo(4);
    assertThat(ToyRegression.hash(again.params)).isEqualTo(ToyRegression.hash(toy.params));
    assertThat(new Checkpointer(dir, 2).findLatest().orElseThrow().state().step()).isEqualTo(8);
  }

  @Test
  void progressBarRendersStepsWhenGivenAStream() {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (Progress p = new Progress(new PrintStream(buf, true, StandardCharsets.UTF_8), 2, 10)) {
      p.update(5, 1.25, 3e-4);
    }
    String out = buf.toString(StandardCharsets.UTF_8);
    assertThat(out).contains("train").contains("5/10").contains("loss 1.2500");
    // without a terminal (as under surefire) the default constructor prints plain lines and must not fail
    try (Progress p = new Progress(true, 0, 10)) {
      p.update(1, 1.0, 1.0);
    }
  }

  /** machine.json records the CPU and kernel; a resume elsewhere (or from an older checkpoint) is told bit-identity is not promised. */
  @Test
  void aCheckpointFromAnotherCpuOrKernelGetsANote() throws Exception {
    ToyRegression toy = new ToyRegression(TrainLoopTest.N, 7);
    TrainLoopTest.train(TrainLoopTest.cfg(dir, "max_steps=4"), toy);
    Checkpointer.Found f = new Checkpointer(dir, 2).findLatest().orElseThrow();
    Path machine = f.dir().resolve("trainer_state/machine.json");
    String written = Files.readString(machine);
    assertThat(written).contains("\"gemmKernel\"").contains("\"vectorBits\"").contains("\"family\"");
    assertThat(Checkpointer.machineNote(f)).isEmpty(); // same machine, same kernels

    Files.writeString(machine, written.replaceFirst("\"family\"\\s*:\\s*-?\\d+", "\"family\" : 7")
        .replaceFirst("\"gemmKernel\"\\s*:\\s*\"[^\"]*\"", "\"gemmKernel\" : \"8x48 other\""));
    assertThat(Checkpointer.machineNote(f)).hasValueSatisfying(n -> assertThat(n)
        .contains("family 7 -> ").contains("gemmKernel 8x48 other -> ").contains("bit-identity").contains("not promised"));

    Files.delete(machine); // a checkpoint from before machine.json
    assertThat(Checkpointer.machineNote(f)).hasValueSatisfying(n -> assertThat(n).contains("does not record the CPU"));
  }
}
