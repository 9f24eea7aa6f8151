package dev.tulu4j.dpo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.tulu4j.data.Message;
import dev.tulu4j.verify.Verifiers;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class VerifierThenRewardModelJudgeTest {
  /** A GSM8K-style row: the verifier accepts a response whose last number is 12. */
  private static final PromptSource PROMPT = new PromptSource("p1", "test:1",
      List.of(new Message("user", "Ann has 7 apples and buys 5 more. How many now?")),
      JsonNodeFactory.instance.textNode("12"), "gsm8k");

  /** A stand-in reward model: fixed scores per response text. */
  private static Judge scores(Map<String, Double> s) {
    return (p, response) -> s.get(response);
  }

  @Test
  void verifiedAlwaysOutranksFailedAndTheRewardModelOrdersEqualVerdicts() {
    Map<String, Double> rm = Map.of(
        "7 + 5 = 12. #### 12", -3.0,        // verified, disliked by the RM
        "She has 12 apples. #### 12", 2.0,  // verified, liked
        "7 + 5 = 13. #### 13", 9.0,         // wrong, loved by the RM
        "#### 11", -1.0);                   // wrong
    Judge j = Judge.verifierThenRewardModel(Judge.verifier(Verifiers.standard()), scores(rm));

    double okLow = j.rate(PROMPT, "7 + 5 = 12. #### 12");
    double okHigh = j.rate(PROMPT, "She has 12 apples. #### 12");
    double badHigh = j.rate(PROMPT, "7 + 5 = 13. #### 13");
    double badLow = j.rate(PROMPT, "#### 11");

    assertThat(okLow).isGreaterThan(badHigh);
    assertThat(okHigh).isGreaterThan(okLow);
    assertThat(badHigh).isGreaterThan(badLow);
    // 4 + σ(score) for verified, σ(score) otherwise
    assertThat(okHigh).isCloseTo(4 + 1 / (1 + Math.exp(-2.0)), org.assertj.core.data.Offset.offset(1e-12));
    assertThat(badLow).isCloseTo(1 / (1 + Math.exp(1.0)), org.assertj.core.data.Offset.offset(1e-12));
  }

  @Test
  void allFailedSamplesStillGiveAPairOrderedByTheRewardModel() {
    Map<String, Double> rm = Map.of("#### 11", 0.5, "#### 13", -0.5, "#### 14", 3.0);
    Judge j = Judge.verifierThenRewardModel(Judge.verifier(Verifiers.standard()), scores(rm));
    double[] r = {j.rate(PROMPT, "#### 11"), j.rate(PROMPT, "#### 13"), j.rate(PROMPT, "#### 14")};

    PairSelection.Pair pair = PairSelection.select(r, new SplittableRandom(1));

    assertThat(pair).isNotNull();
    assertThat(pair.chosen()).isEqualTo(2);
    assertThat(pair.rejected()).isIn(0, 1);
    // the plain verifier judge ties all three: no pair
    Judge v = Judge.verifier(Verifiers.standard());
    double[] tied = {v.rate(PROMPT, "#### 11"), v.rate(PROMPT, "#### 13"), v.rate(PROMPT, "#### 14")};
    assertThat(PairSelection.select(tied, new SplittableRandom(1))).isNull();
  }

  @Test
  void anUnratedResponseStaysUnrated() {
    Judge j = Judge.verifierThenRewardModel(Judge.verifier(Verifiers.standard()), (p, response) -> Double.NaN);
    assertThat(j.rate(PROMPT, "#### 12")).isNaN();
  }
}
