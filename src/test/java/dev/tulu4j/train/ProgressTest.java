package dev.tulu4j.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Progress without a terminal: plain lines every 5 s and at the end, never a carriage return. */
class ProgressTest {
  private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
  private final AtomicLong now = new AtomicLong(1_000_000_000L);

  @AfterEach
  void forgetTheResolvedStyle() {
    Progress.resolve(null);
  }

  private String text() {
    return buf.toString(StandardCharsets.UTF_8);
  }

  @Test
  void linesEveryFiveSecondsAndOneAtTheEnd() {
    try (Progress p = new Progress("train", "steps", Progress.Style.LINES, out, 0, 100, now::get)) {
      for (int step = 1; step <= 12; step++) { // one step per second
        now.addAndGet(1_000_000_000L);
        p.update(step, String.format(" loss %.4f lr %.2e", 2.0 / step, 3e-4));
      }
    }
    String[] lines = text().split("\n");
    assertThat(text()).doesNotContain("\r");
    assertThat(lines).hasSize(3); // at 5 s, at 10 s, at close (step 12)
    assertThat(lines[0]).isEqualTo("[train] 5/100 steps (5%), 1.0 steps/s, ETA 1m35s, 5s elapsed, loss 0.4000 lr 3.00e-04");
    assertThat(lines[1]).startsWith("[train] 10/100 steps (10%)");
    assertThat(lines[2]).startsWith("[train] 12/100 steps (12%), 1.0 steps/s, ETA 1m28s, 12s elapsed, loss 0.1667");
  }

  @Test
  void noRepeatedFinalLineWhenTheLastLineShowedTheEnd() {
    try (Progress p = new Progress("generate", "responses", Progress.Style.LINES, out, 0, 10, now::get)) {
      now.addAndGet(6_000_000_000L);
      p.update(10, "640 tokens, 107 tok/s");
    }
    assertThat(text()).isEqualTo("[generate] 10/10 responses (100%), 1.7 responses/s, 6s elapsed, 640 tokens, 107 tok/s\n");
  }

  @Test
  void aResumedRunCountsItsRateFromTheResumedStep() {
    try (Progress p = new Progress("rlvr", "steps", Progress.Style.LINES, out, 40, 50, now::get)) {
      now.addAndGet(5_000_000_000L);
      p.update(50, "");
    }
    assertThat(text()).isEqualTo("[rlvr] 50/50 steps (100%), 2.0 steps/s, 5s elapsed\n");
  }

  @Test
  void offPrintsNothingAndBarRedraws() {
    try (Progress p = new Progress("train", "steps", Progress.Style.OFF, out, 0, 10, now::get)) {
      p.update(5, "");
    }
    assertThat(text()).isEmpty();
    try (Progress p = new Progress("train", "steps", Progress.Style.BAR, out, 0, 10, now::get)) {
      p.update(5, "");
    }
    assertThat(text()).contains("\r").contains("5/10");
  }

  @Test
  void anyOtherStreamThanStderrGetsLines() {
    Progress.resolve(Progress.Style.BAR);
    try (Progress p = Progress.to(out, "generate", "responses", 0, 3)) {
      p.update(3, "");
    }
    assertThat(text()).startsWith("[generate] 3/3 responses (100%)").doesNotContain("\r");
  }

  @Test
  void surefiresStderrIsNotATerminal() {
    // surefire forks the test JVM with stderr on a pipe, as a pipeline log or CI would have it
    assertThat(Progress.stderrIsTerminal()).isFalse();
    assertThat(Progress.Style.detect()).isEqualTo(Progress.Style.LINES);
  }

  @Test
  void theCliResolvesTheStyleOnce() {
    assertThat(Main.execute("--progress", "off", "-V")).isZero();
    assertThat(Progress.style()).isEqualTo(Progress.Style.OFF);
    assertThat(Main.execute("verify", "--progress=bar", "--help")).isZero(); // on a subcommand too
    assertThat(Progress.style()).isEqualTo(Progress.Style.BAR);
    assertThat(Main.execute("--progress", "auto", "-V")).isZero();
    assertThat(Progress.style()).isEqualTo(Progress.Style.LINES); // surefire's stderr is a pipe
    assertThat(Main.execute("--progress", "sideways", "-V")).isEqualTo(2);
  }
}
