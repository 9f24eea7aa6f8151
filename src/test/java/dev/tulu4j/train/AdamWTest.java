package dev.tulu4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.tulu4j.model.Parameter;
import dev.tulu4j.tensor.TaskRunner;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdamWTest {
  @TempDir Path dir;

  private static Parameter param(String name, float[] data, boolean decay) {
    return new Parameter(name, new int[] {data.length}, data, new float[data.length], decay);
  }

  /**
   * Hand-derived: β = (0.9, 0.999), ε = 1e-8, lr = 0.1, λ = 0.1, θ0 = 1.
   * Step 1, g = 0.5: m = 0.05, v = 0.00025, m̂ = 0.5, v̂ = 0.25;
   *   θ = 1·(1 − 0.01) − 0.1 · 0.5/(0.5 + 1e-8) = 0.99 − 0.1 = 0.89.
   * Step 2, g = −0.25: m = 0.045 − 0.025 = 0.02, v = 0.00024975 + 0.0000625 = 0.00031225,
   *   m̂ = 0.02/0.19 = 0.10526316, v̂ = 0.00031225/0.001999 = 0.15620310, √v̂ = 0.39522538,
   *   θ = 0.89·0.99 − 0.1 · 0.10526316/0.39522538 = 0.8811 − 0.02663370 = 0.85446630.
   */
  @Test
  void twoStepsGolden() {
    Parameter p = param("w", new float[] {1f}, true);
    AdamW opt = new AdamW(List.of(p), 0.9, 0.999, 1e-8, 0.1);
    p.grad()[0] = 0.5f;
    opt.step(0.1, 1.0);
    assertThat(p.data()[0]).isCloseTo(0.89f, within(1e-6f));
    p.grad()[0] = -0.25f;
    opt.step(0.1, 1.0);
    assertThat(p.data()[0]).isCloseTo(0.85446630f, within(2e-6f));
    assertThat(opt.stepCount()).isEqualTo(2);
  }

  @Test
  void noDecayParametersAreNotShrunk() {
    Parameter p = param("b", new float[] {1f}, false);
    AdamW opt = new AdamW(List.of(p), 0.9, 0.999, 1e-8, 0.1);
    p.grad()[0] = 0.5f;
    opt.step(0.1, 1.0);
    assertThat(p.data()[0]).isCloseTo(0.9f, within(1e-6f)); // 1 − 0.1 · 1, no (1 − lr·λ) factor
  }

  /** The fused vector kernel against a float64 scalar transcription of torch.optim.AdamW, odd sizes included. */
  @Test
  void matchesScalarReferenceOnOddSizes() {
    Random r = new Random(3);
    for (int n : new int[] {1, 7, 15, 16, 17, 33, 1000, 4099}) {
      float[] data = new float[n];
      for (int i = 0; i < n; i++) data[i] = (float) r.nextGaussian();
      Parameter p = param("p" + n, data.clone(), n % 2 == 0);
      double[] ref = new double[n];
      double[] m = new double[n];
      double[] v = new double[n];
      for (int i = 0; i < n; i++) ref[i] = data[i];
      double b1 = 0.9, b2 = 0.95, eps = 1e-6, wd = 0.05, scale = 0.5;
      AdamW opt = new AdamW(List.of(p), b1, b2, eps, wd);
      for (int t = 1; t <= 6; t++) {
        double lr = 1e-2 * t;
        for (int i = 0; i < n; i++) p.grad()[i] = (float) r.nextGaussian();
        for (int i = 0; i < n; i++) {
          double g = p.grad()[i] * scale;
          if (p.decay()) ref[i] *= 1 - lr * wd;
          m[i] = b1 * m[i] + (1 - b1) * g;
          v[i] = b2 * v[i] + (1 - b2) * g * g;
          double denom = Math.sqrt(v[i]) / Math.sqrt(1 - Math.pow(b2, t)) + eps;
          ref[i] -= lr / (1 - Math.pow(b1, t)) * m[i] / denom;
        }
        opt.step(lr, scale);
      }
      for (int i = 0; i < n; i++)
        assertThat((double) p.data()[i]).as("n=%d i=%d", n, i).isCloseTo(ref[i], within(2e-5 * (1 + Math.abs(ref[i]))));
    }
  }

  @Test
  void stateRoundTripsBitExactly() throws IOException {
    Parameter a = param("a", new float[] {1f, 2f, 3f}, true);
    Parameter b = param("b", new float[] {4f}, false);
    AdamW opt = new AdamW(List.of(a, b), 0.9, 0.999, 1e-8, 0.01);
    a.grad()[1] = 0.3f;
    b.grad()[0] = -1e-3f;
    opt.step(1e-3, 1.0);
    opt.step(1e-3, 1.0);
    Path f = dir.resolve("opt.bin");
    opt.save(f);

    Parameter a2 = param("a", a.data().clone(), true);
    Parameter b2 = param("b", b.data().clone(), false);
    AdamW opt2 = new AdamW(List.of(a2, b2), 0.9, 0.999, 1e-8, 0.01);
    opt2.load(f);
    assertThat(opt2.stepCount()).isEqualTo(2);
    java.util.Arrays.fill(b.grad(), 0f);
    for (AdamW o : List.of(opt, opt2)) {
      Parameter pa = o == opt ? a : a2;
      java.util.Arrays.fill(pa.grad(), 0f);
      pa.grad()[0] = 0.7f;
      o.step(1e-3, 1.0);
    }
    assertThat(a2.data()).containsExactly(a.data());
    assertThat(b2.data()).containsExactly(b.data());

    Parameter other = param("c", new float[3], true);
    AdamW wrong = new AdamW(List.of(other, b2), 0.9, 0.999, 1e-8, 0.01);
    assertThatThrownBy(() -> wrong.load(f)).hasMessageContaining("expected m/c[3]");
  }

  @Test
  void threadCountDoesNotChangeTheResult() {
    Random r = new Random(9);
    float[] init = new float[70_003];
    float[] grad = new float[init.length];
    for (int i = 0; i < init.length; i++) {
      init[i] = (float) r.nextGaussian();
      grad[i] = (float) r.nextGaussian();
    }
    // the calling thread, the kernels' pool with 2 and 3 threads, and the common fork-join pool
    dev.tulu4j.tensor.Parallel two = dev.tulu4j.tensor.Parallel.create(2);
    dev.tulu4j.tensor.Parallel three = dev.tulu4j.tensor.Parallel.create(3);
    TaskRunner[] runners = {TaskRunner.serial(), two, three, TaskRunner.commonPool()};
    float[][] out = new float[runners.length][];
    for (int t = 0; t < runners.length; t++) {
      Parameter p = new Parameter("w", new int[] {init.length}, init.clone(), grad.clone(), true);
      Parameter q = param("b", new float[] {1f, 2f}, false);
      AdamW opt = new AdamW(List.of(p, q), 0.9, 0.999, 1e-8, 0.1).runOn(runners[t]);
      for (int s = 0; s < 3; s++) opt.step(1e-3, 0.5);
      opt.step(1e-3, 0.5, true);
      assertThat(p.grad()).containsOnly(0f);
      out[t] = p.data();
    }
    two.close();
    three.close();
    for (int t = 1; t < runners.length; t++) assertThat(out[t]).as("runner %d", t).containsExactly(out[0]);
  }
}
