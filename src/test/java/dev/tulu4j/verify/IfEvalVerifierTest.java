package dev.tulu4j.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.tulu4j.verify.ifeval.InstructionRegistry;
import dev.tulu4j.verify.ifeval.TuluIfFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class IfEvalVerifierTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final IfEvalVerifier verifier = new IfEvalVerifier();

  private static JsonNode json(String s) {
    try {
      return JSON.readTree(s);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void ifevalFormAsObjectOrString() {
    String gt =
        "{\"instruction_id_list\": [\"punctuation:no_comma\", \"startend:end_checker\"],"
            + " \"kwargs\": [{}, {\"end_phrase\": \"Peace!\"}]}";
    VerificationResult ok = verifier.verify("No commas here. Peace!", json(gt), null);
    assertThat(ok.correct()).isTrue();
    assertThat(ok.details().get("follow_instruction_list").toString()).isEqualTo("[true,true]");
    VerificationResult bad = verifier.verify("Commas, here. Peace!", new TextNode(gt), null);
    assertThat(bad.correct()).isFalse();
    assertThat(bad.details().get("follow_instruction_list").toString()).isEqualTo("[false,true]");
  }

  @Test
  void thinkingAndAnswerTagsAreRemovedFirst() {
    JsonNode gt = json("{\"func_name\": \"validate_no_commas\", \"N\": null}");
    VerificationResult r = verifier.verify("<think>hmm, well, yes</think><answer> No commas </answer>", gt, null);
    assertThat(r.extracted()).isEqualTo("No commas");
    assertThat(r.correct()).isTrue();
    assertThat(r.details().get("instruction_id").asText()).isEqualTo("punctuation:no_comma");
    assertThat(verifier.verify("<think>a</think>   ", gt, null).correct()).isFalse();
  }

  @Test
  void badGroundTruthIsAClearError() {
    assertThatThrownBy(() -> verifier.verify("x", json("{\"func_name\": \"nope\"}"), null))
        .hasMessageContaining("unknown func_name \"nope\"");
    assertThatThrownBy(() -> verifier.verify("x", json("{\"func_name\": \"verify_keywords\"}"), null))
        .hasMessageContaining("missing field 'keyword_list'");
    assertThatThrownBy(() -> verifier.verify("x", json("{\"foo\": 1}"), null))
        .hasMessageContaining("expected 'func_name' or 'instruction_id_list'");
  }

  /** Rows in the shape of Tülu 3's IF RLVR ground truths (unused arguments are null). */
  static Stream<Arguments> tuluRows() {
    return Stream.of(
        Arguments.of("{\"func_name\": \"verify_keywords\", \"keyword_list\": [\"Cat\", \"dog\"], \"N\": null}", "A CAT and a dog.", true),
        Arguments.of("{\"func_name\": \"verify_keywords\", \"keyword_list\": [\"cat\", \"dog\"]}", "A cat only.", false),
        Arguments.of("{\"func_name\": \"verify_keyword_frequency\", \"word\": \"cat\", \"N\": 2}", "Cat, cat, category.", true),
        Arguments.of("{\"func_name\": \"verify_keyword_frequency\", \"word\": \"cat\", \"N\": 2}", "cat cat cat", false),
        Arguments.of("{\"func_name\": \"validate_forbidden_words\", \"forbidden_words\": [\"bad\"]}", "All good.", true),
        Arguments.of("{\"func_name\": \"validate_forbidden_words\", \"forbidden_words\": [\"bad\"]}", "Badminton.", false),
        Arguments.of("{\"func_name\": \"verify_letter_frequency\", \"letter\": \"l\", \"N\": 3}", "hello world", true),
        Arguments.of("{\"func_name\": \"verify_letter_frequency\", \"letter\": \"L\", \"N\": 3}", "hello world", false),
        Arguments.of("{\"func_name\": \"validate_response_language\", \"language\": \"de\"}", "Dies ist ein ganz normaler deutscher Satz über das Wetter.", true),
        Arguments.of("{\"func_name\": \"validate_response_language\", \"language\": \"de\"}", "This is an ordinary English sentence about the weather.", false),
        Arguments.of("{\"func_name\": \"verify_paragraph_count\", \"N\": 2}", "One.\n  * * *  \nTwo.", true),
        Arguments.of("{\"func_name\": \"verify_paragraph_count\", \"N\": 2}", "One.\n***\nTwo.", false),
        Arguments.of("{\"func_name\": \"validate_word_constraint\", \"N\": 10, \"quantifier\": \"around\"}", "w ".repeat(11), true),
        Arguments.of("{\"func_name\": \"validate_word_constraint\", \"N\": 10, \"quantifier\": \"at most\"}", "w ".repeat(11), false),
        Arguments.of("{\"func_name\": \"verify_sentence_constraint\", \"N\": 3, \"quantifier\": \"at least\"}", "One. Two! Three?", true),
        Arguments.of("{\"func_name\": \"verify_sentence_constraint\", \"N\": 2, \"quantifier\": \"at most\"}", "Ask Mr. Smith. Then e.g. go. Now.", false),
        Arguments.of("{\"func_name\": \"validate_paragraphs\", \"N\": 2, \"first_word\": \"Then\", \"i\": 2}", "First.\n\n Then second.", true),
        Arguments.of("{\"func_name\": \"validate_paragraphs\", \"N\": 2, \"first_word\": \"then\", \"i\": 2}", "First.\n\nThen second.", false),
        Arguments.of("{\"func_name\": \"verify_postscript\", \"postscript_marker\": \"P.S.\"}", "Hi.\nP.S. more", true),
        Arguments.of("{\"func_name\": \"verify_postscript\", \"postscript_marker\": \"P.S.\"}", "Hi.\nP.S.  ", false),
        Arguments.of("{\"func_name\": \"validate_placeholders\", \"N\": 2}", "[a] and [b]", true),
        Arguments.of("{\"func_name\": \"validate_placeholders\", \"N\": 3}", "[a] and [b]", false),
        Arguments.of("{\"func_name\": \"verify_bullet_points\", \"N\": 2}", "* a\n  - b\ntext", true),
        Arguments.of("{\"func_name\": \"verify_bullet_points\", \"N\": 2}", "**bold**\n* a\n* b", false),
        Arguments.of("{\"func_name\": \"validate_title\"}", "<<>> empty title counts", true),
        Arguments.of("{\"func_name\": \"validate_title\"}", "no title", false),
        Arguments.of("{\"func_name\": \"validate_choice\", \"options\": [\"yes\", \"no\"]}", "I say yes", true),
        Arguments.of("{\"func_name\": \"validate_choice\", \"options\": [\"yes\", \"no\"]}", "Maybe", false),
        Arguments.of("{\"func_name\": \"validate_highlighted_sections\", \"N\": 2}", "*a* and **", true),
        Arguments.of("{\"func_name\": \"validate_highlighted_sections\", \"N\": 2}", "*a* only", false),
        Arguments.of("{\"func_name\": \"validate_sections\", \"N\": 2, \"section_splitter\": \"Section\"}", "SECTION 1 a section 2 b", true),
        Arguments.of("{\"func_name\": \"validate_sections\", \"N\": 2, \"section_splitter\": \"Section\"}", "Section a Section b", false),
        Arguments.of("{\"func_name\": \"validate_json_format\"}", "{\"a\": 1}", true),
        Arguments.of("{\"func_name\": \"validate_json_format\"}", "```json\n{\"a\": 1}\n```", false),
        Arguments.of("{\"func_name\": \"validate_repeat_prompt\", \"original_prompt\": \"Say hi.\"}", "Say hi. Hi!", true),
        Arguments.of("{\"func_name\": \"validate_repeat_prompt\", \"original_prompt\": \"Say hi.\"}", "say hi. Hi!", false),
        Arguments.of("{\"func_name\": \"validate_two_responses\"}", "A\n******\nB", true),
        Arguments.of("{\"func_name\": \"validate_two_responses\"}", "A\n******\nA", false),
        Arguments.of("{\"func_name\": \"validate_uppercase\"}", "ALL CAPS 123.", true),
        Arguments.of("{\"func_name\": \"validate_uppercase\"}", "Not caps", false),
        Arguments.of("{\"func_name\": \"validate_lowercase\"}", "all lower 123.", true),
        Arguments.of("{\"func_name\": \"validate_lowercase\"}", "Not lower", false),
        Arguments.of("{\"func_name\": \"validate_frequency_capital_words\", \"N\": 2, \"quantifier\": \"at least\"}", "NASA and ESA", true),
        Arguments.of("{\"func_name\": \"validate_frequency_capital_words\", \"N\": 1, \"quantifier\": \"at most\"}", "NASA and ESA", false),
        Arguments.of("{\"func_name\": \"validate_end\", \"end_phrase\": \"Bye.\"}", "Ok. Bye.", true),
        Arguments.of("{\"func_name\": \"validate_end\", \"end_phrase\": \"Bye.\"}", "Ok. Bye!", false),
        Arguments.of("{\"func_name\": \"validate_quotation\"}", "\"quoted\"", true),
        Arguments.of("{\"func_name\": \"validate_quotation\"}", "\"half", false),
        Arguments.of("{\"func_name\": \"validate_no_commas\"}", "none here", true),
        Arguments.of("{\"func_name\": \"validate_no_commas\"}", "one, here", false));
  }

  @ParameterizedTest(name = "[{index}] {0} on {1} -> {2}")
  @MethodSource("tuluRows")
  void tuluFunctionsFollowOpenInstructSemantics(String gt, String response, boolean expected) {
    assertThat(verifier.verify(response, json(gt), null).correct()).isEqualTo(expected);
  }

  @Test
  void everyTuluFunctionHasRowsAndMapsToARegisteredInstruction() {
    var covered = tuluRows().map(a -> json((String) a.get()[0]).get("func_name").asText()).collect(java.util.stream.Collectors.toSet());
    assertThat(covered).hasSize(TuluIfFunction.values().length);
    for (TuluIfFunction f : TuluIfFunction.values()) {
      assertThat(covered).contains(f.funcName());
      assertThat(InstructionRegistry.ids()).contains(f.ifevalId());
    }
  }
}
