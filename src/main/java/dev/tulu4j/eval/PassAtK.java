package dev.tulu4j.eval;

/**
 * The unbiased pass@k estimator of Chen et al. 2021 ("Evaluating Large Language Models Trained on
 * Code", eq. 1): {@code 1 - C(n-c, k) / C(n, k)} for {@code c} correct of {@code n} samples, computed as
 * OLMES' {@code estimate_pass_at_k_1doc} ({@code oe_eval/metrics/metric_utils.py}) does:
 * {@code 1 - Π_{i=n-c+1..n} (1 - k/i)}, 1 when {@code n - c < k}, and 0 when {@code n < k}.
 */
public final class PassAtK {
  private PassAtK() {}

  public static double estimate(int n, int c, int k) {
    if (c < 0 || c > n) throw new IllegalArgumentException("correct samples must be in [0, n], got c=" + c + ", n=" + n);
    if (n < k) return 0.0;
    if (n - c < k) return 1.0;
    double prod = 1.0;
    for (int i = n - c + 1; i <= n; i++) prod *= 1.0 - (double) k / i;
    return 1.0 - prod;
  }
}
