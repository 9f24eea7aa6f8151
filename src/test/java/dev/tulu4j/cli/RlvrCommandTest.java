package dev.tulu4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.checkpoint.HfCheckpoint;
import dev.tulu4j.model.LlamaConfig;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.tensor.NaiveGemm;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tulu4j rlvr} end to end on a micro model with the real Llama 3.1 tokenizer and GSM8K-style
 * rows: checkpoints are HF folders, and a run killed after step 1 resumes to the same weights as the
 * uninterrupted run (bit for bit).
 */
@Tag("slow")
class RlvrCommandTest {
  @TempDir static Path dir;
  static Path model;
  static Path data;

  @BeforeAll
  static void setUp() throws Exception {
    LlamaConfig c = new LlamaConfig(LlamaConfig.Architecture.LLAMA, 128256, 16, 32, 1, 2, 2, 8, 1e-5, 500000.0,
        null, 512, false, false, 128000, List.of(128001));
    LlamaModel m = LlamaModel.random(c, 1, new NaiveGemm());
    // Make EOS likely (≈ 0.2 per step) so that some responses end with EOS (score 0) and others run
    // out of length (non-EOS penalty −10): groups then have reward spread and GRPO updates. Every
    // embedding gets a large constant channel 0, so the final normed hidden state has x0 ≈ 4, and
    // EOS's LM-head row reads it with weight 2.6: logit ≈ 10.4 ≈ ln(0.25 · 128256).
    float[] emb = m.embedding().data();
    for (int v = 0; v < c.vocabSize(); v++) emb[v * c.hidden()] = 10f;
    m.lmHead().data()[128001 * c.hidden()] = 2.6f;
    model = dir.resolve("model");
    HfCheckpoint.save(model, c, m.toTensors(), Path.of(TokenizeCommandTest.LLAMA));
    data = dir.resolve("rlvr.jsonl");
    Files.writeString(data, """
        {"messages":[{"role":"user","content":"What is 2 + 3?"}],"ground_truth":"5","dataset":"gsm8k"}
        {"messages":[{"role":"user","content":"What is 4 * 4?"}],"ground_truth":"16","dataset":"gsm8k"}
        {"messages":[{"role":"user","content":"What is 9 - 7?"}],"ground_truth":"2","dataset":"gsm8k"}
        """);
  }

  private static List<String> args(Path out, String... extra) {
    List<String> a = new ArrayList<>(List.of("rlvr", "model=" + model, "train_file=" + data, "train.out_dir=" + out,
        "train.max_steps=2", "prompts_per_batch=2", "samples_per_prompt=4", "response_length=3", "ppo_epochs=2",
        "minibatches=2", "train.micro_batch=2", "train.optim.lr=1e-3", "train.threads=1", "gemm=vector", "train.save_every=1", "train.keep_last=3",
        "save_dtype=f32", "train.progress=false"));
    a.addAll(List.of(extra));
    return a;
  }

  private static int run(List<String> args) {
    PrintStream err = System.err;
    try {
      System.setErr(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
      return Main.execute(args.toArray(String[]::new));
    } finally {
      System.setErr(err);
    }
  }

  @Test
  void runsWritesHfCheckpointsAndResumesBitIdentically() throws Exception {
    Path a = dir.resolve("a");
    assertThat(run(args(a))).isZero();
    assertThat(a.resolve("step-000002/config.json")).exists();
    assertThat(a.resolve("step-000002/model.safetensors")).exists();
    assertThat(a.resolve("step-000002/tokenizer.json")).exists();
    assertThat(Files.readAllLines(a.resolve("metrics.jsonl"))).hasSize(2);
    assertThat(Files.readString(a.resolve("metrics.jsonl"))).contains("\"skipped_groups\"", "\"gen_tokens_per_s\"");
    assertThat(Files.readAllLines(a.resolve("samples.jsonl"))).isNotEmpty();

    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    for (String line : Files.readAllLines(a.resolve("metrics.jsonl"))) {
      var row = json.readTree(line);
      assertThat(row.get("updates").asDouble()).as("optimizer steps at %s", line).isGreaterThan(0);
      assertThat(row.get("grad_norm").asDouble()).isGreaterThan(0);
      assertThat(row.get("eos_rate").asDouble()).isBetween(0.01, 0.99);
    }
    // b: uninterrupted (after a, so the JIT is warm: cold Vector API code may round differently)
    Path b = dir.resolve("b");
    assertThat(run(args(b))).isZero();
    byte[] want = Files.readAllBytes(b.resolve("step-000002/trainer_state/params.bin"));
    // simulate a kill after step 1: the step-2 checkpoint never completed
    try (var s = Files.walk(b.resolve("step-000002"))) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
    }
    assertThat(run(args(b))).isZero();
    assertThat(Files.readAllLines(b.resolve("metrics.jsonl"))).hasSize(2);
    byte[] got = Files.readAllBytes(b.resolve("step-000002/trainer_state/params.bin"));
    assertThat(Arrays.equals(want, got)).as("resumed run equals uninterrupted run").isTrue();
  }

  @Test
  void ppoRunsWithAValueModelFromThePolicy() throws Exception {
    Path p = dir.resolve("ppo");
    assertThat(run(args(p, "algorithm=ppo", "train.max_steps=1", "ppo_epochs=1"))).isZero();
    assertThat(p.resolve("value/step-000001/config.json")).exists();
    assertThat(Files.readString(p.resolve("value/step-000001/config.json"))).contains("ForSequenceClassification");
    var row = new com.fasterxml.jackson.databind.ObjectMapper().readTree(Files.readAllLines(p.resolve("metrics.jsonl")).get(0));
    assertThat(row.get("value_loss").asDouble()).isPositive();
    assertThat(row.get("updates").asDouble()).isEqualTo(2);
  }

  @Test
  void unknownDatasetIsNamedWithFileAndLine() throws Exception {
    Path bad = dir.resolve("bad.jsonl");
    Files.writeString(bad, """
        {"messages":[{"role":"user","content":"Hi"}],"ground_truth":"5","dataset":"gsm8k"}
        {"messages":[{"role":"user","content":"Hi"}],"ground_truth":"5","dataset":"chess"}
        """);
    var err = new ByteArrayOutputStream();
    PrintStream old = System.err;
    int code;
    try {
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      List<String> a = args(dir.resolve("c"));
      a.set(2, "train_file=" + bad);
      code = Main.execute(a.toArray(String[]::new));
    } finally {
      System.setErr(old);
    }
    assertThat(code).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("bad.jsonl:2: field 'dataset'", "chess");
  }

  @Test
  void datasetsKeepsOnlyTheNamedRows() throws Exception {
    Path mixed = dir.resolve("mixed.jsonl");
    Files.writeString(mixed, """
        {"messages":[{"role":"user","content":"What is 2 + 3?"}],"ground_truth":"5","dataset":"gsm8k"}
        {"messages":[{"role":"user","content":"Hi"}],"ground_truth":"5","dataset":"chess"}
        {"messages":[{"role":"user","content":"What is 4 * 4?"}],"ground_truth":"16","dataset":"gsm8k"}
        """);
    // the chess row has no verifier: the run only succeeds when the filter drops it before the lookup
    List<String> a = args(dir.resolve("ds"), "train.max_steps=1", "datasets=[gsm8k]");
    a.set(2, "train_file=" + mixed);
    assertThat(run(a)).isZero();
    var err = new ByteArrayOutputStream();
    PrintStream old = System.err;
    int code;
    try {
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      List<String> b = args(dir.resolve("ds2"), "datasets=[ifeval]");
      code = Main.execute(b.toArray(String[]::new));
    } finally {
      System.setErr(old);
    }
    assertThat(code).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("no usable RLVR prompts with dataset in [ifeval]");
  }
}
