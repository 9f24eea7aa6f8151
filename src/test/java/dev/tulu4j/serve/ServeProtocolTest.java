package dev.tulu4j.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tulu4j.checkpoint.ModelFiles;
import dev.tulu4j.checkpoint.PeftAdapter;
import dev.tulu4j.data.Message;
import dev.tulu4j.generate.Generator;
import dev.tulu4j.generate.LlamaStepModel;
import dev.tulu4j.generate.SamplingParams;
import dev.tulu4j.io.DType;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.model.LoraAdapter;
import dev.tulu4j.model.LoraConfig;
import dev.tulu4j.model.Parameter;
import dev.tulu4j.runtime.ModelBundle;
import dev.tulu4j.runtime.Scorer;
import dev.tulu4j.runtime.TinyCheckpoint;
import dev.tulu4j.tensor.GemmBackend;
import dev.tulu4j.tensor.KernelConfig;
import dev.tulu4j.tensor.NaiveGemm;
import dev.tulu4j.tokenizer.TemplateChoice;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The vLLM/SGLang protocol additions of {@code tulu4j serve} over real HTTP on 127.0.0.1 with the
 * tiny real model: token-id prompts, {@code echo} + {@code logprobs} (prompt log-probs equal to the
 * in-process {@link Scorer}'s), sampled-token log-probs and ids, LoRA adapters loaded at run time
 * and picked per request by name, and {@code /update_weights_from_disk}.
 *
 * <p>Tolerances: prompt log-probs come from the same full forward the scorer runs (1e-5); sampled
 * tokens' log-probs come from the KV-cache decode path, whose float rounding differs from a full
 * forward (1e-4).
 */
class ServeProtocolTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dir;
  static Path base;
  static Path adapter;
  static Path merged;
  static ModelBundle bundle;
  static OpenAiServer server;
  static String url;
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    base = TinyCheckpoint.write(dir, "base", false, DType.F32, false);
    LlamaModel m = ModelFiles.loadModel(base, new NaiveGemm(), false);
    LoraAdapter ad = m.attachLora(new LoraConfig(4, 8, 0, List.of("all-linear"), false, List.of()), 3);
    Random r = new Random(5);
    for (Parameter p : ad.parameters())
      if (p.name().endsWith("lora_B.weight")) for (int i = 0; i < p.data().length; i++) p.data()[i] = (float) (0.5 * r.nextGaussian());
    adapter = dir.resolve("adapter");
    PeftAdapter.save(adapter, ad, Map.of(), base.toString());
    merged = dir.resolve("merged");
    ModelFiles.mergeAdapter(base, adapter, merged, new NaiveGemm());
    bundle = ModelBundle.load(base, TemplateChoice.MODEL, new KernelConfig(GemmBackend.VECTOR, 1));
    server = Serving.create(bundle, "127.0.0.1", 0, null, new Serving.Limits(4, 128, 16, 4, 1 << 20),
        new Serving.Adapters("tiny", true, 2, true, Map.of()));
    server.start();
    url = "http://127.0.0.1:" + server.port();
  }

  @AfterAll
  static void stop() {
    server.close();
    bundle.close();
  }

  static HttpResponse<String> post(String path, String body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url + path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode ok(HttpResponse<String> r) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  static int[] ints(JsonNode a) {
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) out[i] = a.get(i).asInt();
    return out;
  }

  /** Greedy ids of {@code model} from {@code prompt}, computed in process. */
  static Generator.Output greedy(LlamaModel model, int[] prompt, int max) {
    Generator g = new Generator(new LlamaStepModel(model, 1, 128), bundle.eosIds(), bundle.codec()::decode)
        .limitVocab(bundle.tokenizer().vocabSize());
    return g.generate(List.of(new Generator.Request(prompt, 1, SamplingParams.greedy(max))), null).get(0).get(0);
  }

  static double[] score(LlamaModel model, int[] prompt, int[] completion) {
    return new Scorer(model, 4096).score(List.of(prompt), List.of(completion)).get(0);
  }

  @Test
  void tokenIdPromptWithEchoReturnsTheScorersPromptLogprobsAndTheSampledIds() throws Exception {
    int[] prompt = bundle.codec().encodeText("How many eggs does Janet sell?");
    String ids = Arrays.toString(prompt);
    JsonNode o = ok(post("/v1/completions", """
        {"model": "tiny", "prompt": %s, "max_tokens": 6, "temperature": 0, "echo": true, "logprobs": 2,
         "return_token_ids": true}""".formatted(ids)));
    JsonNode c = o.at("/choices/0");
    Generator.Output want = greedy(bundle.model(), prompt, 6);
    assertThat(ints(c.get("token_ids"))).containsExactly(want.ids());
    assertThat(ints(c.get("prompt_token_ids"))).containsExactly(prompt);
    assertThat(c.get("text").asText()).isEqualTo(bundle.codec().decode(prompt) + want.text());
    JsonNode lp = c.get("logprobs");
    int p = prompt.length, n = want.ids().length;
    assertThat(lp.get("tokens").size()).isEqualTo(p + n);
    assertThat(lp.get("token_logprobs").get(0).isNull()).isTrue();
    assertThat(lp.get("top_logprobs").get(0).isNull()).isTrue();
    double[] promptWant = score(bundle.model(), new int[] {prompt[0]}, Arrays.copyOfRange(prompt, 1, p));
    for (int i = 1; i < p; i++)
      assertThat(lp.get("token_logprobs").get(i).asDouble()).as("prompt %d", i).isCloseTo(promptWant[i - 1], Offset.offset(1e-5));
    double[] sampledWant = score(bundle.model(), prompt, want.ids());
    for (int k = 0; k < n; k++) {
      assertThat(lp.get("token_logprobs").get(p + k).asDouble()).as("sampled %d", k).isCloseTo(sampledWant[k], Offset.offset(1e-4));
      // greedy: the chosen token is the most likely one, so it is among the top 2
      assertThat(lp.get("top_logprobs").get(p + k).size()).isEqualTo(2);
    }
    int prev = -1;
    for (JsonNode off : lp.get("text_offset")) {
      assertThat(off.asInt()).isGreaterThanOrEqualTo(prev);
      prev = off.asInt();
    }
    // token ids instead of token texts
    JsonNode asIds = ok(post("/v1/completions", """
        {"prompt": %s, "max_tokens": 2, "temperature": 0, "logprobs": 0, "return_tokens_as_token_ids": true}""".formatted(ids)));
    assertThat(asIds.at("/choices/0/logprobs/tokens/0").asText()).isEqualTo("token_id:" + want.ids()[0]);
    assertThat(asIds.at("/choices/0/logprobs/top_logprobs/0").size()).isEqualTo(1);
  }

  @Test
  void chatLogprobsAreTheRawModelLogprobsOfTheSampledTokensEvenWhenSamplingAtATemperature() throws Exception {
    JsonNode o = ok(post("/v1/chat/completions", """
        {"model": "tiny", "messages": [{"role": "user", "content": "How many eggs?"}], "max_tokens": 6,
         "temperature": 0.7, "seed": 3, "logprobs": true, "top_logprobs": 3, "return_token_ids": true}"""));
    int[] prompt = ints(o.get("prompt_token_ids"));
    assertThat(prompt).containsExactly(bundle.codec().encodeChat(List.of(new Message("user", "How many eggs?"))));
    int[] sampled = ints(o.at("/choices/0/token_ids"));
    JsonNode content = o.at("/choices/0/logprobs/content");
    assertThat(content.size()).isEqualTo(sampled.length).isPositive();
    double[] want = score(bundle.model(), prompt, sampled);
    for (int k = 0; k < sampled.length; k++) {
      JsonNode e = content.get(k);
      assertThat(e.get("logprob").asDouble()).as("token %d", k).isCloseTo(want[k], Offset.offset(1e-4));
      assertThat(e.get("token").asText()).isEqualTo(bundle.codec().decode(new int[] {sampled[k]}));
      byte[] bytes = e.get("token").asText().getBytes(StandardCharsets.UTF_8);
      assertThat(e.get("bytes").size()).isEqualTo(bytes.length);
      JsonNode top = e.get("top_logprobs");
      assertThat(top.size()).isEqualTo(3);
      assertThat(top.get(0).get("logprob").asDouble()).isGreaterThanOrEqualTo(top.get(1).get("logprob").asDouble());
      assertThat(top.get(0).get("logprob").asDouble()).isGreaterThanOrEqualTo(e.get("logprob").asDouble());
    }
  }

  @Test
  void processedLogprobsModeReportsTheTemperatureScaledDistributionTheTokenWasDrawnFrom() throws Exception {
    try (OpenAiServer processed = Serving.create(bundle, "127.0.0.1", 0, null, new Serving.Limits(2, 128, 16, 4, 1 << 20),
        Serving.Adapters.NONE, Serving.LogprobsMode.PROCESSED_LOGPROBS)) {
      processed.start();
      int[] prompt = bundle.codec().encodeText("Janet has ducks");
      String body = "{\"prompt\": " + Arrays.toString(prompt)
          + ", \"max_tokens\": 5, \"temperature\": 0.7, \"seed\": 9, \"logprobs\": 1, \"return_token_ids\": true}";
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + processed.port() + "/v1/completions"))
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
      JsonNode c = ok(r).at("/choices/0");
      int[] sampled = ints(c.get("token_ids"));
      int v = bundle.config().vocabSize();
      int[] seq = new int[prompt.length + sampled.length - 1];
      System.arraycopy(prompt, 0, seq, 0, prompt.length);
      System.arraycopy(sampled, 0, seq, prompt.length, sampled.length - 1);
      float[] lg = bundle.model().logits(new dev.tulu4j.model.Batch(1, seq.length, seq, null, null, null),
          new dev.tulu4j.model.Activations(bundle.config(), seq.length));
      double[] raw = score(bundle.model(), prompt, sampled);
      double gap = 0;
      for (int k = 0; k < sampled.length; k++) {
        int row = (prompt.length - 1 + k) * v;
        double want = TokenLogprobs.at(lg, row, v, sampled[k], 0, 1 / 0.7).logprob();
        double got = c.at("/logprobs/token_logprobs").get(k).asDouble();
        assertThat(got).as("token %d", k).isCloseTo(want, Offset.offset(1e-4));
        gap = Math.max(gap, Math.abs(got - raw[k]));
      }
      assertThat(gap).as("processed differs from raw at T = 0.7").isGreaterThan(1e-3);
    }
  }

  @Test
  void badCompletionBodiesAre400s() throws Exception {
    for (String body : List.of("{\"prompt\": []}", "{\"prompt\": [1, \"x\"]}", "{\"prompt\": [1, 99999]}",
        "{\"prompt\": [[1, 2], [3]]}", "{\"prompt\": \"a\", \"logprobs\": 21}", "{\"prompt\": \"a\", \"logprobs\": true}",
        "{\"prompt\": \"a\", \"echo\": true, \"logprobs\": 1, \"stream\": true}",
        "{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}], \"top_logprobs\": 2}")) {
      String route = body.contains("messages") ? "/v1/chat/completions" : "/v1/completions";
      HttpResponse<String> r = post(route, body);
      assertThat(r.statusCode()).as(body + " -> " + r.body()).isEqualTo(400);
      assertThat(JSON.readTree(r.body()).at("/error/message").asText()).isNotEmpty();
    }
  }

  @Test
  void loraAdaptersLoadUnloadAndArePickedByModelName() throws Exception {
    int[] prompt = bundle.codec().encodeText("Janet sells eggs");
    String ids = Arrays.toString(prompt);
    HttpResponse<String> load = post("/v1/load_lora_adapter",
        "{\"lora_name\": \"sql\", \"lora_path\": \"" + adapter + "\"}");
    assertThat(load.statusCode()).as(load.body()).isEqualTo(200);
    assertThat(load.body()).isEqualTo("Success: LoRA adapter 'sql' added successfully.");
    try {
      JsonNode models = JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(url + "/v1/models")).build(),
          HttpResponse.BodyHandlers.ofString()).body());
      assertThat(models.at("/data/0/id").asText()).isEqualTo("tiny");
      assertThat(models.at("/data/1/id").asText()).isEqualTo("sql");
      assertThat(models.at("/data/1/parent").asText()).isEqualTo("tiny");

      LlamaModel mergedModel = ModelFiles.loadModel(merged, new NaiveGemm(), false);
      Generator.Output want = greedy(mergedModel, prompt, 8);
      Generator.Output plain = greedy(bundle.model(), prompt, 8);
      assertThat(want.ids()).as("the adapter changes the greedy output").isNotEqualTo(plain.ids());
      String req = "{\"model\": \"%s\", \"prompt\": " + ids + ", \"max_tokens\": 8, \"temperature\": 0, \"return_token_ids\": true}";
      assertThat(ints(ok(post("/v1/completions", req.formatted("sql"))).at("/choices/0/token_ids"))).containsExactly(want.ids());
      assertThat(ints(ok(post("/v1/completions", req.formatted("tiny"))).at("/choices/0/token_ids"))).containsExactly(plain.ids());

      HttpResponse<String> again = post("/v1/load_lora_adapter", "{\"lora_name\": \"sql\", \"lora_path\": \"" + adapter + "\"}");
      assertVllmError(again, 400, "InvalidUserInput", "has already been loaded");
      HttpResponse<String> inplace = post("/v1/load_lora_adapter",
          "{\"lora_name\": \"sql\", \"lora_path\": \"" + adapter + "\", \"load_inplace\": true}");
      assertThat(inplace.statusCode()).as(inplace.body()).isEqualTo(200);
      assertVllmError(post("/v1/load_lora_adapter", "{\"lora_name\": \"x\", \"lora_path\": \"" + dir.resolve("nope") + "\"}"),
          404, "NotFoundError", "No adapter found");
      assertVllmError(post("/v1/load_lora_adapter", "{\"lora_name\": \"x\", \"lora_path\": \"" + base + "\"}"),
          404, "NotFoundError", "No adapter found");
      assertVllmError(post("/v1/load_lora_adapter", "{\"lora_name\": \"\", \"lora_path\": \"\"}"), 400, "InvalidUserInput",
          "Both 'lora_name' and 'lora_path' must be provided.");
      assertVllmError(post("/v1/load_lora_adapter", "{\"lora_name\": 3, \"lora_path\": \"p\"}"), 400, "BadRequestError", "lora_name");
      assertVllmError(post("/v1/load_lora_adapter", "{\"lora_path\": \"p\"}"), 400, "BadRequestError", "Field required");
      assertVllmError(post("/v1/load_lora_adapter", "{not json"), 400, "BadRequestError", "JSON");
    } finally {
      HttpResponse<String> unload = post("/v1/unload_lora_adapter", "{\"lora_name\": \"sql\"}");
      assertThat(unload.body()).isEqualTo("Success: LoRA adapter 'sql' removed successfully.");
    }
    assertThat(post("/v1/completions", "{\"model\": \"sql\", \"prompt\": \"a\", \"max_tokens\": 1}").statusCode()).isEqualTo(404);
    assertVllmError(post("/v1/unload_lora_adapter", "{\"lora_name\": \"sql\"}"), 404, "NotFoundError", "cannot be found");
  }

  static void assertVllmError(HttpResponse<String> r, int status, String type, String message) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    JsonNode e = JSON.readTree(r.body()).get("error");
    assertThat(e.get("type").asText()).isEqualTo(type);
    assertThat(e.get("code").isInt()).isTrue();
    assertThat(e.get("code").asInt()).isEqualTo(status);
    assertThat(e.get("message").asText()).contains(message);
  }

  @Test
  void updateWeightsFromDiskSwitchesToTheNewCheckpointAndKeepsTheName() throws Exception {
    int[] prompt = bundle.codec().encodeText("eggs per day");
    String req = "{\"prompt\": " + Arrays.toString(prompt) + ", \"max_tokens\": 8, \"temperature\": 0, \"return_token_ids\": true}";
    LlamaModel mergedModel = ModelFiles.loadModel(merged, new NaiveGemm(), false);
    int[] before = ints(ok(post("/v1/completions", req)).at("/choices/0/token_ids"));
    assertThat(before).containsExactly(greedy(bundle.model(), prompt, 8).ids());
    try {
      JsonNode r = ok(post("/update_weights_from_disk", "{\"model_path\": \"" + merged + "\"}"));
      assertThat(r.get("success").asBoolean()).isTrue();
      assertThat(r.get("message").asText()).isNotEmpty();
      int[] after = ints(ok(post("/v1/completions", req)).at("/choices/0/token_ids"));
      assertThat(after).containsExactly(greedy(mergedModel, prompt, 8).ids()).isNotEqualTo(before);
      JsonNode models = JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(url + "/v1/models")).build(),
          HttpResponse.BodyHandlers.ofString()).body());
      assertThat(models.at("/data/0/id").asText()).isEqualTo("tiny");

      Path qwen = TinyCheckpoint.write(dir, "qwen", true, DType.F32, false);
      for (String bad : List.of("{}", "{\"model_path\": 3}", "{\"model_path\": \"" + dir.resolve("nope") + "\"}",
          "{\"model_path\": \"" + qwen + "\"}", "{\"model_path\": \"" + merged + "\", \"load_format\": \"pt\"}")) {
        HttpResponse<String> b = post("/update_weights_from_disk", bad);
        assertThat(b.statusCode()).as(bad + " -> " + b.body()).isEqualTo(400);
        assertThat(JSON.readTree(b.body()).get("success").asBoolean()).isFalse();
      }
      // a refused update leaves the served weights alone
      assertThat(ints(ok(post("/v1/completions", req)).at("/choices/0/token_ids"))).containsExactly(after);
    } finally {
      ok(post("/update_weights_from_disk", "{\"model_path\": \"" + base + "\", \"load_format\": \"auto\"}"));
    }
    assertThat(ints(ok(post("/v1/completions", req)).at("/choices/0/token_ids"))).containsExactly(before);
  }
}
