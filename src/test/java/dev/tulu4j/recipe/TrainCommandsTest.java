package dev.tulu4j.recipe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.cli.CliRun;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tulu4j pretrain} / {@code sft} through the CLI on the micro fixtures. */
class TrainCommandsTest {
  @TempDir static Path in;
  @TempDir Path dir;

  @BeforeAll
  static void inputs() throws Exception {
    MicroRun.writeInputs(in);
  }

  static CliRun run(String... args) {
    return CliRun.of(args);
  }

  @Test
  void pretrainThenSftThenEvalFromTheCommandLine() {
    List<String> a = new ArrayList<>(List.of("pretrain"));
    a.addAll(MicroRun.MICRO);
    a.addAll(List.of("corpus=" + in.resolve("corpus.txt"), "max_seq_length=64", "train.max_steps=2",
        "train.micro_batch=2", "train.out_dir=" + dir.resolve("base")));
    CliRun p = run(a.toArray(String[]::new));
    assertThat(p.code()).as(p.err()).isZero();
    assertThat(p.out()).startsWith("pretrain: 2/2 steps (2 in this run, resumed from 0), final loss ")
        .contains("model: " + dir.resolve("base/step-000002"));
    assertThat(p.err()).contains("pretrain data: 24 documents");

    CliRun s = run("sft", "model.from=" + dir.resolve("base"), "data=" + in.resolve("sft.jsonl"), "max_seq_length=64",
        "save_dtype=f32", "train.max_steps=2", "train.micro_batch=4", "train.progress=false",
        "train.out_dir=" + dir.resolve("sft"));
    assertThat(s.code()).as(s.err()).isZero();
    assertThat(s.out()).startsWith("sft: 2/2 steps");
    assertThat(s.err()).contains("sft data: 24 conversations, 23 kept (1 truncated to 64 tokens), 1 dropped");
  }

  @Test
  void badConfigsAreOneLineErrors() {
    CliRun r = run("sft", "data=" + in.resolve("missing.jsonl"), "model.from=" + in.resolve("nowhere"));
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err().strip()).startsWith("error: ").contains("nowhere").doesNotContain("\n");
    CliRun k = run("pretrain", "corpus=c.txt", "train.optim.lrr=1");
    assertThat(k.code()).isEqualTo(1);
    assertThat(k.err()).contains("unknown key 'train.optim.lrr'; did you mean 'train.optim.lr'?");
  }

  @Test
  void helpConfigListsTheKeys() {
    CliRun r = run("sft", "--help-config");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("max_seq_length").contains("packing").contains("train.optim.lr").contains("template");
  }
}
