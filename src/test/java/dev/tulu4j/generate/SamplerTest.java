package dev.tulu4j.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class SamplerTest {
  // logits ln(0.5), ln(0.3), ln(0.15), ln(0.05): probabilities at T = 1 are exactly those
  private static final float[] LOGITS = {
    (float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.15), (float) Math.log(0.05)
  };

  private static SamplingParams params(double t, int k, double p) {
    return new SamplingParams(t, k, p, 10, List.of(), 0);
  }

  @Test
  void greedyTakesArgmaxWithItsLogSoftmax() {
    var pick = new Sampler(SamplingParams.greedy(5), 1).next(LOGITS, 0, 4);
    assertThat(pick.token()).isZero();
    assertThat(pick.logprob()).isCloseTo(Math.log(0.5), within(1e-6));
  }

  @Test
  void samplingFrequenciesMatchTheDistribution() {
    int[] counts = new int[4];
    var s = new Sampler(params(1, 0, 1), 42);
    int n = 40_000;
    for (int i = 0; i < n; i++) counts[s.next(LOGITS, 0, 4).token()]++;
    // 4σ bounds of a binomial with n = 40000
    assertThat(counts[0] / (double) n).isCloseTo(0.5, within(0.01));
    assertThat(counts[1] / (double) n).isCloseTo(0.3, within(0.01));
    assertThat(counts[3] / (double) n).isCloseTo(0.05, within(0.005));
  }

  @Test
  void topPKeepsTheSmallestSetReachingP() {
    // top_p 0.8: 0.5 + 0.3 = 0.8 reaches it → only tokens 0 and 1, renormalised to 0.625 / 0.375
    var s = new Sampler(params(1, 0, 0.8), 7);
    int[] counts = new int[4];
    for (int i = 0; i < 20_000; i++) {
      var pick = s.next(LOGITS, 0, 4);
      counts[pick.token()]++;
      if (pick.token() == 0) assertThat(pick.logprob()).isCloseTo(Math.log(0.625), within(1e-5));
    }
    assertThat(counts[2] + counts[3]).isZero();
    assertThat(counts[0] / 20_000.0).isCloseTo(0.625, within(0.015));
  }

  @Test
  void topKKeepsKTokens() {
    var s = new Sampler(params(1, 1, 1), 3);
    for (int i = 0; i < 100; i++) assertThat(s.next(LOGITS, 0, 4).token()).isZero();
  }

  @Test
  void topKBreaksTiesByLowerTokenId() {
    // four equal logits and a smaller one: top_k 2 keeps ids 0 and 1 (sorted by probability, then id)
    float[] logits = {0f, 0f, 0f, 0f, -1f, 0.5f};
    var s = new Sampler(params(1, 3, 1), 11);
    int[] counts = new int[6];
    for (int i = 0; i < 3000; i++) counts[s.next(logits, 0, 6).token()]++;
    assertThat(counts[5]).isPositive();
    assertThat(counts[0]).isPositive();
    assertThat(counts[1]).isPositive();
    assertThat(counts[2] + counts[3] + counts[4]).isZero();
  }

  @Test
  void sameSeedSameSequence() {
    var a = new Sampler(params(0.7, 0, 0.95), 99);
    var b = new Sampler(params(0.7, 0, 0.95), 99);
    for (int i = 0; i < 50; i++) assertThat(a.next(LOGITS, 0, 4)).isEqualTo(b.next(LOGITS, 0, 4));
  }
}
