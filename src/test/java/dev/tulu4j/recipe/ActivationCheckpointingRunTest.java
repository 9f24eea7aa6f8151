package dev.tulu4j.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train.activation_checkpointing} changes memory, not the trajectory: a micro SFT run gives the
 * same losses and bit-identical weights with and without it, and a run started without it resumes
 * with it (the key is outside the config hash) exactly as the uninterrupted run.
 */
class ActivationCheckpointingRunTest {
  @TempDir static Path in;
  @TempDir Path dir;
  static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());
  static final String[] RUN = {"train.max_steps=6", "train.save_every=3", "packing=true"};

  @BeforeAll
  static void inputs() throws Exception {
    MicroRun.writeInputs(in);
  }

  private static String[] run(String... more) {
    String[] all = java.util.Arrays.copyOf(RUN, RUN.length + more.length);
    System.arraycopy(more, 0, all, RUN.length, more.length);
    return all;
  }

  @Test
  void sameLossesAndWeightsAndAResumeMaySwitchIt() throws Exception {
    RunResult stored = SftRecipe.run(MicroRun.sft(in, dir.resolve("stored"), run()), QUIET);
    RunResult ckpt = SftRecipe.run(MicroRun.sft(in, dir.resolve("ckpt"), run("train.activation_checkpointing=true")), QUIET);
    assertThat(ckpt.train().losses()).hasSize(6).isEqualTo(stored.train().losses());
    String hash = MicroRun.hash(MicroRun.weights(stored.finalModel()));
    assertThat(MicroRun.hash(MicroRun.weights(ckpt.finalModel()))).isEqualTo(hash);

    // stop a stored-activation run during step 4 (step 3 is saved), resume it with checkpointing
    Path resumed = dir.resolve("resumed");
    assertThatThrownBy(() -> SftRecipe.run(MicroRun.sft(in, resumed, run()), QUIET, loop -> loop.onStep(m -> {
      if (m.step() == 4) throw new IllegalStateException("stop");
    }))).hasMessage("stop");
    RunResult r = SftRecipe.run(MicroRun.sft(in, resumed, run("train.activation_checkpointing=true")), QUIET);
    assertThat(r.train().losses()).isEqualTo(stored.train().losses().subList(3, 6));
    assertThat(MicroRun.hash(MicroRun.weights(r.finalModel()))).isEqualTo(hash);
  }
}
