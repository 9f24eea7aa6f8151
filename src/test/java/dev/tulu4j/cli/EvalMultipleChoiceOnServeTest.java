package dev.tulu4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tulu4j.io.DType;
import dev.tulu4j.runtime.ModelBundle;
import dev.tulu4j.runtime.TinyCheckpoint;
import dev.tulu4j.serve.OpenAiServer;
import dev.tulu4j.serve.Serving;
import dev.tulu4j.tensor.GemmBackend;
import dev.tulu4j.tensor.KernelConfig;
import dev.tulu4j.tokenizer.TemplateChoice;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mc:} tasks score on {@code tulu4j serve} through {@code /v1/completions} with token ids,
 * {@code echo} and {@code logprobs} (lm-evaluation-harness's method on vLLM), and pick the same
 * choice for every item as {@code eval --model} does with the in-process scorer.
 */
class EvalMultipleChoiceOnServeTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void multipleChoiceOnTheServerPicksWhatTheLocalScorerPicks(@TempDir Path dir) throws Exception {
    Path ck = TinyCheckpoint.write(dir, "ck", false, DType.F32, false);
    Path mc = dir.resolve("mc.jsonl");
    List<String> rows = new ArrayList<>();
    String[][] qs = {{"Which lays eggs?", "hen", "dog", "cat"}, {"How many eggs in a dozen?", "twelve", "ten", "six"},
        {"Janet sells eggs at the", "market", "moon", "sea"}, {"Ducks lay", "eggs", "bricks", "cars"}};
    for (int i = 0; i < qs.length; i++)
      rows.add("{\"question\":\"" + qs[i][0] + "\",\"choices\":[\"" + qs[i][1] + "\",\"" + qs[i][2] + "\",\"" + qs[i][3]
          + "\"],\"answer\":" + (i % 3) + "}");
    Files.write(mc, rows);
    String task = "mc:" + mc;
    Path local = dir.resolve("local");
    CliRun a = CliRun.of("eval", "--model", ck.toString(), "--tasks", task, "--template", "tulu", "--gemm", "vector",
        "--threads", "1", "--out", local.toString());
    assertThat(a.code()).as(a.err()).isZero();
    try (ModelBundle bundle = ModelBundle.load(ck, TemplateChoice.TULU, new KernelConfig(GemmBackend.VECTOR, 1));
        OpenAiServer server = Serving.create(bundle, "127.0.0.1", 0, null, new Serving.Limits(4, 256, 16, 4, 1 << 20))) {
      server.start();
      Path remote = dir.resolve("remote");
      CliRun b = CliRun.of("eval", "--endpoint", "http://127.0.0.1:" + server.port() + "/v1", "--api", "completions",
          "--model", ck.toString(), "--template", "tulu", "--tasks", task, "--out", remote.toString());
      assertThat(b.code()).as(b.err()).isZero();
      JsonNode sa = JSON.readTree(local.resolve("summary.json").toFile());
      JsonNode sb = JSON.readTree(remote.resolve("summary.json").toFile());
      assertThat(sa.size()).isEqualTo(1);
      String key = sa.fieldNames().next();
      assertThat(sb.path(key).path("score").asDouble()).isEqualTo(sa.path(key).path("score").asDouble());
      List<Path> files;
      try (var s = Files.list(local)) {
        files = s.filter(p -> p.toString().endsWith(".jsonl") && !p.getFileName().toString().equals("requests.jsonl")).toList();
      }
      assertThat(files).isNotEmpty();
      for (Path f : files) {
        List<String> l = Files.readAllLines(f), r = Files.readAllLines(remote.resolve(f.getFileName()));
        assertThat(r).hasSameSizeAs(l);
        for (int i = 0; i < l.size(); i++) {
          JsonNode x = JSON.readTree(l.get(i)), y = JSON.readTree(r.get(i));
          assertThat(x.has("predicted")).as("item %d has a prediction", i).isTrue();
          assertThat(y.path("predicted").asInt()).as("item %d", i).isEqualTo(x.path("predicted").asInt());
          assertThat(y.path("predicted_per_char").asInt()).as("item %d", i).isEqualTo(x.path("predicted_per_char").asInt());
          assertThat(y.path("score").asDouble()).as("item %d", i).isEqualTo(x.path("score").asDouble());
        }
      }
    }
  }
}
