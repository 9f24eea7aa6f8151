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
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tulu4j rlvr} (GRPO) with its rollouts on a {@code tulu4j serve} of the same tiny checkpoint
 * in this JVM: the weights reach the server before every batch (a LoRA adapter through
 * {@code /v1/load_lora_adapter}, or full fp32 weights through {@code /update_weights_from_disk}),
 * the sync check passes at every step against the server's raw log-probs (temperature 0.7, so the
 * check runs its own temperature-1 pass), and a run whose last checkpoint is lost, restarted against
 * a freshly started server, re-syncs and takes the lost step's rollouts from the request cache.
 */
class RlvrOnEndpointTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dir;
  static Path ck;
  static Path data;

  @BeforeAll
  static void setUp() throws Exception {
    ck = TinyCheckpoint.write(dir, "ck", false, DType.F32, false);
    data = dir.resolve("rlvr.jsonl");
    Files.writeString(data, """
        {"messages":[{"role":"user","content":"What is 2 + 3?"}],"ground_truth":"5","dataset":"gsm8k"}
        {"messages":[{"role":"user","content":"What is 4 * 4?"}],"ground_truth":"16","dataset":"gsm8k"}
        {"messages":[{"role":"user","content":"What is 9 - 7?"}],"ground_truth":"2","dataset":"gsm8k"}
        """);
  }

  private static OpenAiServer serve() {
    ModelBundle bundle = ModelBundle.load(ck, TemplateChoice.TULU, new KernelConfig(GemmBackend.VECTOR, 1));
    OpenAiServer s = Serving.create(bundle, "127.0.0.1", 0, null, new Serving.Limits(8, 256, 16, 8, 1 << 20),
        new Serving.Adapters("tiny", true, 2, true, Map.of()));
    s.start();
    return s;
  }

  private static CliRun rlvr(Path out, OpenAiServer server, String sync) {
    return rlvr(out, "rollouts.endpoints=[http://127.0.0.1:" + server.port() + "/v1]", sync);
  }

  private static CliRun rlvr(Path out, String endpoints, String sync) {
    List<String> a = new ArrayList<>(List.of("rlvr", "model=" + ck, "train_file=" + data, "train.out_dir=" + out,
        "train.max_steps=3", "prompts_per_batch=2", "samples_per_prompt=4", "response_length=8", "temperature=0.7",
        "ppo_epochs=1", "minibatches=2", "train.micro_batch=4", "train.optim.lr=1e-2", "train.threads=1", "gemm=vector",
        "train.save_every=1", "train.keep_last=5", "save_dtype=f32", "train.progress=false", "template=tulu",
        "non_eos_penalty=-1", endpoints, "rollouts.sync=" + sync));
    if (sync.equals("lora")) a.addAll(List.of("lora.r=4", "lora.alpha=8"));
    return CliRun.of(a.toArray(String[]::new));
  }

  @ParameterizedTest
  @ValueSource(strings = {"lora", "full"})
  void grpoWithRolloutsOnServeSyncsEveryStepAndResumes(String sync) throws Exception {
    Path out = dir.resolve("run-" + sync);
    try (OpenAiServer server = serve()) {
      CliRun r = rlvr(out, server, sync);
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.err()).contains("24 answered, 0 from cache");
    }
    List<String> lines = Files.readAllLines(out.resolve("metrics.jsonl"));
    assertThat(lines).hasSize(3);
    double worst = 0;
    for (String l : lines) {
      JsonNode m = JSON.readTree(l);
      assertThat(m.has("sync_max_dlogp")).isTrue();
      worst = Math.max(worst, m.get("sync_max_dlogp").asDouble());
    }
    assertThat(worst).as("max |Δlogp| over 3 steps").isLessThan(1e-3);
    System.out.printf("rlvr on serve (%s): max |Δlogp| over 3 steps %.3g%n", sync, worst);

    // lose the step-3 checkpoint, restart against a new server: re-sync, then step 3 from the cache
    try (var s = Files.walk(out.resolve("step-000003"))) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
    }
    try (OpenAiServer fresh = serve()) {
      CliRun r = rlvr(out, fresh, sync);
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.err()).contains("0 answered, 8 from cache");
      assertThat(r.err()).contains(sync.equals("lora") ? "servers loaded adapter policy-step-2" : "servers loaded the weights in");
    }
    assertThat(Files.readAllLines(out.resolve("metrics.jsonl"))).hasSize(3);

    // the same run in process: same engine, same per-sample seeds, so the same samples and the same weights
    Path local = dir.resolve("local-" + sync);
    CliRun l = rlvr(local, "rollouts.endpoints=[]", sync);
    assertThat(l.code()).as(l.err()).isZero();
    List<String> a = Files.readAllLines(local.resolve("metrics.jsonl")), b = Files.readAllLines(out.resolve("metrics.jsonl"));
    for (int s = 0; s < 3; s++)
      for (String k : List.of("reward", "loss", "kl1"))
        assertThat(JSON.readTree(b.get(s)).get(k).asDouble()).as("step %d %s", s + 1, k).isEqualTo(JSON.readTree(a.get(s)).get(k).asDouble());
    String weights = sync.equals("lora") ? "adapter_model.safetensors" : "model.safetensors";
    assertThat(Files.readAllBytes(out.resolve("step-000003").resolve(weights)))
        .isEqualTo(Files.readAllBytes(local.resolve("step-000003").resolve(weights)));
  }
}
