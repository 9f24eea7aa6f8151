package dev.tulu4j.train;

import dev.tulu4j.model.Activations;
import dev.tulu4j.model.Batch;
import dev.tulu4j.model.LlamaConfig;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.model.Parameter;
import dev.tulu4j.tensor.Parallel;
import dev.tulu4j.tensor.VectorGemm;
import java.util.SplittableRandom;

/**
 * End-to-end bit check between two builds (not a test: it compares builds, so run it against each
 * jar and compare the output): three AdamW steps of the tiny model on packed rows (segment runs of
 * 100 tokens, so attention starts mid-row), printing each step's loss bits and an FNV-1a hash of
 * every weight's raw bits. Session 11 (2026-12-06): main {@code d1cbafb} and branch {@code s11-step}
 * both print {@code weights hash d870be3ff8309f1b} on 1 and 2 threads.
 * Run: {@code java --add-modules jdk.incubator.vector -cp 'target/test-classes:target/tulu4j-0.1.0.jar:target/lib/*'
 * dev.tulu4j.train.StepHashMain 2}.
 */
public final class StepHashMain {
  private StepHashMain() {}

  public static void main(String[] args) {
    int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
    try (Parallel par = Parallel.create(threads)) {
      LlamaConfig cfg = LlamaConfig.tiny();
      LlamaModel m = LlamaModel.random(cfg, 42, new VectorGemm(par));
      int b = 4, t = 256, n = b * t;
      SplittableRandom r = new SplittableRandom(3);
      int[] ids = r.ints(n, 0, cfg.vocabSize()).toArray();
      int[] targets = new int[n];
      int[] seg = new int[n];
      for (int i = 0; i < n; i++) {
        targets[i] = (i + 1) % t == 0 ? -100 : ids[i + 1];
        seg[i] = (i % t) / 100;
      }
      Batch batch = new Batch(b, t, ids, targets, null, seg);
      Activations act = Activations.training(cfg, n, false);
      AdamW opt = new AdamW(m.trainableParameters(), 0.9, 0.999, 1e-8, 0.01).runOn(m.taskRunner());
      m.zeroGrad();
      for (int s = 0; s < 3; s++) {
        LlamaModel.LogProbs lp = m.lossAndBackward(batch, act, 1f / n);
        opt.step(1e-3, 1.0, true);
        System.out.printf("step %d loss %s bits %x%n", s, lp.lossSum(), Double.doubleToRawLongBits(lp.lossSum()));
      }
      long h = 0xcbf29ce484222325L;
      for (Parameter p : m.parameters()) {
        for (float f : p.data()) {
          h ^= Float.floatToRawIntBits(f);
          h *= 0x100000001b3L;
        }
      }
      System.out.printf("weights hash %016x%n", h);
    }
  }
}
