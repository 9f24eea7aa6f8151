package dev.tulu4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tulu4j.io.DType;
import dev.tulu4j.runtime.ModelBundle;
import dev.tulu4j.serve.Serving;
import dev.tulu4j.runtime.TinyCheckpoint;
import dev.tulu4j.serve.OpenAiServer;
import dev.tulu4j.tensor.GemmBackend;
import dev.tulu4j.tensor.KernelConfig;
import dev.tulu4j.tokenizer.TemplateChoice;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code eval --endpoint} against a {@code tulu4j serve} of a tiny checkpoint gives item for item the
 * same responses and scores as {@code eval --model} on the same checkpoint, greedy and sampled; a
 * re-run into the same output folder answers every request from the request cache.
 */
class EvalOnEndpointTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dir;
  static Path ck;
  static Path synth;

  @BeforeAll
  static void setUp() throws Exception {
    ck = TinyCheckpoint.write(dir, "ck", false, DType.F32, false);
    synth = dir.resolve("synth");
    Files.createDirectories(synth.resolve("test"));
    List<String> math = new ArrayList<>(), facts = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      math.add("{\"question\":\"Sam has " + (i + 3) + " eggs and buys 2. How many eggs?\",\"answer\":\"#### " + (i + 5) + "\"}");
      facts.add("{\"question\":\"What is the capital of Land" + i + "?\",\"possible_answers\":[\"City" + i + "\"]}");
    }
    Files.write(synth.resolve("test/gsm8k.jsonl"), math);
    Files.write(synth.resolve("test/popqa.jsonl"), facts);
  }

  static List<String> responses(Path file) throws Exception {
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      JsonNode n = JSON.readTree(line);
      out.add(n.has("responses") ? n.get("responses").toString() : n.path("response").asText());
    }
    return out;
  }

  @Test
  void endpointAnswersEqualTheLocalModelsItemForItem() throws Exception {
    String tasks = "synth_gsm8k,synth_popqa,synth_gsm8k@t0.7x2";
    Path local = dir.resolve("local");
    CliRun a = CliRun.of("eval", "--model", ck.toString(), "--tasks", tasks, "--synth-dir", synth.toString(),
        "--template", "tulu", "--max-length", "256", "--batch", "4", "--gemm", "vector", "--threads", "1", "--out", local.toString());
    assertThat(a.code()).as(a.err()).isZero();

    var kernels = new KernelConfig(GemmBackend.VECTOR, 1);
    try (ModelBundle bundle = ModelBundle.load(ck, TemplateChoice.TULU, kernels);
        OpenAiServer server = Serving.create(bundle, "127.0.0.1", 0, null, new Serving.Limits(4, 256, 64, 16, 1 << 20))) {
      server.start();
      String url = "http://127.0.0.1:" + server.port() + "/v1";
      Path remote = dir.resolve("remote");
      CliRun b = CliRun.of("eval", "--endpoint", url, "--tasks", tasks, "--synth-dir", synth.toString(),
          "--max-in-flight", "3", "--out", remote.toString());
      assertThat(b.code()).as(b.err()).isZero();
      for (String t : List.of("synth_gsm8k", "synth_popqa", "synth_gsm8k@t0.7x2")) {
        assertThat(responses(remote.resolve(t + ".jsonl"))).as(t).isEqualTo(responses(local.resolve(t + ".jsonl")));
      }
      JsonNode sa = JSON.readTree(local.resolve("summary.json").toFile());
      JsonNode sb = JSON.readTree(remote.resolve("summary.json").toFile());
      for (String t : List.of("synth_gsm8k", "synth_popqa", "synth_gsm8k@t0.7x2"))
        assertThat(sb.path(t).path("score").asDouble()).as(t).isEqualTo(sa.path(t).path("score").asDouble());
      assertThat(b.err()).contains("18 answered, 0 from cache"); // 6 items × 3 tasks; the sampled task asks n=2 in one request

      // a re-run into the same folder sends nothing: every request is in OUT/requests.jsonl
      CliRun c = CliRun.of("eval", "--endpoint", url, "--tasks", tasks, "--synth-dir", synth.toString(), "--out", remote.toString());
      assertThat(c.code()).as(c.err()).isZero();
      assertThat(c.err()).contains("0 answered, 18 from cache");
    }
  }
}
