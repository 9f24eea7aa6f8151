package dev.tulu4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchCommandTest {

  @Test
  void gemmBenchWritesJsonForEveryShapeAndBackend(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("gemm.json");
    int rc = Main.execute("bench", "gemm", "--size", "64,33x17x9", "--backend", "all", "--threads", "2",
        "--reps", "3", "--warmup-seconds", "0", "--trans", "NT", "--json", json.toString());
    assertThat(rc).isZero();
    JsonNode doc = new ObjectMapper().readTree(json.toFile());
    assertThat(doc.get("threads").asInt()).isEqualTo(2);
    // the CPU the figures came from, and the peak the utilisation column divides by
    dev.tulu4j.tensor.CpuInfo cpu = dev.tulu4j.tensor.CpuInfo.detect();
    assertThat(doc.get("cpu").get("modelName").asText()).isEqualTo(cpu.modelName());
    assertThat(doc.get("cpu").get("family").asInt()).isEqualTo(cpu.family());
    assertThat(doc.get("peakGflops").asDouble()).isEqualTo(cpu.assumedPeak(2).gflops());
    assertThat(doc.get("peakSource").asText()).isEqualTo(cpu.assumedPeak(2).source());
    assertThat(doc.get("fmaNowGflops").asDouble()).isPositive(); // the FMA loop measured during this run
    // which OpenBLAS kernels ran (openblas_get_corename / openblas_get_config) and the variables that steer them
    String core = doc.get("openblasCore").asText();
    assertThat(core).isNotBlank();
    assertThat(doc.get("openblasConfig").asText()).startsWith("OpenBLAS ").contains(core);
    assertThat(doc.get("openblasEnv").asText()).contains("OPENBLAS_CORETYPE=").contains("OPENBLAS_L2_SIZE=");
    JsonNode rows = doc.get("results");
    assertThat(rows).hasSize(4);
    assertThat(rows.get(0).get("backend").asText()).isEqualTo("vector");
    assertThat(rows.get(1).get("backend").asText()).isEqualTo("openblas");
    assertThat(rows.get(2).get("m").asInt()).isEqualTo(33);
    for (JsonNode r : rows) {
      assertThat(r.get("medianGflops").asDouble()).isPositive();
    }
  }

  @Test
  void textOutputNamesTheCpuAndAGivenPeak() {
    CliRun r = CliRun.of("bench", "gemm", "--size", "8", "--backend", "vector", "--threads", "1", "--reps", "1",
        "--warmup-seconds", "0", "--peak", "100");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("cpu: " + dev.tulu4j.tensor.CpuInfo.detect().describe() + "; peak 100 GFLOP/s (--peak)");
  }

  @Test
  void badOptionsFail() {
    assertThat(Main.execute("bench", "gemm", "--size", "12x3")).isNotZero();
    assertThat(Main.execute("bench", "gemm", "--backend", "mkl", "--size", "8")).isNotZero();
    assertThat(Main.execute("bench", "gemm", "--trans", "XY", "--size", "8")).isNotZero();
  }
}
