package dev.tulu4j.model;

import dev.tulu4j.tensor.DecodeGemm;
import dev.tulu4j.tensor.VectorMath;
import jdk.incubator.vector.FloatVector;

/**
 * {@link DecodeAttention#attend} for four queries at once at head dim D = 2·L (the tiny model's 32),
 * each over its own keys and values, all with n keys: the four queries' scores in one pass over the
 * key blocks (eight FMA chains over D, four cache runs streamed at once), the four softmaxes, then the
 * four probability-weighted sums in one loop (sixteen accumulators). Every score and every output is
 * the same chain of operations in the same order as {@code attend} computes it
 * (DecodeAttentionQuadTest); only more runs of the cache are in flight at once.
 *
 * <p>Offsets come in one int array {@code o}: query offsets at o[0..3], key bases at o[4..7], value
 * bases (rows of stride D) at o[8..11], output offsets at o[12..15]; query i's scores go to
 * {@code p[pOff + i·pStride ..]}.
 */
final class DecodeAttentionQuad {
  private DecodeAttentionQuad() {}

  static void attend(float[] q, float[] kt, float[] v, int[] o, int n, int d, float scale, float[] out, float[] p, int pOff,
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
    values(v, o, n, p, p0, p1, p2, p3, inv0, inv1, inv2, inv3, out);
  }

  /** exp(p − max) over the row in place (lanes past n: −∞, so 0), and 1 / their sum: attend's softmax. */
  private static float softmax(float[] p, int off, int n, int nPad, float[] lanesSum) {
    java.util.Arrays.fill(p, off + n, off + nPad, Float.NEGATIVE_INFINITY);
    return 1f / VectorMath.expShiftSum(p, off, nPad, VectorMath.max(p, off, nPad), lanesSum);
  }

  /** The four value sums: per query even and odd keys in two accumulator pairs, as attend's. */
  private static void values(float[] v, int[] o, int n, float[] p, int p0, int p1, int p2, int p3, float inv0, float inv1,
      float inv2, float inv3, float[] out) {
    int lanes = VectorMath.S.length(), d = 2 * lanes;
    int va = o[8], vb = o[9], vc = o[10], ve = o[11];
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
    a0.add(a2).mul(inv0).intoArray(out, o[12]);
    a1.add(a3).mul(inv0).intoArray(out, o[12] + lanes);
    b0.add(b2).mul(inv1).intoArray(out, o[13]);
    b1.add(b3).mul(inv1).intoArray(out, o[13] + lanes);
    c0.add(c2).mul(inv2).intoArray(out, o[14]);
    c1.add(c3).mul(inv2).intoArray(out, o[14] + lanes);
    e0.add(e2).mul(inv3).intoArray(out, o[15]);
    e1.add(e3).mul(inv3).intoArray(out, o[15] + lanes);
  }
}
