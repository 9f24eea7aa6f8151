package dev.tulu4j.train;

import dev.tulu4j.model.Parameter;
import dev.tulu4j.tensor.Gemm;
import java.util.List;
import java.util.Map;

/**
 * A trainer-test "model" whose step runs large GEMMs (routed by {@code --gemm auto}): per example
 * {@code Y = X·Wᵀ} (128 × 128 × 256), loss ½‖Y − t‖² with a target t drawn from the batch's random
 * stream (so a step that consumed the run's stream would change the results), {@code dW += dYᵀ·X}.
 */
final class GemmToy implements StepFunction {
  static final int ROWS = 128, OUT = 128, IN = 256;
  final Gemm gemm;
  final float[][] x;
  final List<Parameter> params;
  long crashAtStep = -1;

  GemmToy(Gemm gemm, int n, long seed) {
    this.gemm = gemm;
    Rng r = new Rng(seed);
    x = new float[n][ROWS * IN];
    for (float[] e : x) for (int i = 0; i < e.length; i++) e[i] = (float) r.nextGaussian();
    float[] w = new float[OUT * IN];
    for (int i = 0; i < w.length; i++) w[i] = 0.02f * (float) r.nextGaussian();
    params = List.of(new Parameter("model.layers.0.mlp.down_proj.weight", new int[] {OUT, IN}, w, new float[w.length], true));
  }

  int size() {
    return x.length;
  }

  @Override
  public StepStats forwardBackward(Batch batch) {
    if (batch.step() == crashAtStep) throw new IllegalStateException("injected crash at step " + (batch.step() + 1));
    Parameter w = params.getFirst();
    float[] y = new float[ROWS * OUT];
    double lossSum = 0;
    long count = (long) batch.indices().length * ROWS;
    float scale = (float) batch.lossScale(count);
    for (int i : batch.indices()) {
      gemm.sgemm(false, true, ROWS, OUT, IN, 1f, x[i], 0, IN, w.data(), 0, IN, 0f, y, 0, OUT);
      float t = (float) batch.rng().nextGaussian();
      for (int j = 0; j < y.length; j++) {
        float e = y[j] - t;
        lossSum += 0.5 * e * e;
        y[j] = scale * e;
      }
      gemm.sgemm(true, false, OUT, IN, ROWS, 1f, y, 0, OUT, x[i], 0, IN, 1f, w.grad(), 0, IN);
    }
    return new StepStats(lossSum, count, Map.of());
  }
}
