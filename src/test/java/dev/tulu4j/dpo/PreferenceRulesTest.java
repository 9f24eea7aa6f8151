package dev.tulu4j.dpo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.dpo.UltraFeedback.Aspect;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Tülu 3's pair rule: the best mean rating is chosen, a strictly lower one is drawn as rejected. */
class PreferenceRulesTest {
  @Test
  void chosenIsBestAndRejectedIsStrictlyLower() {
    var rng = new SplittableRandom(1);
    int[] seen = new int[4];
    for (int i = 0; i < 300; i++) {
      var p = PairSelection.select(new double[] {3, 4.5, 4.5, 2}, rng);
      assertThat(p.chosen()).isEqualTo(1);
      assertThat(p.rejected()).isIn(0, 3);
      seen[p.rejected()]++;
    }
    assertThat(seen[0]).isPositive();
    assertThat(seen[3]).isPositive();
  }

  @Test
  void tiesAndUnratedAreSkipped() {
    assertThat(PairSelection.select(new double[] {4, 4, 4}, new SplittableRandom(1))).isNull();
    assertThat(PairSelection.select(new double[] {Double.NaN, 4}, new SplittableRandom(1))).isNull();
    assertThat(PairSelection.select(new double[] {Double.NaN, 4, 1}, new SplittableRandom(1)).rejected()).isEqualTo(2);
  }

  /**
   * Four aspect answers for three responses, read and averaged, then paired. By hand:
   * response 0: helpfulness 4, honesty N/A, instruction following 5, truthfulness 3 → (4+5+3)/3 = 4.0;
   * response 1: 5, 5, 5, 4 → 19/4 = 4.75; response 2: 2, 3, 1, 2 → 8/4 = 2.0.
   * Chosen = 1 (4.75); both others are strictly lower, so rejected ∈ {0, 2}.
   */
  @Test
  void aspectAnswersAverageThenPairByHand() {
    int[][] r = {
      UltraFeedback.parse(Aspect.HELPFULNESS, answer(4, 5, 2), 3),
      UltraFeedback.parse(Aspect.HONESTY, "#### Output for Text 1\nRating: N/A\nRationale: creative.\n\n"
          + "#### Output for Text 2\nRating: 5\nRationale: ok\n\n#### Output for Text 3\nRating: 3\nRationale: hedges", 3),
      UltraFeedback.parse(Aspect.INSTRUCTION_FOLLOWING, answer(5, 5, 1), 3),
      UltraFeedback.parse(Aspect.TRUTHFULNESS, answer(3, 4, 2), 3)};
    double[] means = {UltraFeedback.mean(r, 0), UltraFeedback.mean(r, 1), UltraFeedback.mean(r, 2)};
    assertThat(means).containsExactly(4.0, 4.75, 2.0);
    boolean[] seen = new boolean[3];
    for (long seed = 0; seed < 64; seed++) {
      var p = PairSelection.select(means, new SplittableRandom(seed));
      assertThat(p.chosen()).isEqualTo(1);
      assertThat(p.chosenRating()).isEqualTo(4.75);
      seen[p.rejected()] = true;
    }
    assertThat(seen).containsExactly(true, false, true);
    // one response with an unreadable aspect is unrated; the pair is then forced: 1 over 2
    r[3][0] = UltraFeedback.MISSING;
    assertThat(UltraFeedback.mean(r, 0)).isNaN();
    var p = PairSelection.select(new double[] {UltraFeedback.mean(r, 0), UltraFeedback.mean(r, 1), UltraFeedback.mean(r, 2)},
        new SplittableRandom(7));
    assertThat(List.of(p.chosen(), p.rejected())).containsExactly(1, 2);
    assertThat(p.rejectedRating()).isEqualTo(2.0);
  }

  static String answer(int... ratings) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < ratings.length; i++)
      sb.append("#### Output for Text ").append(i + 1).append("\nRating: ").append(ratings[i]).append("\nRationale: because.\n\n");
    return sb.toString();
  }
}
