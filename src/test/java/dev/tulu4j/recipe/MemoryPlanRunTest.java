package dev.tulu4j.recipe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.cli.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The memory plan printed at the start of a run, and a run that cannot fit stopping before it starts. */
class MemoryPlanRunTest {
  @TempDir static Path in;
  @TempDir Path dir;

  @BeforeAll
  static void inputs() throws Exception {
    MicroRun.writeInputs(in);
  }

  private static List<String> sft(Path out, String... more) {
    List<String> a = new ArrayList<>(List.of("sft"));
    a.addAll(MicroRun.MICRO);
    a.addAll(List.of("tokenizer=" + in.resolve("tokenizer"), "data=" + in.resolve("sft.jsonl"), "max_seq_length=64",
        "train.max_steps=1", "train.micro_batch=4", "train.out_dir=" + out));
    a.addAll(List.of(more));
    return a;
  }

  @Test
  void aFittingRunPrintsItsPlanAndTrains() {
    CliRun r = CliRun.of(sft(dir.resolve("ok"), "train.activation_checkpointing=true").toArray(String[]::new));
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.err()).contains("memory plan (sft): policy weights ")
        .contains("policy activations ").contains("(256 tokens, checkpointed)").contains(" GiB peak of ").contains(" GiB usable heap");
  }

  @Test
  void aRunThatCannotFitStopsBeforeTrainingWithTheKnobs() throws Exception {
    // a "tiny" model of 8.6 billion weights: 16 bytes each for weights, gradients and AdamW is ~128 GiB
    Path out = dir.resolve("big");
    CliRun r = CliRun.of(sft(out, "model.hidden=8192", "model.intermediate=32768", "model.layers=8", "model.heads=64")
        .toArray(String[]::new));
    assertThat(r.code()).isEqualTo(1);
    String error = r.err().lines().filter(l -> l.startsWith("error: ")).findFirst().orElseThrow();
    assertThat(error).startsWith("error: the sft run needs about ").contains("GiB of heap but the JVM can hold ")
        .contains("lora").contains("train.activation_checkpointing=true").contains("train.micro_batch")
        .contains("max_seq_length").contains("TULU4J_JAVA_OPTS=-Xmx");
    assertThat(r.err()).doesNotContain("\tat ").doesNotContain("Exception");
    // nothing was trained or saved
    try (var files = Files.list(out)) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("step-"));
    }
  }
}
