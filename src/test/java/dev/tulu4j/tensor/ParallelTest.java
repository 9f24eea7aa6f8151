package dev.tulu4j.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ParallelTest {

  @Test
  void everyTaskRunsExactlyOnceAcrossManyCalls() {
    try (Parallel p = Parallel.create(3)) {
      for (int call = 0; call < 2000; call++) {
        int tasks = 1 + call % 17;
        AtomicIntegerArray seen = new AtomicIntegerArray(tasks);
        p.parallelFor(tasks, seen::incrementAndGet);
        for (int t = 0; t < tasks; t++) {
          assertThat(seen.get(t)).as("call %d task %d", call, t).isEqualTo(1);
        }
      }
    }
  }

  @Test
  void usesWorkerThreadsAndStaysWithinTheThreadCount() {
    try (Parallel p = Parallel.create(2)) {
      Set<String> names = ConcurrentHashMap.newKeySet();
      for (int i = 0; i < 50 && names.size() < 2; i++) {
        p.parallelFor(8, t -> {
          names.add(Thread.currentThread().getName());
          busy(200_000);
        });
      }
      assertThat(names).hasSize(2).anyMatch(n -> n.startsWith("tulu4j-kernel-"));
    }
  }

  @Test
  void rangesCoverTheWholeIntervalOnce() {
    try (Parallel p = Parallel.create(2)) {
      for (int n : new int[] {1, 2, 7, 100, 1001}) {
        AtomicIntegerArray seen = new AtomicIntegerArray(n);
        p.parallelRange(n, 3, (from, to) -> {
          for (int i = from; i < to; i++) {
            seen.incrementAndGet(i);
          }
        });
        for (int i = 0; i < n; i++) {
          assertThat(seen.get(i)).isEqualTo(1);
        }
      }
    }
  }

  @Test
  void nestedCallsRunInlineAndExceptionsReachTheCaller() {
    try (Parallel p = Parallel.create(2)) {
      AtomicIntegerArray seen = new AtomicIntegerArray(16);
      p.parallelFor(4, t -> p.parallelFor(4, u -> seen.incrementAndGet(t * 4 + u)));
      for (int i = 0; i < 16; i++) {
        assertThat(seen.get(i)).isEqualTo(1);
      }
      assertThatThrownBy(() -> p.parallelFor(5, t -> {
        if (t == 3) {
          throw new IllegalStateException("task 3 failed");
        }
      })).hasMessage("task 3 failed");
      // the pool still works after a failure
      AtomicIntegerArray again = new AtomicIntegerArray(5);
      p.parallelFor(5, again::incrementAndGet);
      assertThat(again.get(4)).isEqualTo(1);
    }
  }

  @Test
  void twoUnrelatedCallersTakeTurns() throws Exception {
    try (Parallel p = Parallel.create(2)) {
      java.util.concurrent.atomic.AtomicLong total = new java.util.concurrent.atomic.AtomicLong();
      Runnable caller = () -> {
        for (int i = 0; i < 500; i++) {
          p.parallelFor(6, t -> total.addAndGet(t + 1));
        }
      };
      Thread other = new Thread(caller);
      other.start();
      caller.run();
      other.join();
      assertThat(total.get()).isEqualTo(2L * 500 * 21);
    }
  }

  /**
   * Owner-first claiming, whatever the timing: each thread's own share (the caller the first half, the
   * worker the second) runs front to back from its start, and whatever a thread takes from the other's
   * share runs back to front from that share's end. A shared counter fails this (the caller would run
   * 0, 2, ... or, with the worker asleep, the worker's share front to back).
   */
  @Test
  void eachThreadRunsItsOwnShareFirstAndTakesTheOthersFromTheBack() {
    try (Parallel p = Parallel.create(2)) {
      for (int call = 0; call < 300; call++) {
        int tasks = 2 + call % 15;
        int half = Parallel.split(tasks, 2, 1);
        java.util.List<int[]> order = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        Thread callerThread = Thread.currentThread();
        boolean slow = call % 3 == 0;
        p.parallelFor(tasks, t -> {
          order.add(new int[] {Thread.currentThread() == callerThread ? 0 : 1, t});
          if (slow) busy(20_000);
        });
        assertThat(order).hasSize(tasks);
        for (int self = 0; self < 2; self++) {
          int ownFrom = self == 0 ? 0 : half, ownTo = self == 0 ? half : tasks;
          int nextOwn = ownFrom, nextStolen = (self == 0 ? tasks : half) - 1;
          for (int[] e : order) {
            if (e[0] != self) continue;
            if (e[1] >= ownFrom && e[1] < ownTo) {
              assertThat(e[1]).as("call %d thread %d own task", call, self).isEqualTo(nextOwn++);
            } else {
              assertThat(e[1]).as("call %d thread %d taken task", call, self).isEqualTo(nextStolen--);
            }
          }
        }
      }
    }
  }

  @Test
  void rejectsBadThreadCounts() {
    assertThatThrownBy(() -> Parallel.create(0)).hasMessageContaining("threads");
    assertThatThrownBy(() -> new KernelConfig(GemmBackend.AUTO, 0)).hasMessageContaining("threads");
  }

  private static double busy(int n) {
    double x = 0;
    for (int i = 0; i < n; i++) {
      x += Math.sqrt(i);
    }
    return x;
  }
}
