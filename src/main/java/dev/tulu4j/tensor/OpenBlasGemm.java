package dev.tulu4j.tensor;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * GEMM through native OpenBLAS {@code cblas_sgemm}. The library is the one bundled in
 * {@code org.bytedeco:openblas} (JavaCPP extracts and loads it); the call goes through the FFM API
 * as a <em>critical</em> downcall ({@code Linker.Option.critical(true)}), which lets OpenBLAS read
 * and write the Java {@code float[]} arrays in place, without copies. While a call runs the GC
 * cannot move those arrays, so other threads that need a GC wait for it to return.
 *
 * <p>OpenBLAS owns its own thread pool, sized once here with {@code openblas_set_num_threads}
 * (process-wide). Our {@link Parallel} workers are parked while it runs, so the two pools never
 * compete for the cores. OpenBLAS picks its kernels when the library loads: an exported
 * {@code OPENBLAS_CORETYPE} (the machines here set {@code Haswell}) forces them; {@link #coreName()}
 * reports what was chosen and {@link #config()} the library's build line. Unset there, the bundled
 * 0.3.31 picks {@code Cooperlake} (AVX-512) kernels on the Zen 5 (docs/PERFORMANCE.md, session 11).
 *
 * <p>If the native library cannot be loaded (another OS or architecture, missing jar),
 * {@link #load} throws {@link IllegalStateException} with the reason and callers fall back to
 * {@link VectorGemm}; {@link #unavailableReason()} says why without throwing.
 */
public final class OpenBlasGemm implements Gemm {
  private static final int ROW_MAJOR = 101; // CBLAS_ORDER.CblasRowMajor
  private static final int NO_TRANS = 111; // CBLAS_TRANSPOSE.CblasNoTrans
  private static final int TRANS = 112; // CBLAS_TRANSPOSE.CblasTrans
  /** {@link #onCallingThread()}: the Java kernels without workers. */
  private static final Gemm CALLING_THREAD = new VectorGemm(Parallel.serial());

  private final int threads;

  private OpenBlasGemm(int threads) {
    this.threads = threads;
  }

  /**
   * Loads OpenBLAS (once per process) and sets its thread count.
   *
   * @throws IllegalStateException when the native library or a symbol cannot be loaded
   */
  public static OpenBlasGemm load(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("OpenBLAS threads must be >= 1, got " + threads);
    }
    Native nat = Native.get();
    try {
      nat.setNumThreads.invokeExact(threads);
    } catch (Throwable e) {
      throw new IllegalStateException("openblas_set_num_threads failed: " + e, e);
    }
    return new OpenBlasGemm(threads);
  }

  /** Null when OpenBLAS loads, otherwise a one-line reason. */
  public static String unavailableReason() {
    try {
      Native.get();
      return null;
    } catch (IllegalStateException e) {
      return e.getMessage();
    }
  }

  @Override
  public String name() {
    return "openblas";
  }

  public int threads() {
    return threads;
  }

  /**
   * The pure-Java GEMM on the calling thread: OpenBLAS's thread count is process-wide
   * ({@code openblas_set_num_threads}), so calling it from inside our pool's tasks would run its
   * threads beside ours on the same cores.
   */
  @Override
  public Gemm onCallingThread() {
    return CALLING_THREAD;
  }

  /** The kernel family OpenBLAS selected at load time, e.g. "Haswell" or "SkylakeX". */
  public String coreName() {
    return Native.get().coreName;
  }

  /**
   * OpenBLAS's build line ({@code openblas_get_config}: version, build options, the selected core
   * and its thread model), e.g. "OpenBLAS 0.3.31 DYNAMIC_ARCH NO_AFFINITY Cooperlake MAX_THREADS=64".
   */
  public String config() {
    return Native.get().config;
  }

  /** {@code openblas/<core>}: the backend and its kernel family in one token, for reports and checkpoint metadata. */
  public String id() {
    return "openblas/" + coreName();
  }

  @Override
  public void sgemm(boolean transA, boolean transB, int m, int n, int k,
      float alpha, float[] a, int aOff, int lda,
      float[] b, int bOff, int ldb,
      float beta, float[] c, int cOff, int ldc) {
    // checked here: a bad index in native code corrupts memory instead of throwing
    GemmArgs.check(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
    if (GemmArgs.trivial(m, n, k, alpha, beta, c, cOff, ldc)) {
      return;
    }
    MemorySegment as = MemorySegment.ofArray(a).asSlice(4L * aOff);
    MemorySegment bs = MemorySegment.ofArray(b).asSlice(4L * bOff);
    MemorySegment cs = MemorySegment.ofArray(c).asSlice(4L * cOff);
    try {
      Native.get().sgemm.invokeExact(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS,
          m, n, k, alpha, as, lda, bs, ldb, beta, cs, ldc);
    } catch (Throwable e) {
      throw new IllegalStateException("cblas_sgemm failed: " + e, e);
    }
  }

  /** The process-wide native handles, resolved on first use (the library is process-global). */
  private static final class Native {
    private static volatile Native instance;
    private static volatile String failure;

    final MethodHandle sgemm;
    final MethodHandle setNumThreads;
    final String coreName;
    final String config;

    private Native(MethodHandle sgemm, MethodHandle setNumThreads, String coreName, String config) {
      this.sgemm = sgemm;
      this.setNumThreads = setNumThreads;
      this.coreName = coreName;
      this.config = config;
    }

    static Native get() {
      Native n = instance;
      if (n != null) {
        return n;
      }
      synchronized (Native.class) {
        if (instance == null && failure == null) {
          try {
            instance = loadNative();
          } catch (Throwable e) {
            failure = "OpenBLAS is not available: " + (e.getMessage() == null ? e.toString() : e.getMessage());
          }
        }
        if (instance == null) {
          throw new IllegalStateException(failure);
        }
        return instance;
      }
    }

    private static Native loadNative() throws Throwable {
      // JavaCPP extracts libopenblas.so.0 (and its libgfortran) from the platform jar and loads it
      org.bytedeco.javacpp.Loader.load(org.bytedeco.openblas.global.openblas_nolapack.class);
      SymbolLookup lookup = SymbolLookup.loaderLookup();
      Linker linker = Linker.nativeLinker();
      MethodHandle sgemm = linker.downcallHandle(find(lookup, "cblas_sgemm"),
          FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
              ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
              ValueLayout.JAVA_FLOAT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
              ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
              ValueLayout.JAVA_FLOAT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
          Linker.Option.critical(true));
      MethodHandle setThreads = linker.downcallHandle(find(lookup, "openblas_set_num_threads"),
          FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT));
      MethodHandle corename = linker.downcallHandle(find(lookup, "openblas_get_corename"),
          FunctionDescriptor.of(ValueLayout.ADDRESS));
      MethodHandle configFn = linker.downcallHandle(find(lookup, "openblas_get_config"),
          FunctionDescriptor.of(ValueLayout.ADDRESS));
      MemorySegment name = (MemorySegment) corename.invokeExact();
      MemorySegment conf = (MemorySegment) configFn.invokeExact();
      return new Native(sgemm, setThreads, cString(name, 64), cString(conf, 512).strip());
    }

    /** A NUL-terminated string OpenBLAS returns (a static buffer), read up to {@code max} bytes. */
    private static String cString(MemorySegment p, int max) {
      if (p.equals(MemorySegment.NULL)) return "unknown";
      MemorySegment s = p.reinterpret(max);
      int len = 0;
      while (len < max && s.get(ValueLayout.JAVA_BYTE, len) != 0) len++;
      return new String(s.asSlice(0, len).toArray(ValueLayout.JAVA_BYTE), java.nio.charset.StandardCharsets.US_ASCII);
    }

    private static MemorySegment find(SymbolLookup lookup, String symbol) {
      return lookup.find(symbol).orElseThrow(() -> new IllegalStateException(
          "symbol " + symbol + " not found after loading the bundled OpenBLAS"));
    }
  }
}
