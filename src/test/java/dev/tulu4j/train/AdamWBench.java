package dev.tulu4j.train;

import dev.tulu4j.model.Parameter;
import java.util.ArrayList;
import java.util.List;

/**
 * Manual benchmark (not a test): AdamW step time on the SmolLM2-135M parameter count.
 * Run: java --add-modules jdk.incubator.vector -cp ... dev.tulu4j.train.AdamWBench [millions] [threads]
 */
public final class AdamWBench {
  public static void main(String[] args) {
    int millions = args.length > 0 ? Integer.parseInt(args[0]) : 135;
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : 1;
    List<Parameter> ps = new ArrayList<>();
    int per = 4_718_592; // 576 × 8192, one 135M-shaped tensor
    long total = 0;
    for (int i = 0; total < millions * 1_000_000L; i++, total += per) {
      float[] g = new float[per];
      for (int j = 0; j < per; j += 97) g[j] = 1e-3f * (j % 13 - 6);
      ps.add(new Parameter("p" + i, new int[] {per}, new float[per], g, i % 2 == 0));
    }
    dev.tulu4j.tensor.Parallel pool = dev.tulu4j.tensor.Parallel.create(threads);
    AdamW opt = new AdamW(ps, 0.9, 0.999, 1e-8, 0.01).runOn(pool);
    for (int w = 0; w < 3; w++) opt.step(1e-4, 1.0);
    int reps = 10;
    long t0 = System.nanoTime();
    for (int r = 0; r < reps; r++) opt.step(1e-4, 1.0);
    double ms = (System.nanoTime() - t0) / 1e6 / reps;
    double gb = total * 7.0 * 4 / 1e9; // read θ g m v, write θ m v
    System.out.printf("AdamW %d params, %d thread(s): %.1f ms/step, %.1f GB/s effective%n", total, threads, ms, gb / (ms / 1e3));
    pool.close();
  }
}
