package dev.tulu4j.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tulu4j.cli.Main;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VerifyJobTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  @Test
  void autoModeScoresEachLineWithItsDatasetsVerifier() throws Exception {
    Path in = dir.resolve("in.jsonl");
    Files.writeString(in, """
        {"messages":[{"role":"user","content":"q"}],"prediction":"so 18","ground_truth":"18","dataset":"gsm8k"}
        {"prediction":"so 17","ground_truth":"18","dataset":"gsm8k"}

        {"prediction":"thus $\\\\boxed{\\\\dfrac{1}{2}}$","ground_truth":"\\\\frac{1}{2}","dataset":"MATH"}
        {"prediction":"thus $\\\\boxed{2\\\\sqrt{2}}$","ground_truth":["\\\\sqrt{8}"],"dataset":"MATH"}
        {"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"#### 7"}],"ground_truth":"7","dataset":"gsm8k"}
        """);
    Path out = dir.resolve("sub/out.jsonl");
    VerifyJob.Summary s = VerifyJob.run(new VerifyJob.Config(in, out, "auto"), Verifiers.standard());
    assertThat(s.n()).isEqualTo(5);
    assertThat(s.correct()).isEqualTo(4);
    assertThat(s.accuracy()).isEqualTo(0.8);
    assertThat(s.describe()).contains("gsm8k: 2/3", "math: 2/2", "accuracy=0.8000", "checks/s");
    List<String> lines = Files.readAllLines(out);
    assertThat(lines).hasSize(5);
    JsonNode first = JSON.readTree(lines.getFirst());
    assertThat(first.get("score").asInt()).isEqualTo(1);
    assertThat(first.get("details").get("extracted").asText()).isEqualTo("18");
    assertThat(first.get("messages")).isNotNull(); // input fields are kept
    JsonNode last = JSON.readTree(lines.get(3));
    assertThat(last.get("details").get("matched_by").asText()).isEqualTo("math");
    try (var files = Files.list(out.getParent())) {
      assertThat(files).containsExactly(out); // the temp file was renamed away
    }
  }

  @ParameterizedTest(name = "[{index}] {1}")
  @CsvSource(delimiter = '|', textBlock = """
      not json                                               | :1: invalid JSON
      [1,2]                                                  | :1: each line must be a JSON object
      {"ground_truth":"1","dataset":"gsm8k"}                 | :1: missing field "prediction"
      {"prediction":5,"ground_truth":"1","dataset":"gsm8k"}  | :1: field "prediction" must be a string
      {"prediction":"5","dataset":"gsm8k"}                   | :1: missing field "ground_truth"
      {"prediction":"5","ground_truth":"1"}                  | :1: missing field "dataset"
      {"prediction":"5","ground_truth":"1","dataset":"xyz"}  | :1: field "dataset": no verifier for "xyz" (known: 
      {"prediction":"5","ground_truth":"abc","dataset":"gsm8k"} | :1: field "ground_truth": ground_truth has no number
      {"prediction":"5","ground_truth":{"a":1},"dataset":"math"} | :1: field "ground_truth": ground_truth must be
      """)
  void badLinesNameFileLineAndField(String line, String message) throws Exception {
    Path in = dir.resolve("bad.jsonl");
    Files.writeString(in, line + "\n");
    Path out = dir.resolve("out.jsonl");
    assertThatThrownBy(() -> VerifyJob.run(new VerifyJob.Config(in, out, "auto"), Verifiers.standard()))
        .isInstanceOf(RuntimeException.class) // IllegalArgumentException, or the shared reader's DataFormatException
        .hasMessageContaining(in + message);
    assertThat(out).doesNotExist();
    try (var files = Files.list(dir)) {
      assertThat(files).containsExactly(in); // no temp file left behind
    }
  }

  @Test
  void cliRunsWithAFixedTaskAndStrictMode() throws Exception {
    Path in = dir.resolve("in.jsonl");
    Files.writeString(in, """
        {"prediction":"Final Answer: The final answer is $5$. I hope it is correct.","ground_truth":"5"}
        {"prediction":"so \\\\boxed{5}, done","ground_truth":"5"}
        """);
    Path out = dir.resolve("out.jsonl");
    assertThat(Main.execute("verify", "--in", in.toString(), "--out", out.toString(), "--task", "math",
        "--math-mode", "strict")).isZero();
    List<String> lines = Files.readAllLines(out);
    assertThat(JSON.readTree(lines.get(0)).get("score").asInt()).isEqualTo(1);
    assertThat(JSON.readTree(lines.get(1)).get("score").asInt()).isZero();
    assertThat(Main.execute("verify", "--in", in.toString(), "--out", out.toString(), "--task", "math")).isZero();
    assertThat(JSON.readTree(Files.readAllLines(out).get(1)).get("score").asInt()).isEqualTo(1);
    assertThat(Main.execute("verify", "--in", in.toString(), "--out", out.toString(), "--math-mode", "loose"))
        .isEqualTo(1);
    assertThat(Main.execute("verify", "--in", in.toString(), "--out", out.toString(), "--task", "nope"))
        .isEqualTo(1);
  }
}
