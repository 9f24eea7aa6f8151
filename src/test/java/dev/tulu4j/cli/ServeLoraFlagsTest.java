package dev.tulu4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.io.DType;
import dev.tulu4j.runtime.TinyCheckpoint;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tulu4j serve}'s LoRA and log-prob flags refuse bad values with a clear message and a non-zero exit. */
class ServeLoraFlagsTest {
  @Test
  void badLoraAndLogprobFlagsFailBeforeServing(@TempDir Path dir) {
    Path ck = TinyCheckpoint.write(dir, "ck", false, DType.F32, false);
    CliRun noEnable = CliRun.of("serve", "--model", ck.toString(), "--port", "0", "--lora-modules", "a=" + dir);
    assertThat(noEnable.code()).isNotZero();
    assertThat(noEnable.err()).contains("--enable-lora").doesNotContain("\tat ");
    CliRun badSyntax = CliRun.of("serve", "--model", ck.toString(), "--port", "0", "--enable-lora", "--lora-modules", "nopath");
    assertThat(badSyntax.code()).isNotZero();
    assertThat(badSyntax.err()).contains("NAME=PATH");
    CliRun missing = CliRun.of("serve", "--model", ck.toString(), "--port", "0", "--enable-lora", "--lora-modules",
        "a=" + dir.resolve("none"));
    assertThat(missing.code()).isNotZero();
    assertThat(missing.err()).contains("--lora-modules a=").contains("No adapter found");
    CliRun mode = CliRun.of("serve", "--model", ck.toString(), "--port", "0", "--logprobs-mode", "raw");
    assertThat(mode.code()).isNotZero();
    assertThat(mode.err()).contains("--logprobs-mode");
  }
}
