package dev.tulu4j.tensor;

/**
 * The bandwidth-bound products {@code y = x·Wᵀ} (decode) with W held as bf16 bits ({@link Bf16}),
 * W stored {@code [n, k]} (a linear layer's weight). Each is the fp32 kernel of the same name
 * ({@link Gemv}, {@link FewRowsGemm}, {@link DecodeGemm}) with W widened where it is read, so every
 * output equals the fp32 kernel's over the widened W bit for bit:
 *
 * <ul>
 *   <li>one row of x: {@link Bf16#dot} streams the shorts straight into the FMAs (half the bytes of
 *       fp32 from memory, the reason bf16 weights exist);
 *   <li>more rows: a block of W rows is widened into a per-thread fp32 buffer that stays in L1/L2
 *       and the fp32 kernel runs on it, reusing the block for every row of x as it does with W.
 * </ul>
 *
 * Blocks are whole multiples of the fp32 kernels' column tiles, and those kernels compute each
 * output from its own W row in an order that does not depend on the column's place in a block, so
 * blocking changes no bits (the tests check).
 */
public final class Bf16Decode {
  /** Widened W per block: 32 K floats (128 KiB, in L2; the fp32 kernels stream their W from there). */
  private static final int BLOCK_FLOATS = 1 << 15;
  private static final long PARALLEL_MIN_ELEMENTS = 1L << 15;
  /** {@code Gemv}'s depth from which four rows share the loads of x (its SHARED_X_MIN_K). */
  private static final int SHARED_X_MIN_K = 1024;

  private static final ThreadLocal<float[]> WIDE = ThreadLocal.withInitial(() -> new float[0]);
  private static final ThreadLocal<float[]> OUT = ThreadLocal.withInitial(() -> new float[0]);

  private Bf16Decode() {}

  private static float[] scratch(ThreadLocal<float[]> tl, int size) {
    float[] buf = tl.get();
    if (buf.length < size) {
      buf = new float[size];
      tl.set(buf);
    }
    return buf;
  }

  /** Columns per widened block: a multiple of {@code tile}, at least one tile. */
  private static int block(int k, int tile) {
    return Math.max(tile, BLOCK_FLOATS / Math.max(1, k) / tile * tile);
  }

  /** {@code y[j] = alpha · x·W[j] + beta · y[j]}, j &lt; n: {@link Gemv}'s dot form over bf16 W. */
  static void gemv(Parallel par, int k, int n, float alpha, float[] x, int xOff, short[] w, int wOff, int ldw,
      float beta, float[] y, int yOff) {
    int chunks = (long) k * n < PARALLEL_MIN_ELEMENTS ? 1 : Math.min(par.threads(), Math.max(1, n / 4));
    if (chunks == 1) {
      gemvChunk(k, 0, n, alpha, x, xOff, w, wOff, ldw, beta, y, yOff);
      return;
    }
    int units = (n + 3) / 4;
    par.parallelFor(chunks, t -> gemvChunk(k, Math.min(n, Parallel.split(units, chunks, t) * 4),
        Math.min(n, Parallel.split(units, chunks, t + 1) * 4), alpha, x, xOff, w, wOff, ldw, beta, y, yOff));
  }

  private static void gemvChunk(int k, int j0, int j1, float alpha, float[] x, int xOff, short[] w, int wOff,
      int ldw, float beta, float[] y, int yOff) {
    if (j1 <= j0) return;
    float[] acc = new float[j1 - j0];
    int j = j0;
    if (k >= SHARED_X_MIN_K) {
      float[] wide = scratch(WIDE, 4 * k);
      for (; j + 4 <= j1; j += 4) {
        Bf16.widenRows(w, wOff, ldw, j, j + 4, k, wide);
        VectorMath.dot4(x, xOff, wide, 0, k, 2 * k, 3 * k, k, acc, j - j0);
      }
    }
    for (; j < j1; j++) acc[j - j0] = Bf16.dot(x, xOff, w, wOff + j * ldw, k);
    for (j = j0; j < j1; j++) {
      int yi = yOff + j;
      y[yi] = beta == 0f ? alpha * acc[j - j0] : alpha * acc[j - j0] + beta * y[yi];
    }
  }

  /** {@link FewRowsGemm#run} (A not transposed) over bf16 W. */
  static void fewRows(Parallel par, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
      short[] w, int wOff, int ldw, float beta, float[] c, int cOff, int ldc) {
    float[] x = new float[m * k]; // op(A) rows contiguous, scaled by alpha, as FewRowsGemm.run
    for (int i = 0; i < m; i++) for (int p = 0; p < k; p++) x[i * k + p] = alpha * a[aOff + i * lda + p];
    int chunks = (long) k * n < PARALLEL_MIN_ELEMENTS ? 1 : Math.min(par.threads(), Math.max(1, n / 4));
    if (chunks == 1) {
      columns(m, k, 0, n, x, 0, k, w, wOff, ldw, beta, c, cOff, ldc);
      return;
    }
    par.parallelFor(chunks, t -> columns(m, k, Parallel.split(n, chunks, t), Parallel.split(n, chunks, t + 1),
        x, 0, k, w, wOff, ldw, beta, c, cOff, ldc));
  }

  /**
   * {@link FewRowsGemm#columns} over bf16 W: columns {@code [j0, j1)} of {@code C = X·Wᵀ + beta·C}
   * on the calling thread. One row of x: {@link Bf16#dot} per W row (the batch-1 decode GEMV).
   */
  public static void columns(int m, int k, int j0, int j1, float[] x, int xOff, int ldx,
      short[] w, int wOff, int ldw, float beta, float[] c, int cOff, int ldc) {
    if (m == 1) {
      for (int j = j0; j < j1; j++) {
        float v = Bf16.dot(x, xOff, w, wOff + j * ldw, k);
        int ci = cOff + j;
        c[ci] = beta == 0f ? v : v + beta * c[ci];
      }
      return;
    }
    int nb = block(k, 4);
    float[] wide = scratch(WIDE, nb * k);
    for (int ja = j0; ja < j1; ja += nb) {
      int jb = Math.min(j1, ja + nb);
      Bf16.widenRows(w, wOff, ldw, ja, jb, k, wide);
      FewRowsGemm.columns(m, k, 0, jb - ja, x, xOff, ldx, wide, 0, k, beta, c, cOff + ja, ldc);
    }
  }

  /** {@link DecodeGemm#rows} over bf16 W (W rows at {@code w[j·ldw ..]}). */
  public static void rows(int m, int k, int j0, int j1, float[] x, int xOff, int ldx, short[] w, int ldw,
      DecodeGemm.Mode mode, float[] c, int cOff, int ldc) {
    int nb = block(k, 4);
    float[] wide = scratch(WIDE, nb * k);
    for (int ja = j0; ja < j1; ja += nb) {
      int jb = Math.min(j1, ja + nb);
      Bf16.widenRows(w, 0, ldw, ja, jb, k, wide);
      DecodeGemm.rows(m, k, 0, jb - ja, x, xOff, ldx, wide, k, mode, c, cOff + ja, ldc);
    }
  }

  /**
   * {@link DecodeGemm#columns} over bf16 W (rows in the vector lanes, x given as {@code xt (k, mPad)}).
   * The transposed output {@code ct[j·mPad + i]} has no offset argument, so a block's outputs go
   * through a per-thread buffer (nb·mPad floats, small next to the block's nb·k weights).
   */
  public static void columns(int m, int mPad, int k, int j0, int j1, float[] xt, short[] w, int ldw,
      DecodeGemm.Mode mode, float[] c, int cOff, int ldc, float[] tmp) {
    columns(m, mPad, k, j0, j1, xt, 0, w, ldw, mode, c, mode == DecodeGemm.Mode.TRANSPOSED ? 0 : cOff, ldc, tmp);
  }

  /** As above with xt from {@code xt[xOff]} and the transposed output at {@code ct[cOff + j·mPad + i]} (as DecodeGemm's). */
  public static void columns(int m, int mPad, int k, int j0, int j1, float[] xt, int xOff, short[] w, int ldw,
      DecodeGemm.Mode mode, float[] c, int cOff, int ldc, float[] tmp) {
    int nb = block(k, 24);
    float[] wide = scratch(WIDE, nb * k);
    float[] out = mode == DecodeGemm.Mode.TRANSPOSED ? scratch(OUT, nb * mPad) : null;
    for (int ja = j0; ja < j1; ja += nb) {
      int jb = Math.min(j1, ja + nb);
      Bf16.widenRows(w, 0, ldw, ja, jb, k, wide);
      if (out == null) {
        DecodeGemm.columns(m, mPad, k, 0, jb - ja, xt, xOff, wide, k, mode, c, cOff + ja, ldc, tmp);
      } else {
        DecodeGemm.columns(m, mPad, k, 0, jb - ja, xt, xOff, wide, k, mode, out, 0, 0, tmp);
        System.arraycopy(out, 0, c, cOff + ja * mPad, (jb - ja) * mPad);
      }
    }
  }
}
