package dev.tulu4j.model;

import dev.tulu4j.tensor.Gemm;
import dev.tulu4j.tensor.GemmBackend;
import dev.tulu4j.tensor.KernelConfig;
import dev.tulu4j.tensor.Kernels;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * The adapter's own cost on the SmolLM2-135M shape (N = 512 tokens, r 16, all-linear, one layer, 1 thread),
 * alternating in one JVM: the per-projection forward/backward (u recomputed in the backward, what the
 * training path ran before the grouping) against the grouped one with u kept. Calling-thread CPU per
 * iteration, medians; docs/PERFORMANCE.md ("LoRA training step"). Not a test: run its main with the
 * test classpath, argument = iterations (e.g. 40).
 */
public class LoraGroupBench {
  public static void main(String[] args) throws Exception {
    int iters = args.length > 0 ? Integer.parseInt(args[0]) : 40;
    try (Kernels k = Kernels.create(new KernelConfig(GemmBackend.parse("vector"), 1))) {
      Gemm gemm = k.gemm();
      LlamaConfig c = LlamaConfig.smollm2_135m();
      LoraAdapter ad = LoraAdapter.init(new LoraConfig(16, 16, 0, List.of("all-linear"), false, List.of()), c, 0);
      Random rnd = new Random(1);
      for (Parameter p : ad.parameters()) for (int i = 0; i < p.data().length; i++) p.data()[i] = (float) rnd.nextGaussian() * 0.02f;
      int n = 512;
      Map<LoraTarget, float[]> y = new EnumMap<>(LoraTarget.class), dy = new EnumMap<>(LoraTarget.class);
      for (LoraTarget t : LoraTarget.values()) {
        y.put(t, rand(rnd, n * t.out(c)));
        dy.put(t, rand(rnd, n * t.out(c)));
      }
      float[] x1 = rand(rnd, n * 576), x2 = rand(rnd, n * 576), xo = rand(rnd, n * 576), xd = rand(rnd, n * 1536);
      float[] dx1 = new float[n * 576], dx2 = new float[n * 576], dxo = new float[n * 576], dxd = new float[n * 1536];
      ThreadMXBean tb = ManagementFactory.getThreadMXBean();
      LoraAdapter.Saved saved = new LoraAdapter.Saved(1, false);
      double[] to = new double[iters], tn = new double[iters];
      for (int it = -3; it < iters; it++) {
        long c0 = tb.getCurrentThreadCpuTime();
        ad.forward(gemm, 0, LoraTarget.Q_PROJ, x1, n, y.get(LoraTarget.Q_PROJ), true);
        ad.forward(gemm, 0, LoraTarget.K_PROJ, x1, n, y.get(LoraTarget.K_PROJ), true);
        ad.forward(gemm, 0, LoraTarget.V_PROJ, x1, n, y.get(LoraTarget.V_PROJ), true);
        ad.forward(gemm, 0, LoraTarget.O_PROJ, xo, n, y.get(LoraTarget.O_PROJ), true);
        ad.forward(gemm, 0, LoraTarget.GATE_PROJ, x2, n, y.get(LoraTarget.GATE_PROJ), true);
        ad.forward(gemm, 0, LoraTarget.UP_PROJ, x2, n, y.get(LoraTarget.UP_PROJ), true);
        ad.forward(gemm, 0, LoraTarget.DOWN_PROJ, xd, n, y.get(LoraTarget.DOWN_PROJ), true);
        ad.backward(gemm, 0, LoraTarget.DOWN_PROJ, xd, n, dy.get(LoraTarget.DOWN_PROJ), dxd);
        ad.backward(gemm, 0, LoraTarget.GATE_PROJ, x2, n, dy.get(LoraTarget.GATE_PROJ), dx2);
        ad.backward(gemm, 0, LoraTarget.UP_PROJ, x2, n, dy.get(LoraTarget.UP_PROJ), dx2);
        ad.backward(gemm, 0, LoraTarget.O_PROJ, xo, n, dy.get(LoraTarget.O_PROJ), dxo);
        ad.backward(gemm, 0, LoraTarget.Q_PROJ, x1, n, dy.get(LoraTarget.Q_PROJ), dx1);
        ad.backward(gemm, 0, LoraTarget.K_PROJ, x1, n, dy.get(LoraTarget.K_PROJ), dx1);
        ad.backward(gemm, 0, LoraTarget.V_PROJ, x1, n, dy.get(LoraTarget.V_PROJ), dx1);
        long c1 = tb.getCurrentThreadCpuTime();
        saved.newPass();
        ad.forward(gemm, 0, LoraAdapter.Group.ATTENTION_IN, x1, n, new float[][] {y.get(LoraTarget.Q_PROJ), y.get(LoraTarget.K_PROJ), y.get(LoraTarget.V_PROJ)}, true, saved);
        ad.forward(gemm, 0, LoraAdapter.Group.O, xo, n, new float[][] {y.get(LoraTarget.O_PROJ)}, true, saved);
        ad.forward(gemm, 0, LoraAdapter.Group.MLP_IN, x2, n, new float[][] {y.get(LoraTarget.GATE_PROJ), y.get(LoraTarget.UP_PROJ)}, true, saved);
        ad.forward(gemm, 0, LoraAdapter.Group.DOWN, xd, n, new float[][] {y.get(LoraTarget.DOWN_PROJ)}, true, saved);
        ad.backward(gemm, 0, LoraAdapter.Group.DOWN, xd, n, new float[][] {dy.get(LoraTarget.DOWN_PROJ)}, dxd, saved);
        ad.backward(gemm, 0, LoraAdapter.Group.MLP_IN, x2, n, new float[][] {dy.get(LoraTarget.GATE_PROJ), dy.get(LoraTarget.UP_PROJ)}, dx2, saved);
        ad.backward(gemm, 0, LoraAdapter.Group.O, xo, n, new float[][] {dy.get(LoraTarget.O_PROJ)}, dxo, saved);
        ad.backward(gemm, 0, LoraAdapter.Group.ATTENTION_IN, x1, n, new float[][] {dy.get(LoraTarget.Q_PROJ), dy.get(LoraTarget.K_PROJ), dy.get(LoraTarget.V_PROJ)}, dx1, saved);
        long c2 = tb.getCurrentThreadCpuTime();
        if (it >= 0) { to[it] = (c1 - c0) / 1e6; tn[it] = (c2 - c1) / 1e6; }
      }
      Arrays.sort(to); Arrays.sort(tn);
      System.out.printf(Locale.ROOT, "one layer, all 7 adapters, N=512: old median %.2f ms (min %.2f), new median %.2f ms (min %.2f); x30 layers: %.3f -> %.3f s%n",
          to[iters / 2], to[0], tn[iters / 2], tn[0], to[iters / 2] * 30 / 1e3, tn[iters / 2] * 30 / 1e3);
    }
  }

  static float[] rand(Random r, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
    return a;
  }
}
