package dev.tulu4j.tensor;


/**
 * Chooses the GEMM backend. {@code vector} and {@code openblas} are taken as asked (openblas fails
 * with the loader's reason if it cannot load). {@code auto} returns an {@link AutoGemm}'s router:
 * matrix-vector and few-row products (decode, {@code m ≤ 64}) and small products always run on the
 * Java kernels, which stream the weights once without a thread hand-off (OpenBLAS took 11.4 ms per
 * tiny batch-1 decode step against 3.6 ms, docs/PERFORMANCE.md); the large products
 * ({@link #routesToLarge}) run on vector until a whole step of the workload about to run has been
 * timed on both backends ({@link AutoGemm#measure}: the train loop's start, {@code bench --gemm
 * auto}), and then on the faster by a clear margin. Until then, and where nothing measures
 * (evaluation, generation), auto is vector. (Sessions before 11 chose by one {@code 384³} product,
 * which did not predict whole steps.)
 */
public final class Gemms {
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
    String why = OpenBlasGemm.unavailableReason();
    if (why != null) {
      return new Selection(new VectorGemm(parallel), "vector (auto: " + why + ")");
    }
    OpenBlasGemm blas = OpenBlasGemm.load(parallel.threads());
    AutoGemm auto = AutoGemm.over(parallel, blas, blas.id());
    return new Selection(auto.routed(), "auto (vector until a whole step is timed against " + blas.id() + ", "
        + parallel.threads() + " threads)");
  }

  /** The {@link AutoGemm} behind {@code gemm} when it is auto's router. */
  public static java.util.Optional<AutoGemm> autoOf(Gemm gemm) {
    return gemm instanceof VectorGemm v && v.large() instanceof AutoGemm a
        ? java.util.Optional.of(a) : java.util.Optional.empty();
  }

  /**
   * What runs the large products, in one token for checkpoint metadata and reports: {@code vector},
   * {@code openblas/<core>} ({@code --gemm openblas}), {@code vector+openblas/<core>} (auto chose it),
   * or the backend's name.
   */
  public static String id(Gemm gemm) {
    if (gemm instanceof OpenBlasGemm o) return o.id();
    if (gemm instanceof VectorGemm v) {
      if (v.large() == null) return "vector";
      if (v.large() instanceof AutoGemm a) return a.choice().equals(AutoGemm.VECTOR) ? "vector" : "vector+" + a.choice();
      return "vector+" + id(v.large());
    }
    return gemm.name();
  }
}
