package dev.tulu4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tulu4j.reliability.KillHarness;
import dev.tulu4j.tensor.TaskRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Resume-after-kill equals an uninterrupted run, bit for bit: 12 steps straight vs. the same run
 * interrupted (exception mid-step, exception at every phase of a save, or {@code kill -9} of a
 * child JVM between saves and inside a save) and resumed. The killed child runs with the default JIT
 * (tiered, C2) and the resumed run continues in this JVM, in whatever tier its code is by then: the
 * results do not depend on it (issue #3, {@code JitTierDeterminismTest}).
 */
@Tag("slow")
class ResumeAfterCrashTest {
  @TempDir Path dir;
  private String reference;
  private List<Double> referenceLosses;

  @BeforeEach
  void uninterrupted() throws IOException {
    ToyRegression toy = new ToyRegression(TrainLoopTest.N, 7);
    TrainResult r = TrainLoopTest.train(TrainLoopTest.cfg(dir.resolve("reference")), toy);
    reference = ToyRegression.hash(toy.params);
    referenceLosses = r.losses();
  }

  private TrainResult resume(Path out) throws IOException {
    ToyRegression fresh = new ToyRegression(TrainLoopTest.N, 7); // a new process: initial weights
    TrainResult r = TrainLoopTest.train(TrainLoopTest.cfg(out), fresh);
    assertThat(ToyRegression.hash(fresh.params)).as("weights after resume").isEqualTo(reference);
    return r;
  }

  private List<Double> loggedLosses(Path out) throws IOException {
    ObjectMapper json = new ObjectMapper();
    List<Double> l = new ArrayList<>();
    long expect = 1;
    for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
      var n = json.readTree(line);
      assertThat(n.get("step").asLong()).isEqualTo(expect++);
      l.add(n.get("loss").asDouble());
    }
    return l;
  }

  @Test
  void crashMidStepThenResume() throws IOException {
    Path out = dir.resolve("run");
    ToyRegression toy = new ToyRegression(TrainLoopTest.N, 7);
    toy.crashAtStep = 9; // inside the 10th step, after step-000008 was saved
    assertThatThrownBy(() -> TrainLoopTest.train(TrainLoopTest.cfg(out), toy)).hasMessageContaining("injected crash");
    TrainResult r = resume(out);
    assertThat(r.resumedFrom()).isEqualTo(8);
    assertThat(r.losses()).isEqualTo(referenceLosses.subList(8, 12));
    assertThat(loggedLosses(out)).isEqualTo(referenceLosses); // lines of steps 9 were dropped and re-logged
  }

  @ParameterizedTest
  @ValueSource(strings = {"begin", "model-written", "params-written", "optimizer-written", "before-rename",
      "after-rename", "after-latest", "prune-renamed"})
  void crashAtAnyPhaseOfASaveKeepsAConsistentCheckpoint(String phase) throws IOException {
    Path out = dir.resolve("run-" + phase);
    ToyRegression toy = new ToyRegression(TrainLoopTest.N, 7);
    long[] step = {0};
    // keep_last=1 so the save of step 8 also prunes step 4 (the prune-renamed phase)
    TrainLoop loop = new TrainLoop(TrainLoopTest.cfg(out, "keep_last=1"), toy.params, toy.size(), toy, TaskRunner.serial())
        .saver(d -> Files.writeString(d.resolve("config.json"), "{}"))
        .onStep(m -> step[0] = m.step())
        .saveHook(p -> {
          if (step[0] == 8 && p.equals(phase)) throw new IOException("injected crash at " + p);
        });
    assertThatThrownBy(loop::run).hasMessage("injected crash at " + phase);

    boolean renamed = List.of("after-rename", "after-latest", "prune-renamed").contains(phase);
    Checkpointer.Found found = new Checkpointer(out, 1).findLatest().orElseThrow();
    assertThat(found.state().step()).isEqualTo(renamed ? 8 : 4);
    assertThat(found.dir().resolve("config.json")).exists();
    try (var s = Files.list(out)) {
      assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".tmp-"));
    }
    TrainResult r = resume(out);
    assertThat(r.resumedFrom()).isEqualTo(renamed ? 8 : 4);
  }

  @Test
  void kill9BetweenSavesThenResume() throws Exception {
    Path out = dir.resolve("killed");
    killChildAt(out, "step:6");
    assertThat(out.resolve("child-finished")).doesNotExist();
    assertThat(new Checkpointer(out, 2).findLatest().orElseThrow().state().step()).isEqualTo(4);
    TrainResult r = resume(out);
    assertThat(r.resumedFrom()).isEqualTo(4);
    assertThat(loggedLosses(out)).isEqualTo(referenceLosses);
  }

  @Test
  void kill9DuringASaveLeavesThePreviousCheckpointIntact() throws Exception {
    Path out = dir.resolve("killed-in-save");
    killChildAt(out, "save:params-written:8");
    assertThat(out.resolve(".tmp-step-000008/trainer_state/params.bin")).exists(); // half-written save
    assertThat(out.resolve("step-000008")).doesNotExist();
    Checkpointer.Found f = new Checkpointer(out, 2).findLatest().orElseThrow();
    assertThat(f.dir().getFileName().toString()).isEqualTo("step-000004");
    assertThat(out.resolve(".tmp-step-000008")).doesNotExist(); // removed by findLatest
    assertThat(Files.readString(out.resolve("latest")).strip()).isEqualTo("step-000004");
    TrainResult r = resume(out);
    assertThat(r.resumedFrom()).isEqualTo(4);
  }

  /** Runs {@link ToyTrainMain} in a child JVM ({@link KillHarness}) and SIGKILLs it when it reports PAUSED. */
  private static void killChildAt(Path out, String pauseAt) throws Exception {
    List<String> args = new ArrayList<>(List.of(pauseAt, "optim.lr=0.05", "optim.warmup_ratio=0.2", "optim.weight_decay=0.01",
        "optim.max_grad_norm=5", "max_steps=12", "micro_batch=2", "grad_accum=2", "save_every=4", "keep_last=2",
        "progress=false", "out_dir=" + out));
    KillHarness.kill(KillHarness.Child.of(ToyTrainMain.class, out.getParent(), args).heap("256m"),
        new KillHarness.Trigger.OnLine(KillHarness.PAUSED));
  }
}
