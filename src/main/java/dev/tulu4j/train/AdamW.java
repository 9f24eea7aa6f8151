package dev.tulu4j.train;

import dev.tulu4j.model.Parameter;
import dev.tulu4j.tensor.TaskRunner;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * AdamW with decoupled weight decay and bias correction (Loshchilov &amp; Hutter 2019, Algorithm 2),
 * in the exact operation order of PyTorch's {@code torch.optim.AdamW} (single-tensor path):
 *
 * <pre>
 *   g  = grad · gradScale                  (gradScale folds in loss normalisation and clipping)
 *   θ  = θ · (1 − lr·λ)                    (only if the parameter decays)
 *   m  = β1·m + (1 − β1)·g
 *   v  = β2·v + (1 − β2)·g²
 *   θ  = θ − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)
 * </pre>
 *
 * One fused, vectorised pass reads (θ, g, m, v) once and writes (θ, m, v) once, in chunks of
 * {@value #CHUNK} elements that run as the tasks of a {@link TaskRunner} ({@link #runOn}: the
 * model's pool, so the optimizer has no threads of its own; default: the calling thread). The
 * update is elementwise with no reduction, and every chunk starts at a multiple of the vector
 * length, so the result does not depend on the runner. The moments are fp32, one pair per
 * parameter, keyed by the parameter's name; {@link #save}/{@link #load} persist them with the step
 * count.
 */
public final class AdamW {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int CHUNK = 1 << 16;
  private static final FloatVector ZERO = FloatVector.zero(S);

  private final List<Parameter> params;
  private final float[][] m;
  private final float[][] v;
  private final double beta1;
  private final double beta2;
  private final double eps;
  private final double weightDecay;
  private long step;
  private TaskRunner runner = TaskRunner.serial();

  public AdamW(List<Parameter> params, double beta1, double beta2, double eps, double weightDecay) {
    this.params = List.copyOf(params);
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.weightDecay = weightDecay;
    this.m = new float[params.size()][];
    this.v = new float[params.size()][];
    for (int i = 0; i < params.size(); i++) {
      Parameter p = params.get(i);
      if (p.grad() == null) throw new IllegalArgumentException(p.name() + ": trainable parameter without grad buffer");
      m[i] = new float[p.data().length];
      v[i] = new float[p.data().length];
    }
  }

  public AdamW(List<Parameter> params, OptimConfig c) {
    this(params, c.beta1(), c.beta2(), c.eps(), c.weightDecay());
  }

  /**
   * Runs each step's chunks as the tasks of {@code runner}: the model's pool
   * ({@link dev.tulu4j.model.LlamaModel#taskRunner()}, {@code Kernels.parallel()}), so the optimizer
   * uses the kernels' threads. The result is the same on any runner.
   */
  public AdamW runOn(TaskRunner runner) {
    this.runner = java.util.Objects.requireNonNull(runner, "runner");
    return this;
  }

  /** Optimizer steps taken so far (t of the bias correction). */
  public long stepCount() {
    return step;
  }

  /** One update of every parameter with learning rate {@code lr}, gradients multiplied by {@code gradScale}. */
  public void step(double lr, double gradScale) {
    step(lr, gradScale, false);
  }

  /**
   * As {@link #step(double, double)}; with {@code zeroGrads} the same pass also clears the gradient
   * buffers (saves the trainer a separate pass over them).
   */
  public void step(double lr, double gradScale, boolean zeroGrads) {
    step++;
    double bc1 = 1.0 - Math.pow(beta1, step);
    double bc2 = 1.0 - Math.pow(beta2, step);
    float stepSize = (float) (lr / bc1);
    float invBc2Sqrt = (float) (1.0 / Math.sqrt(bc2));
    float decayOn = (float) (1.0 - lr * weightDecay);
    // work items: (parameter, chunk start) pairs
    List<long[]> work = new ArrayList<>();
    for (int i = 0; i < params.size(); i++)
      for (int from = 0; from < params.get(i).data().length; from += CHUNK) work.add(new long[] {i, from});
    runner.parallelFor(work.size(), w -> {
      int i = (int) work.get(w)[0];
      int from = (int) work.get(w)[1];
      Parameter p = params.get(i);
      update(p.data(), p.grad(), m[i], v[i], from, Math.min(p.data().length, from + CHUNK), (float) gradScale,
          p.decay() ? decayOn : 1f, (float) beta1, (float) beta2, stepSize, invBc2Sqrt, (float) eps, zeroGrads);
    });
  }

  /** The fused kernel over one tensor; the scalar tail repeats the vector arithmetic. */
  static void update(float[] p, float[] g, float[] m, float[] v, int from, int to, float scale,
      float decayMul, float b1, float b2, float stepSize, float invBc2Sqrt, float eps, boolean zeroGrads) {
    int n = to;
    int upper = from + S.loopBound(to - from);
    float c1 = 1f - b1;
    float c2 = 1f - b2;
    int i = from;
    for (; i < upper; i += S.length()) {
      FloatVector gv = FloatVector.fromArray(S, g, i).mul(scale);
      FloatVector mv = FloatVector.fromArray(S, m, i).mul(b1).add(gv.mul(c1));
      FloatVector vv = FloatVector.fromArray(S, v, i).mul(b2).add(gv.mul(gv).mul(c2));
      FloatVector denom = vv.sqrt().mul(invBc2Sqrt).add(eps);
      FloatVector pv = FloatVector.fromArray(S, p, i).mul(decayMul);
      pv = pv.sub(mv.div(denom).mul(stepSize));
      mv.intoArray(m, i);
      vv.intoArray(v, i);
      pv.intoArray(p, i);
      if (zeroGrads) ZERO.intoArray(g, i);
    }
    for (; i < n; i++) {
      float gi = g[i] * scale;
      float mi = m[i] * b1 + gi * c1;
      float vi = v[i] * b2 + (gi * gi) * c2;
      float denom = (float) Math.sqrt(vi) * invBc2Sqrt + eps;
      m[i] = mi;
      v[i] = vi;
      p[i] = p[i] * decayMul - (mi / denom) * stepSize;
      if (zeroGrads) g[i] = 0f;
    }
  }

  /** Writes the step count and both moments of every parameter. */
  public void save(Path file) throws IOException {
    Map<String, float[]> t = new LinkedHashMap<>();
    for (int i = 0; i < params.size(); i++) {
      t.put("m/" + params.get(i).name(), m[i]);
      t.put("v/" + params.get(i).name(), v[i]);
    }
    FloatTensors.write(file, step, t);
  }

  /** Restores what {@link #save} wrote; the parameter names and sizes must match exactly. */
  public void load(Path file) throws IOException {
    List<String> names = new ArrayList<>();
    List<float[]> targets = new ArrayList<>();
    for (int i = 0; i < params.size(); i++) {
      names.add("m/" + params.get(i).name());
      targets.add(m[i]);
      names.add("v/" + params.get(i).name());
      targets.add(v[i]);
    }
    step = FloatTensors.readInto(file, names, targets);
  }
}
