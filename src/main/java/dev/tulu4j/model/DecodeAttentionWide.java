package dev.tulu4j.model;

import dev.tulu4j.tensor.DecodeGemm;
import dev.tulu4j.tensor.VectorMath;
import jdk.incubator.vector.FloatVector;

/**
 * {@link DecodeAttention#attend} for four ({@link #attend4}) or eight ({@link #attend8}) queries at
 * once at head dim D = 2·L (the tiny model's 32), each over its own keys and values, all with n keys:
 * the queries' scores in one pass over the key blocks (two FMA chains over D per query, four or eight
 * cache runs streamed at once), their softmaxes, then the probability-weighted sums four queries per
 * loop (sixteen accumulators: eight queries would need 32 vector registers). Every score and every
 * output is the same chain of operations in the same order as {@code attend} computes it
 * (DecodeAttentionWideTest); only more runs of the cache are in flight at once. On the tiny model's
 * batch-32 step one thread spent 2.4 CPU-ms per step in attention with two queries at once, 1.9 with
 * four and ~1.75 with eight (docs/experiments/2026-12-07-s16-b32.md).
 *
 * <p>The kernels repeat their per-query lines by hand, as {@link DecodeAttention}'s and the GEMM
 * tiles do: every accumulator is a named local that stays in a register, and a vector passed to a
 * helper call that might not inline would be boxed; a loop over queries would need an array of
 * vectors, which the JIT does not keep in registers.
 *
 * <p>Offsets of w queries come in one int array {@code o}: query offsets at o[0, w), key bases
 * (blocks of L positions, (D, L) each, one after the other) at o[w, 2w), value bases (rows of stride
 * D) at o[2w, 3w), output offsets at o[3w, 4w); query i's scores go to {@code p[pOff + i·pStride ..]}.
 */
final class DecodeAttentionWide {
  private DecodeAttentionWide() {}

  /** Four queries (w = 4 in the offsets {@code o}). */
  static void attend4(float[] q, float[] kt, float[] v, int[] o, int n, int d, float scale, float[] out, float[] p, int pOff,
      int pStride, float[] lanesSum) {
    int lanes = VectorMath.S.length();
    int nPad = DecodeGemm.padded(n);
    int blk = d * lanes;
    int p0 = pOff, p1 = pOff + pStride, p2 = pOff + 2 * pStride, p3 = pOff + 3 * pStride;
    int j = 0;
    for (; j + 2 * lanes <= nPad; j += 2 * lanes) {
      FloatVector a0 = FloatVector.zero(VectorMath.S), a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0, e0 = a0, e1 = a0;
      int ka = o[4] + j * d, kb = o[5] + j * d, kc = o[6] + j * d, ke = o[7] + j * d;
      for (int e = 0; e < d; e++, ka += lanes, kb += lanes, kc += lanes, ke += lanes) {
        FloatVector qa = FloatVector.broadcast(VectorMath.S, q[o[0] + e]);
        FloatVector qb = FloatVector.broadcast(VectorMath.S, q[o[1] + e]);
        FloatVector qc = FloatVector.broadcast(VectorMath.S, q[o[2] + e]);
        FloatVector qe = FloatVector.broadcast(VectorMath.S, q[o[3] + e]);
        a0 = FloatVector.fromArray(VectorMath.S, kt, ka).fma(qa, a0);
        a1 = FloatVector.fromArray(VectorMath.S, kt, ka + blk).fma(qa, a1);
        b0 = FloatVector.fromArray(VectorMath.S, kt, kb).fma(qb, b0);
        b1 = FloatVector.fromArray(VectorMath.S, kt, kb + blk).fma(qb, b1);
        c0 = FloatVector.fromArray(VectorMath.S, kt, kc).fma(qc, c0);
        c1 = FloatVector.fromArray(VectorMath.S, kt, kc + blk).fma(qc, c1);
        e0 = FloatVector.fromArray(VectorMath.S, kt, ke).fma(qe, e0);
        e1 = FloatVector.fromArray(VectorMath.S, kt, ke + blk).fma(qe, e1);
      }
      a0.mul(scale).intoArray(p, p0 + j);
      a1.mul(scale).intoArray(p, p0 + j + lanes);
      b0.mul(scale).intoArray(p, p1 + j);
      b1.mul(scale).intoArray(p, p1 + j + lanes);
      c0.mul(scale).intoArray(p, p2 + j);
      c1.mul(scale).intoArray(p, p2 + j + lanes);
      e0.mul(scale).intoArray(p, p3 + j);
      e1.mul(scale).intoArray(p, p3 + j + lanes);
    }
    if (j < nPad) {
      FloatVector a0 = FloatVector.zero(VectorMath.S), b0 = a0, c0 = a0, e0 = a0;
      int ka = o[4] + j * d, kb = o[5] + j * d, kc = o[6] + j * d, ke = o[7] + j * d;
      for (int e = 0; e < d; e++, ka += lanes, kb += lanes, kc += lanes, ke += lanes) {
        a0 = FloatVector.fromArray(VectorMath.S, kt, ka).fma(FloatVector.broadcast(VectorMath.S, q[o[0] + e]), a0);
        b0 = FloatVector.fromArray(VectorMath.S, kt, kb).fma(FloatVector.broadcast(VectorMath.S, q[o[1] + e]), b0);
        c0 = FloatVector.fromArray(VectorMath.S, kt, kc).fma(FloatVector.broadcast(VectorMath.S, q[o[2] + e]), c0);
        e0 = FloatVector.fromArray(VectorMath.S, kt, ke).fma(FloatVector.broadcast(VectorMath.S, q[o[3] + e]), e0);
      }
      a0.mul(scale).intoArray(p, p0 + j);
      b0.mul(scale).intoArray(p, p1 + j);
      c0.mul(scale).intoArray(p, p2 + j);
      e0.mul(scale).intoArray(p, p3 + j);
    }
    float inv0 = softmax(p, p0, n, nPad, lanesSum);
    float inv1 = softmax(p, p1, n, nPad, lanesSum);
    float inv2 = softmax(p, p2, n, nPad, lanesSum);
    float inv3 = softmax(p, p3, n, nPad, lanesSum);
    values(v, o[8], o[9], o[10], o[11], n, p, p0, p1, p2, p3, inv0, inv1, inv2, inv3, out, o[12], o[13], o[14], o[15]);
  }


  /** Eight queries (w = 8 in the offsets {@code o}). */
  static void attend8(float[] q, float[] kt, float[] v, int[] o, int n, int d, float scale, float[] out, float[] p, int pOff,
      int pStride, float[] lanesSum) {
    int lanes = VectorMath.S.length();
    int nPad = DecodeGemm.padded(n);
    int blk = d * lanes;
    int j = 0;
    for (; j + 2 * lanes <= nPad; j += 2 * lanes) {
      FloatVector z = FloatVector.zero(VectorMath.S);
      FloatVector a0 = z, a1 = z, b0 = z, b1 = z, c0 = z, c1 = z, e0 = z, e1 = z, f0 = z, f1 = z, g0 = z, g1 = z, h0 = z, h1 = z, i0 = z, i1 = z;
      int k0 = o[8] + j * d, k1 = o[9] + j * d, k2 = o[10] + j * d, k3 = o[11] + j * d;
      int k4 = o[12] + j * d, k5 = o[13] + j * d, k6 = o[14] + j * d, k7 = o[15] + j * d;
      for (int e = 0; e < d; e++, k0 += lanes, k1 += lanes, k2 += lanes, k3 += lanes, k4 += lanes, k5 += lanes, k6 += lanes, k7 += lanes) {
        FloatVector x = FloatVector.broadcast(VectorMath.S, q[o[0] + e]);
        a0 = FloatVector.fromArray(VectorMath.S, kt, k0).fma(x, a0);
        a1 = FloatVector.fromArray(VectorMath.S, kt, k0 + blk).fma(x, a1);
        x = FloatVector.broadcast(VectorMath.S, q[o[1] + e]);
        b0 = FloatVector.fromArray(VectorMath.S, kt, k1).fma(x, b0);
        b1 = FloatVector.fromArray(VectorMath.S, kt, k1 + blk).fma(x, b1);
        x = FloatVector.broadcast(VectorMath.S, q[o[2] + e]);
        c0 = FloatVector.fromArray(VectorMath.S, kt, k2).fma(x, c0);
        c1 = FloatVector.fromArray(VectorMath.S, kt, k2 + blk).fma(x, c1);
        x = FloatVector.broadcast(VectorMath.S, q[o[3] + e]);
        e0 = FloatVector.fromArray(VectorMath.S, kt, k3).fma(x, e0);
        e1 = FloatVector.fromArray(VectorMath.S, kt, k3 + blk).fma(x, e1);
        x = FloatVector.broadcast(VectorMath.S, q[o[4] + e]);
        f0 = FloatVector.fromArray(VectorMath.S, kt, k4).fma(x, f0);
        f1 = FloatVector.fromArray(VectorMath.S, kt, k4 + blk).fma(x, f1);
        x = FloatVector.broadcast(VectorMath.S, q[o[5] + e]);
        g0 = FloatVector.fromArray(VectorMath.S, kt, k5).fma(x, g0);
        g1 = FloatVector.fromArray(VectorMath.S, kt, k5 + blk).fma(x, g1);
        x = FloatVector.broadcast(VectorMath.S, q[o[6] + e]);
        h0 = FloatVector.fromArray(VectorMath.S, kt, k6).fma(x, h0);
        h1 = FloatVector.fromArray(VectorMath.S, kt, k6 + blk).fma(x, h1);
        x = FloatVector.broadcast(VectorMath.S, q[o[7] + e]);
        i0 = FloatVector.fromArray(VectorMath.S, kt, k7).fma(x, i0);
        i1 = FloatVector.fromArray(VectorMath.S, kt, k7 + blk).fma(x, i1);
      }
      a0.mul(scale).intoArray(p, pOff + j);
      a1.mul(scale).intoArray(p, pOff + j + lanes);
      b0.mul(scale).intoArray(p, pOff + pStride + j);
      b1.mul(scale).intoArray(p, pOff + pStride + j + lanes);
      c0.mul(scale).intoArray(p, pOff + 2 * pStride + j);
      c1.mul(scale).intoArray(p, pOff + 2 * pStride + j + lanes);
      e0.mul(scale).intoArray(p, pOff + 3 * pStride + j);
      e1.mul(scale).intoArray(p, pOff + 3 * pStride + j + lanes);
      f0.mul(scale).intoArray(p, pOff + 4 * pStride + j);
      f1.mul(scale).intoArray(p, pOff + 4 * pStride + j + lanes);
      g0.mul(scale).intoArray(p, pOff + 5 * pStride + j);
      g1.mul(scale).intoArray(p, pOff + 5 * pStride + j + lanes);
      h0.mul(scale).intoArray(p, pOff + 6 * pStride + j);
      h1.mul(scale).intoArray(p, pOff + 6 * pStride + j + lanes);
      i0.mul(scale).intoArray(p, pOff + 7 * pStride + j);
      i1.mul(scale).intoArray(p, pOff + 7 * pStride + j + lanes);
    }
    if (j < nPad) { // the last block alone: one chain per query, queries in turn
      for (int i = 0; i < 8; i++) {
        FloatVector a0 = FloatVector.zero(VectorMath.S);
        int k = o[8 + i] + j * d;
        for (int e = 0; e < d; e++, k += lanes) a0 = FloatVector.fromArray(VectorMath.S, kt, k).fma(FloatVector.broadcast(VectorMath.S, q[o[i] + e]), a0);
        a0.mul(scale).intoArray(p, pOff + i * pStride + j);
      }
    }
    int p4 = pOff + 4 * pStride, p5 = pOff + 5 * pStride, p6 = pOff + 6 * pStride, p7 = pOff + 7 * pStride;
    float inv0 = softmax(p, pOff, n, nPad, lanesSum);
    float inv1 = softmax(p, pOff + pStride, n, nPad, lanesSum);
    float inv2 = softmax(p, pOff + 2 * pStride, n, nPad, lanesSum);
    float inv3 = softmax(p, pOff + 3 * pStride, n, nPad, lanesSum);
    float inv4 = softmax(p, p4, n, nPad, lanesSum);
    float inv5 = softmax(p, p5, n, nPad, lanesSum);
    float inv6 = softmax(p, p6, n, nPad, lanesSum);
    float inv7 = softmax(p, p7, n, nPad, lanesSum);
    values(v, o[16], o[17], o[18], o[19], n, p, pOff, pOff + pStride, pOff + 2 * pStride, pOff + 3 * pStride, inv0, inv1, inv2, inv3,
        out, o[24], o[25], o[26], o[27]);
    values(v, o[20], o[21], o[22], o[23], n, p, p4, p5, p6, p7, inv4, inv5, inv6, inv7, out, o[28], o[29], o[30], o[31]);
  }

  /** exp(p − max) over the row in place (lanes past n: −∞, so 0), and 1 / their sum: attend's softmax. */
  private static float softmax(float[] p, int off, int n, int nPad, float[] lanesSum) {
    java.util.Arrays.fill(p, off + n, off + nPad, Float.NEGATIVE_INFINITY);
    return 1f / VectorMath.expShiftSum(p, off, nPad, VectorMath.max(p, off, nPad), lanesSum);
  }

  /** Four queries' value sums: per query even and odd keys in two accumulator pairs, as attend's (outputs at out[oa ..] .. out[oe ..]). */
  private static void values(float[] v, int va, int vb, int vc, int ve, int n, float[] p, int p0, int p1, int p2, int p3, float inv0,
      float inv1, float inv2, float inv3, float[] out, int oa, int ob, int oc, int oe) {
    int lanes = VectorMath.S.length(), d = 2 * lanes;
    FloatVector a0 = FloatVector.zero(VectorMath.S), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
    FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0, e0 = a0, e1 = a0, e2 = a0, e3 = a0;
    int j = 0;
    for (; j + 1 < n; j += 2) {
      int r = j * d;
      FloatVector x = FloatVector.broadcast(VectorMath.S, p[p0 + j]);
      FloatVector y = FloatVector.broadcast(VectorMath.S, p[p0 + j + 1]);
      a0 = FloatVector.fromArray(VectorMath.S, v, va + r).fma(x, a0);
      a1 = FloatVector.fromArray(VectorMath.S, v, va + r + lanes).fma(x, a1);
      a2 = FloatVector.fromArray(VectorMath.S, v, va + r + d).fma(y, a2);
      a3 = FloatVector.fromArray(VectorMath.S, v, va + r + d + lanes).fma(y, a3);
      x = FloatVector.broadcast(VectorMath.S, p[p1 + j]);
      y = FloatVector.broadcast(VectorMath.S, p[p1 + j + 1]);
      b0 = FloatVector.fromArray(VectorMath.S, v, vb + r).fma(x, b0);
      b1 = FloatVector.fromArray(VectorMath.S, v, vb + r + lanes).fma(x, b1);
      b2 = FloatVector.fromArray(VectorMath.S, v, vb + r + d).fma(y, b2);
      b3 = FloatVector.fromArray(VectorMath.S, v, vb + r + d + lanes).fma(y, b3);
      x = FloatVector.broadcast(VectorMath.S, p[p2 + j]);
      y = FloatVector.broadcast(VectorMath.S, p[p2 + j + 1]);
      c0 = FloatVector.fromArray(VectorMath.S, v, vc + r).fma(x, c0);
      c1 = FloatVector.fromArray(VectorMath.S, v, vc + r + lanes).fma(x, c1);
      c2 = FloatVector.fromArray(VectorMath.S, v, vc + r + d).fma(y, c2);
      c3 = FloatVector.fromArray(VectorMath.S, v, vc + r + d + lanes).fma(y, c3);
      x = FloatVector.broadcast(VectorMath.S, p[p3 + j]);
      y = FloatVector.broadcast(VectorMath.S, p[p3 + j + 1]);
      e0 = FloatVector.fromArray(VectorMath.S, v, ve + r).fma(x, e0);
      e1 = FloatVector.fromArray(VectorMath.S, v, ve + r + lanes).fma(x, e1);
      e2 = FloatVector.fromArray(VectorMath.S, v, ve + r + d).fma(y, e2);
      e3 = FloatVector.fromArray(VectorMath.S, v, ve + r + d + lanes).fma(y, e3);
    }
    if (j < n) {
      int r = j * d;
      FloatVector x = FloatVector.broadcast(VectorMath.S, p[p0 + j]);
      a0 = FloatVector.fromArray(VectorMath.S, v, va + r).fma(x, a0);
      a1 = FloatVector.fromArray(VectorMath.S, v, va + r + lanes).fma(x, a1);
      x = FloatVector.broadcast(VectorMath.S, p[p1 + j]);
      b0 = FloatVector.fromArray(VectorMath.S, v, vb + r).fma(x, b0);
      b1 = FloatVector.fromArray(VectorMath.S, v, vb + r + lanes).fma(x, b1);
      x = FloatVector.broadcast(VectorMath.S, p[p2 + j]);
      c0 = FloatVector.fromArray(VectorMath.S, v, vc + r).fma(x, c0);
      c1 = FloatVector.fromArray(VectorMath.S, v, vc + r + lanes).fma(x, c1);
      x = FloatVector.broadcast(VectorMath.S, p[p3 + j]);
      e0 = FloatVector.fromArray(VectorMath.S, v, ve + r).fma(x, e0);
      e1 = FloatVector.fromArray(VectorMath.S, v, ve + r + lanes).fma(x, e1);
    }
    a0.add(a2).mul(inv0).intoArray(out, oa);
    a1.add(a3).mul(inv0).intoArray(out, oa + lanes);
    b0.add(b2).mul(inv1).intoArray(out, ob);
    b1.add(b3).mul(inv1).intoArray(out, ob + lanes);
    c0.add(c2).mul(inv2).intoArray(out, oc);
    c1.add(c3).mul(inv2).intoArray(out, oc + lanes);
    e0.add(e2).mul(inv3).intoArray(out, oe);
    e1.add(e3).mul(inv3).intoArray(out, oe + lanes);
  }
}
