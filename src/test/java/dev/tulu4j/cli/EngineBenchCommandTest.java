package dev.tulu4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tulu4j.model.LlamaConfig;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.runtime.EngineBench;
import java.nio.file.Path;
import org.assertj.core.data.Offset;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench train|prefill|decode|all} on a small override of the tiny shape: rows, units and derived numbers. */
class EngineBenchCommandTest {

  @Test
  void allWritesConsistentRows(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("b.json");
    int rc = Main.execute("bench", "all", "--shape", "tiny", "--batch", "2", "--seq", "16", "--steps", "1", "--warmup", "0",
        "--decode-batches", "1,2", "--prompt-len", "4", "--new-tokens", "3", "--gemm", "vector", "--threads", "1",
        "--bandwidth-mib", "16", "--json", json.toString());
    assertThat(rc).isZero();
    JsonNode doc = new ObjectMapper().readTree(json.toFile());
    assertThat(doc.get("readBandwidthGBs").asDouble()).isPositive();
    assertThat(doc.get("heap").asText()).startsWith("heap ").contains(" GiB max, collectors ").contains("transparent huge pages ");
    JsonNode rows = doc.get("results");
    assertThat(rows).hasSize(4);
    assertThat(rows.get(0).get("bench").asText()).isEqualTo("decode");
    assertThat(rows.get(1).get("batch").asInt()).isEqualTo(2);
    JsonNode dec = rows.get(1);
    assertThat(dec.get("tokensPerSecond").asDouble()).isCloseTo(2 * 2 / dec.get("medianSeconds").asDouble(), Percentage.withPercentage(1e-6));
    assertThat(dec.get("floorTokensPerSecond").asDouble())
        .isCloseTo(2 * doc.get("readBandwidthGBs").asDouble() * 1e9 / EngineBench.decodeWeightBytes(LlamaConfig.tiny()), Percentage.withPercentage(1e-6));
    double cpuMs = dec.get("cpuMsPerStep").asDouble(); // 0 when the run was shorter than a CPU-clock tick
    assertThat(cpuMs).isGreaterThanOrEqualTo(0);
    if (cpuMs > 0) assertThat(dec.get("tokensPerCpuSecond").asDouble()).isCloseTo(2 * 1000 / cpuMs, Percentage.withPercentage(1e-6));
    assertThat(dec.get("othersCpuShare").asDouble()).isBetween(-1.0, 1.0);
    // --warmup 0: decode still makes one untimed call, the others none; no steady-state phase
    assertThat(dec.get("warmupReps").asInt()).isEqualTo(1);
    assertThat(dec.get("warmupSteady").asBoolean()).isFalse();
    assertThat(rows.get(3).get("warmupReps").asInt()).isZero();
    JsonNode pre = rows.get(2);
    assertThat(pre.get("bench").asText()).isEqualTo("prefill");
    assertThat(pre.get("tokensPerSecond").asDouble()).isCloseTo(32 / pre.get("medianSeconds").asDouble(), Percentage.withPercentage(1e-6));
    JsonNode tr = rows.get(3);
    assertThat(tr.get("bench").asText()).isEqualTo("train");
    double fpt = LlamaConfig.tiny().trainingFlopsPerToken(16);
    assertThat(tr.get("flopsPerToken").asDouble()).isEqualTo(fpt);
    // default peak: the detected CPU's (or the marked Zen 5 assumption) for the one thread asked for
    assertThat(doc.get("peakGflops").asDouble()).isEqualTo(dev.tulu4j.tensor.CpuInfo.detect().assumedPeak(1).gflops());
    assertThat(doc.get("fmaNowGflops").asDouble()).isPositive();
    assertThat(doc.get("cpu").get("modelName").asText()).isEqualTo(dev.tulu4j.tensor.CpuInfo.detect().modelName());
    assertThat(tr.get("mfu").asDouble()).isCloseTo(tr.get("gflops").asDouble() / doc.get("peakGflops").asDouble(), Offset.offset(1e-12));
    assertThat(tr.get("gflops").asDouble()).isCloseTo(32 / tr.get("medianSeconds").asDouble() * fpt / 1e9, Percentage.withPercentage(1e-6));
    // collection time inside the timed part: present on every row, never more than that part's wall time
    for (JsonNode row : rows) {
      double timed = row.get("medianSeconds").asDouble(); // --steps 1: one timed repetition per row
      assertThat(row.get("gcSeconds").asDouble()).as(row.toString()).isBetween(0.0, timed + 0.01);
    }
  }

  /**
   * {@code --gemm auto} times whole calls of each workload on both backends before running it and
   * records the measurements, the OpenBLAS kernels, and which backend ran each row.
   */
  @Test
  void autoMeasuresEachWorkloadBeforeItRuns(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("auto.json");
    // 4 x 32 = 128 rows: the tiny shape's products are large enough to be routed
    CliRun r = CliRun.of("bench", "all", "--shape", "tiny", "--batch", "4", "--seq", "32", "--steps", "1", "--warmup", "0",
        "--decode-batches", "2", "--prompt-len", "4", "--new-tokens", "3", "--gemm", "auto", "--threads", "1",
        "--bandwidth-mib", "16", "--json", json.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("gemm auto: tiny decode b2 (prompt 4 + 3 new): vector ")
        .contains("gemm auto: tiny prefill B4 x T32: vector ").contains("gemm auto: tiny train forward+backward B4 x T32: vector ")
        .contains("openblas kernels: ");
    JsonNode doc = new ObjectMapper().readTree(json.toFile());
    assertThat(doc.get("gemmAutoMeasurements")).hasSize(3);
    assertThat(doc.get("openblasConfig").asText()).startsWith("OpenBLAS ").contains(doc.get("openblasCore").asText());
    for (JsonNode row : doc.get("results"))
      assertThat(row.get("gemmBackend").asText()).isIn("vector", "vector+openblas/" + doc.get("openblasCore").asText());
  }

  /** --gemm-profile prints a per-shape table after the workload, attention blocks included; --peak is used as given. */
  @Test
  void gemmProfilePrintsTheShapes() {
    CliRun r = CliRun.of("bench", "train", "--shape", "tiny", "--batch", "1", "--seq", "16", "--steps", "1", "--warmup", "0",
        "--gemm", "vector", "--threads", "1", "--peak", "100", "--gemm-profile");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("MFU peak 100 GFLOP/s (--peak)").contains("gemm profile, tiny train")
        .contains("NT    16x  768x  256") // the QKV projection, x·Wᵀ
        .contains("NN*   16x   16x   32") // an attention block's scores, Q·(Kᵀ) on the transposed keys, B in place (head dim 32)
        .contains("(first call "); // each shape's first call apart (JIT warm-up)
  }

  /** The peer script's weights per batch-1 decode step for the 135M shape: 538 MB of fp32 (STACK.md). */
  @Test
  void decodeWeightBytesMatchThePeersCount() {
    assertThat(EngineBench.decodeWeightBytes(LlamaConfig.smollm2_135m()) / 1e6).isCloseTo(538, Offset.offset(1.0));
  }

  /** --weights-dtype fp32,bf16 alternates both dtypes per round, counts bf16 matrices at 2 bytes and prints the ratio. */
  @Test
  void decodeAlternatesWeightDtypes(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("d.json");
    CliRun r = CliRun.of("bench", "decode", "--shape", "tiny", "--steps", "1", "--warmup", "0", "--decode-batches", "1",
        "--prompt-len", "4", "--new-tokens", "3", "--gemm", "vector", "--threads", "1", "--bandwidth-mib", "16",
        "--weights-dtype", "fp32,bf16", "--rounds", "2", "--json", json.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("bf16/fp32 speed per round:");
    JsonNode rows = new ObjectMapper().readTree(json.toFile()).get("results");
    assertThat(rows).hasSize(4);
    String[] order = {"fp32", "bf16", "fp32", "bf16"};
    for (int i = 0; i < 4; i++) {
      assertThat(rows.get(i).get("weightsDtype").asText()).isEqualTo(order[i]);
      assertThat(rows.get(i).get("round").asInt()).isEqualTo(i / 2);
    }
    LlamaModel m = LlamaModel.random(LlamaConfig.tiny(), 0, new dev.tulu4j.tensor.NaiveGemm());
    long fp32 = EngineBench.decodeWeightBytes(m);
    assertThat(fp32).isEqualTo(EngineBench.decodeWeightBytes(LlamaConfig.tiny()));
    assertThat(rows.get(0).get("weightBytesPerStep").asLong()).isEqualTo(fp32);
    long vectors = 0;
    for (var p : m.parameters()) if (p.shape().length == 1) vectors += p.numel();
    assertThat(rows.get(1).get("weightBytesPerStep").asLong()).isEqualTo((fp32 - 4 * vectors) / 2 + 4 * vectors);
    assertThat(Main.execute("bench", "decode", "--shape", "tiny", "--weights-dtype", "auto")).isNotZero();
  }

  /**
   * --lora times the full and the LoRA step of the same weights alternately, prints each round's
   * ratio and the median, and the LoRA step trains only the adapter (its loss starts where the full
   * model's did: a fresh adapter changes nothing).
   */
  @Test
  void trainWithLoraAlternatesFullAndLoraSteps(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("t.json");
    CliRun r = CliRun.of("bench", "train", "--shape", "tiny", "--batch", "1", "--seq", "16", "--steps", "1", "--warmup", "0",
        "--gemm", "vector", "--threads", "1", "--rounds", "2", "--lora", "r=8,alpha=16,targets=q_proj:v_proj",
        "--json", json.toString());
    assertThat(r.code()).as(r.err()).isZero();
    LlamaConfig c = LlamaConfig.tiny();
    long perLayer = 8L * (c.hidden() + c.qDim()) + 8L * (c.hidden() + c.kvDim());
    assertThat(r.out()).contains("lora: r 8, alpha 16, targets [q_proj, v_proj]")
        .contains(String.format(java.util.Locale.ROOT, "%.2fM trainable", perLayer * c.layers() / 1e6))
        .contains("lora/full step time per round: [").contains("median");
    JsonNode rows = new ObjectMapper().readTree(json.toFile()).get("results");
    assertThat(rows).hasSize(4);
    String[] mode = {"full", "lora", "full", "lora"};
    for (int i = 0; i < 4; i++) {
      assertThat(rows.get(i).get("mode").asText()).isEqualTo(mode[i]);
      assertThat(rows.get(i).get("round").asInt()).isEqualTo(i / 2);
    }
    assertThat(rows.get(1).get("loraOverFull").asDouble())
        .isCloseTo(rows.get(1).get("medianSeconds").asDouble() / rows.get(0).get("medianSeconds").asDouble(), Offset.offset(1e-12));
    assertThat(Main.execute("bench", "train", "--shape", "tiny", "--lora", "alpha=8")).isNotZero();
    assertThat(Main.execute("bench", "train", "--shape", "tiny", "--lora", "r=4,targets=qkv")).isNotZero();
    assertThat(EngineBenchCommands.Common.parseLora("r=4,dropout=0.1,rslora").useRslora()).isTrue();
  }

  @Test
  void badShapeFails() {
    assertThat(Main.execute("bench", "train", "--shape", "huge")).isEqualTo(1);
  }
}
