package dev.tulu4j.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * DROP F1 and exact match as OLMES' {@code oe_eval/dependencies/drop/process_results.py} computes
 * them. Each golden value is derived by hand below and was cross-checked by running that file
 * (with a brute-force {@code linear_sum_assignment}) on the same inputs.
 */
class DropMetricTest {
  private static DropMetric.Score score(String prediction, List<List<String>> gold) {
    return DropMetric.score(List.of(prediction), gold);
  }

  @Test
  void trickyPairs() {
    // "1,000" is no float, so punctuation goes → "1000" → "1000.0"; bag {1000.0, yards} vs {1000.0}:
    // P 1/2, R 1 → F1 2/3 → round(0.667, 2) = 0.67; span sets differ → EM 0
    assertThat(score("1,000 yards", List.of(List.of("1000")))).isEqualTo(new DropMetric.Score(0, 0.67));
    // articles are blanked: "the eagles" → "eagles"
    assertThat(score("The Eagles", List.of(List.of("Eagles")))).isEqualTo(new DropMetric.Score(1, 1));
    // "3.5." is no float → punctuation removed → "35" → "35.0"; the gold number 3.5 is not predicted → 0
    assertThat(score("3.5.", List.of(List.of("3.5")))).isEqualTo(new DropMetric.Score(0, 0));
    // but "1998." is a float (Python accepts "1998."), so it keeps its dot and becomes "1998.0" like the gold
    assertThat(score("March 1998.", List.of(List.of("March 1998")))).isEqualTo(new DropMetric.Score(1, 1));
    // hyphens split tokens
    assertThat(score("twenty-five", List.of(List.of("twenty five")))).isEqualTo(new DropMetric.Score(1, 1));
    // the gold has a number (12.0) the prediction lacks: no credit for the shared word "touchdowns"
    assertThat(score("10 touchdowns", List.of(List.of("12 touchdowns")))).isEqualTo(new DropMetric.Score(0, 0));
    // one predicted span vs two gold spans: each pair has F1 0.5 (P 1/3, R 1), one pair is aligned,
    // the mean runs over max(2, 1) = 2 slots → 0.25
    assertThat(score("Smith and Jones", List.of(List.of("Smith", "Jones")))).isEqualTo(new DropMetric.Score(0, 0.25));
    // four gold spans, the one aligned pair has F1 0.5 → 0.5 / 4 = 0.125, which Python rounds half-even to 0.12
    assertThat(score("Smith and Lee", List.of(List.of("Smith", "Jones", "Brown", "White"))))
        .isEqualTo(new DropMetric.Score(0, 0.12));
    // "1e3" is a float → "1000.0"
    assertThat(score("1e3", List.of(List.of("1000")))).isEqualTo(new DropMetric.Score(1, 1));
  }

  @Test
  void maxOverGoldAnswersSkipsBlankOnes() {
    // gold ("",) is skipped, ("7",) matches
    assertThat(score("7", List.of(List.of(""), List.of("7")))).isEqualTo(new DropMetric.Score(1, 1));
    // an empty prediction against only a blank gold: that gold's F1 would be 1 (two empty bags) but it is skipped
    assertThat(score("", List.of(List.of("")))).isEqualTo(new DropMetric.Score(0, 0));
    // vs ("Smith",): P 1/2 R 1 → 0.67; vs ("Smith","Jones"): 0.67 on one of two slots → 0.33; the max is 0.67
    assertThat(score("Jones, Smith", List.of(List.of("Smith"), List.of("Smith", "Jones"))))
        .isEqualTo(new DropMetric.Score(0, 0.67));
    // leading space and newline disappear in tokenisation
    assertThat(score(" 24\n", List.of(List.of("24"), List.of("twenty four")))).isEqualTo(new DropMetric.Score(1, 1));
  }

  @Test
  void multiSpanPredictionsAreAlignedOptimally() {
    // gold {smith, jones}/{brown} vs predicted {smith}/{jones, brown}: F1 matrix [[2/3, 1/2], [0, 2/3]];
    // the best one-to-one alignment takes the diagonal, (2/3 + 2/3) / 2 → 0.67; spans differ → EM 0
    assertThat(DropMetric.metrics(List.of("Smith", "Jones Brown"), List.of("Smith Jones", "Brown")))
        .isEqualTo(new DropMetric.Score(0, 0.67));
    // order does not matter for exact match
    assertThat(DropMetric.metrics(List.of("Smith", "Jones"), List.of("Jones", "Smith"))).isEqualTo(new DropMetric.Score(1, 1));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      // text | str(float(text)) from CPython 3.11, or ERR where float() raises
      "1e16|1e+16", "1234567890123456|1234567890123456.0", "0.0001|0.0001", "0.00001|1e-05", "1_000|1000.0",
      "-0.0|-0.0", "inf|inf", "NaN|nan", "3.50|3.5", "12345678901234567|1.2345678901234568e+16", "1e22|1e+22",
      "5e-324|5e-324", ".5|0.5", "5.|5.0", "0x10|ERR", "1e400|inf", "١٢|12.0", "1,000|ERR", "1__0|ERR", "_1|ERR", "e5|ERR"})
  void pythonFloatParsingAndRepr(String text, String expected) {
    Double f = PyFloat.parse(text);
    assertThat(f == null ? "ERR" : PyFloat.repr(f)).isEqualTo(expected);
  }

  @Test
  void normalisation() {
    assertThat(DropMetric.normalize("The  Bears' 2nd-half")).isEqualTo("bears 2nd half");
    assertThat(DropMetric.normalize("$5 million")).isEqualTo("5.0 million");
    assertThat(DropMetric.normalize("a an the")).isEmpty();
  }
}
