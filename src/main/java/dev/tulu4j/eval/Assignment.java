package dev.tulu4j.eval;

import java.util.Arrays;

/**
 * Maximum-weight one-to-one assignment of rows to columns (what {@code
 * scipy.optimize.linear_sum_assignment(-scores)} computes for the DROP metric), exactly, by dynamic
 * programming over subsets of the smaller side. DROP answers have a handful of spans, so the
 * {@code O(n · 2^m)} cost is negligible; more than 20 spans on the smaller side is refused.
 * Any optimal assignment gives the same total, which is all the DROP F1 depends on.
 */
final class Assignment {
  private Assignment() {}

  /** For each row, the column assigned to it, or -1 (rows beyond the number of columns stay unassigned). */
  static int[] maximize(double[][] scores) {
    int rows = scores.length;
    int cols = rows == 0 ? 0 : scores[0].length;
    int[] out = new int[rows];
    Arrays.fill(out, -1);
    if (rows == 0 || cols == 0) return out;
    if (cols <= rows) {
      int[] colToRow = solve(scores, rows, cols, false);
      for (int c = 0; c < cols; c++) if (colToRow[c] >= 0) out[colToRow[c]] = c;
    } else {
      int[] rowToCol = solve(scores, cols, rows, true);
      System.arraycopy(rowToCol, 0, out, 0, rows);
    }
    return out;
  }

  /**
   * Assigns every item of the small side (size {@code small} ≤ 20) to a distinct item of the big side,
   * maximising the total; returns for each small item its big item.
   */
  private static int[] solve(double[][] scores, int big, int small, boolean smallIsRows) {
    if (small > 20) throw new IllegalArgumentException("alignment of more than 20 answer spans is not supported");
    int full = 1 << small;
    // best[b][mask]: best total using big items < b, with the small items in mask assigned
    double[][] best = new double[big + 1][full];
    for (double[] row : best) Arrays.fill(row, Double.NEGATIVE_INFINITY);
    best[0][0] = 0;
    for (int b = 0; b < big; b++) {
      for (int mask = 0; mask < full; mask++) {
        double v = best[b][mask];
        if (v == Double.NEGATIVE_INFINITY) continue;
        if (v > best[b + 1][mask]) best[b + 1][mask] = v;
        for (int s = 0; s < small; s++) {
          if ((mask & (1 << s)) != 0) continue;
          double w = smallIsRows ? scores[s][b] : scores[b][s];
          int m2 = mask | (1 << s);
          if (v + w > best[b + 1][m2]) best[b + 1][m2] = v + w;
        }
      }
    }
    int[] match = new int[small];
    Arrays.fill(match, -1);
    int mask = full - 1;
    for (int b = big; b > 0; b--) {
      double v = best[b][mask];
      if (v == best[b - 1][mask]) continue;
      for (int s = 0; s < small; s++) {
        if ((mask & (1 << s)) == 0) continue;
        double w = smallIsRows ? scores[s][b - 1] : scores[b - 1][s];
        if (best[b - 1][mask ^ (1 << s)] + w == v) {
          match[s] = b - 1;
          mask ^= 1 << s;
          break;
        }
      }
    }
    return match;
  }
}
