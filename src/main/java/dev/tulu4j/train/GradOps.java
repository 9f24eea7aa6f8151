package dev.tulu4j.train;

import dev.tulu4j.model.Parameter;
import dev.tulu4j.tensor.VectorMath;
import java.util.Arrays;
import java.util.List;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** Whole-model gradient operations: zeroing, the global L2 norm and the clipping coefficient. */
public final class GradOps {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int BLOCK = 4096;

  private GradOps() {}

  public static void zero(List<Parameter> params) {
    for (Parameter p : params) Arrays.fill(p.grad(), 0f);
  }

  /** sqrt(Σ g²) over all gradients, squares summed in fp32 lanes per 4096-block then in double. */
  public static double globalNorm(List<Parameter> params) {
    double total = 0;
    for (Parameter p : params) {
      float[] g = p.grad();
      for (int start = 0; start < g.length; start += BLOCK) {
        int end = Math.min(g.length, start + BLOCK);
        int upper = start + S.loopBound(end - start);
        FloatVector acc = FloatVector.zero(S);
        int i = start;
        for (; i < upper; i += S.length()) {
          FloatVector x = FloatVector.fromArray(S, g, i);
          acc = x.fma(x, acc);
        }
        double s = VectorMath.sum(acc); // fixed lane order: same bits in every JIT tier
        for (; i < end; i++) s += (double) g[i] * g[i];
        total += s;
      }
    }
    return Math.sqrt(total);
  }

  /**
   * PyTorch {@code clip_grad_norm_}: gradients are multiplied by {@code min(1, max/(norm + 1e-6))};
   * {@code maxNorm <= 0} means no clipping (coefficient 1).
   */
  public static double clipCoefficient(double norm, double maxNorm) {
    if (maxNorm <= 0) return 1.0;
    return Math.min(1.0, maxNorm / (norm + 1e-6));
  }

  /**
   * Clips in place like PyTorch's {@code clip_grad_norm_} and returns the norm BEFORE clipping.
   * ({@link TrainLoop} folds the coefficient into the AdamW pass instead; this is for loops that
   * need clipped gradients themselves.)
   */
  public static double clip(List<Parameter> params, double maxNorm) {
    double norm = globalNorm(params);
    float coef = (float) clipCoefficient(norm, maxNorm);
    if (coef < 1f) for (Parameter p : params) scale(p.grad(), coef);
    return norm;
  }

  /** {@code g *= s}, vectorised. */
  public static void scale(float[] g, float s) {
    int upper = S.loopBound(g.length);
    int i = 0;
    for (; i < upper; i += S.length()) FloatVector.fromArray(S, g, i).mul(s).intoArray(g, i);
    for (; i < g.length; i++) g[i] *= s;
  }
}
