package dev.tulu4j.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * A small fixed pool of daemon threads that every kernel uses for data parallelism. One instance is
 * created at start-up from the resolved thread count and passed down to the kernels (no kernel
 * reads a global or creates threads of its own).
 *
 * <p>{@link #parallelFor} runs {@code body.accept(t)} for every task {@code t} in {@code [0, tasks)};
 * the calling thread takes part, so a pool of {@code threads} owns {@code threads - 1} workers and
 * never runs more than {@code threads} threads at once. Each thread first runs the contiguous share
 * of the tasks it owns ({@link #ownerFirst}), then takes the tasks other threads have not started
 * yet, so uneven tasks, or a thread that loses its core for a while, still balance. Idle workers
 * spin for a few microseconds (a sequence of small kernels then costs no wake-up) and then park, so
 * an idle pool uses no CPU: when the OpenBLAS backend runs its own threads, ours are asleep.
 *
 * <p>Nested calls (a task calling {@code parallelFor} again, or the caller calling it from inside
 * its own body) run serially on the calling thread; calls from two unrelated threads take turns.
 * The first exception thrown by a task is rethrown to the caller after every task has finished.
 */
public final class Parallel implements TaskRunner, AutoCloseable {

  /** A body over a contiguous range {@code [from, to)}. */
  @FunctionalInterface
  public interface RangeBody {
    void run(int from, int to);
  }

  /** How long an idle worker (or the waiting caller) spins before parking. */
  private static final long SPIN_NANOS = 30_000;

  /**
   * Owner-first claiming: task {@code t} of a call belongs to thread {@code o} with
   * {@code split(tasks, threads, o) ≤ t < split(tasks, threads, o + 1)} (the caller is thread 0, worker
   * {@code i} thread {@code i}); each thread runs its own tasks front to back, then takes what is left
   * of the others' from their backs. So the same rows go to the same thread in every call that splits
   * them alike: a normalisation writing rows and the next product reading them, the attention tasks
   * of a batch row, the products' row chunks. On this project's 2-vCPU Zen 5 machine a cache line
   * went from one core to the other and back in 0.45–0.91 µs in most readings ({@code CoreToCoreMain};
   * 62 ns in two, as the host placed the vCPUs), so rows a
   * thread wrote itself are much cheaper for it to read. Measured (Zen 5, 2 threads, {@code PassAbMain
   * ... ownerFirst}, alternating pass by pass in one JVM): tiny training step (forward, loss,
   * backward) 5.5% and 6.3% faster (41 of 41 and 39 of 41 rounds), prefill 3.4% and 1.0%, decode and
   * the 135M step unchanged. Which thread runs a task never changes what it computes.
   * False (the A/B harness only): every task from one shared counter, as before.
   */
  static volatile boolean ownerFirst = true;

  private final int threads;
  private final Worker[] workers;
  private final ReentrantLock lock = new ReentrantLock();
  private volatile Job job;
  private volatile boolean closed;

  private Parallel(int threads) {
    this.threads = threads;
    this.workers = new Worker[threads - 1];
    for (int i = 0; i < workers.length; i++) {
      workers[i] = new Worker(this, i + 1);
      workers[i].start();
    }
  }

  /** A pool running at most {@code threads} threads (the caller plus {@code threads - 1} workers). */
  public static Parallel create(int threads) {
    if (threads < 1 || threads > 1024) {
      throw new IllegalArgumentException("threads must be in [1, 1024], got " + threads);
    }
    return new Parallel(threads);
  }

  /** A pool without workers: every call runs on the calling thread. */
  public static Parallel serial() {
    return new Parallel(1);
  }

  /** The default thread count: the processors this JVM may use. Call it once, at the CLI. */
  public static int defaultThreads() {
    return Runtime.getRuntime().availableProcessors();
  }

  /** The most threads a call runs on, the caller included. */
  public int threads() {
    return threads;
  }

  /** Runs {@code body.accept(t)} for each {@code t} in {@code [0, tasks)}, spread over the pool. */
  @Override
  public void parallelFor(int tasks, IntConsumer body) {
    if (tasks <= 0) {
      return;
    }
    if (tasks == 1 || workers.length == 0 || Thread.currentThread() instanceof Worker
        || lock.isHeldByCurrentThread() || closed) {
      for (int t = 0; t < tasks; t++) {
        body.accept(t);
      }
      return;
    }
    lock.lock();
    try {
      Job j = new Job(body, tasks, Thread.currentThread(), ownerFirst ? threads : 0);
      job = j;
      int wake = Math.min(workers.length, tasks - 1);
      for (int w = 0; w < wake; w++) {
        if (workers[w].parked) {
          LockSupport.unpark(workers[w]);
        }
      }
      j.runTasks(0);
      j.awaitDone();
      if (j.failure != null) {
        if (j.failure instanceof RuntimeException re) {
          throw re;
        }
        if (j.failure instanceof Error e) {
          throw e;
        }
        throw new IllegalStateException("a parallel task failed", j.failure);
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Splits {@code [0, n)} into at most {@link #threads()} contiguous chunks of at least
   * {@code minChunk} elements (the last may be shorter) and runs {@code body} on each.
   */
  public void parallelRange(int n, int minChunk, RangeBody body) {
    if (n <= 0) {
      return;
    }
    int chunks = Math.max(1, Math.min(threads, n / Math.max(1, minChunk)));
    if (chunks == 1) {
      body.run(0, n);
      return;
    }
    parallelFor(chunks, t -> body.run(split(n, chunks, t), split(n, chunks, t + 1)));
  }

  /** The start of chunk {@code t} when {@code n} items are split into {@code chunks} near-equal chunks. */
  public static int split(int n, int chunks, int t) {
    return (int) ((long) n * t / chunks);
  }

  /** Stops the workers (they are daemons, so a JVM exit does not need this). */
  @Override
  public void close() {
    closed = true;
    for (Worker w : workers) {
      LockSupport.unpark(w);
    }
  }

  @Override
  public String toString() {
    return "Parallel[threads=" + threads + "]";
  }

  /** One parallelFor call; workers that wake late see a finished job and find nothing to claim. */
  private static final class Job {
    /** Longs between two owners' claim words: 128 bytes, so the threads' claims do not share a cache line. */
    private static final int STRIDE = 16;

    final IntConsumer body;
    final int tasks;
    final Thread caller;
    final AtomicInteger next = new AtomicInteger();
    final AtomicInteger pending;
    /** Threads that own tasks ({@link #ownerFirst}), or 0: every task from the shared counter. */
    final int owners;
    /** Per owner at {@code o·STRIDE}: its unclaimed tasks {@code [front, back)} as {@code front << 32 | back}. */
    final AtomicLongArray ranges;
    volatile Throwable failure;

    Job(IntConsumer body, int tasks, Thread caller, int owners) {
      this.body = body;
      this.tasks = tasks;
      this.caller = caller;
      this.pending = new AtomicInteger(tasks);
      this.owners = owners;
      this.ranges = owners > 0 ? new AtomicLongArray(owners * STRIDE) : null;
      for (int o = 0; o < owners; o++) {
        ranges.set(o * STRIDE, (long) split(tasks, owners, o) << 32 | split(tasks, owners, o + 1));
      }
    }

    void runTasks(int self) {
      int done = 0;
      if (ranges == null) {
        int t;
        while ((t = next.getAndIncrement()) < tasks) {
          run(t);
          done++;
        }
      } else {
        // its own tasks from the front, then the others' from their backs (a late or slow thread's work)
        int t;
        while ((t = claim(self, true)) >= 0) {
          run(t);
          done++;
        }
        for (int o = 1; o < owners; o++) {
          while ((t = claim((self + o) % owners, false)) >= 0) {
            run(t);
            done++;
          }
        }
      }
      if (done > 0 && pending.addAndGet(-done) == 0 && Thread.currentThread() != caller) {
        LockSupport.unpark(caller);
      }
    }

    /** The next unclaimed task of {@code owner}'s range, from its front or its back, or -1. */
    private int claim(int owner, boolean front) {
      int i = owner * STRIDE;
      while (true) {
        long r = ranges.get(i);
        int f = (int) (r >>> 32), b = (int) r;
        if (f >= b) return -1;
        long next = front ? (long) (f + 1) << 32 | b : (long) f << 32 | (b - 1);
        if (ranges.compareAndSet(i, r, next)) return front ? f : b - 1;
      }
    }

    private void run(int t) {
      try {
        body.accept(t);
      } catch (Throwable e) {
        if (failure == null) {
          failure = e;
        }
      }
    }

    void awaitDone() {
      long spinUntil = System.nanoTime() + SPIN_NANOS;
      while (pending.get() != 0) {
        if (System.nanoTime() < spinUntil) {
          Thread.onSpinWait();
        } else {
          LockSupport.park(this);
        }
      }
    }
  }

  private static final class Worker extends Thread {
    private final Parallel pool;
    private final int index;
    volatile boolean parked;

    Worker(Parallel pool, int index) {
      super("tulu4j-kernel-" + index);
      this.pool = pool;
      this.index = index;
      setDaemon(true);
    }

    @Override
    public void run() {
      Job seen = null;
      while (!pool.closed) {
        Job j = pool.job;
        if (j == null || j == seen) {
          j = waitForJob(seen);
          if (j == null) {
            return;
          }
        }
        seen = j;
        j.runTasks(index);
      }
    }

    private Job waitForJob(Job seen) {
      long spinUntil = System.nanoTime() + SPIN_NANOS;
      while (true) {
        if (pool.closed) {
          return null;
        }
        Job j = pool.job;
        if (j != null && j != seen) {
          return j;
        }
        if (System.nanoTime() < spinUntil) {
          Thread.onSpinWait();
          continue;
        }
        parked = true;
        j = pool.job;
        if (j == null || j == seen) {
          if (!pool.closed) {
            LockSupport.park(this);
          }
        }
        parked = false;
      }
    }
  }
}
