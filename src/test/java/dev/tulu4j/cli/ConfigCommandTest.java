package dev.tulu4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigCommandTest {
  @TempDir Path dir;

  private static CliRun run(String... args) {
    return CliRun.of(args);
  }

  @Test
  void printsKeyTable() {
    CliRun r = run("config", "train");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("optim.warmup_ratio").contains("0.03").contains("loss_reduction");
    assertThat(run("config", "train", "--markdown").out()).startsWith("| key | type | default | description |");
  }

  @Test
  void checksAFileWithOverrides() throws Exception {
    Path f = dir.resolve("t.yaml");
    Files.writeString(f, "optim:\n  lr: 1e-4\n");
    CliRun r = run("config", "train", "--check", f.toString(), "grad_accum=16");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("  lr: 1.0E-4").contains("grad_accum: 16").contains("# config_hash: ");
    Files.writeString(f, "optim:\n  lr: 1e-4\n  betas: 0.9\n");
    CliRun bad = run("config", "train", "--check", f.toString());
    assertThat(bad.code()).isEqualTo(1);
    assertThat(bad.err()).startsWith("error: " + f + ":2 (section 'optim'): optim.betas must be two numbers");
    assertThat(run("config", "nope").err()).contains("unknown config section 'nope'; known: train");
  }
}
