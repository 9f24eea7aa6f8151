package dev.tulu4j.tensor;

import static dev.tulu4j.tensor.VectorMath.L;
import static dev.tulu4j.tensor.VectorMath.S;

import jdk.incubator.vector.FloatVector;

/**
 * Packing for {@link VectorGemm} (the GotoBLAS/BLIS scheme: Goto and van de Geijn, "Anatomy of
 * high-performance matrix multiplication", ACM TOMS 2008). Packing copies a block of {@code op(A)}
 * or {@code op(B)} into the exact order the micro-kernel reads it, which is also where the
 * transposes are resolved: the kernels only ever see one layout.
 *
 * <p><b>B block</b> ({@code kcb × ncb} of {@code op(B)}): split into column panels. Full panels are
 * {@link #NR} = 4 vectors wide; the remainder is cut into narrow panels of one vector
 * ({@code L} lanes), the last one zero-padded. A panel of width {@code w} is stored
 * {@code [p][w]}: the {@code w} values of row {@code p} are contiguous.
 *
 * <p><b>A block</b> ({@code mcb × kcb} of {@code op(A)}): split into row tiles of {@link #MR} rows,
 * each stored {@code [p][MR]} (one column of the tile at a time), rows past the edge zero.
 */
final class GemmPack {
  /** Rows of the register tile. */
  static final int MR = 6;
  /** Columns of a full panel: four vectors. */
  static final int NR = 4 * L;

  /** Panel rows packed per sweep in the transposed B case (measured 0.6 vs 0.8 ns/float unblocked). */
  private static final int P_BLOCK = 32;

  private GemmPack() {}

  static int fullPanels(int ncb) {
    return ncb / NR;
  }

  static int panels(int ncb) {
    int full = ncb / NR;
    return full + (ncb - full * NR + L - 1) / L;
  }

  static int panelCol(int q, int ncb) {
    int full = ncb / NR;
    return q < full ? q * NR : full * NR + (q - full) * L;
  }

  static int panelWidth(int q, int ncb) {
    return q < ncb / NR ? NR : L;
  }

  static int panelOffset(int q, int ncb, int kcb) {
    int full = ncb / NR;
    return q < full ? q * kcb * NR : (full * NR + (q - full) * L) * kcb;
  }

  static int packedBSize(int ncb, int kcb) {
    return panelOffset(panels(ncb), ncb, kcb);
  }

  /**
   * Transposed B packed by gathers ({@link #packB}) instead of scalar scatters: the same values in
   * the same places, so the same bits; a switch for the A/B bench only.
   */
  static volatile boolean gatherT = true;
  /** For the A/B bench only: 0 picks by the row stride, 1 depth-outer, 2 sixteen deep at a time. */
  static volatile int gatherMode = 0;

  private static final ThreadLocal<int[]> GATHER_INDEX = ThreadLocal.withInitial(() -> new int[L + 1]);

  /** {@code {0, ldb, 2·ldb, …}} for one vector's gather, remembered per thread for the last ldb. */
  private static int[] gatherIndex(int ldb) {
    int[] idx = GATHER_INDEX.get();
    if (idx[L] != ldb) {
      for (int i = 0; i < L; i++) idx[i] = i * ldb;
      idx[L] = ldb;
    }
    return idx;
  }

  /** Packs panels {@code [q0, q1)} of the B block at rows {@code p0..}, columns {@code j0..} of op(B). */
  static void packB(boolean transB, float[] b, int bOff, int ldb, int p0, int kcb, int j0, int ncb,
      float[] dst, int q0, int q1) {
    packB(transB, b, bOff, ldb, p0, kcb, j0, ncb, dst, 0, q0, q1);
  }

  /** {@link #packB} into {@code dst} from {@code dstBase} on (one block of a B packed whole). */
  static void packB(boolean transB, float[] b, int bOff, int ldb, int p0, int kcb, int j0, int ncb,
      float[] dst, int dstBase, int q0, int q1) {
    for (int q = q0; q < q1; q++) {
      int col = panelCol(q, ncb);
      int w = panelWidth(q, ncb);
      int vc = Math.min(w, ncb - col);
      int off = dstBase + panelOffset(q, ncb, kcb);
      if (!transB) {
        // op(B)(p, j) = b[bOff + p·ldb + j]: each panel row is a contiguous run of the stored row
        int src = bOff + p0 * ldb + j0 + col;
        if (vc == w) {
          for (int p = 0; p < kcb; p++, src += ldb, off += w) {
            for (int v = 0; v < w; v += L) {
              FloatVector.fromArray(S, b, src + v).intoArray(dst, off + v);
            }
          }
        } else {
          for (int p = 0; p < kcb; p++, src += ldb, off += w) {
            for (int jj = 0; jj < vc; jj++) {
              dst[off + jj] = b[src + jj];
            }
            for (int jj = vc; jj < w; jj++) {
              dst[off + jj] = 0f;
            }
          }
        }
      } else if (gatherT && vc == w) {
        // op(B)(p, j) = b[bOff + j·ldb + p]: one gather per vector of a panel row (L stored rows at
        // depth p), written contiguously. Depth-outer keeps the panel's 4·L source rows in L1; when
        // the row stride is a multiple of 256 floats those rows share a few of L1's sets and evict
        // each other, so then one vector's L rows go sixteen deep at a time (each line read whole).
        // PackTBench, 1 thread: 49,152 × 576 (LM head) 0.64–0.89 ns/float against 1.6–2.1 scattered
        int src = bOff + (j0 + col) * ldb + p0;
        int[] idx = gatherIndex(ldb);
        int stride = L * ldb;
        int mode = gatherMode;
        if (mode == 1 || (mode == 0 && ldb % 256 != 0)) {
          for (int p = 0; p < kcb; p++, off += w) {
            for (int v = 0, s = src + p; v < w; v += L, s += stride) {
              FloatVector.fromArray(S, b, s, idx, 0).intoArray(dst, off + v);
            }
          }
          continue;
        }
        for (int pb = 0; pb < kcb; pb += L) {
          int pe = Math.min(kcb, pb + L);
          for (int v = 0, s = src; v < w; v += L, s += stride) {
            for (int p = pb, d = off + pb * w + v; p < pe; p++, d += w) {
              FloatVector.fromArray(S, b, s + p, idx, 0).intoArray(dst, d);
            }
          }
        }
      } else {
        // op(B)(p, j) = b[bOff + j·ldb + p]: read stored rows contiguously and scatter down the
        // panel, P_BLOCK rows of the panel at a time so the written lines stay in L1
        int src = bOff + (j0 + col) * ldb + p0;
        for (int pb = 0; pb < kcb; pb += P_BLOCK) {
          int pe = Math.min(kcb, pb + P_BLOCK);
          for (int jj = 0; jj < vc; jj++) {
            int s0 = src + jj * ldb;
            for (int p = pb, d = off + pb * w + jj; p < pe; p++, d += w) {
              dst[d] = b[s0 + p];
            }
          }
        }
        for (int jj = vc; jj < w; jj++) {
          for (int p = 0, d = off + jj; p < kcb; p++, d += w) {
            dst[d] = 0f;
          }
        }
      }
    }
  }

  /**
   * {@link #packB} of a transposed B held as bf16 bits ({@code op(B)(p, j) = b[bOff + j·ldb + p]}),
   * each value widened as it is written: the panels, and so the micro-kernel's arithmetic, are those
   * of the fp32 B the values widen to.
   */
  static void packBBf16T(short[] b, int bOff, int ldb, int p0, int kcb, int j0, int ncb,
      float[] dst, int dstBase, int q0, int q1) {
    for (int q = q0; q < q1; q++) {
      int col = panelCol(q, ncb);
      int w = panelWidth(q, ncb);
      int vc = Math.min(w, ncb - col);
      int off = dstBase + panelOffset(q, ncb, kcb);
      int src = bOff + (j0 + col) * ldb + p0;
      for (int pb = 0; pb < kcb; pb += P_BLOCK) {
        int pe = Math.min(kcb, pb + P_BLOCK);
        for (int jj = 0; jj < vc; jj++) {
          int s0 = src + jj * ldb;
          for (int p = pb, d = off + pb * w + jj; p < pe; p++, d += w) {
            dst[d] = Bf16.widen(b[s0 + p]);
          }
        }
      }
      for (int jj = vc; jj < w; jj++) {
        for (int p = 0, d = off + jj; p < kcb; p++, d += w) {
          dst[d] = 0f;
        }
      }
    }
  }

  /** Packs rows {@code i0 .. i0+mcb} and columns {@code p0 .. p0+kcb} of op(A) into MR-row tiles. */
  static void packA(boolean transA, float[] a, int aOff, int lda, int i0, int mcb, int p0, int kcb,
      float[] dst) {
    for (int r0 = 0; r0 < mcb; r0 += MR) {
      int rows = Math.min(MR, mcb - r0);
      int off = r0 * kcb; // tile t starts at t·MR·kcb
      if (!transA) {
        // op(A)(i, p) = a[aOff + i·lda + p]
        for (int r = 0; r < rows; r++) {
          int src = aOff + (i0 + r0 + r) * lda + p0;
          for (int p = 0, d = off + r; p < kcb; p++, d += MR) {
            dst[d] = a[src + p];
          }
        }
        for (int r = rows; r < MR; r++) {
          for (int p = 0, d = off + r; p < kcb; p++, d += MR) {
            dst[d] = 0f;
          }
        }
      } else {
        // op(A)(i, p) = a[aOff + p·lda + i]
        for (int p = 0, d = off; p < kcb; p++, d += MR) {
          int src = aOff + (p0 + p) * lda + i0 + r0;
          for (int r = 0; r < rows; r++) {
            dst[d + r] = a[src + r];
          }
          for (int r = rows; r < MR; r++) {
            dst[d + r] = 0f;
          }
        }
      }
    }
  }
}
