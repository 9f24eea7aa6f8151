package dev.tulu4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tulu4j.io.DType;
import dev.tulu4j.runtime.TinyCheckpoint;
import dev.tulu4j.serve.LoadDriver;
import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tulu4j bench serve} on the tiny model: one row per level, zero errors; the driver refuses non-loopback hosts. */
class ServeBenchCommandTest {

  @Test
  void reportsEachLevelWithoutErrors(@TempDir Path dir) {
    Path ck = TinyCheckpoint.write(dir, "ck", false, DType.F32, false);
    CliRun r = CliRun.of("bench", "serve", "--model", ck.toString(), "--threads", "1", "--clients", "1,4", "--requests", "6",
        "--max-tokens", "4", "--seconds", "60");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("req/s", "p99 ms");
    assertThat(r.out().lines().filter(l -> l.matches("\\s+[14]\\s+6\\s+0\\s.*"))).hasSize(2);
  }

  @Test
  void refusesAnythingButLoopback() {
    assertThatThrownBy(() -> LoadDriver.requireLoopback(URI.create("http://10.1.2.3:8000")))
        .hasMessageContaining("only targets loopback");
    LoadDriver.requireLoopback(URI.create("http://127.0.0.1:8000"));
  }
}
