package dev.tulu4j.data.persona;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.tulu4j.cli.Main;
import dev.tulu4j.data.Json;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole persona examples against a scripted OpenAI-compatible server: prompts, then responses checked as
 * {@link PersonaResponses} describes (math majority vote, IFEval constraint, code against generated tests).
 */
class PersonaResponsesTest {
  @TempDir Path dir;
  HttpServer server;
  final List<String> requests = Collections.synchronizedList(new ArrayList<>());

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
    server.createContext("/v1/chat/completions", ex -> {
      try {
        JsonNode req = Json.MAPPER.readTree(ex.getRequestBody());
        String user = req.at("/messages/0/content").asText();
        requests.add(user);
        String answer = answer(user, req.path("seed").asInt(0));
        String body = Json.MAPPER.createObjectNode().set("choices", Json.MAPPER.createArrayNode().add(
            Json.MAPPER.createObjectNode().put("index", 0).set("message", Json.MAPPER.createObjectNode()
                .put("role", "assistant").put("content", answer)))).toString();
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(200, b.length);
        ex.getResponseBody().write(b);
      } finally {
        ex.close();
      }
    });
    server.start();
  }

  /** The scripted teacher. */
  static String answer(String user, int seed) {
    if (user.startsWith("Solve the following math problem")) {
      // five samples: boxed 12, 12, 13, none, 12 → 3 of 5 agree on 12
      return switch (seed) {
        case 2 -> "2 trays of 6.5 make \\boxed{13}.";
        case 3 -> "I am not sure.";
        default -> "Each of 2 trays holds 6 rolls, so 2 \\cdot 6 = \\boxed{12}.";
      };
    }
    if (user.startsWith("Solve the following programming problem")) {
      int plus = user.contains("careless") ? 3 : 2;
      return "Here it is:\n```python\ndef add_two(x):\n    return x + " + plus + "\n```\nDone.";
    }
    if (user.startsWith("Write 3 to 5 Python assert")) return "```python\nassert add_two(1) == 3\nassert add_two(-2) == 0\n```";
    String persona = user.substring(user.indexOf("Persona: ") + 9).split("\n")[0];
    if (user.startsWith("Create a challenging math")) return "A baker (" + persona + ") has 2 trays of 6 rolls. How many rolls?";
    if (user.startsWith("Create a self-contained Python")) return "Write a function add_two(x) returning x plus 2 (" + persona + ").";
    if (user.startsWith("Write one instruction")) return "Describe your day (" + persona + ").";
    if (user.startsWith("Describe your day")) return "Hello, World";
    return "A request from " + persona;
  }

  @AfterEach
  void stop() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }

  Path config(String task, boolean code) throws IOException {
    Path c = dir.resolve("cfg.yaml");
    Files.writeString(c, """
        personas: personas.txt
        task: %s
        out: out/examples.jsonl
        base_url: http://127.0.0.1:%d/v1
        model: teacher
        concurrency: 2
        max_retries: 0
        responses: true
        math_samples: 5
        allow_code_execution: %s
        """.formatted(task, server.getAddress().getPort(), code));
    return c;
  }

  Map<String, JsonNode> rows() throws IOException {
    Map<String, JsonNode> m = new LinkedHashMap<>();
    for (String l : Files.readAllLines(dir.resolve("out/examples.jsonl"))) {
      JsonNode n = Json.MAPPER.readTree(l);
      m.put(n.get("id").asText(), n);
    }
    return m;
  }

  @Test
  void mathIsMajorityVotedAndResumesByRowId() throws IOException {
    Files.writeString(dir.resolve("personas.txt"), "a baker\na sailor\n");
    assertThat(Main.execute("data", "personas", "--config", config("math", false).toString())).isZero();
    Map<String, JsonNode> rows = rows();
    assertThat(rows).containsOnlyKeys("math-p1", "math-p2");
    JsonNode r = rows.get("math-p1");
    assertThat(r.get("answer").asText()).isEqualTo("12");
    assertThat(r.get("votes").asInt()).isEqualTo(3);
    assertThat(r.get("verified").asBoolean()).isTrue(); // 3 of 5 is a strict majority
    assertThat(r.get("response").asText()).contains("\\boxed{12}");
    assertThat(r.at("/messages/0/content").asText()).isEqualTo(r.get("prompt").asText());
    assertThat(r.at("/messages/1/role").asText()).isEqualTo("assistant");
    int before = requests.size();
    assertThat(before).isEqualTo(2 * (1 + 5));
    // a second run finds both rows done and asks nothing
    assertThat(Main.execute("data", "personas", "--config", config("math", false).toString())).isZero();
    assertThat(requests).hasSize(before);
  }

  @Test
  void preciseIfResponsesAreCheckedAgainstTheirConstraint() throws IOException {
    // pick personas whose row ids carry the word-count constraint (met by "Hello, World") and lowercase (not met)
    String words = null;
    String lower = null;
    for (int i = 1; i < 200 && (words == null || lower == null); i++) {
      String id = PersonaResponses.constraintFor("precise_if-p" + i).id();
      if (words == null && id.equals("length_constraints:number_words")) words = "p" + i;
      if (lower == null && id.equals("change_case:english_lowercase")) lower = "p" + i;
    }
    List<String> lines = new ArrayList<>();
    for (int i = 1; i <= Math.max(Integer.parseInt(words.substring(1)), Integer.parseInt(lower.substring(1))); i++)
      lines.add("persona number " + i);
    Files.write(dir.resolve("personas.txt"), lines);
    assertThat(Main.execute("data", "personas", "--config", config("precise_if", false).toString())).isZero();
    Map<String, JsonNode> rows = rows();
    JsonNode w = rows.get("precise_if-" + words);
    assertThat(w.at("/ground_truth/instruction_id_list/0").asText()).isEqualTo("length_constraints:number_words");
    assertThat(w.at("/ground_truth/kwargs/0/relation").asText()).isEqualTo("less than");
    assertThat(w.at("/ground_truth/kwargs/0/num_words").asInt()).isEqualTo(120);
    assertThat(w.get("verified").asBoolean()).isTrue();
    assertThat(rows.get("precise_if-" + lower).get("verified").asBoolean()).isFalse(); // "Hello, World" has capitals
    // the prompt request asked for the row's constraint in IFEval's wording
    assertThat(requests).anySatisfy(q -> assertThat(q).startsWith("Write one instruction")
        .contains("Answer with less than 120 words."));
  }

  @Test
  void codeRunsAgainstGeneratedTestsOnlyWhenAllowed() throws Exception {
    boolean hasPython;
    try {
      hasPython = new ProcessBuilder("python3", "-c", "pass").start().waitFor() == 0;
    } catch (IOException e) {
      hasPython = false;
    }
    org.junit.jupiter.api.Assumptions.assumeTrue(hasPython, "python3 is not installed");
    Files.writeString(dir.resolve("personas.txt"), "a careful coder\na careless coder\n");
    assertThat(Main.execute("data", "personas", "--config", config("code", false).toString())).isZero();
    Map<String, JsonNode> rows = rows();
    assertThat(rows.get("code-p1").get("verified").isNull()).isTrue(); // not allowed to run: unverified
    assertThat(rows.get("code-p1").get("tests").asText()).contains("assert add_two(1) == 3");
    Files.delete(dir.resolve("out/examples.jsonl"));
    assertThat(Main.execute("data", "personas", "--config", config("code", false).toString(), "--allow-code-execution")).isZero();
    rows = rows();
    assertThat(rows.get("code-p1").get("verified").asBoolean()).isTrue();
    assertThat(rows.get("code-p2").get("verified").asBoolean()).isFalse(); // x + 3 fails add_two(1) == 3
    assertThat(rows.get("code-p1").get("response").asText()).contains("def add_two");
  }
}
