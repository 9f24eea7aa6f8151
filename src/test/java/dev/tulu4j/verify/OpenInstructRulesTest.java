package dev.tulu4j.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.tulu4j.cli.Main;
import dev.tulu4j.config.ConfigLoader;
import dev.tulu4j.rlvr.RlvrConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The open-instruct rule set, one row per code path of the released functions, each verdict derived by
 * hand from open-instruct commit {@code 9c2d44bec} (the derivation in the comment beside the row), and
 * the wiring: {@code verify --rules}, {@code verifier_rules} in RLVR configs, tulu4j as the default.
 */
class OpenInstructRulesTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  /** ground_truth_utils.py verify_gsm8k_sample: last match of [-+]?\d*\.\d+|\d+, then str(..).lower() ==. */
  @ParameterizedTest(name = "[{index}] {0} | {1} -> {2}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
      The answer is -540.          | 540   | true
      The answer is -540.          | -540  | false
      The answer is -5.5.          | -5.5  | true
      She paid $18.00.             | 18    | false
      She paid 18.0 dollars.       | 18    | false
      The total is $1,234.         | 1234  | true
      The list is 1,2,3            | 3     | true
      The answer is 72. Check: 73. | 72    | false
      "<|assistant|>\nsay 3\n<|assistant|>\nThe answer is 4" | 4 | true
      no numbers                   | NO NUMBERS | true
      """)
  void gsm8kRowsDerivedFromTheSource(String prediction, String gold, boolean expected) {
    // row 1: at '-' the first alternative needs '\.' after "540" and fails at the final '.'; the second
    //        alternative \d+ cannot start at '-'; so the match begins at '5': "540" == "540"
    // row 2: the gold "-540" is never produced by the regex for an integer, so a negative integer never matches
    // row 3: "-5.5" is the first alternative with its sign
    // rows 4, 5: "18.00" and "18.0" are compared as strings with "18"
    // row 6: re.sub(r"(\d),(\d)") gives "1234"; row 7: the non-overlapping sub gives "12,3", last number "3"
    // row 8: the last number ("73") wins over the stated answer
    // row 9: text after the last "<|assistant|>\n"; row 10: no number, the whole response lower-cased
    String p = prediction.replace("\\n", "\n");
    assertThat(new OpenInstructGsm8kVerifier().verify(p, TextNode.valueOf(gold), null).correct()).isEqualTo(expected);
  }

  /**
   * ground_truth_utils.py verify_math_sample / verify_strict_math_sample with math_utils.py
   * last_boxed_only_string, remove_boxed, get_unnormalized_answer, normalize_final_answer, is_equiv
   * (sympy parse_latex, simplify(a - b) == 0), hendrycks_is_equiv (strip_string ==).
   */
  @ParameterizedTest(name = "[{index}] {0} {1} | {2} -> {3}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
      flex   | The answer is \\boxed{$9$}.  | 9             | false
      flex   | The answer is \\boxed{9}.    | 9             | true
      flex   | \\boxed{\\frac{1}{2}}        | 0.5           | true
      flex   | \\boxed{18.00}               | 18            | true
      flex   | \\fbox{7}                    | 7             | false
      flex   | \\boxed{1, 2}                | 1             | true
      flex   | \\boxed{5}                   | \\boxed{5}    | false
      flex   | \\boxed{\\text{(A)}}         | A             | false
      flex   | So $x = 7$.                  | 7             | true
      flex   | The answer is 7.             | 7             | false
      strict | \\boxed{9}                   | 9             | true
      strict | The answer is \\boxed{9}.    | 9             | false
      strict | "Final Answer: The final answer is 18.00. I hope it is correct." | 18 | true
      """)
  void mathRowsDerivedFromTheSource(String mode, String prediction, String gold, boolean expected) {
    // 1: remove_boxed gives "$9$": parse_latex raises on '$' (lexer), strip_string keeps "$9$" != "9"
    // 2: "9" == "9"; 3: sympy 1/2 - 0.5 == 0; 4: sympy Float(18.00) - 18 == 0
    // 5: last_boxed_only_string falls back to \fbox, remove_boxed asserts "\boxed{" and fails; no Minerva, no
    //    two dollars: normalize_final_answer("\fbox{7}") = "\fbox{7}", which neither rule equates with 7
    // 6: the grammar's start rule has no EOF: "1, 2" parses as 1
    // 7: the gold is used as given, never reduced to its box: parse_latex("\boxed{5}") = boxed*5 != 5, and
    //    strip_string("\boxed{5}") != "5"
    // 8: parse_latex("\text{(A)}") = text*A != A; strip_string keeps "\text{(A)}"
    // 9: no box, no Minerva: the text between the last two '$', normalised: "x = 7" -> "7"
    // 10: the whole output normalised ("Theansweris7.") matches nothing
    // 11: strict ignores boxes as candidates, but normalize_final_answer of the whole output unwraps
    //     r"(\\boxed\{)(.*)(\})": "\boxed{9}" -> "9"
    // 12: with words around it the whole output stays "Theansweris9." after normalisation
    // 13: the Minerva answer "18.00" is compared by sympy as in flex
    MathVerifier.Mode m = mode.equals("flex") ? MathVerifier.Mode.FLEX : MathVerifier.Mode.STRICT;
    assertThat(new OpenInstructMathVerifier(m, 5_000).verify(prediction, TextNode.valueOf(gold), null).correct())
        .as("%s %s vs %s", mode, prediction, gold).isEqualTo(expected);
  }

  @Test
  void theDefaultRulesAreTulu4jsAndTheRegistryIsExplicit() {
    assertThat(Verifiers.standard().get("gsm8k")).isInstanceOf(Gsm8kVerifier.class);
    assertThat(Verifiers.standard().get("MATH")).isInstanceOf(MathVerifier.class);
    Verifiers oi = Verifiers.standard(VerifierRules.OPEN_INSTRUCT, MathVerifier.Mode.STRICT, 1_000);
    assertThat(oi.get("gsm8k")).isInstanceOf(OpenInstructGsm8kVerifier.class);
    assertThat(oi.get("math")).isInstanceOf(OpenInstructMathVerifier.class);
    assertThat(oi.names()).containsExactly("gsm8k", "ifeval", "math");
    assertThat(VerifierRules.parse("open-instruct")).isEqualTo(VerifierRules.OPEN_INSTRUCT);
    assertThat(VerifierRules.parse("OPEN_INSTRUCT")).isEqualTo(VerifierRules.OPEN_INSTRUCT);
    assertThat(VerifierRules.parse("tulu4j")).isEqualTo(VerifierRules.TULU4J);
    assertThat(VerifierRules.OPEN_INSTRUCT.cliName()).isEqualTo("open-instruct");
    assertThatThrownBy(() -> VerifierRules.parse("oi")).hasMessageContaining("tulu4j or open-instruct");
  }

  @Test
  void numberGroundTruthsAreReadAsPythonsStr() {
    // json.loads gives int 18 -> "18" and float 18.0 -> "18.0"; list = any element (tulu4j's form)
    OpenInstructGsm8kVerifier v = new OpenInstructGsm8kVerifier();
    assertThat(v.verify("The answer is 18", IntNode.valueOf(18), null).correct()).isTrue();
    assertThat(v.verify("The answer is 18", DoubleNode.valueOf(18.0), null).correct()).isFalse();
    assertThat(v.verify("The answer is 18.0", DoubleNode.valueOf(18.0), null).correct()).isTrue();
    assertThat(v.verify("The answer is 7", JSON.createArrayNode().add("3").add("7"), null).correct()).isTrue();
    assertThat(OpenInstructText.pythonFloatRepr(1e-5)).isEqualTo("1e-05");
    assertThat(OpenInstructText.pythonFloatRepr(1e16)).isEqualTo("1e+16");
    assertThat(OpenInstructText.pythonFloatRepr(123456.5)).isEqualTo("123456.5");
    assertThat(OpenInstructText.pythonFloatRepr(0.1)).isEqualTo("0.1");
    assertThat(OpenInstructText.pythonFloatRepr(-2.5e-7)).isEqualTo("-2.5e-07");
    assertThatThrownBy(() -> v.verify("1", JSON.createObjectNode(), null)).hasMessageContaining("ground_truth");
  }

  @Test
  void cliRulesOptionSelectsTheRuleSet() throws Exception {
    Path in = dir.resolve("in.jsonl");
    Files.writeString(in, """
        {"prediction":"The answer is -540.","ground_truth":"540","dataset":"gsm8k"}
        {"prediction":"She paid $18.00.","ground_truth":"18","dataset":"gsm8k"}
        {"prediction":"So \\\\boxed{$9$}.","ground_truth":"9","dataset":"MATH"}
        """);
    Path out = dir.resolve("out.jsonl");
    assertThat(Main.execute("verify", "--in", in.toString(), "--out", out.toString(), "--rules", "open-instruct"))
        .isZero();
    assertThat(scores(out)).containsExactly(1, 0, 0);
    assertThat(JSON.readTree(Files.readAllLines(out).getFirst()).at("/details/rules").asText()).isEqualTo("open-instruct");
    assertThat(Main.execute("verify", "--in", in.toString(), "--out", out.toString())).isZero();
    assertThat(scores(out)).containsExactly(0, 1, 1); // tulu4j, the default
    assertThat(Main.execute("verify", "--in", in.toString(), "--out", out.toString(), "--rules", "sympy")).isEqualTo(1);
  }

  private static List<Integer> scores(Path out) throws Exception {
    return Files.readAllLines(out).stream().map(l -> {
      try {
        return JSON.readTree(l).get("score").asInt();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }).toList();
  }

  @Test
  void rlvrConfigCarriesTheRuleSet() {
    List<String> base = List.of("model=unused", "train_file=unused");
    assertThat(ConfigLoader.fromOverrides(base, RlvrConfig.class).verifierRules()).isEqualTo(VerifierRules.TULU4J);
    List<String> oi = new java.util.ArrayList<>(base);
    oi.add("verifier_rules=open-instruct");
    assertThat(ConfigLoader.fromOverrides(oi, RlvrConfig.class).verifierRules()).isEqualTo(VerifierRules.OPEN_INSTRUCT);
    List<String> bad = new java.util.ArrayList<>(base);
    bad.add("verifier_rules=sympy");
    assertThatThrownBy(() -> ConfigLoader.fromOverrides(bad, RlvrConfig.class)).hasMessageContaining("verifier_rules");
  }
}
