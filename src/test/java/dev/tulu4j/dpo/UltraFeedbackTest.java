package dev.tulu4j.dpo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.dpo.UltraFeedback.Aspect;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** The judge's prompts as open-instruct renders them for Tülu 3, and the reading of its answers. */
class UltraFeedbackTest {
  static final int M = UltraFeedback.MISSING;

  /** Each aspect's rubric heading and output format, as in open-instruct's ultrafeedback_template.py. */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "HELPFULNESS|# Informativeness / Helpfulness Assessment|true|## Format\\n",
    "HONESTY|# Honesty and Uncertainty Expression Assessment|false|## Format:\\n",
    "INSTRUCTION_FOLLOWING|# Instruction Following Assessment|false|## Format:\\n",
    "TRUTHFULNESS|# Truthfulness and Hallucination Assessment|true|## Format\\n",
  })
  void rendersEachAspectsOwnRubricAndFormat(Aspect aspect, String heading, boolean typed, String format) {
    String p = UltraFeedback.render(aspect, "Write a haiku about rain.", List.of("Rain falls soft", "I like rain.\nA lot."));
    assertThat(p).startsWith(heading + "\n");
    assertThat(p).contains(format.replace("\\n", "\n"));
    assertThat(p).contains("<text 1> [Text 1]\n<text 2> [Text 2]\n\n### Output\n#### Output for Text 1\n");
    assertThat(p.contains("Type: [List of numeric identifiers")).isEqualTo(typed);
    // the annotation part: the real instruction and texts, numbered from 1 (open-instruct's IF template starts at 2)
    assertThat(p).endsWith("## Annotation\n\n### Input\nInstruction: Write a haiku about rain.\n\nTexts:\n"
        + "<text 1> Rain falls soft\n<text 2> I like rain.\nA lot.\n\n### Output\n");
    assertThat(p).doesNotContain("<text 3>").doesNotContain("{{").doesNotContain("{%");
  }

  @Test
  void scaleLinesAreTheUltraFeedbackOnes() {
    assertThat(UltraFeedback.render(Aspect.HONESTY, "q", List.of("a"))).contains("N/A. **Not Applicable**: For creative writing tasks.");
    assertThat(UltraFeedback.render(Aspect.TRUTHFULNESS, "q", List.of("a"))).contains("5. **No Hallucination**: Free of hallucinations.");
    assertThat(UltraFeedback.render(Aspect.INSTRUCTION_FOLLOWING, "q", List.of("a")))
        .contains("5. **Comprehensive Compliance**: Fully aligns, meets all requirements.");
    assertThat(UltraFeedback.render(Aspect.HELPFULNESS, "q", List.of("a")))
        .contains("5. **Outstandingly Helpful**: Both accurate and in-depth, offering profound insights and comprehensive information.");
    assertThat(UltraFeedback.SYSTEM_PROMPT).startsWith("Your role is to evaluate text quality based on given criteria.");
  }

  /** answer (\n escaped) | aspect | k | expected ratings (M = unreadable, 0 = N/A). */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    // the format the prompt asks for
    "#### Output for Text 1\\nRating: 4\\nRationale: fine\\n\\n#### Output for Text 2\\nRating: 2\\nRationale: off|INSTRUCTION_FOLLOWING|2|4,2",
    // typed aspects: Type and its rationale come first
    "#### Output for Text 1\\nType: 1, 2\\nRationale: r\\nRating: 5\\nRationale: r\\n\\n#### Output for Text 2\\nType: None\\nRationale: r\\nRating: 3\\nRationale: r|HELPFULNESS|2|5,3",
    // headings in bold or other levels, rating in bold, a suffix after the number
    "**Output for Text 1**\\n**Rating:** 5 (excellent)\\n\\n### Output for Text 2\\nRating: 4/5\\nRationale: x|TRUTHFULNESS|2|5,4",
    // out of order, a repeated heading (first wins), a number outside 1..k ignored
    "#### Output for Text 2\\nRating: 1\\n#### Output for Text 1\\nRating: 3\\n#### Output for Text 2\\nRating: 5\\n#### Output for Text 7\\nRating: 2|HONESTY|2|3,1",
    // honesty's N/A; the same N/A elsewhere is unreadable
    "#### Output for Text 1\\nRating: N/A\\nRationale: poem|HONESTY|1|0",
    "#### Output for Text 1\\nRating: N/A\\nRationale: poem|HELPFULNESS|1|-1",
    // out of range, decimal, no number, no Rating line, missing section
    "#### Output for Text 1\\nRating: 7\\n#### Output for Text 2\\nRating: 4.5\\n#### Output for Text 3\\nRating: good\\n#### Output for Text 4\\nRationale: none|HELPFULNESS|5|-1,-1,-1,-1,-1",
    // no headings: Rating lines in order, only when there is one per text
    "Rating: 3\\nRationale: a\\n\\nRating: 5\\nRationale: b|HONESTY|2|3,5",
    "Rating: 3\\nRationale: a|HONESTY|2|-1,-1",
    // prose only
    "I think all of them are pretty good.|HELPFULNESS|2|-1,-1",
  })
  void readsRatingsWithoutGuessing(String answer, Aspect aspect, int k, String expected) {
    int[] want = Arrays.stream(expected.split(",")).mapToInt(Integer::parseInt).toArray();
    assertThat(UltraFeedback.parse(aspect, answer.replace("\\n", "\n"), k)).containsExactly(want);
  }

  @Test
  void nullAnswerIsAllMissing() {
    assertThat(UltraFeedback.parse(Aspect.HONESTY, null, 3)).containsExactly(M, M, M);
  }

  @ParameterizedTest
  @EnumSource(Aspect.class)
  void onlyHonestyAllowsNotApplicable(Aspect a) {
    assertThat(UltraFeedback.value(a, "N/A")).isEqualTo(a == Aspect.HONESTY ? UltraFeedback.NOT_APPLICABLE : M);
  }

  @Test
  void displayOrderIsASeededPermutationStableAcrossRuns() {
    int[] o = UltraFeedbackJudge.order(42, 3, 5);
    assertThat(UltraFeedbackJudge.order(42, 3, 5)).containsExactly(o);
    assertThat(Arrays.stream(o).sorted().toArray()).containsExactly(0, 1, 2, 3, 4);
    boolean differs = false;
    for (int p = 0; p < 20 && !differs; p++) differs = !Arrays.equals(UltraFeedbackJudge.order(42, p, 5), new int[] {0, 1, 2, 3, 4});
    assertThat(differs).as("some prompt's responses are shuffled").isTrue();
  }
}
