package dev.tulu4j.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tulu4j.data.Message;
import dev.tulu4j.generate.Generator;
import dev.tulu4j.generate.LlamaStepModel;
import dev.tulu4j.generate.SamplingParams;
import dev.tulu4j.io.DType;
import dev.tulu4j.runtime.ModelBundle;
import dev.tulu4j.runtime.TinyCheckpoint;
import dev.tulu4j.tensor.GemmBackend;
import dev.tulu4j.tensor.KernelConfig;
import dev.tulu4j.tokenizer.TemplateChoice;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real tiny model behind the OpenAI server: a chat request and a streamed one over HTTP. */
class ServingTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void chatAndStreamingRequestsWithTheRealModel(@TempDir Path dir) throws Exception {
    Path ck = TinyCheckpoint.write(dir, "ck", false, DType.F16, false);
    try (ModelBundle b = ModelBundle.load(ck, TemplateChoice.MODEL, new KernelConfig(GemmBackend.VECTOR, 1));
        OpenAiServer server = Serving.create(b, "127.0.0.1", 0, "k3y", new Serving.Limits(4, 128, 16, 4, 1 << 20))) {
      server.start();
      String base = "http://127.0.0.1:" + server.port();
      HttpClient http = HttpClient.newHttpClient();
      String body = """
          {"model": "ck", "messages": [{"role": "user", "content": "How many eggs?"}], "max_tokens": 8, "temperature": 0}""";
      HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
      HttpResponse<String> noKey = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
      assertThat(noKey.statusCode()).isEqualTo(401);
      HttpResponse<String> resp = http.send(req.header("Authorization", "Bearer k3y").build(), HttpResponse.BodyHandlers.ofString());
      assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
      JsonNode o = JSON.readTree(resp.body());
      String text = o.at("/choices/0/message/content").asText();

      // the same greedy continuation computed directly
      int[] prompt = b.codec().encodeChat(List.of(new Message("user", "How many eggs?")));
      Generator g = new Generator(new LlamaStepModel(b.model(), 1, 128), b.eosIds(), b.codec()::decode);
      Generator.Output want = g.generate(List.of(new Generator.Request(prompt, 1, SamplingParams.greedy(8))), null).get(0).get(0);
      assertThat(text).isEqualTo(want.text());
      assertThat(o.at("/usage/prompt_tokens").asInt()).isEqualTo(prompt.length);
      assertThat(o.at("/usage/completion_tokens").asInt()).isEqualTo(want.ids().length);

      String streamBody = body.replace("\"temperature\": 0", "\"temperature\": 0, \"stream\": true");
      HttpResponse<String> stream = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
          .header("Authorization", "Bearer k3y").POST(HttpRequest.BodyPublishers.ofString(streamBody)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(stream.statusCode()).isEqualTo(200);
      assertThat(stream.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).contains("text/event-stream"));
      StringBuilder streamed = new StringBuilder();
      List<String> events = stream.body().lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
      assertThat(events.getLast()).isEqualTo("[DONE]");
      for (String e : events.subList(0, events.size() - 1)) {
        JsonNode d = JSON.readTree(e).at("/choices/0/delta/content");
        if (!d.isMissingNode() && !d.isNull()) streamed.append(d.asText());
      }
      assertThat(streamed.toString()).isEqualTo(want.text());
    }
  }
}
