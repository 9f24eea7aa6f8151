package dev.tulu4j.tensor;

import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * {@code --gemm auto}: the large products ({@link Gemms#routesToLarge}) go to whichever of the Java
 * kernels and a second backend (OpenBLAS) ran the workload's <em>whole step</em> faster. The model
 * gets {@link #routed()}, a {@link VectorGemm} whose large products come here (so decode's fused
 * path, the pool and the attention's calling-thread GEMM are the vector GEMM's whatever the choice);
 * this object sends them to the current choice. It starts on vector and stays there until
 * {@link #measure} (the train loop's start, {@code bench --gemm auto}) or {@link #use} (a resume,
 * from the checkpoint's record) says otherwise.
 *
 * <p>With vector chosen, a large product runs the same {@link VectorGemm#sgemm} call as without the
 * router, so the bits equal {@code --gemm vector}'s ({@code AutoGemmTest} compares a training
 * step's gradients).
 *
 * <p>{@link #measure}: one untimed warm-up step on each backend, then alternating timed steps (the
 * other backend first), at most {@link #MAX_ROUNDS} rounds and no longer than the bound; the best
 * step of each counts, and the other backend wins only if it is faster by {@link #MARGIN}, else vector
 * (deterministic across machines). The bound is {@link #MIN_BOUND_SECONDS} or {@link #RUN_SHARE} of
 * the run's estimated time, whichever is larger; if even the warm-ups and one round would exceed it
 * the measurement is skipped and vector kept.
 */
public final class AutoGemm implements Gemm {
  /** The other backend must be this much faster (vector time / its time) to be chosen. */
  public static final double MARGIN = 1.10;
  /** Share of the run's estimated time the measurement may cost. */
  public static final double RUN_SHARE = 0.02;
  /** The measurement may always take this long (a few steps of a tiny model). */
  public static final double MIN_BOUND_SECONDS = 5.0;
  /** Timed rounds at most (one step per backend each). */
  public static final int MAX_ROUNDS = 3;

  public static final String VECTOR = "vector";

  private final Gemm vector;
  private final Gemm other;
  private final String otherId;
  private final VectorGemm routed;
  private final LongSupplier clock;
  private volatile Gemm current;

  /**
   * @param routedBase the vector GEMM the model uses (its large products come here)
   * @param vector where large products go when vector is chosen (the same kernels, no router)
   * @param other the other backend, {@code otherId} naming it in reports and checkpoints
   */
  AutoGemm(VectorGemm routedBase, Gemm vector, Gemm other, String otherId, LongSupplier clock) {
    this.vector = java.util.Objects.requireNonNull(vector);
    this.other = java.util.Objects.requireNonNull(other);
    this.otherId = java.util.Objects.requireNonNull(otherId);
    this.clock = clock;
    this.current = vector;
    this.routed = routedBase.routingLargeTo(this);
  }

  /** Auto over the Java kernels on {@code parallel} and {@code other}. */
  public static AutoGemm over(Parallel parallel, Gemm other, String otherId) {
    VectorGemm v = new VectorGemm(parallel);
    return new AutoGemm(v, v, other, otherId, System::nanoTime);
  }

  /**
   * Auto over any two backends: the model's router {@code routedBase.routingLargeTo(auto)}, its
   * large products on {@code vector} (chosen by default) or {@code other}. For tests and benches
   * that compare a stand-in backend.
   */
  public static AutoGemm of(VectorGemm routedBase, Gemm vector, Gemm other, String otherId) {
    return new AutoGemm(routedBase, vector, other, otherId, System::nanoTime);
  }

  /** The GEMM to give the model. */
  public VectorGemm routed() {
    return routed;
  }

  /** {@code vector} or the other backend's id (e.g. {@code openblas/Cooperlake}). */
  public String choice() {
    return current == vector ? VECTOR : otherId;
  }

  public String otherId() {
    return otherId;
  }

  /**
   * Takes a recorded choice ({@link #choice()} of an earlier run). Returns null when it is taken, else
   * why not (another backend id: a different OpenBLAS core, or OpenBLAS missing); vector is then kept.
   */
  public String use(String choice) {
    if (VECTOR.equals(choice)) {
      current = vector;
      return null;
    }
    if (otherId.equals(choice)) {
      current = other;
      return null;
    }
    current = vector;
    return "the recorded choice " + choice + " is not available here (" + otherId + "); vector is used";
  }

  /** A measurement's figures and its one-line report. */
  public record Measurement(String workload, double vectorSeconds, double otherSeconds, int rounds,
      double spentSeconds, double boundSeconds, String choice, String line) {}

  /**
   * Times whole steps of {@code workload} on each backend and keeps the faster (see the class
   * comment). {@code step} must not change the run's state (no optimizer update, no draw from the
   * run's random streams): it runs at least 2 and up to {@code 2 + 2·}{@link #MAX_ROUNDS} times.
   *
   * @param stepsInRun how many such steps the run will make (for the bound: {@link #RUN_SHARE} of them)
   */
  public Measurement measure(String workload, Runnable step, long stepsInRun) {
    return measure(workload, step, stepsInRun, MIN_BOUND_SECONDS);
  }

  /**
   * {@link #measure(String, Runnable, long)} with another floor for the bound than
   * {@link #MIN_BOUND_SECONDS} ({@code bench --gemm auto}, whose own runs are a few steps long: there
   * the measurement is part of what is asked for).
   */
  public Measurement measure(String workload, Runnable step, long stepsInRun, double minBoundSeconds) {
    long t0 = clock.getAsLong();
    current = vector;
    double warmVector = time(step);
    double bound = Math.max(minBoundSeconds, RUN_SHARE * warmVector * Math.max(1, stepsInRun));
    if (warmVector * 4 > bound) {
      current = vector;
      String line = String.format(Locale.ROOT, "gemm auto: %s: vector (measurement skipped: a cold step took %.2f s, "
          + "warm-ups and one round would exceed the bound of %.1f s = max(%.0f s, %.0f%% of %d steps))",
          workload, warmVector, bound, minBoundSeconds, 100 * RUN_SHARE, stepsInRun);
      return new Measurement(workload, Double.NaN, Double.NaN, 0, seconds(t0), bound, VECTOR, line);
    }
    current = other;
    time(step);
    double bestV = Double.MAX_VALUE;
    double bestO = Double.MAX_VALUE;
    int rounds = 0;
    double roundCost = 0;
    while (rounds < MAX_ROUNDS && (rounds == 0 || seconds(t0) + roundCost <= bound)) {
      long r0 = clock.getAsLong();
      current = other;
      bestO = Math.min(bestO, time(step));
      current = vector;
      bestV = Math.min(bestV, time(step));
      roundCost = seconds(r0);
      rounds++;
    }
    boolean pickOther = bestV > MARGIN * bestO;
    current = pickOther ? other : vector;
    String line = String.format(Locale.ROOT, "gemm auto: %s: vector %.1f ms, %s %.1f ms per step (best of %d after a "
        + "warm-up each; %.1f s spent, bound %.1f s): %s (%s)", workload, bestV * 1e3, otherId, bestO * 1e3, rounds, seconds(t0),
        bound, choice(), pickOther
            ? String.format(Locale.ROOT, "%.2fx faster; decode and small products stay on vector", bestV / bestO)
            : bestO >= bestV
                ? String.format(Locale.ROOT, "%s is %.2fx slower", otherId, bestO / bestV)
                : String.format(Locale.ROOT, "%s is faster by %.1f%%, not the %.0f%% asked", otherId,
                    100 * (bestV / bestO - 1), 100 * (MARGIN - 1)));
    return new Measurement(workload, bestV, bestO, rounds, seconds(t0), bound, choice(), line);
  }

  private double time(Runnable step) {
    long a = clock.getAsLong();
    step.run();
    return (clock.getAsLong() - a) / 1e9;
  }

  private double seconds(long since) {
    return (clock.getAsLong() - since) / 1e9;
  }

  @Override
  public String name() {
    return "auto";
  }

  @Override
  public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
      float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
    current.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
  }

  @Override
  public void sgemmBf16B(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff,
      int lda, short[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
    current.sgemmBf16B(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
  }

  @Override
  public void sgemmInPlaceB(boolean transA, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
      float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
    current.sgemmInPlaceB(transA, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
  }

  @Override
  public Gemm onCallingThread() {
    return routed.onCallingThread();
  }
}
