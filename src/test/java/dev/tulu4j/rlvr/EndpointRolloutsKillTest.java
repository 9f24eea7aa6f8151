package dev.tulu4j.rlvr;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.reliability.KillHarness;
import dev.tulu4j.train.Checkpointer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of a trainer whose rollouts run on a server ({@link RolloutEngineDouble} in this JVM,
 * which keeps running): the child is killed after step 3 (checkpoint of step 2 on disk), a fresh child
 * resumes, re-syncs (the server still holds the killed run's adapter under the same name: unloaded and
 * loaded again), takes step 3's rollouts from the request cache, and ends with the adapter of an
 * uninterrupted run; the server saw only steps 4..6's requests from the resumed child.
 */
@Tag("slow")
class EndpointRolloutsKillTest {
  @TempDir Path dir;

  private static final String[] RUN = {"algorithm=grpo", "train.optim.lr=2e-2", "train.optim.schedule=constant",
      "beta=0.01", "ppo_epochs=2", "minibatches=2", "lora.r=4", "lora.alpha=8", "train.max_steps=6",
      "train.save_every=2", "train.keep_last=5"};

  private static List<String> child(Path out, String pauseAt, String url) throws Exception {
    List<String> args = new ArrayList<>(List.of(pauseAt, out.toString(), url));
    args.addAll(List.of(RUN));
    KillHarness.Child c = KillHarness.Child.of(EndpointTrainMain.class, out.getParent(), args).heap("256m");
    return pauseAt.equals("none") ? KillHarness.runToEnd(c).lines()
        : KillHarness.kill(c, new KillHarness.Trigger.OnLine(KillHarness.PAUSED)).lines();
  }

  private static String line(List<String> out, String prefix) {
    return out.stream().filter(l -> l.startsWith(prefix)).findFirst()
        .orElseThrow(() -> new AssertionError("no '" + prefix + "' line in " + out)).substring(prefix.length());
  }

  @Test
  void kill9OfTheTrainerThenRestartResumesWithoutResendingAndEndsBitIdentical() throws Exception {
    try (RolloutEngineDouble server = new RolloutEngineDouble(EndpointRolloutsTest.scaledBase(), "toy")) {
      List<String> want = child(dir.resolve("ref"), "none", server.url());
      assertThat(server.completions.get()).isEqualTo(6 * 32);

      Path out = dir.resolve("killed");
      child(out, "step:3", server.url());
      assertThat(new Checkpointer(out, 5).findLatest().orElseThrow().state().step()).isEqualTo(2);
      int before = server.completions.get();
      List<String> resumed = child(out, "none", server.url());
      assertThat(server.completions.get() - before).as("completions sent by the resumed trainer").isEqualTo(3 * 32);
      assertThat(line(resumed, "USAGE ")).startsWith("96 answered, 32 from cache");
      assertThat(line(resumed, "HASH ")).isEqualTo(line(want, "HASH "));
    }
  }
}
