package dev.tulu4j.recipe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.checkpoint.HfCheckpoint;
import dev.tulu4j.reliability.KillHarness;
import dev.tulu4j.train.Checkpointer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SFT resume after {@code kill -9}: 2N = 6 steps straight equal N = 3 steps, a SIGKILLed child JVM,
 * and a resumed run (identical weight hashes); a kill inside a save leaves the previous checkpoint
 * loadable as a Hugging Face folder.
 *
 * <p>Every run is a child JVM with the default JIT (tiered, C2): the resumed process computes
 * interpreted/C1 what the uninterrupted one computed in C2, and still matches bit for bit, because no
 * kernel depends on the JIT tier (fixed-order horizontal sums {@code VectorMath.sum} and the
 * add/mul/fma-only {@code VectorExp}; issue #3, tested kernel by kernel in {@code JitTierDeterminismTest}).
 */
@Tag("slow")
class SftResumeAfterKillTest {
  @TempDir static Path in;
  @TempDir static Path ref;
  @TempDir Path dir;
  static String referenceHash;
  static String referenceLosses;
  static final String[] RUN = {"train.max_steps=6", "train.save_every=3", "train.keep_last=2"};

  @BeforeAll
  static void uninterrupted() throws Exception {
    MicroRun.writeInputs(in);
    List<String> out = runChild(ref.resolve("run"), "none");
    referenceHash = line(out, "HASH ");
    referenceLosses = line(out, "LOSSES ");
  }

  @Test
  void kill9AfterNStepsThenResumeEqualsTheUninterruptedRun() throws Exception {
    Path out = dir.resolve("killed");
    runChild(out, "step:4"); // step 4 computed, step-000003 saved: the kill loses step 4
    assertThat(new Checkpointer(out, 2).findLatest().orElseThrow().state().step()).isEqualTo(3);
    List<String> resumed = runChild(out, "none");
    assertThat(line(resumed, "HASH ")).isEqualTo(referenceHash);
    // the resumed process ran steps 4..6 with exactly the reference's losses
    String all = referenceLosses.substring(1, referenceLosses.length() - 1);
    String last3 = String.join(", ", java.util.Arrays.asList(all.split(", ")).subList(3, 6));
    assertThat(line(resumed, "LOSSES ")).isEqualTo("[" + last3 + "]");
  }

  @Test
  void kill9DuringASaveLeavesThePreviousCheckpointLoadable() throws Exception {
    Path out = dir.resolve("killed-in-save");
    runChild(out, "save:params-written:6");
    assertThat(out.resolve("step-000006")).doesNotExist();
    Path prev = out.resolve("step-000003");
    assertThat(HfCheckpoint.load(prev).tensors()).containsKey("model.embed_tokens.weight"); // loads as an HF folder
    assertThat(new Checkpointer(out, 2).findLatest().orElseThrow().dir()).isEqualTo(prev);
    assertThat(line(runChild(out, "none"), "HASH ")).isEqualTo(referenceHash);
  }

  private static String line(List<String> out, String prefix) {
    return out.stream().filter(l -> l.startsWith(prefix)).findFirst()
        .orElseThrow(() -> new AssertionError("no '" + prefix + "' line in child output " + out))
        .substring(prefix.length());
  }

  /**
   * Runs {@link SftTrainMain} in a child JVM ({@link KillHarness}); SIGKILLs it when it prints PAUSED, or
   * (pauseAt {@code none}) waits for it to finish. Returns its output lines.
   */
  private static List<String> runChild(Path out, String pauseAt) throws Exception {
    List<String> args = new ArrayList<>(List.of(pauseAt, in.toString(), out.toString()));
    args.addAll(List.of(RUN));
    KillHarness.Child c = KillHarness.Child.of(SftTrainMain.class, out.getParent(), args).heap("256m");
    if (pauseAt.equals("none")) return KillHarness.runToEnd(c).lines();
    List<String> seen = KillHarness.kill(c, new KillHarness.Trigger.OnLine(KillHarness.PAUSED)).lines();
    assertThat(Files.exists(out.resolve("metrics.jsonl"))).isTrue();
    return seen;
  }
}
