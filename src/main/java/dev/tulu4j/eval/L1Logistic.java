package dev.tulu4j.eval;

/**
 * L1-penalised logistic regression without intercept on soft labels, as liblinear's {@code L1R_LR}
 * objective that scikit-learn's {@code LogisticRegression(penalty="l1", solver="liblinear",
 * fit_intercept=False)} minimises when alpaca_eval passes each row twice (label 1 weighted by p, label 0
 * by 1 − p):
 *
 * <pre>F(w) = Σ_j |w_j| + C Σ_i s_i [p_i log(1 + e^{−z_i}) + (1 − p_i) log(1 + e^{z_i})],  z = X w</pre>
 *
 * <p>Solved by cyclic coordinate descent with each coordinate minimised exactly (soft-threshold test at
 * 0, then a safeguarded Newton root of the subgradient condition) until no weight moves by more than
 * 1e-13: the optimum itself, where liblinear stops at a 1e-4 tolerance. Features are few (three in
 * AlpacaEval's GLM), so the cost is a handful of passes over the rows per coordinate.
 */
final class L1Logistic {
  private static final int MAX_CYCLES = 100_000;

  private L1Logistic() {}

  /**
   * @param x rows of features (M, F)
   * @param p soft labels in [0, 1] (M)
   * @param s sample weights (M)
   * @param c the inverse regularisation strength
   * @param use which rows take part
   * @return the weights (F)
   */
  static double[] fit(double[][] x, double[] p, double[] s, double c, boolean[] use) {
    int m = x.length;
    int f = x[0].length;
    double[] w = new double[f];
    double[] z = new double[m]; // (M) X w over the used rows
    for (int cycle = 0; cycle < MAX_CYCLES; cycle++) {
      double moved = 0;
      for (int j = 0; j < f; j++) {
        double t = minimiseCoordinate(x, p, s, c, use, z, j, w[j]);
        double d = t - w[j];
        if (d != 0) {
          for (int i = 0; i < m; i++) if (use[i]) z[i] += d * x[i][j];
          w[j] = t;
        }
        moved = Math.max(moved, Math.abs(d) / Math.max(1, Math.abs(t)));
      }
      if (moved < 1e-13) return w;
    }
    throw new IllegalStateException("L1 logistic regression did not converge in " + MAX_CYCLES + " cycles (C=" + c + ")");
  }

  /** argmin over t of |t| + C·loss with w_j = t and the other weights fixed. */
  private static double minimiseCoordinate(double[][] x, double[] p, double[] s, double c, boolean[] use, double[] z,
      int j, double wj) {
    double g0 = grad(x, p, s, c, use, z, j, -wj); // derivative of the smooth part at t = 0
    if (Math.abs(g0) <= 1) return 0;
    double sign = g0 < 0 ? 1 : -1; // the minimiser's sign; solve grad(t) + sign = 0 on that side
    double lo = 0;
    double hi = sign;
    while (sign * (grad(x, p, s, c, use, z, j, hi - wj) + sign) < 0) {
      lo = hi;
      hi *= 2;
      if (Math.abs(hi) > 1e300) throw new IllegalStateException("L1 logistic regression: coordinate " + j + " is unbounded");
    }
    // the root lies between lo and hi (phi(lo) has the opposite sign of phi(hi)); Newton inside the bracket
    double t = (lo + hi) / 2;
    for (int it = 0; it < 300; it++) {
      double phi = grad(x, p, s, c, use, z, j, t - wj) + sign;
      if (phi == 0) return t;
      if (sign * phi < 0) lo = t;
      else hi = t;
      double h = hess(x, s, c, use, z, j, t - wj);
      double next = h > 0 ? t - phi / h : Double.NaN;
      if (!(next > Math.min(lo, hi) && next < Math.max(lo, hi))) next = (lo + hi) / 2;
      if (Math.abs(next - t) <= 1e-15 * Math.max(1, Math.abs(t))) return next;
      t = next;
    }
    return t;
  }

  /** C Σ s_i x_ij (σ(z_i + dt·x_ij) − p_i). */
  private static double grad(double[][] x, double[] p, double[] s, double c, boolean[] use, double[] z, int j, double dt) {
    double g = 0;
    for (int i = 0; i < x.length; i++) {
      if (!use[i]) continue;
      double xij = x[i][j];
      g += s[i] * xij * (LengthControlledWinRate.sigmoid(z[i] + dt * xij) - p[i]);
    }
    return c * g;
  }

  /** C Σ s_i x_ij² σ(1 − σ). */
  private static double hess(double[][] x, double[] s, double c, boolean[] use, double[] z, int j, double dt) {
    double h = 0;
    for (int i = 0; i < x.length; i++) {
      if (!use[i]) continue;
      double xij = x[i][j];
      double q = LengthControlledWinRate.sigmoid(z[i] + dt * xij);
      h += s[i] * xij * xij * q * (1 - q);
    }
    return c * h;
  }
}
