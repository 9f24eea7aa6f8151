package dev.tulu4j.eval;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PassAtKTest {
  @ParameterizedTest
  @CsvSource({
      // n, c, k, 1 - C(n-c, k) / C(n, k)
      "20, 0, 10, 0.0",
      "20, 1, 10, 0.5", // 1 - C(19,10)/C(20,10) = 1 - 10/20
      "20, 3, 10, 0.8947368421052632", // 1 - 19448/184756 = 17/19; OLMES' numpy product gives the same double
      "20, 5, 10, 0.9837461300309598", // printed by OLMES' estimator (numpy) for n=20, c=5, k=10
      "20, 11, 10, 1.0", // n - c < k: every 10-subset holds a correct sample
      "20, 7, 1, 0.3500000000000001", // pass@1 = c / n = 0.35, by the product as OLMES' numpy also rounds it
      "5, 5, 10, 0.0", // fewer samples than k: OLMES returns 0
  })
  void unbiasedEstimator(int n, int c, int k, double expected) {
    assertThat(PassAtK.estimate(n, c, k)).isEqualTo(expected);
  }
}
