package dev.tulu4j.reliability;

import dev.tulu4j.cli.Main;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * Issue 19 part 3, kill -9 anywhere, lose nothing: every training stage (SFT, DPO, reward, GRPO, PPO)
 * and the pipeline, run through the real command line in child JVMs, SIGKILLed at random moments
 * (half of them inside a checkpoint save) and restarted until done ({@link KillCampaign}); the resumed
 * run's checkpoints equal an uninterrupted run's file by file, and no kill ever leaves a visible
 * half-written checkpoint folder.
 *
 * <p>Kills per stage: {@code -Dtulu4j.kills} (default 2; {@code ./mvnw -B verify -Preliability} sets
 * 20); seed {@code -Dtulu4j.kill.seed} (default 19); {@code -Dtulu4j.kill.stages=sft,ppo} runs some
 * stages only. The tally is printed and written to
 * {@code target/kill-tally.md}.
 */
@Tag("slow")
class KillResumeTest {
  static final List<String> STAGES = KillFixtures.STAGES.stream()
      .filter(s -> System.getProperty("tulu4j.kill.stages", "").isEmpty()
          || List.of(System.getProperty("tulu4j.kill.stages").split(",")).contains(s))
      .toList();
  static final int KILLS = Integer.getInteger("tulu4j.kills", 2);
  static final long SEED = Long.getLong("tulu4j.kill.seed", 19);
  static final List<KillCampaign.Row> TALLY = new ArrayList<>();
  static Path root;
  static KillFixtures fixtures;

  @BeforeAll
  static void fixtures() throws Exception {
    root = Files.createTempDirectory("tulu4j-kill");
    fixtures = KillFixtures.build(root.resolve("fixtures"));
  }

  @ParameterizedTest
  @FieldSource("STAGES")
  void killedAtRandomMomentsThenResumedEqualsTheUninterruptedRun(String stage) throws Exception {
    List<String> cmd = fixtures.command(stage);
    KillCampaign c = new KillCampaign(stage, root.resolve(stage),
        dir -> KillHarness.Child.of(Main.class, dir, cmd), SEED * 31 + STAGES.indexOf(stage));
    c.runAndCheck(KILLS, TALLY);
  }

  @AfterAll
  static void tally() throws Exception {
    StringBuilder t = new StringBuilder(String.format("kill -9 tally (seed %d, %d kills per stage)%n%n", SEED, KILLS));
    t.append(KillCampaign.table(TALLY));
    System.out.println(t);
    Files.createDirectories(Path.of("target"));
    Files.writeString(Path.of("target/kill-tally.md"), t);
    if (root != null && TALLY.stream().allMatch(r -> r.problems().isEmpty())) dev.tulu4j.io.FileOps.deleteTree(root);
  }
}
