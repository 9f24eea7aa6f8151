package dev.tulu4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tulu4j.io.DType;
import dev.tulu4j.runtime.ModelBundle;
import dev.tulu4j.runtime.TinyCheckpoint;
import dev.tulu4j.tensor.GemmBackend;
import dev.tulu4j.tensor.KernelConfig;
import dev.tulu4j.tokenizer.TemplateChoice;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI contracts of {@code generate} and {@code score} on a real (tiny, random) checkpoint folder. */
class GenerateScoreCommandTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dir;
  static Path ck;

  static CliRun run(String... args) {
    return CliRun.of(args);
  }

  @BeforeAll
  static void checkpoint() {
    ck = TinyCheckpoint.write(dir, "ck", true, DType.BF16, true);
  }

  @Test
  void generateJsonShapes() throws Exception {
    CliRun r = run("generate", "--model", ck.toString(), "--gemm", "vector", "--prompt", "How many eggs?", "--chat",
        "--max-new-tokens", "6", "--temperature", "0", "--json");
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode o = JSON.readTree(r.out());
    assertThat(o.fieldNames()).toIterable().containsExactly("prompt_ids", "output_ids", "text", "logprobs", "finish_reason");
    assertThat(o.get("prompt_ids").get(0).asInt()).isEqualTo(1);
    assertThat(o.get("prompt_ids").get(1).asInt()).isEqualTo(4); // <|user|> right after the single BOS
    int n = o.get("output_ids").size();
    assertThat(n).isBetween(1, 6);
    assertThat(o.get("logprobs").size()).isEqualTo(n);
    assertThat(o.get("finish_reason").asText()).isIn("stop", "length");
    if (n < 6) assertThat(o.get("finish_reason").asText()).isEqualTo("stop");

    CliRun plain = run("generate", "--model", ck.toString(), "--gemm", "vector", "--prompt", "How many eggs?", "--chat",
        "--max-new-tokens", "6", "--temperature", "0");
    assertThat(plain.out().strip()).isEqualTo(o.get("text").asText().strip());

    CliRun s = run("generate", "--model", ck.toString(), "--gemm", "vector", "--prompt", "Janet", "--max-new-tokens", "5",
        "--temperature", "1.0", "--top-p", "0.9", "--top-k", "50", "--seed", "7", "--n", "3", "--json");
    assertThat(s.code()).as(s.err()).isZero();
    JsonNode m = JSON.readTree(s.out());
    assertThat(m.fieldNames()).toIterable().containsExactly("prompt_ids", "samples");
    assertThat(m.get("samples")).hasSize(3);
    for (JsonNode smp : m.get("samples")) {
      assertThat(smp.fieldNames()).toIterable().containsExactly("output_ids", "text", "logprobs", "finish_reason");
      assertThat(smp.get("logprobs").size()).isEqualTo(smp.get("output_ids").size());
      for (JsonNode lp : smp.get("logprobs")) assertThat(lp.asDouble()).isLessThanOrEqualTo(0);
    }
    // sample 0 with seed 7 is the same sequence as a single sample with seed 7
    CliRun one = run("generate", "--model", ck.toString(), "--gemm", "vector", "--prompt", "Janet", "--max-new-tokens", "5",
        "--temperature", "1.0", "--top-p", "0.9", "--top-k", "50", "--seed", "7", "--json");
    assertThat(JSON.readTree(one.out()).get("output_ids")).isEqualTo(m.get("samples").get(0).get("output_ids"));

    CliRun bad = run("generate", "--model", dir.resolve("missing").toString(), "--prompt", "x", "--max-new-tokens", "1",
        "--temperature", "0");
    assertThat(bad.code()).isEqualTo(1);
    assertThat(bad.err()).startsWith("error: ").contains("missing");
  }

  /** The BF16 checkpoint held as bf16 (auto, the default) and decoded to fp32 give the same tokens and log-probs. */
  @Test
  void bf16AndFp32WeightsGenerateAndScoreIdentically() throws Exception {
    String[] gen = {"generate", "--model", ck.toString(), "--gemm", "vector", "--prompt", "Janet", "--max-new-tokens", "8",
        "--temperature", "1.0", "--seed", "3", "--n", "2", "--json", "--weights-dtype"};
    CliRun auto = run(concat(gen, "auto"));
    CliRun bf16 = run(concat(gen, "bf16"));
    CliRun fp32 = run(concat(gen, "fp32"));
    assertThat(auto.code()).as(auto.err()).isZero();
    assertThat(fp32.code()).as(fp32.err()).isZero();
    assertThat(JSON.readTree(auto.out())).isEqualTo(JSON.readTree(fp32.out()));
    assertThat(JSON.readTree(bf16.out())).isEqualTo(JSON.readTree(fp32.out()));
    Path in = dir.resolve("bf16-in.jsonl");
    Files.writeString(in, "{\"prompt\": \"Janet's ducks\", \"completion\": \" lay 16 eggs per day.\"}\n");
    for (String d : new String[] {"auto", "fp32"}) {
      CliRun r = run("score", "--model", ck.toString(), "--gemm", "vector", "--in", in.toString(),
          "--out", dir.resolve("bf16-" + d + ".jsonl").toString(), "--weights-dtype", d);
      assertThat(r.code()).as(r.err()).isZero();
    }
    assertThat(Files.readString(dir.resolve("bf16-auto.jsonl"))).isEqualTo(Files.readString(dir.resolve("bf16-fp32.jsonl")));
    CliRun bad = run(concat(gen, "fp16"));
    assertThat(bad.code()).isNotZero();
    assertThat(bad.err()).contains("unknown weights dtype 'fp16' (expected auto, fp32 or bf16)").doesNotContain("\tat ");
  }

  private static String[] concat(String[] a, String last) {
    String[] r = java.util.Arrays.copyOf(a, a.length + 1);
    r[a.length] = last;
    return r;
  }

  @Test
  void scoreMatchesTheFullForwardForBothLineKinds() throws Exception {
    Path in = dir.resolve("in.jsonl");
    Files.writeString(in, """
        {"prompt": "Janet's ducks", "completion": " lay 16 eggs per day.", "id": 7}

        {"messages": [{"role": "user", "content": "How many eggs?"}, {"role": "assistant", "content": "Sixteen."}]}
        """);
    Path out = dir.resolve("out/scored.jsonl");
    CliRun r = run("score", "--model", ck.toString(), "--gemm", "vector", "--in", in.toString(), "--out", out.toString(),
        "--batch-tokens", "256");
    assertThat(r.code()).as(r.err()).isZero();
    List<String> lines = Files.readAllLines(out);
    assertThat(lines).hasSize(2);
    try (ModelBundle b = ModelBundle.load(ck, TemplateChoice.MODEL, new KernelConfig(GemmBackend.VECTOR, 1))) {
      for (String line : lines) {
        JsonNode o = JSON.readTree(line);
        int[] p = ids(o.get("prompt_ids")), c = ids(o.get("completion_ids"));
        double[] want = TinyCheckpoint.fullForwardLogProbs(b.model(), p, c);
        assertThat(o.get("logprobs")).hasSize(c.length);
        double sum = 0;
        for (int k = 0; k < c.length; k++) {
          assertThat(o.get("logprobs").get(k).asDouble()).isCloseTo(want[k], Offset.offset(2e-4));
          sum += o.get("logprobs").get(k).asDouble();
        }
        assertThat(o.get("sum_logprob").asDouble()).isCloseTo(sum, Offset.offset(1e-9));
      }
      JsonNode first = JSON.readTree(lines.get(0));
      assertThat(first.get("id").asInt()).isEqualTo(7); // input fields kept
      assertThat(ids(first.get("prompt_ids"))).isEqualTo(b.tokenizer().encode("Janet's ducks", true));
      assertThat(ids(first.get("completion_ids"))).isEqualTo(b.tokenizer().encode(" lay 16 eggs per day.", false));
      JsonNode chat = JSON.readTree(lines.get(1));
      assertThat(b.tokenizer().decode(ids(chat.get("prompt_ids")), false)).isEqualTo("<|begin_of_text|><|user|>\nHow many eggs?\n<|assistant|>\n");
      assertThat(b.tokenizer().decode(ids(chat.get("completion_ids")), false)).isEqualTo("Sixteen.<|end_of_text|>");
    }
  }

  @Test
  void scoreErrorsNameFileLineAndFieldAndLeaveNoOutput() throws Exception {
    Path in = dir.resolve("bad.jsonl");
    Files.writeString(in, "{\"prompt\": \"a\", \"completion\": \"b\"}\n{\"prompt\": \"a\", \"completion\": 3}\n");
    Path out = dir.resolve("bad-out.jsonl");
    CliRun r = run("score", "--model", ck.toString(), "--gemm", "vector", "--in", in.toString(), "--out", out.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains(in + ":2: field completion: expected a string");
    assertThat(out).doesNotExist();
    Files.writeString(in, "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}\n");
    r = run("score", "--model", ck.toString(), "--gemm", "vector", "--in", in.toString(), "--out", out.toString());
    assertThat(r.err()).contains(in + ":1: field messages: the last message must have role assistant");
  }

  static int[] ids(JsonNode a) {
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) out[i] = a.get(i).asInt();
    return out;
  }
}
