package dev.tulu4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizeCommandTest {
  static final String LLAMA = System.getProperty("tulu4j.shared", "../shared") + "/data/tokenizers/llama3_1";

  /** A small trained tokenizer: loads in milliseconds, for the error-path tests. */
  static Path small;

  @org.junit.jupiter.api.BeforeAll
  static void smallTokenizer(@TempDir Path tmp) {
    small = tmp.resolve("small");
    dev.tulu4j.tokenizer.BpeTrainer.train(List.of("content role user ok x y"), new dev.tulu4j.tokenizer.BpeTrainer.Config(270, 1)).write(small);
  }

  static CliRun run(String... args) {
    return CliRun.of(args);
  }

  @Test
  void writesTextIdsAndLabelsAndShowsTrainedTokens(@TempDir Path dir) throws Exception {
    Path in = dir.resolve("conv.jsonl");
    Files.writeString(
        in,
        """
        {"messages": [{"role": "user", "content": "Say hi."}, {"role": "assistant", "content": "Hi!"}]}

        {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "No answer here"}]}
        """);
    Path out = dir.resolve("out/tok.jsonl");
    CliRun r = run("tokenize", "--tokenizer", LLAMA, "--in", in.toString(), "--out", out.toString(), "--show");
    assertThat(r.code()).as(r.err()).isZero();
    List<String> lines = Files.readAllLines(out);
    assertThat(lines).hasSize(1); // the second conversation has nothing to train on: dropped, reported
    JsonNode row = new ObjectMapper().readTree(lines.get(0));
    assertThat(row.get("text").asText()).isEqualTo("<|begin_of_text|><|user|>\nSay hi.\n<|assistant|>\nHi!<|eot_id|>");
    assertThat(row.get("input_ids").size()).isEqualTo(row.get("labels").size());
    assertThat(row.get("labels").get(0).asInt()).isEqualTo(-100);
    assertThat(r.out()).contains("<|begin_of_text|><|user|>\nSay hi.\n<|assistant|>\n[[Hi!<|eot_id|>]]");
    assertThat(r.err()).contains("2 conversations, 1 written").contains("1 dropped with no trainable token (lines 3)");
  }

  @Test
  void modelTemplateIsSelectable(@TempDir Path dir) throws Exception {
    Path in = dir.resolve("c.jsonl");
    Files.writeString(in, "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}, {\"role\": \"assistant\", \"content\": \"y\"}]}\n");
    Path out = dir.resolve("o.jsonl");
    assertThat(run("tokenize", "--model", LLAMA, "--template", "model", "--in", in.toString(), "--out", out.toString()).code()).isZero();
    assertThat(Files.readString(out)).contains("<|start_header_id|>assistant<|end_header_id|>\\n\\ny<|eot_id|>");
  }

  @Test
  void badLinesNameFileLineAndField(@TempDir Path dir) throws Exception {
    Path in = dir.resolve("bad.jsonl");
    Path out = dir.resolve("o.jsonl");
    Files.writeString(in, "{\"messages\": [{\"role\": \"user\", \"content\": \"ok\"}]}\n{\"messages\": [{\"role\": \"user\", \"content\": 3}]}\n");
    CliRun r = run("tokenize", "--tokenizer", small.toString(), "--in", in.toString(), "--out", out.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("bad.jsonl:2: field messages[0].content: expected a string");
    Files.writeString(in, "{\"messages\": [{\"role\": \"tool\", \"content\": \"x\"}]}\n");
    r = run("tokenize", "--tokenizer", small.toString(), "--in", in.toString(), "--out", out.toString());
    assertThat(r.err()).contains("bad.jsonl:1: field messages[0].role");
    Files.writeString(in, "{\"msgs\": []}\n");
    r = run("tokenize", "--tokenizer", small.toString(), "--in", in.toString(), "--out", out.toString());
    assertThat(r.err()).contains("bad.jsonl:1: field messages: expected an array");
    r = run("tokenize", "--tokenizer", small.toString(), "--template", "nope", "--in", in.toString(), "--out", out.toString());
    assertThat(r.err()).contains("template must be tulu or model");
  }

  @Test
  void trainTokenizerThenTokenizeWithIt(@TempDir Path dir) throws Exception {
    Path corpus = dir.resolve("corpus.jsonl");
    Files.writeString(corpus, "{\"text\": \"the cat sat on the mat\", \"more\": [\"the dog\"]}\n".repeat(50));
    Path tokDir = dir.resolve("tok");
    CliRun r = run("train-tokenizer", "--in", corpus.toString(), "--vocab", "300", "--out", tokDir.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.err()).contains("100 documents");
    Path in = dir.resolve("c.jsonl");
    Files.writeString(in, "{\"messages\": [{\"role\": \"user\", \"content\": \"the cat\"}, {\"role\": \"assistant\", \"content\": \"sat\"}]}\n");
    Path out = dir.resolve("o.jsonl");
    r = run("tokenize", "--tokenizer", tokDir.toString(), "--template", "model", "--in", in.toString(), "--out", out.toString(), "--show");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("<|begin_of_text|><|user|>\nthe cat\n<|assistant|>\n[[sat<|end_of_text|>]]");
  }
}
