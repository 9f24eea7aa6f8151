package dev.tulu4j.tensor;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Chooses the GEMM backend. {@code vector} and {@code openblas} are taken as asked (openblas fails
 * with the loader's reason if it cannot load). {@code auto} is a per-shape router: matrix-vector and
 * few-row products (decode, {@code m ≤ 64}) and small products always run on the Java kernels,
 * which stream the weights once without a thread hand-off (OpenBLAS took 11.4 ms per tiny batch-1
 * decode step against 3.6 ms, docs/PERFORMANCE.md); the large products
 * ({@link #routesToLarge}) go to whichever of the blocked Java kernel and OpenBLAS measured faster
 * on a forward-shaped {@code 384 × 384 × 384} product (B transposed). The Java kernel is warmed
 * until its time per call stops improving (its JIT compilation shares the two cores with the
 * warm-up itself: after a fixed 250 ms it was still judged at 24 GFLOP/s against ~185 when warm),
 * then both are timed alternately and the best call of each counts. The measurement costs up to
 * about two seconds of start-up.
 */
public final class Gemms {
  private static final int PROBE = 384;
  private static final long WARMUP_MIN_NANOS = 500_000_000L;
  private static final long WARMUP_MAX_NANOS = 1_500_000_000L;
  private static final long BLAS_WARMUP_NANOS = 150_000_000L;
  /** Warm-up ends after this many calls in a row without a 2% better time. */
  private static final int STABLE_CALLS = 8;
  /** Products below this many flops stay on the Java kernels (a hand-off to OpenBLAS's threads costs more). */
  static final double LARGE_MIN_FLOPS = 8e6;

  private Gemms() {}

  /** The chosen GEMM and one line saying why. */
  public record Selection(Gemm gemm, String reason) {}

  /**
   * The routing rule of {@code auto}: true for the products that may leave the Java kernels, i.e.
   * more than {@link FewRowsGemm#MAX_M} rows and columns, a depth over 64 and at least
   * {@link #LARGE_MIN_FLOPS} flops; everything else (decode's matrix-vector and few-row products,
   * attention-sized tiles) is bandwidth- or overhead-bound and stays on the vector path.
   */
  public static boolean routesToLarge(int m, int n, int k) {
    return m > FewRowsGemm.MAX_M && n > FewRowsGemm.MAX_M && k > 64 && 2.0 * m * n * k >= LARGE_MIN_FLOPS;
  }

  public static Selection select(GemmBackend backend, Parallel parallel) {
    return switch (backend) {
      case VECTOR -> new Selection(new VectorGemm(parallel), "vector (configured)");
      case OPENBLAS -> {
        OpenBlasGemm g = OpenBlasGemm.load(parallel.threads());
        yield new Selection(g, "openblas (configured, " + g.coreName() + " kernels, "
            + parallel.threads() + " threads)");
      }
      case AUTO -> auto(parallel);
    };
  }

  private static Selection auto(Parallel parallel) {
    VectorGemm vector = new VectorGemm(parallel);
    String why = OpenBlasGemm.unavailableReason();
    if (why != null) {
      return new Selection(vector, "vector (auto: " + why + ")");
    }
    OpenBlasGemm blas = OpenBlasGemm.load(parallel.threads());
    double[] best = probe(vector, blas);
    double gv = 2.0 * PROBE * PROBE * PROBE / best[0] / 1e9;
    double gb = 2.0 * PROBE * PROBE * PROBE / best[1] / 1e9;
    String numbers = String.format(Locale.ROOT, "vector %.0f vs openblas/%s %.0f GFLOP/s at %d^3, warm",
        gv, blas.coreName(), gb, PROBE);
    return best[1] < best[0]
        ? new Selection(vector.routingLargeTo(blas), "vector+openblas (auto: decode and small products on vector, "
            + "large on openblas: " + numbers + ")")
        : new Selection(vector, "vector (auto: " + numbers + ")");
  }

  /** Best seconds per call of {@code a} and {@code b}, each warmed up first, timed alternately. */
  private static double[] probe(Gemm a, Gemm b) {
    SplittableRandom rnd = new SplittableRandom(3);
    int n = PROBE;
    float[] x = new float[n * n];
    float[] w = new float[n * n];
    float[] c = new float[n * n];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rnd.nextDouble();
      w[i] = (float) rnd.nextDouble();
    }
    warm(a, x, w, c, WARMUP_MIN_NANOS, WARMUP_MAX_NANOS);
    warm(b, x, w, c, 0, BLAS_WARMUP_NANOS);
    double[] best = {Double.MAX_VALUE, Double.MAX_VALUE};
    for (int r = 0; r < 5; r++) {
      best[0] = Math.min(best[0], time(a, x, w, c));
      best[1] = Math.min(best[1], time(b, x, w, c));
    }
    return best;
  }

  /**
   * Calls g for at least {@code minNanos} (background JIT compilation can keep a slow tier steady
   * for a while) and then until STABLE_CALLS calls in a row bring no 2% better time, or the budget
   * is spent.
   */
  private static void warm(Gemm g, float[] x, float[] w, float[] c, long minNanos, long budgetNanos) {
    long t0 = System.nanoTime();
    long min = t0 + minNanos;
    long end = t0 + budgetNanos;
    double best = Double.MAX_VALUE;
    int stable = 0;
    while ((stable < STABLE_CALLS || System.nanoTime() < min) && System.nanoTime() < end) {
      double t = time(g, x, w, c);
      if (t < 0.98 * best) {
        best = t;
        stable = 0;
      } else {
        stable++;
      }
    }
  }

  private static double time(Gemm g, float[] x, float[] w, float[] c) {
    int n = PROBE;
    long t0 = System.nanoTime();
    g.sgemm(false, true, n, n, n, 1f, x, 0, n, w, 0, n, 0f, c, 0, n);
    return (System.nanoTime() - t0) / 1e9;
  }
}
