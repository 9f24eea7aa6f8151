package dev.tulu4j.model;

import dev.tulu4j.tensor.TaskRunner;
import java.util.function.IntConsumer;

/**
 * The model's parallel loops over a {@link TaskRunner}: tasks over (batch × heads), row blocks with
 * a minimum grain, and an inline path for loops too small to be worth forking (decode steps).
 */
final class ModelParallel {
  private static final ModelParallel COMMON = new ModelParallel(TaskRunner.commonPool());

  private final TaskRunner runner;
  private final int blocks;

  ModelParallel(TaskRunner runner) {
    this.runner = runner;
    this.blocks = 4 * Runtime.getRuntime().availableProcessors();
  }

  /** Loops on the common fork-join pool (the default for models built without a runner, and tests). */
  static ModelParallel common() {
    return COMMON;
  }

  /** Runs body(i) for 0 ≤ i &lt; n, in parallel when n &gt; 1. */
  void forEach(int n, IntConsumer body) {
    if (n <= 0) return;
    if (n == 1) {
      body.accept(0);
      return;
    }
    runner.parallelFor(n, body);
  }

  /** Runs body(i) for 0 ≤ i &lt; n, in parallel only when the whole loop is worth at least ~32 K flops. */
  void forEach(int n, long work, IntConsumer body) {
    if (work < (1 << 15)) {
      for (int i = 0; i < n; i++) body.accept(i);
      return;
    }
    forEach(n, body);
  }

  /**
   * Splits [0, n) into about {@code 4 × cores} contiguous blocks of at least {@code grain} items and
   * runs body(from, to) on each (inline when there is only one block: small decode-step loops).
   */
  void forRange(int n, int grain, RangeBody body) {
    int b = Math.min(n / Math.max(1, grain), blocks);
    if (b <= 1) {
      if (n > 0) body.run(0, n);
      return;
    }
    forEach(b, i -> body.run((int) ((long) n * i / b), (int) ((long) n * (i + 1) / b)));
  }

  @FunctionalInterface
  interface RangeBody {
    void run(int from, int to);
  }
}
