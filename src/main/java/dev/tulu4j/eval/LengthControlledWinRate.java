package dev.tulu4j.eval;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * AlpacaEval 2's win rates: the raw (weighted) win rate of {@code get_winrate} and the length-controlled
 * win rate of {@code get_length_controlled_winrate} with the {@code length_controlled_v1} GLM
 * (tatsu-lab/alpaca_eval {@code src/alpaca_eval/metrics/glm_winrate.py}, {@code metrics/helpers.py};
 * Dubois et al. 2024).
 *
 * <p>The GLM is a logistic regression without intercept on three features per comparison:
 * {@code tanh(std_delta_len)} (baseline length minus model length in characters, divided by its sample
 * standard deviation), {@code instruction_difficulty} (precomputed per instruction, from the dataset's
 * {@code df_gamed.csv}) and {@code not_gamed_baseline} (1 for the model's rows). It is fitted on the
 * model's annotations together with the gamed-baseline annotations of {@code df_gamed.csv} (weight
 * λ/2 = 0.1 each, λ = {@code regularize_to_baseline_lambda} 0.2), with soft labels (each row twice, label 1
 * weighted by p and label 0 by 1 − p), an L1 penalty whose strength is chosen among
 * {@code C ∈ logspace(-4, 4, 10)} by 5-fold grouped cross-validation on the weighted log loss, then
 * refitted on everything ({@code fit_LogisticRegressionCV}: scikit-learn's {@code LogisticRegressionCV},
 * liblinear, {@code fit_intercept=False}). The LC win rate is the mean predicted preference with the
 * length feature set to 0.
 *
 * <p>Where this differs from running alpaca_eval: liblinear stops at a tolerance of 1e-4, here the L1
 * problem is solved to 1e-12 (the exact optimum, so weights may differ from liblinear's in the 4th
 * digit); GroupKFold's fold assignment is taken with numpy's argsort of equal group sizes as stable
 * (groups assigned round-robin from the last), which numpy guarantees only for ≤ 16 groups.
 */
public final class LengthControlledWinRate {
  /** The candidate inverse regularisation strengths: {@code np.logspace(-4, 4, 10)}, LogisticRegressionCV's default. */
  static final double[] CS = logspace(-4, 4, 10);
  static final int N_SPLITS = 5;
  static final double GAMED_WEIGHT = 0.2 / 2;

  private LengthControlledWinRate() {}

  /** One row of {@code df_gamed.csv}: a gamed baseline's annotation, its features precomputed. */
  public record GamedRow(int index, double preference, double stdDeltaLen, double instructionDifficulty,
      boolean notGamedBaseline) {}

  /**
   * The metrics alpaca_eval reports, in its units (percent for the rates).
   *
   * @param glmPreference per comparison, the GLM's predicted preference with no length difference
   * @param weights the GLM's coefficients: tanh(std_delta_len), instruction_difficulty, not_gamed_baseline
   */
  public record Result(double winRate, double standardError, int nWins, int nWinsBase, int nDraws, int nTotal,
      double discreteWinRate, double lengthControlledWinRate, double lcStandardError, double bestC, double[] weights,
      double[] glmPreference) {}

  /**
   * @param preference per comparison, alpaca_eval's preference in [1, 2] (2 = the model's output wins; 1.5 a
   *     draw; NaN when the judge gave no answer)
   * @param baselineOutputs the reference outputs ({@code output_1})
   * @param modelOutputs the model's outputs ({@code output_2}); comparison i is instruction {@code index} i
   * @param gamed the rows of {@code df_gamed.csv}, in file order
   */
  public static Result compute(double[] preference, List<String> baselineOutputs, List<String> modelOutputs,
      List<GamedRow> gamed) {
    int n = preference.length;
    if (baselineOutputs.size() != n || modelOutputs.size() != n)
      throw new IllegalArgumentException("one baseline and one model output per preference are needed");
    Result raw = winRate(preference);
    // instruction_difficulty = df_gamed.drop_duplicates("index")["instruction_difficulty"], then looked up by
    // *row label* with the comparison's index: row g of the file, if it is the first row of its index
    Map<Integer, Double> difficulty = new HashMap<>();
    java.util.Set<Integer> seen = new java.util.HashSet<>();
    for (int r = 0; r < gamed.size(); r++)
      if (seen.add(gamed.get(r).index())) difficulty.put(r, gamed.get(r).instructionDifficulty());
    double[] diff = new double[n];
    for (int i = 0; i < n; i++) {
      Double d = difficulty.get(i);
      if (d == null)
        throw new IllegalArgumentException("df_gamed.csv: no instruction_difficulty for comparison " + i + " (row " + i
            + " of the file is missing or repeats an earlier index; alpaca_eval would fail with a KeyError here)");
      diff[i] = d;
    }
    // std_delta_len = (len(output_1) - len(output_2)) / its sample standard deviation (pandas .std(), ddof 1)
    double[] delta = new double[n];
    for (int i = 0; i < n; i++) delta[i] = pyLen(baselineOutputs.get(i)) - pyLen(modelOutputs.get(i));
    double sd = sampleSd(delta);
    if (!(sd > 0))
      throw new IllegalArgumentException("AlpacaEval LC: the length differences have no spread (need at least two "
          + "comparisons with different baseline-minus-model lengths)");
    // training rows: df_gamed then the model's annotated rows; features (tanh, difficulty, not_gamed)
    List<double[]> x = new ArrayList<>();
    List<Double> p = new ArrayList<>();
    List<Double> w = new ArrayList<>();
    for (GamedRow g : gamed) {
      x.add(new double[] {Math.tanh(g.stdDeltaLen()), g.instructionDifficulty(), g.notGamedBaseline() ? 1 : 0});
      p.add(g.preference());
      w.add(g.notGamedBaseline() ? 1.0 : GAMED_WEIGHT);
    }
    for (int i = 0; i < n; i++) {
      if (Double.isNaN(preference[i])) continue; // filter_df = preference.notna()
      x.add(new double[] {Math.tanh(delta[i] / sd), diff[i], 1});
      p.add(drawTo15(preference[i]) - 1);
      w.add(1.0);
    }
    double[][] xs = x.toArray(double[][]::new);
    double[] ps = p.stream().mapToDouble(Double::doubleValue).toArray();
    double[] ws = w.stream().mapToDouble(Double::doubleValue).toArray();
    double bestC = crossValidatedC(xs, ps, ws);
    double[] coef = L1Logistic.fit(xs, ps, ws, bestC, all(xs.length));
    double[] glm = new double[n];
    for (int i = 0; i < n; i++) glm[i] = sigmoid(coef[1] * diff[i] + coef[2]); // std_delta_len = 0
    double mean = 0;
    for (double v : glm) mean += v;
    mean /= n;
    double sem = sampleSd(glm) / Math.sqrt(n);
    return new Result(raw.winRate(), raw.standardError(), raw.nWins(), raw.nWinsBase(), raw.nDraws(), raw.nTotal(),
        raw.discreteWinRate(), mean * 100, sem * 100, bestC, coef, glm);
  }

  /**
   * {@code get_winrate}: the mean of {@code preference − 1} over answered comparisons (percent), its standard
   * error, wins (> 0.5), base wins (< 0.5), draws (exactly 1.5) and the discrete win rate (preferences
   * rounded to 1, 2, draws ½).
   */
  public static Result winRate(double[] preference) {
    List<Double> kept = new ArrayList<>();
    int draws = 0;
    double discrete = 0;
    for (double v : preference) {
      if (Double.isNaN(v)) continue;
      double q = drawTo15(v);
      if (q == 1.5) draws++;
      kept.add(q - 1);
      discrete += q == 1.5 ? 0.5 : Math.rint(q) - 1; // ZeroOneScoringRule: 1.5 → draw, else round (half-even)
    }
    int n = kept.size();
    double[] k = kept.stream().mapToDouble(Double::doubleValue).toArray();
    double mean = 0;
    int wins = 0;
    int base = 0;
    for (double v : k) {
      mean += v;
      if (v > 0.5) wins++;
      if (v < 0.5) base++;
    }
    mean = n == 0 ? Double.NaN : mean / n;
    double se = n < 2 ? Double.NaN : sampleSd(k) / Math.sqrt(n);
    return new Result(mean * 100, se * 100, wins, base, draws, n, n == 0 ? Double.NaN : discrete / n * 100, Double.NaN,
        Double.NaN, Double.NaN, new double[0], new double[0]);
  }

  /** LogisticRegressionCV's choice of C: the first of {@link #CS} with the least total held-out log loss. */
  static double crossValidatedC(double[][] x, double[] p, double[] w) {
    int m = x.length;
    if (m < N_SPLITS) throw new IllegalArgumentException("AlpacaEval LC: " + m + " training rows cannot be split into "
        + N_SPLITS + " folds");
    int[] fold = foldOf(m);
    double best = Double.POSITIVE_INFINITY;
    double bestC = CS[0];
    for (double c : CS) {
      double total = 0;
      for (int k = 0; k < N_SPLITS; k++) {
        boolean[] train = new boolean[m];
        for (int i = 0; i < m; i++) train[i] = fold[i] != k;
        double[] coef = L1Logistic.fit(x, p, w, c, train);
        total += heldOutLogLoss(x, p, w, coef, fold, k);
      }
      if (total < best) { // argmax of the summed (negated) scores: ties keep the first C
        best = total;
        bestC = c;
      }
    }
    return bestC;
  }

  /**
   * sklearn's {@code GroupKFold(5)} with one group per row (both copies of a row share it): groups sorted by
   * size descending (all equal, taken in reverse order), each to the currently lightest fold.
   */
  static int[] foldOf(int m) {
    int[] fold = new int[m];
    for (int g = 0; g < m; g++) fold[g] = (m - 1 - g) % N_SPLITS;
    return fold;
  }

  /** {@code logloss_continuous} on fold k's rows: −mean of w·(p log q + (1 − p) log(1 − q)), q clipped to 1e-15. */
  static double heldOutLogLoss(double[][] x, double[] p, double[] w, double[] coef, int[] fold, int k) {
    double sum = 0;
    int count = 0;
    for (int i = 0; i < x.length; i++) {
      if (fold[i] != k) continue;
      double q = Math.min(Math.max(sigmoid(dot(coef, x[i])), 1e-15), 1 - 1e-15);
      sum += w[i] * (p[i] * Math.log(q) + (1 - p[i]) * Math.log(1 - q));
      count++;
    }
    return -sum / count;
  }

  private static double drawTo15(double v) {
    return v == 0 ? 1.5 : v; // backward compatibility in alpaca_eval: 0 meant a draw
  }

  /** Python's {@code len(str)}: code points, not UTF-16 units. */
  static int pyLen(String s) {
    return s.codePointCount(0, s.length());
  }

  private static boolean[] all(int m) {
    boolean[] b = new boolean[m];
    java.util.Arrays.fill(b, true);
    return b;
  }

  static double sigmoid(double z) {
    return Math.exp(-logAddExp0(-z)); // alpaca_eval's _logistic: exp(-logaddexp(0, -x))
  }

  /** log(1 + e^a), stable. */
  static double logAddExp0(double a) {
    return a > 0 ? a + Math.log1p(Math.exp(-a)) : Math.log1p(Math.exp(a));
  }

  static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) s += a[i] * b[i];
    return s;
  }

  private static double sampleSd(double[] v) {
    int n = v.length;
    if (n < 2) return Double.NaN;
    double mean = 0;
    for (double d : v) mean += d;
    mean /= n;
    double ss = 0;
    for (double d : v) ss += (d - mean) * (d - mean);
    return Math.sqrt(ss / (n - 1));
  }

  private static double[] logspace(double from, double to, int n) {
    double[] out = new double[n]; // as numpy: linspace (i·step + start, the last exactly stop), then 10**y
    double step = (to - from) / (n - 1);
    for (int i = 0; i < n; i++) out[i] = Math.pow(10, i == n - 1 ? to : i * step + from);
    return out;
  }
}
