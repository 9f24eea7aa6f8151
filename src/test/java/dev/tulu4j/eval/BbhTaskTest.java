package dev.tulu4j.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** BBH {@code bbh:cot-v1::tulu} over hand-made fixtures in lukaemon/bbh's layout (one folder per task). */
class BbhTaskTest {
  static final Path DIR = Path.of("src/test/resources/eval/bbh");

  @Test
  void threeExemplarsAsChatTurns() {
    EvalTask t = BbhTask.loadOne("bbh_boolean_expressions", "boolean_expressions", DIR.resolve("boolean_expressions"), 0);
    assertThat(t.maxNewTokens()).isEqualTo(512);
    assertThat(t.stop()).isEmpty();
    EvalItem first = t.items().get(0);
    assertThat(first.messages()).hasSize(7);
    // BBH_DESCRIPTIONS["boolean_expressions"] + the first STD:bbh_boolean_expressions exemplar
    assertThat(first.messages().get(0).content())
        .isEqualTo("Evaluate the result of a random Boolean expression.\n\nQ: not ( ( not not True ) ) is\nA: Let's think step by step.");
    assertThat(first.messages().get(1).content()).startsWith("Remember that (i) expressions inside brackets")
        .endsWith("So the answer is False.");
    assertThat(first.messages().get(2).content()).isEqualTo("Q: True and False and not True and True is\nA: Let's think step by step.");
    assertThat(first.messages().get(6).content()).isEqualTo("Q: not ( True ) and ( True ) is\nA: Let's think step by step.");
    assertThat(first.groundTruth().asText()).isEqualTo("False");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      // task | response | extracted (each checked against OLMES' _extract_answer_regex run on the same text)
      "boolean_expressions|Z = not ( True ) = False... So the answer is True.|True",
      "boolean_expressions|A = not False = True. So the answer is false|false",
      "date_understanding|The date is 12/25. So the answer is (B).|(B)",
      "date_understanding|The answer is B|''", // a bare letter: only the backspace pattern would take it
      "date_understanding|Options (A) and (C) are wrong, so the answer: (d)|(d)", // parentheses stripped, then added back
      "dyck_languages|So the answer is ] ) }.|] ) }",
      "multistep_arithmetic_two|(-3 * 4) = -12. So the answer is -12.|-12",
      "word_sorting|So the answer is apple banana cherry.|apple banana cherry",
      "sports_understanding|Yes, plausible. answer: no|no",
      "object_counting|I count 3 + 4 = 7 items|7", // the last match of the bare pattern
      "date_understanding|It is (**C**)... the answer is **(A)**|(A)",
      "formal_fallacies|The argument is invalid. So the answer is valid.|valid",
  })
  void extraction(String task, String response, String expected) {
    assertThat(BbhTask.extract(task, response)).isEqualTo(expected);
  }

  @Test
  void exactMatchIgnoresCaseAndPunctuationExceptDyck(@TempDir Path out) throws Exception {
    EvalTask b = BbhTask.loadOne("b", "boolean_expressions", DIR.resolve("boolean_expressions"), 0);
    // "false" = "False" ignoring case; "True." is extracted as "True" but the gold is "True" → both right
    assertThat(EvalRunner.score(b, List.of("So the answer is false", "So the answer is True."), out.resolve("b.jsonl")).scores())
        .containsExactly(1, 1);
    EvalTask d = BbhTask.loadOne("d", "date_understanding", DIR.resolve("date_understanding"), 0);
    // "(a)" matches "(A)"; the second answer names no option in the accepted form → wrong
    assertThat(EvalRunner.score(d, List.of("So the answer is (a).", "The answer is D"), out.resolve("d.jsonl")).scores())
        .containsExactly(1, 0);
    EvalTask y = BbhTask.loadOne("y", "dyck_languages", DIR.resolve("dyck_languages"), 0);
    // dyck_languages compares with punctuation kept: ") } ]" is right, ") } ] ]" is not
    assertThat(EvalRunner.score(y, List.of("So the answer is ) } ]."), out.resolve("y1.jsonl")).scores()).containsExactly(1);
    assertThat(EvalRunner.score(y, List.of("So the answer is ) } ] ]."), out.resolve("y2.jsonl")).scores()).containsExactly(0);
  }

  @Test
  void theSuiteNeedsEveryTaskAndAveragesOverAllQuestions(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> BbhTask.load("bbh", DIR, 0)).hasMessageContaining("missing: causal_judgement");
    for (String t : BbhTask.tasks()) {
      Files.createDirectories(dir.resolve(t));
      Files.writeString(dir.resolve(t).resolve("test.jsonl"), "{\"input\": \"q\", \"target\": \"(A)\"}\n");
    }
    Files.writeString(dir.resolve("boolean_expressions/test.jsonl"), Files.readString(DIR.resolve("boolean_expressions/test.jsonl")));
    EvalTask all = BbhTask.load("bbh", dir, 0);
    assertThat(all.items()).hasSize(28);
    // micro average: 28 questions, the two boolean ones right
    List<String> responses = all.items().stream()
        .map(i -> i.subject().equals("boolean_expressions") ? "So the answer is " + i.groundTruth().asText() + "." : "no idea").toList();
    assertThat(EvalRunner.score(all, responses, dir.resolve("out.jsonl")).headline().value()).isEqualTo(2.0 / 28);
  }
}
