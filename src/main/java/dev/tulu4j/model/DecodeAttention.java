package dev.tulu4j.model;

import dev.tulu4j.tensor.DecodeGemm;
import dev.tulu4j.tensor.VectorMath;
import jdk.incubator.vector.FloatVector;

/**
 * The decode step's attention kernels over the KV cache ({@link DecodeStep}'s attention phase): one
 * query's scores, softmax and value sum ({@link #attend}), and two queries' at once
 * ({@link #attendPair}: two cache runs streamed together, each query's bits those of {@code attend}).
 * Keys are stored transposed in blocks of L positions, so L scores come from one FMA chain per
 * head-dim element.
 */
final class DecodeAttention {
  private DecodeAttention() {}

  /**
   * One query against keys {@code 0 .. n−1} of a cache sequence (keys transposed (D, ldk) from
   * ktBase, values rows of stride vStride from vBase): all n scores into {@code p}, one softmax
   * pass (no running rescale: the whole row fits), then the probability-weighted sum of values with
   * the keys in the outer loop and the head's D/L output vectors in registers, two sets of
   * accumulators (even and odd keys) so the FMA chains overlap.
   */
  static void attend(float[] q, int qOff, float[] kt, int ktBase, float[] v, int vBase,
      int vStride, int n, int d, float scale, float[] out, int outOff, float[] p, float[] lanesSum) {
    attend(q, qOff, kt, ktBase, v, vBase, vStride, n, d, scale, out, outOff, p, 0, lanesSum);
  }

  /**
   * {@link #attend} with the scores at {@code p[pOff ..]} (the step starts them on a cache line:
   * {@link dev.tulu4j.tensor.CacheLines#lead}); where they sit changes no operation.
   */
  static void attend(float[] q, int qOff, float[] kt, int ktBase, float[] v, int vBase,
      int vStride, int n, int d, float scale, float[] out, int outOff, float[] p, int pOff, float[] lanesSum) {
    int nPad = DecodeGemm.padded(n);
    blockScores(q, qOff, kt, ktBase, nPad, d, scale, p, pOff);
    // lanes past the last key (stale or unwritten cache cells): −∞, so the max ignores them and their exp is 0
    java.util.Arrays.fill(p, pOff + n, pOff + nPad, Float.NEGATIVE_INFINITY);
    float max = VectorMath.max(p, pOff, nPad);
    float inv = 1f / VectorMath.expShiftSum(p, pOff, nPad, max, lanesSum);
    int lanes = VectorMath.S.length();
    if (d == 2 * lanes) {
      FloatVector a0 = FloatVector.zero(VectorMath.S), a1 = a0, b0 = a0, b1 = a0;
      int j = 0;
      for (; j + 1 < n; j += 2) {
        int r = vBase + j * vStride;
        FloatVector pa = FloatVector.broadcast(VectorMath.S, p[pOff + j]);
        FloatVector pb = FloatVector.broadcast(VectorMath.S, p[pOff + j + 1]);
        a0 = FloatVector.fromArray(VectorMath.S, v, r).fma(pa, a0);
        a1 = FloatVector.fromArray(VectorMath.S, v, r + lanes).fma(pa, a1);
        b0 = FloatVector.fromArray(VectorMath.S, v, r + vStride).fma(pb, b0);
        b1 = FloatVector.fromArray(VectorMath.S, v, r + vStride + lanes).fma(pb, b1);
      }
      if (j < n) {
        int r = vBase + j * vStride;
        FloatVector pa = FloatVector.broadcast(VectorMath.S, p[pOff + j]);
        a0 = FloatVector.fromArray(VectorMath.S, v, r).fma(pa, a0);
        a1 = FloatVector.fromArray(VectorMath.S, v, r + lanes).fma(pa, a1);
      }
      a0.add(b0).mul(inv).intoArray(out, outOff);
      a1.add(b1).mul(inv).intoArray(out, outOff + lanes);
    } else if (d == 4 * lanes) {
      FloatVector a0 = FloatVector.zero(VectorMath.S), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
      int j = 0;
      for (; j + 1 < n; j += 2) {
        int r = vBase + j * vStride;
        int rb = r + vStride;
        FloatVector pa = FloatVector.broadcast(VectorMath.S, p[pOff + j]);
        FloatVector pb = FloatVector.broadcast(VectorMath.S, p[pOff + j + 1]);
        a0 = FloatVector.fromArray(VectorMath.S, v, r).fma(pa, a0);
        a1 = FloatVector.fromArray(VectorMath.S, v, r + lanes).fma(pa, a1);
        a2 = FloatVector.fromArray(VectorMath.S, v, r + 2 * lanes).fma(pa, a2);
        a3 = FloatVector.fromArray(VectorMath.S, v, r + 3 * lanes).fma(pa, a3);
        b0 = FloatVector.fromArray(VectorMath.S, v, rb).fma(pb, b0);
        b1 = FloatVector.fromArray(VectorMath.S, v, rb + lanes).fma(pb, b1);
        b2 = FloatVector.fromArray(VectorMath.S, v, rb + 2 * lanes).fma(pb, b2);
        b3 = FloatVector.fromArray(VectorMath.S, v, rb + 3 * lanes).fma(pb, b3);
      }
      if (j < n) {
        int r = vBase + j * vStride;
        FloatVector pa = FloatVector.broadcast(VectorMath.S, p[pOff + j]);
        a0 = FloatVector.fromArray(VectorMath.S, v, r).fma(pa, a0);
        a1 = FloatVector.fromArray(VectorMath.S, v, r + lanes).fma(pa, a1);
        a2 = FloatVector.fromArray(VectorMath.S, v, r + 2 * lanes).fma(pa, a2);
        a3 = FloatVector.fromArray(VectorMath.S, v, r + 3 * lanes).fma(pa, a3);
      }
      a0.add(b0).mul(inv).intoArray(out, outOff);
      a1.add(b1).mul(inv).intoArray(out, outOff + lanes);
      a2.add(b2).mul(inv).intoArray(out, outOff + 2 * lanes);
      a3.add(b3).mul(inv).intoArray(out, outOff + 3 * lanes);
    } else {
      java.util.Arrays.fill(out, outOff, outOff + d, 0f);
      if (pOff != 0) System.arraycopy(p, pOff, p, 0, n); // gatherRows reads the weights from p[0]
      Attention.gatherRows(p, n, v, vBase, vStride, out, outOff, d);
      VectorMath.scale(d, inv, out, outOff);
    }
  }

  /**
   * {@link #attend} for two queries at once, each over its own keys and values (head dim D = 2·L or 4·L,
   * value rows of stride D, both with n keys): the scores of both in one pass over the key blocks
   * (four FMA chains over D), the two softmaxes, then both probability-weighted sums in one loop
   * (eight accumulators). Every score and every output is the same chain of operations in the same
   * order as {@link #attend} computes it (DecodeAttentionPairTest), only two cache runs are read at
   * once. Outputs at out[outA ..] and out[outB ..].
   */
  static void attendPair(float[] q, int qA, int qB, float[] kt, int kA, int kB, float[] v, int vA, int vB, int n, int d,
      float scale, float[] out, int outA, int outB, float[] pa, float[] pb, float[] lanesSum) {
    attendPair(q, qA, qB, kt, kA, kB, v, vA, vB, n, d, scale, out, outA, outB, pa, 0, pb, 0, lanesSum);
  }

  /** {@link #attendPair} with the two score rows at {@code pa[paOff ..]} and {@code pb[pbOff ..]} (see {@link #attend}). */
  static void attendPair(float[] q, int qA, int qB, float[] kt, int kA, int kB, float[] v, int vA, int vB, int n, int d,
      float scale, float[] out, int outA, int outB, float[] pa, int paOff, float[] pb, int pbOff, float[] lanesSum) {
    int lanes = VectorMath.S.length();
    int nPad = DecodeGemm.padded(n);
    int blk = d * lanes;
    int j = 0;
    for (; j + 2 * lanes <= nPad; j += 2 * lanes) {
      FloatVector a0 = FloatVector.zero(VectorMath.S), a1 = a0, b0 = a0, b1 = a0;
      int oa = kA + j * d, ob = kB + j * d;
      for (int e = 0; e < d; e++, oa += lanes, ob += lanes) {
        FloatVector qa = FloatVector.broadcast(VectorMath.S, q[qA + e]);
        FloatVector qb = FloatVector.broadcast(VectorMath.S, q[qB + e]);
        a0 = FloatVector.fromArray(VectorMath.S, kt, oa).fma(qa, a0);
        a1 = FloatVector.fromArray(VectorMath.S, kt, oa + blk).fma(qa, a1);
        b0 = FloatVector.fromArray(VectorMath.S, kt, ob).fma(qb, b0);
        b1 = FloatVector.fromArray(VectorMath.S, kt, ob + blk).fma(qb, b1);
      }
      a0.mul(scale).intoArray(pa, paOff + j);
      a1.mul(scale).intoArray(pa, paOff + j + lanes);
      b0.mul(scale).intoArray(pb, pbOff + j);
      b1.mul(scale).intoArray(pb, pbOff + j + lanes);
    }
    if (j < nPad) {
      FloatVector a0 = FloatVector.zero(VectorMath.S), b0 = a0;
      int oa = kA + j * d, ob = kB + j * d;
      for (int e = 0; e < d; e++, oa += lanes, ob += lanes) {
        a0 = FloatVector.fromArray(VectorMath.S, kt, oa).fma(FloatVector.broadcast(VectorMath.S, q[qA + e]), a0);
        b0 = FloatVector.fromArray(VectorMath.S, kt, ob).fma(FloatVector.broadcast(VectorMath.S, q[qB + e]), b0);
      }
      a0.mul(scale).intoArray(pa, paOff + j);
      b0.mul(scale).intoArray(pb, pbOff + j);
    }
    java.util.Arrays.fill(pa, paOff + n, paOff + nPad, Float.NEGATIVE_INFINITY);
    java.util.Arrays.fill(pb, pbOff + n, pbOff + nPad, Float.NEGATIVE_INFINITY);
    float invA = 1f / VectorMath.expShiftSum(pa, paOff, nPad, VectorMath.max(pa, paOff, nPad), lanesSum);
    float invB = 1f / VectorMath.expShiftSum(pb, pbOff, nPad, VectorMath.max(pb, pbOff, nPad), lanesSum);
    if (d == 4 * lanes) {
      pairValues4(v, vA, vB, n, pa, paOff, pb, pbOff, invA, invB, out, outA, outB);
      return;
    }
    FloatVector a0 = FloatVector.zero(VectorMath.S), a1 = a0, b0 = a0, b1 = a0;
    FloatVector c0 = a0, c1 = a0, e0 = a0, e1 = a0;
    j = 0;
    for (; j + 1 < n; j += 2) {
      int ra = vA + j * d, rb = vB + j * d;
      FloatVector xa = FloatVector.broadcast(VectorMath.S, pa[paOff + j]);
      FloatVector ya = FloatVector.broadcast(VectorMath.S, pa[paOff + j + 1]);
      FloatVector xb = FloatVector.broadcast(VectorMath.S, pb[pbOff + j]);
      FloatVector yb = FloatVector.broadcast(VectorMath.S, pb[pbOff + j + 1]);
      a0 = FloatVector.fromArray(VectorMath.S, v, ra).fma(xa, a0);
      a1 = FloatVector.fromArray(VectorMath.S, v, ra + lanes).fma(xa, a1);
      b0 = FloatVector.fromArray(VectorMath.S, v, ra + d).fma(ya, b0);
      b1 = FloatVector.fromArray(VectorMath.S, v, ra + d + lanes).fma(ya, b1);
      c0 = FloatVector.fromArray(VectorMath.S, v, rb).fma(xb, c0);
      c1 = FloatVector.fromArray(VectorMath.S, v, rb + lanes).fma(xb, c1);
      e0 = FloatVector.fromArray(VectorMath.S, v, rb + d).fma(yb, e0);
      e1 = FloatVector.fromArray(VectorMath.S, v, rb + d + lanes).fma(yb, e1);
    }
    if (j < n) {
      int ra = vA + j * d, rb = vB + j * d;
      FloatVector xa = FloatVector.broadcast(VectorMath.S, pa[paOff + j]);
      FloatVector xb = FloatVector.broadcast(VectorMath.S, pb[pbOff + j]);
      a0 = FloatVector.fromArray(VectorMath.S, v, ra).fma(xa, a0);
      a1 = FloatVector.fromArray(VectorMath.S, v, ra + lanes).fma(xa, a1);
      c0 = FloatVector.fromArray(VectorMath.S, v, rb).fma(xb, c0);
      c1 = FloatVector.fromArray(VectorMath.S, v, rb + lanes).fma(xb, c1);
    }
    a0.add(b0).mul(invA).intoArray(out, outA);
    a1.add(b1).mul(invA).intoArray(out, outA + lanes);
    c0.add(e0).mul(invB).intoArray(out, outB);
    c1.add(e1).mul(invB).intoArray(out, outB + lanes);
  }

  /** The value sums of {@link #attendPair} at head dim 4·L (as {@link #attend}'s: even and odd keys, 4 vectors each, per query). */
  private static void pairValues4(float[] v, int vA, int vB, int n, float[] pa, int paOff, float[] pb, int pbOff, float invA, float invB,
      float[] out, int outA, int outB) {
    int lanes = VectorMath.S.length(), d = 4 * lanes;
    FloatVector a0 = FloatVector.zero(VectorMath.S), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
    FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0, e0 = a0, e1 = a0, e2 = a0, e3 = a0;
    int j = 0;
    for (; j + 1 < n; j += 2) {
      int ra = vA + j * d, rb = vB + j * d;
      FloatVector xa = FloatVector.broadcast(VectorMath.S, pa[paOff + j]);
      FloatVector ya = FloatVector.broadcast(VectorMath.S, pa[paOff + j + 1]);
      a0 = FloatVector.fromArray(VectorMath.S, v, ra).fma(xa, a0);
      a1 = FloatVector.fromArray(VectorMath.S, v, ra + lanes).fma(xa, a1);
      a2 = FloatVector.fromArray(VectorMath.S, v, ra + 2 * lanes).fma(xa, a2);
      a3 = FloatVector.fromArray(VectorMath.S, v, ra + 3 * lanes).fma(xa, a3);
      b0 = FloatVector.fromArray(VectorMath.S, v, ra + d).fma(ya, b0);
      b1 = FloatVector.fromArray(VectorMath.S, v, ra + d + lanes).fma(ya, b1);
      b2 = FloatVector.fromArray(VectorMath.S, v, ra + d + 2 * lanes).fma(ya, b2);
      b3 = FloatVector.fromArray(VectorMath.S, v, ra + d + 3 * lanes).fma(ya, b3);
      FloatVector xb = FloatVector.broadcast(VectorMath.S, pb[pbOff + j]);
      FloatVector yb = FloatVector.broadcast(VectorMath.S, pb[pbOff + j + 1]);
      c0 = FloatVector.fromArray(VectorMath.S, v, rb).fma(xb, c0);
      c1 = FloatVector.fromArray(VectorMath.S, v, rb + lanes).fma(xb, c1);
      c2 = FloatVector.fromArray(VectorMath.S, v, rb + 2 * lanes).fma(xb, c2);
      c3 = FloatVector.fromArray(VectorMath.S, v, rb + 3 * lanes).fma(xb, c3);
      e0 = FloatVector.fromArray(VectorMath.S, v, rb + d).fma(yb, e0);
      e1 = FloatVector.fromArray(VectorMath.S, v, rb + d + lanes).fma(yb, e1);
      e2 = FloatVector.fromArray(VectorMath.S, v, rb + d + 2 * lanes).fma(yb, e2);
      e3 = FloatVector.fromArray(VectorMath.S, v, rb + d + 3 * lanes).fma(yb, e3);
    }
    if (j < n) {
      int ra = vA + j * d, rb = vB + j * d;
      FloatVector xa = FloatVector.broadcast(VectorMath.S, pa[paOff + j]);
      FloatVector xb = FloatVector.broadcast(VectorMath.S, pb[pbOff + j]);
      a0 = FloatVector.fromArray(VectorMath.S, v, ra).fma(xa, a0);
      a1 = FloatVector.fromArray(VectorMath.S, v, ra + lanes).fma(xa, a1);
      a2 = FloatVector.fromArray(VectorMath.S, v, ra + 2 * lanes).fma(xa, a2);
      a3 = FloatVector.fromArray(VectorMath.S, v, ra + 3 * lanes).fma(xa, a3);
      c0 = FloatVector.fromArray(VectorMath.S, v, rb).fma(xb, c0);
      c1 = FloatVector.fromArray(VectorMath.S, v, rb + lanes).fma(xb, c1);
      c2 = FloatVector.fromArray(VectorMath.S, v, rb + 2 * lanes).fma(xb, c2);
      c3 = FloatVector.fromArray(VectorMath.S, v, rb + 3 * lanes).fma(xb, c3);
    }
    a0.add(b0).mul(invA).intoArray(out, outA);
    a1.add(b1).mul(invA).intoArray(out, outA + lanes);
    a2.add(b2).mul(invA).intoArray(out, outA + 2 * lanes);
    a3.add(b3).mul(invA).intoArray(out, outA + 3 * lanes);
    c0.add(e0).mul(invB).intoArray(out, outB);
    c1.add(e1).mul(invB).intoArray(out, outB + lanes);
    c2.add(e2).mul(invB).intoArray(out, outB + 2 * lanes);
    c3.add(e3).mul(invB).intoArray(out, outB + 3 * lanes);
  }

  /**
   * p[j] = scale · (q · k_j) for the whole key blocks covering j &lt; nPad (keys in blocks of
   * {@link KvCache#KEY_BLOCK} = L positions, (D, L) each, read in order): one vector of scores per
   * block, two blocks at a time so two FMA chains over D overlap; each score sums e in order.
   */
  private static void blockScores(float[] q, int qOff, float[] kc, int base, int nPad, int d, float scale, float[] p, int pOff) {
    int lanes = KvCache.KEY_BLOCK;
    int blk = d * lanes;
    int j = 0;
    for (; j + 2 * lanes <= nPad; j += 2 * lanes) {
      FloatVector a = FloatVector.zero(VectorMath.S), b = a;
      int o = base + j * d; // block j / L starts at (j / L)·D·L = j·D
      for (int e = 0; e < d; e++, o += lanes) {
        FloatVector qe = FloatVector.broadcast(VectorMath.S, q[qOff + e]);
        a = FloatVector.fromArray(VectorMath.S, kc, o).fma(qe, a);
        b = FloatVector.fromArray(VectorMath.S, kc, o + blk).fma(qe, b);
      }
      a.mul(scale).intoArray(p, pOff + j);
      b.mul(scale).intoArray(p, pOff + j + lanes);
    }
    if (j < nPad) {
      FloatVector a = FloatVector.zero(VectorMath.S);
      int o = base + j * d;
      for (int e = 0; e < d; e++, o += lanes) a = FloatVector.fromArray(VectorMath.S, kc, o).fma(FloatVector.broadcast(VectorMath.S, q[qOff + e]), a);
      a.mul(scale).intoArray(p, pOff + j);
    }
  }
}
