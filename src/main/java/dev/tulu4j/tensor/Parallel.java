package dev.tulu4j.tensor;

import java.util.concurrent.atomic.AtomicInteger;
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
 * never runs more than {@code threads} threads at once. Tasks are claimed from a shared counter, so
 * uneven tasks balance themselves. Idle workers spin for a few microseconds (a sequence of small
 * kernels then costs no wake-up) and then park, so an idle pool uses no CPU: when the OpenBLAS
 * backend runs its own threads, ours are asleep.
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
      Job j = new Job(body, tasks, Thread.currentThread());
      job = j;
      int wake = Math.min(workers.length, tasks - 1);
      for (int w = 0; w < wake; w++) {
        if (workers[w].parked) {
          LockSupport.unpark(workers[w]);
        }
      }
      j.runTasks();
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
    final IntConsumer body;
    final int tasks;
    final Thread caller;
    final AtomicInteger next = new AtomicInteger();
    final AtomicInteger pending;
    volatile Throwable failure;

    Job(IntConsumer body, int tasks, Thread caller) {
      this.body = body;
      this.tasks = tasks;
      this.caller = caller;
      this.pending = new AtomicInteger(tasks);
    }

    void runTasks() {
      int t;
      while ((t = next.getAndIncrement()) < tasks) {
        try {
          body.accept(t);
        } catch (Throwable e) {
          if (failure == null) {
            failure = e;
          }
        }
        if (pending.decrementAndGet() == 0 && Thread.currentThread() != caller) {
          LockSupport.unpark(caller);
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
    volatile boolean parked;

    Worker(Parallel pool, int index) {
      super("tulu4j-kernel-" + index);
      this.pool = pool;
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
        j.runTasks();
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
