package dev.tulu4j.tensor;

import static dev.tulu4j.tensor.GemmPack.MR;
import static dev.tulu4j.tensor.GemmPack.NR;

/**
 * The pure-Java GEMM: packed, cache-blocked, Vector API register tiles, rows (or, for short
 * matrices, column panels) split over a {@link Parallel} pool. The loop nest is the
 * GotoBLAS/BLIS one (Goto and van de Geijn, ACM TOMS 2008; Van Zee and van de Geijn, "BLIS",
 * ACM TOMS 2015):
 *
 * <pre>
 * for jc in n by NC:                      B block columns
 *   for pc in k by KC:                    depth block; beta applies on the first only
 *     pack op(B)[pc.., jc..] into panels  (split over the threads)
 *     for ic in m by MC (per thread):     op(A) read in place (or, AMode.PACKED, packed into MR-row tiles)
 *       for each panel:                   NR = 4 vectors wide, or one vector at the edge
 *         for each MR-row tile:           micro-kernel, 6 × NR accumulators in registers
 * </pre>
 *
 * <p>A is not packed (the default {@link AMode#IN_PLACE}): the kernels broadcast from six row
 * streams of A, or from six neighbouring values of one stored row when A is transposed, and the
 * mc × kc block stays in L2 as a packed copy would. Packing A took 14% of the tiny model's training
 * step (docs/PERFORMANCE.md, "Training step").
 *
 * <p>Rows are cut into up to four chunks per thread that the threads claim as they go, so the split
 * stays even when one core is briefly taken by another process. {@code m == 1} and {@code n == 1} go to {@link Gemv}, and a few rows times a transposed B
 * ({@code m ≤ 64} and {@code k ≥ 128}, batched decode) to {@link FewRowsGemm} (bandwidth-bound, no packing). Transposes
 * of B are resolved by its packing, those of A by the kernel variant ({@code GemmKernels.wideRows} or
 * {@code wideCols}).
 */
public final class VectorGemm implements Gemm {

  /**
   * Cache blocking. {@code mc × kc} floats of packed A stay in the per-core L2 (96 × 512 × 4 B =
   * 192 KiB of the 1 MiB), a {@code kc × NR} B panel (128 KiB) streams from L2 and is reused by every
   * row tile, the {@code kc × nc} packed B block (2 MiB) lives in L3. A deep {@code kc} means C is
   * read and written fewer times; in a sweep on one thread (1024³ and 2048³) 96/512/1024 beat
   * 120/256/1024 by about 7%.
   */
  public record Blocking(int mc, int kc, int nc) {
    public Blocking {
      if (mc < MR || mc % MR != 0) {
        throw new IllegalArgumentException("mc must be a positive multiple of " + MR + ", got " + mc);
      }
      if (kc < 1) {
        throw new IllegalArgumentException("kc must be >= 1, got " + kc);
      }
      if (nc < NR || nc % NR != 0) {
        throw new IllegalArgumentException("nc must be a positive multiple of " + NR + ", got " + nc);
      }
    }

    public static Blocking defaults() {
      return new Blocking(96, 512, 1024);
    }
  }

  /**
   * The few-rows path ends every output with horizontal sums of four vectors, a fixed cost that
   * only a deep enough {@code k} (decode: k = hidden or intermediate, 256 and up) amortises. A shallow
   * product with few rows is the attention score tile {@code S = Q·Kᵀ} (k = head dim, 32–64): the
   * packed kernel does it several times faster (docs/PERFORMANCE.md, "Training step").
   */
  static final int FEW_ROWS_MIN_K = 128;

  /**
   * The blocked kernel in one line, for reports and checkpoint metadata ({@link CpuInfo#kernelSignature}):
   * the register tile (MR rows × NR columns, its vector accumulators) and the default depth block,
   * which fixes each output's summation (one FMA chain per depth block, blocks added into C). One
   * tile for every CPU: on the Zen 5 it runs at 97% of a register-only FMA loop (docs/PERFORMANCE.md).
   */
  public static final String KERNEL = String.format(java.util.Locale.ROOT, "%dx%d fp32 tile (%d accumulators of %d lanes), kc %d",
      MR, NR, MR * NR / VectorMath.L, VectorMath.L, Blocking.defaults().kc());

  /** Below this many flops a call runs on one thread: waking the pool would cost more than it saves. */
  private static final double PARALLEL_MIN_FLOPS = 4e6;

  private static final ThreadLocal<float[]> A_SCRATCH = ThreadLocal.withInitial(() -> new float[0]);
  private static final ThreadLocal<float[]> B_SCRATCH = ThreadLocal.withInitial(() -> new float[0]);
  /** A thread's copy of the panels that own-panel products split by rows ({@link #sharedPanelsRule}). */
  private static final ThreadLocal<float[]> SHARED_B_SCRATCH = ThreadLocal.withInitial(() -> new float[0]);
  private static final ThreadLocal<float[]> TILE_SCRATCH = ThreadLocal.withInitial(() -> new float[0]);
  private static final ThreadLocal<float[]> IN_PLACE_TILE = ThreadLocal.withInitial(() -> new float[0]);

  private final Parallel parallel;
  private final Blocking blocking;
  /** Where {@link Gemms#routesToLarge} products go instead of the blocked kernel (null: nowhere). */
  private final Gemm large;
  private final AMode aMode;
  /** {@link #onCallingThread()}, made on first use. */
  private volatile VectorGemm callingThread;

  /**
   * Where the kernels read op(A): packed into MR-row tiles (the earlier design), in place when A is
   * not transposed, or always in place. All three run the same FMAs in the same order, so results
   * are bit-identical; the choice is speed only (tests and measurements compare them).
   */
  enum AMode { PACKED, ROWS_IN_PLACE, IN_PLACE }

  static final AMode DEFAULT_A_MODE = AMode.IN_PLACE;

  /**
   * Up to this many rows, a product with at least 4 B panels per thread splits the panels over the
   * threads and each thread packs the panels it multiplies (one parallel region per depth block, no
   * barrier between packing and the kernels, a thread's panels stay in its own L2) instead of splitting
   * the rows over all panels packed by both threads. Each output is still computed by one kernel call
   * in the same order, so results are the same bits. Measured on the Zen 5, 2 threads, alternating in
   * one JVM (`MicroKernelBench`, machine partly shared): 1024³ +2 to +7% (3 runs), 2048³ +4%, 4096³
   * −2 to 0%, 4096×768×256 +3%; so not above 2048 rows.
   */
  static final int OWN_PANELS_MAX_M = 2048;

  /**
   * With {@link #ownPanels}, the last {@code panels % threads} panels of a block are split by rows
   * over the threads (each packs them into its own scratch) instead of going whole to some threads:
   * the 135M model's C 576 is 9 panels, 5 and 4 on two threads, so one thread waited a ninth of
   * each weight-gradient product. Each output is still one kernel call per depth block: same bits.
   * False (A/B bench only) gives every panel to one thread, as before.
   */
  static volatile boolean sharedPanelsRule = true;

  /** For the A/B bench only: false turns {@link #OWN_PANELS_MAX_M}'s rule off. */
  static volatile boolean ownPanelsRule = true;

  static boolean ownPanels(int m, int panels, int threads) {
    return ownPanelsRule && m <= OWN_PANELS_MAX_M && panels >= 4 * threads;
  }

  public VectorGemm(Parallel parallel) {
    this(parallel, Blocking.defaults());
  }

  public VectorGemm(Parallel parallel, Blocking blocking) {
    this(parallel, blocking, DEFAULT_A_MODE);
  }

  VectorGemm(Parallel parallel, Blocking blocking, AMode aMode) {
    this(parallel, blocking, aMode, null);
  }

  private VectorGemm(Parallel parallel, Blocking blocking, AMode aMode, Gemm large) {
    this.parallel = java.util.Objects.requireNonNull(parallel, "parallel");
    this.blocking = java.util.Objects.requireNonNull(blocking, "blocking");
    this.aMode = java.util.Objects.requireNonNull(aMode, "aMode");
    this.large = large;
  }

  /**
   * This GEMM with the large products ({@link Gemms#routesToLarge}) sent to {@code large} (the
   * per-shape router of {@code --gemm auto}); matrix-vector and few-row products stay here.
   */
  public VectorGemm routingLargeTo(Gemm large) {
    return new VectorGemm(parallel, blocking, aMode, java.util.Objects.requireNonNull(large, "large"));
  }

  /** The GEMM that takes the large products, or null. */
  public Gemm large() {
    return large;
  }

  @Override
  public String name() {
    return large == null ? "vector" : "vector+" + large.name();
  }

  public Blocking blocking() {
    return blocking;
  }

  /**
   * The same kernels, blocking and A mode on a pool without workers. Large products stay here too:
   * a product routed to another backend would run that backend's threads inside our tasks.
   */
  @Override
  public VectorGemm onCallingThread() {
    VectorGemm g = callingThread;
    if (g == null) {
      g = parallel.threads() == 1 && large == null ? this : new VectorGemm(Parallel.serial(), blocking, aMode, null);
      callingThread = g;
    }
    return g;
  }

  /** The pool this GEMM splits its work over (models use it for their other kernels too). */
  public Parallel parallel() {
    return parallel;
  }

  @Override
  public void sgemm(boolean transA, boolean transB, int m, int n, int k,
      float alpha, float[] a, int aOff, int lda,
      float[] b, int bOff, int ldb,
      float beta, float[] c, int cOff, int ldc) {
    GemmArgs.check(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
    if (GemmArgs.trivial(m, n, k, alpha, beta, c, cOff, ldc)) {
      return;
    }
    if (m == 1) {
      // c[0, j] = Σ_p op(A)(0,p) · op(B)(p,j): B stored [n,k] is dot form, [k,n] axpy form
      Gemv.gemv(parallel, transB, k, n, alpha, a, aOff, transA ? lda : 1, b, bOff, ldb,
          beta, c, cOff, 1);
      return;
    }
    if (n == 1) {
      // c[i, 0] = Σ_p op(B)(p,0) · op(A)(i,p): A stored [m,k] is dot form, [k,m] axpy form
      Gemv.gemv(parallel, !transA, k, m, alpha, b, bOff, transB ? 1 : ldb, a, aOff, lda,
          beta, c, cOff, ldc);
      return;
    }
    if (transB && m <= FewRowsGemm.MAX_M && k >= FEW_ROWS_MIN_K) {
      // batched decode, y = x·Wᵀ with a few rows: stream W once per four rows, no packing
      FewRowsGemm.run(parallel, transA, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
      return;
    }
    if (large != null && Gemms.routesToLarge(m, n, k)) {
      large.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
      return;
    }
    new Call(transA, transB, m, n, k, alpha, a, aOff, lda, b, null, bOff, ldb, beta, c, cOff, ldc).run();
  }

  /**
   * {@link #sgemm} with B not transposed ({@code op(B) = B}, stored {@code [k, ldb]}) for small
   * products on the calling thread: the attention blocks' {@code P·V}, {@code dS·K}, {@code dSᵀ·Q},
   * {@code Pᵀ·dO} and, with the keys transposed first, {@code Q·Kᵀ}. B is read where it lies
   * instead of being packed, and a head dim of 32 gets an 8 × 32 tile instead of the blocked
   * kernel's one-vector edge panels ({@link InPlaceKernels}). Each output is the same FMA chain per
   * depth block ({@link #depthBlock} of this GEMM's {@code kc}, beta on the first block) followed by
   * the same C update as in {@link #sgemm}, so the results are the same bits; {@code m == 1},
   * {@code n == 1} and products routed to the large backend take {@link #sgemm} itself. Runs on the
   * calling thread whatever the pool (callers are tasks of a parallel loop).
   */
  @Override
  public void sgemmInPlaceB(boolean transA, int m, int n, int k,
      float alpha, float[] a, int aOff, int lda,
      float[] b, int bOff, int ldb,
      float beta, float[] c, int cOff, int ldc) {
    if (m == 1 || n == 1 || (large != null && Gemms.routesToLarge(m, n, k))) {
      sgemm(transA, false, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
      return;
    }
    GemmArgs.check(transA, false, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
    if (GemmArgs.trivial(m, n, k, alpha, beta, c, cOff, ldc)) {
      return;
    }
    int rs = transA ? 1 : lda, ps = transA ? lda : 1;
    int kcStep = depthBlock(k, blocking.kc());
    float[] tile = scratch(IN_PLACE_TILE, InPlaceKernels.TILE);
    for (int pc = 0; pc < k; pc += kcStep) {
      InPlaceKernels.block(m, n, Math.min(kcStep, k - pc), alpha, a, aOff + pc * ps, rs, ps, b, bOff + pc * ldb, ldb,
          pc == 0 ? beta : 1f, c, cOff, ldc, tile);
    }
  }

  /**
   * True where {@link #sgemm} with B transposed runs the blocked kernel (not one row or column, not
   * {@link FewRowsGemm}, not the large backend): its chains are then those of
   * {@link #sgemmInPlaceB} on the transposed B.
   */
  @Override
  public boolean transposedBSameBits(int m, int n, int k) {
    return m > 1 && n > 1 && !(m <= FewRowsGemm.MAX_M && k >= FEW_ROWS_MIN_K)
        && !(large != null && Gemms.routesToLarge(m, n, k));
  }

  /**
   * bf16 B ({@link Gemm#sgemmBf16B}). The forward form ({@code transB}, A not transposed) runs the
   * fp32 routes with B widened where they read it: one row ({@link Bf16#dot}, or four widened rows
   * and {@link VectorMath#dot4} from depth {@code Gemv}'s 1024 on, as {@link Gemv} groups them), a
   * few rows ({@link Bf16Decode#fewRows}), or the blocked kernel with B widened in its packing
   * ({@link GemmPack#packBBf16T}); so the results equal {@link #sgemm} over the widened B exactly.
   * The other forms (input gradients of frozen weights) widen column blocks first (the interface's
   * default).
   */
  @Override
  public void sgemmBf16B(boolean transA, boolean transB, int m, int n, int k,
      float alpha, float[] a, int aOff, int lda,
      short[] b, int bOff, int ldb,
      float beta, float[] c, int cOff, int ldc) {
    if (transA || !transB || m == 0 || n == 1) {
      Gemm.super.sgemmBf16B(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
      return;
    }
    GemmArgs.checkBf16(false, true, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
    if (GemmArgs.trivial(m, n, k, alpha, beta, c, cOff, ldc)) {
      return;
    }
    if (m == 1) {
      Bf16Decode.gemv(parallel, k, n, alpha, a, aOff, b, bOff, ldb, beta, c, cOff);
      return;
    }
    if (m <= FewRowsGemm.MAX_M && k >= FEW_ROWS_MIN_K) {
      Bf16Decode.fewRows(parallel, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
      return;
    }
    if (large != null && Gemms.routesToLarge(m, n, k)) {
      large.sgemmBf16B(false, true, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
      return;
    }
    new Call(false, true, m, n, k, alpha, a, aOff, lda, null, b, bOff, ldb, beta, c, cOff, ldc).run();
  }

  /**
   * Packs op(B) into the blocked kernel's panels once, every (column block, depth block) of the
   * {@link Blocking} in the order {@link Call#run} walks them, split over the threads; at most
   * {@code maxFloats} floats, else B is kept unpacked. The panels are those each product would pack
   * for itself, so {@link #sgemmPacked} gives the bits of {@link #sgemm}.
   */
  @Override
  public PackedB packB(boolean transB, int n, int k, float[] b, int bOff, int ldb, long maxFloats) {
    GemmArgs.check(false, transB, 1, n, k, new float[k], 0, k, b, bOff, ldb, new float[n], 0, n); // B's bounds
    if (n <= 1 || k == 0) {
      return PackedB.unpacked(transB, n, k, b, bOff, ldb);
    }
    int kcStep = depthBlock(k, blocking.kc());
    int colBlocks = (n + blocking.nc() - 1) / blocking.nc(), depthBlocks = (k + kcStep - 1) / kcStep;
    int[] start = new int[colBlocks * depthBlocks + 1];
    long total = 0;
    for (int jb = 0, i = 0; jb < colBlocks; jb++) {
      int ncb = Math.min(blocking.nc(), n - jb * blocking.nc());
      for (int pb = 0; pb < depthBlocks; pb++, i++) {
        start[i] = (int) Math.min(total, Integer.MAX_VALUE);
        total += GemmPack.packedBSize(ncb, Math.min(kcStep, k - pb * kcStep));
      }
    }
    if (total > maxFloats || total > Integer.MAX_VALUE - 32) {
      return PackedB.unpacked(transB, n, k, b, bOff, ldb);
    }
    // every panel is a whole number of cache lines long: starting the first on a line starts them all on one
    float[] panels = new float[(int) total + CacheLines.FLOATS - 1];
    int lead = CacheLines.lead(panels);
    start[start.length - 1] = (int) total;
    for (int i = 0; i < start.length; i++) start[i] += lead;
    int blocks = colBlocks * depthBlocks;
    parallel.parallelFor(Math.min(blocks, parallel.threads()), t -> {
      int threads = Math.min(blocks, parallel.threads());
      for (int i = Parallel.split(blocks, threads, t); i < Parallel.split(blocks, threads, t + 1); i++) {
        int j0 = (i / depthBlocks) * blocking.nc(), p0 = (i % depthBlocks) * kcStep;
        int ncb = Math.min(blocking.nc(), n - j0);
        GemmPack.packB(transB, b, bOff, ldb, p0, Math.min(kcStep, k - p0), j0, ncb, panels, start[i],
            0, GemmPack.panels(ncb));
      }
    });
    return new PackedB(transB, n, k, b, bOff, ldb, panels, start, blocking);
  }

  /**
   * {@link #sgemm} (A not transposed) over B's panels from {@link #packB}: where {@code sgemm} would
   * run the blocked kernel, the same calls on the same panels, without packing them; every other
   * route (one row, few rows, the large backend, B not packed here) is {@code sgemm} itself.
   */
  @Override
  public void sgemmPacked(int m, float alpha, float[] a, int aOff, int lda, PackedB pb,
      float beta, float[] c, int cOff, int ldc) {
    int n = pb.n, k = pb.k;
    boolean blocked = pb.panels != null && pb.packer == blocking && m > 1 && n > 1
        && !(pb.transB && m <= FewRowsGemm.MAX_M && k >= FEW_ROWS_MIN_K)
        && !(large != null && Gemms.routesToLarge(m, n, k));
    if (!blocked) {
      sgemm(false, pb.transB, m, n, k, alpha, a, aOff, lda, pb.b, pb.bOff, pb.ldb, beta, c, cOff, ldc);
      return;
    }
    GemmArgs.check(false, pb.transB, m, n, k, a, aOff, lda, pb.b, pb.bOff, pb.ldb, c, cOff, ldc);
    if (GemmArgs.trivial(m, n, k, alpha, beta, c, cOff, ldc)) {
      return;
    }
    new Call(false, pb.transB, m, n, k, alpha, a, aOff, lda, pb.b, null, pb.bOff, pb.ldb, beta, c, cOff, ldc, pb).run();
  }

  /**
   * The depth of the {@code pc} blocks: {@code k} cut into equal blocks of at most {@code kc}, or
   * one block when {@code k ≤ 1.25·kc}. Cutting 576 (SmolLM2's hidden size) as 512 + 64 made the
   * second block re-read and re-write all of C, and re-pack A and B, for an eighth of the work.
   */
  static int depthBlock(int k, int kc) {
    if (k <= kc + kc / 4) {
      return Math.max(1, k);
    }
    int blocks = (k + kc - 1) / kc;
    return (k + blocks - 1) / blocks;
  }

  private static float[] scratch(ThreadLocal<float[]> tl, int size) {
    float[] buf = tl.get();
    if (buf.length < size) {
      buf = new float[size];
      tl.set(buf);
    }
    return buf;
  }

  /** One blocked GEMM call: the arguments plus the packed B block shared by the threads. */
  private final class Call {
    final boolean transA, transB;
    final int m, n, k, aOff, lda, bOff, ldb, cOff, ldc;
    final float alpha, beta;
    final float[] a, b, c;
    final short[] bh; // B as bf16 bits instead of b (transB only), widened in packing
    final float[] bPack;
    /** Where this call's scratch panels start in bPack (0..15): the first cache-line boundary. */
    final int bLead;
    final int kcStep;
    /** B's panels packed once ({@link #packB}), or null: each block is packed into bPack here. */
    final PackedB pre;

    Call(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff,
        int lda, float[] b, short[] bh, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
      this(transA, transB, m, n, k, alpha, a, aOff, lda, b, bh, bOff, ldb, beta, c, cOff, ldc, null);
    }

    Call(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff,
        int lda, float[] b, short[] bh, int bOff, int ldb, float beta, float[] c, int cOff, int ldc, PackedB pre) {
      this.pre = pre;
      this.bh = bh;
      this.transA = transA;
      this.transB = transB;
      this.m = m;
      this.n = n;
      this.k = k;
      this.alpha = alpha;
      this.a = a;
      this.aOff = aOff;
      this.lda = lda;
      this.b = b;
      this.bOff = bOff;
      this.ldb = ldb;
      this.beta = beta;
      this.c = c;
      this.cOff = cOff;
      this.ldc = ldc;
      this.kcStep = depthBlock(k, blocking.kc());
      this.bPack = pre != null ? pre.panels
          : scratch(B_SCRATCH, GemmPack.packedBSize(Math.min(blocking.nc(), n), kcStep) + CacheLines.FLOATS - 1);
      // packed panels start on a cache line (their lengths are whole lines): no 512-bit load straddles two
      this.bLead = pre != null ? 0 : CacheLines.lead(bPack);
    }

    void run() {
      int threads = 2.0 * m * n * k < PARALLEL_MIN_FLOPS ? 1 : parallel.threads();
      int rowTiles = (m + MR - 1) / MR;
      boolean ownPanels = threads > 1 && ownPanels(m, GemmPack.panels(Math.min(n, blocking.nc())), threads);
      boolean splitRows = rowTiles >= 2 * threads && !ownPanels;
      // rows go out in up to 4 chunks per thread, claimed dynamically: equal shares on a quiet
      // machine, and a thread that loses its core for a while takes fewer chunks. A multiple of
      // the thread count, so that a quiet machine ends every thread at the same time (5 chunks on
      // 2 threads kept one thread idle for a fifth of the call)
      int rowChunks = threads * Math.max(1, Math.min(4, rowTiles / (8 * threads)));
      int block = 0;
      for (int jc = 0; jc < n; jc += blocking.nc()) {
        final int j0 = jc;
        final int ncb = Math.min(blocking.nc(), n - jc);
        final int panels = GemmPack.panels(ncb);
        for (int pc = 0; pc < k; pc += kcStep, block++) {
          final int p0 = pc;
          final int kcb = Math.min(kcStep, k - pc);
          final float betaEff = pc == 0 ? beta : 1f;
          final int base = pre != null ? pre.blockStart[block] : bLead;
          if (threads == 1) {
            pack(p0, kcb, j0, ncb, 0, panels);
            compute(0, m, 0, panels, j0, ncb, p0, kcb, betaEff, base);
            continue;
          }
          if (ownPanels) {
            // each thread packs the panels it then multiplies: no barrier, its panels stay in its L2
            // panels left over when they do not divide evenly (C 576 is 9 panels: 5 and 4 on two
            // threads) are split by rows instead; each thread packs them into its own scratch and
            // takes its rows of them with each row block of its own panels, while that block of A
            // is in its L2
            int shared = sharedPanelsRule ? panels % threads : 0;
            int owned = panels - shared;
            parallel.parallelFor(threads, t -> {
              int q0 = Parallel.split(owned, threads, t), q1 = Parallel.split(owned, threads, t + 1);
              pack(p0, kcb, j0, ncb, q0, q1);
              if (shared == 0) {
                compute(0, m, q0, q1, j0, ncb, p0, kcb, betaEff, base, bPack);
                return;
              }
              int i0 = Parallel.split(rowTiles, threads, t) * MR;
              int i1 = Math.min(m, Parallel.split(rowTiles, threads, t + 1) * MR);
              float[] sp = bPack;
              int sBase = base;
              if (pre == null) {
                int from = GemmPack.panelOffset(owned, ncb, kcb);
                sp = scratch(SHARED_B_SCRATCH, GemmPack.packedBSize(ncb, kcb) - from + CacheLines.FLOATS - 1);
                sBase = CacheLines.lead(sp) - from; // panel `owned` starts on a line of sp
                pack(p0, kcb, j0, ncb, owned, panels, sp, sBase);
              }
              for (int ic = 0; ic < m; ic += blocking.mc()) {
                int ie = Math.min(m, ic + blocking.mc());
                compute(ic, ie, q0, q1, j0, ncb, p0, kcb, betaEff, base, bPack);
                compute(Math.max(ic, i0), Math.min(ie, i1), owned, panels, j0, ncb, p0, kcb, betaEff, sBase, sp);
              }
            });
            continue;
          }
          if (pre == null) {
            parallel.parallelFor(threads, t -> pack(p0, kcb, j0, ncb,
                Parallel.split(panels, threads, t), Parallel.split(panels, threads, t + 1)));
          }
          if (splitRows) {
            parallel.parallelFor(rowChunks, t -> compute(
                Parallel.split(rowTiles, rowChunks, t) * MR,
                Math.min(m, Parallel.split(rowTiles, rowChunks, t + 1) * MR),
                0, panels, j0, ncb, p0, kcb, betaEff, base));
          } else {
            parallel.parallelFor(threads, t -> compute(0, m,
                Parallel.split(panels, threads, t), Parallel.split(panels, threads, t + 1),
                j0, ncb, p0, kcb, betaEff, base));
          }
        }
      }
    }

    private void pack(int p0, int kcb, int j0, int ncb, int q0, int q1) {
      if (pre != null) return; // packed once, before this call
      pack(p0, kcb, j0, ncb, q0, q1, bPack, bLead);
    }

    /** Panels {@code [q0, q1)} into {@code dst} with panel {@code q} at {@code dstBase + panelOffset(q)}. */
    private void pack(int p0, int kcb, int j0, int ncb, int q0, int q1, float[] dst, int dstBase) {
      if (bh != null) GemmPack.packBBf16T(bh, bOff, ldb, p0, kcb, j0, ncb, dst, dstBase, q0, q1);
      else GemmPack.packB(transB, b, bOff, ldb, p0, kcb, j0, ncb, dst, dstBase, q0, q1);
    }

    /**
     * Rows {@code [i0, i1)} times panels {@code [q0, q1)} of the packed B block, A read in place
     * or packed into MR-row tiles first, as {@link AMode} says.
     */
    private void compute(int i0, int i1, int q0, int q1, int j0, int ncb, int p0, int kcb,
        float betaEff, int base) {
      compute(i0, i1, q0, q1, j0, ncb, p0, kcb, betaEff, base, bPack);
    }

    /** {@link #compute(int, int, int, int, int, int, int, int, float, int)} on panels packed in {@code bPack} from {@code base}. */
    private void compute(int i0, int i1, int q0, int q1, int j0, int ncb, int p0, int kcb,
        float betaEff, int base, float[] bPack) {
      if (i1 <= i0 || q1 <= q0) {
        return;
      }
      int mc = blocking.mc();
      boolean direct = aMode == AMode.IN_PLACE || (aMode == AMode.ROWS_IN_PLACE && !transA);
      float[] aPack = direct ? null : scratch(A_SCRATCH, Math.min(mc, ((i1 - i0 + MR - 1) / MR) * MR) * kcb);
      float[] tile = scratch(TILE_SCRATCH, GemmKernels.TILE);
      for (int ic = i0; ic < i1; ic += mc) {
        int mcb = Math.min(mc, i1 - ic);
        if (!direct) {
          GemmPack.packA(transA, a, aOff, lda, ic, mcb, p0, kcb, aPack);
        }
        for (int q = q0; q < q1; q++) {
          int col = GemmPack.panelCol(q, ncb);
          int w = GemmPack.panelWidth(q, ncb);
          int cols = Math.min(w, ncb - col);
          int bo = base + GemmPack.panelOffset(q, ncb, kcb);
          for (int r0 = 0; r0 < mcb; r0 += MR) {
            int rows = Math.min(MR, mcb - r0);
            int ci = cOff + (ic + r0) * ldc + j0 + col;
            if (direct && !transA) {
              int ai = aOff + (ic + r0) * lda + p0;
              if (w == NR) {
                GemmKernels.wideRows(kcb, a, ai, lda, bPack, bo, c, ci, ldc, rows, cols, alpha, betaEff, tile);
              } else {
                GemmKernels.narrowRows(kcb, a, ai, lda, bPack, bo, c, ci, ldc, rows, cols, alpha, betaEff, tile);
              }
            } else if (direct) {
              int ai = aOff + p0 * lda + ic + r0;
              if (w == NR) {
                GemmKernels.wideCols(kcb, a, ai, lda, bPack, bo, c, ci, ldc, rows, cols, alpha, betaEff, tile);
              } else {
                GemmKernels.narrowCols(kcb, a, ai, lda, bPack, bo, c, ci, ldc, rows, cols, alpha, betaEff, tile);
              }
            } else if (w == NR) {
              GemmKernels.wide(kcb, aPack, r0 * kcb, bPack, bo, c, ci, ldc, rows, cols, alpha, betaEff, tile);
            } else {
              GemmKernels.narrow(kcb, aPack, r0 * kcb, bPack, bo, c, ci, ldc, rows, cols, alpha, betaEff, tile);
            }
          }
        }
      }
    }
  }
}
