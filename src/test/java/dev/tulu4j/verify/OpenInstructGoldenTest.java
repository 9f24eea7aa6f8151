package dev.tulu4j.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.tulu4j.verify.math.SympyEquivalence;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code --rules open-instruct} against the verdicts of open-instruct's own functions (commit
 * {@code 9c2d44bec}: {@code ground_truth_utils.verify_gsm8k_sample}, {@code verify_math_sample},
 * {@code verify_strict_math_sample}; {@code math_utils.is_equiv}, {@code hendrycks_is_equiv}) run
 * under sympy 1.12 + antlr4 4.11 by {@code tools/openinstruct_golden.py}: every hand-built case and
 * every completion of the realistic set must get the reference's verdict.
 */
class OpenInstructGoldenTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final OpenInstructGsm8kVerifier GSM8K = new OpenInstructGsm8kVerifier();
  private static final OpenInstructMathVerifier FLEX = new OpenInstructMathVerifier(MathVerifier.Mode.FLEX, 5_000);
  private static final OpenInstructMathVerifier STRICT = new OpenInstructMathVerifier(MathVerifier.Mode.STRICT, 5_000);

  static List<JsonNode> rows(String name) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    try (var in = OpenInstructGoldenTest.class.getResourceAsStream("/verify/openinstruct/" + name);
        var r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        if (!line.isBlank()) {
          out.add(JSON.readTree(line));
        }
      }
    }
    return out;
  }

  /** The open-instruct verdict of {@code fn} (a fixture's function name) on one pair. */
  static boolean openInstruct(String fn, String a, String b) {
    return switch (fn) {
      case "gsm8k" -> GSM8K.verify(a, TextNode.valueOf(b), null).correct();
      case "math" -> FLEX.verify(a, TextNode.valueOf(b), null).correct();
      case "math_strict" -> STRICT.verify(a, TextNode.valueOf(b), null).correct();
      case "is_equiv" -> SympyEquivalence.isEquiv(a, b, 5_000);
      case "hendrycks" -> OpenInstructMathVerifier.hendrycksIsEquiv(a, b);
      default -> throw new IllegalArgumentException(fn);
    };
  }

  static Stream<Arguments> cases() throws IOException {
    return rows("cases.jsonl").stream().map(r -> Arguments.of(r.get("fn").asText(), r.get("prediction").asText(),
        r.get("ground_truth").asText(), r.get("expected").asBoolean(), r.get("note").asText()));
  }

  @ParameterizedTest(name = "{0} {1} | {2} -> {3} ({4})")
  @MethodSource("cases")
  void handBuiltCasesMatchTheReference(String fn, String prediction, String gold, boolean expected, String note) {
    assertEquals(expected, openInstruct(fn, prediction, gold), fn + ": " + note);
  }

  static Stream<Arguments> realistic() throws IOException {
    return rows("realistic.jsonl").stream().map(r -> Arguments.of(r.get("dataset").asText(), r.get("kind").asText(),
        r.get("item").asInt(), r.get("prediction").asText(), r.get("ground_truth").asText(),
        r.get("open_instruct").asBoolean()));
  }

  @ParameterizedTest(name = "{0} {1} item {2} -> {5}")
  @MethodSource("realistic")
  void realisticCompletionsMatchTheReference(String dataset, String kind, int item, String prediction, String gold,
      boolean expected) {
    assertEquals(expected, openInstruct(dataset, prediction, gold), dataset + " " + kind + ": " + prediction);
  }
}
