package dev.tulu4j.recipe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.cli.Main;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code data preferences} killed with {@code kill -9} in the middle of judging, then run again: the
 * second run sends exactly the requests the first did not get answered (none of the answered ones,
 * counted by request key at the server), and writes the same pairs as a run that was never killed.
 * Two generators (2 and 1 samples) and the judge all talk to a {@link PreferenceStub}.
 */
@Tag("slow")
class PreferencesKillRerunTest {
  static final int PROMPTS = 6;
  static final int GENERATIONS = PROMPTS * 3; // gen-a 2 samples + gen-b 1
  static final int JUDGE = PROMPTS * 4; // one request per aspect
  static final int ANSWERED_BEFORE_KILL = 10; // judge answers; the rest hang until the kill

  static Path config(Path dir, String base) throws Exception {
    StringBuilder prompts = new StringBuilder();
    for (int i = 0; i < PROMPTS; i++)
      prompts.append("{\"id\":\"q").append(i).append("\",\"messages\":[{\"role\":\"user\",\"content\":\"Question ").append(i).append("?\"}]}\n");
    Files.writeString(dir.resolve("prompts.jsonl"), prompts.toString());
    Path yaml = dir.resolve("p.yaml");
    Files.writeString(yaml, String.join("\n",
        "prompts: [" + dir.resolve("prompts.jsonl") + "]",
        "out: " + dir.resolve("prefs.jsonl"),
        "generators:",
        "  - {name: gen-a, endpoint: '" + base + "', model_name: model-a, samples: 2}",
        "  - {name: gen-b, endpoint: '" + base + "', model_name: model-b, samples: 1}",
        "judge: {kind: llm, endpoint: '" + base + "', model_name: judge, retries: 0, max_in_flight: 4}",
        ""));
    return yaml;
  }

  @Test
  void kill9MidJudgingThenRerunSendsNothingAnsweredAgain(@TempDir Path ref, @TempDir Path dir) throws Exception {
    String reference;
    try (PreferenceStub stub = new PreferenceStub()) {
      assertThat(Main.execute("data", "preferences", "--config", config(ref, stub.base).toString())).isZero();
      assertThat(stub.received).hasSize(GENERATIONS + JUDGE);
      reference = Files.readString(ref.resolve("prefs.jsonl"));
    }
    assertThat(reference.lines().count()).isPositive();

    try (PreferenceStub stub = new PreferenceStub()) {
      Path yaml = config(dir, stub.base);
      stub.hangJudgeAfter = ANSWERED_BEFORE_KILL;
      runChildAndKill(yaml, stub);
      Set<String> answeredBefore = new HashSet<>(stub.answered);
      int receivedBefore = stub.received.size();
      assertThat(answeredBefore).hasSize(GENERATIONS + ANSWERED_BEFORE_KILL);
      assertThat(dir.resolve("prefs.jsonl")).doesNotExist();

      stub.hangJudgeAfter = Integer.MAX_VALUE;
      assertThat(Main.execute("data", "preferences", "--config", yaml.toString())).isZero();
      List<String> rerun = new ArrayList<>(stub.received.subList(receivedBefore, stub.received.size()));
      assertThat(rerun).hasSize(JUDGE - ANSWERED_BEFORE_KILL); // only what the killed run never got back
      assertThat(rerun).doesNotContainAnyElementsOf(answeredBefore);
      assertThat(Files.readString(dir.resolve("prefs.jsonl"))).isEqualTo(reference);
    }
  }

  /** Runs {@code data preferences} in a child JVM and SIGKILLs it once the stub has answered all it will. */
  private static void runChildAndKill(Path yaml, PreferenceStub stub) throws Exception {
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(javaBin, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Xmx256m", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
        "data", "preferences", "--config", yaml.toString()).redirectErrorStream(true).start();
    List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());
    Thread reader = Thread.ofVirtual().start(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) seen.add(line);
      } catch (java.io.IOException ignored) {
        // the process is gone
      }
    });
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (stub.judgeAnswered.get() < ANSWERED_BEFORE_KILL) {
        assertThat(p.isAlive()).as("child exited early: %s", seen).isTrue();
        assertThat(System.nanoTime()).as("child too slow: %s", seen).isLessThan(deadline);
        Thread.sleep(20);
      }
      Thread.sleep(1000); // the answered requests reach the child's request cache (one flushed write each)
      p.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks, no finally blocks
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as("child output %s", seen).isEqualTo(137); // 128 + SIGKILL
    } finally {
      if (p.isAlive()) p.destroyForcibly();
      reader.join(5000);
    }
  }
}
