package dev.tulu4j.tensor;

import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * How a kernel runs its data-parallel loops: {@code body.accept(t)} for every task t in
 * {@code [0, tasks)}, returning when all are done. {@link Parallel} (the kernels' shared pool, from
 * {@link Kernels}) is one; the others are the JDK's common fork-join pool and the calling thread
 * alone (tests). Kernels must not let results depend on which runner ran them.
 */
@FunctionalInterface
public interface TaskRunner {
  void parallelFor(int tasks, IntConsumer body);

  /** Tasks on the common fork-join pool (parallel streams). */
  static TaskRunner commonPool() {
    return (tasks, body) -> IntStream.range(0, tasks).parallel().forEach(body);
  }

  /** Every task on the calling thread. */
  static TaskRunner serial() {
    return (tasks, body) -> {
      for (int t = 0; t < tasks; t++) body.accept(t);
    };
  }
}
