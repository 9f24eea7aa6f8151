package dev.tulu4j.model;

import dev.tulu4j.tensor.DecodeGemm;
import dev.tulu4j.tensor.Parallel;
import dev.tulu4j.tensor.VectorGemm;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The batch-32 decode step's weight products inside the step against the same products alone (not a
 * test: a {@code main} for docs/PERFORMANCE.md, "Session 13: decode b32 and cache lines"). One JVM,
 * one thread, alternating round by round: (a) {@link DecodeProfileMain}'s workload with the phase
 * profile on (CPU ms per step in QKV, O, MLP, DOWN, HEAD chunks); (b) the same {@link DecodeGemm#columns}
 * calls over the same model's weights, layer by layer, in the step's chunks and modes, with xt on a
 * cache line and nothing else between them (no attention, no RMSNorm, no SwiGLU), timed the same way
 * (thread CPU time, mean per step). Prints both per phase kind and as GFLOP per CPU-second, median of
 * the rounds, plus (b)'s best pass, the statistic of the earlier "kernel alone" figures.
 *
 * <p>Arguments: {@code shape rounds}.
 */
public final class DecodeProductsMain {
  private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();

  public static void main(String[] args) {
    LlamaConfig c = args[0].equals("tiny") ? LlamaConfig.tiny() : LlamaConfig.smollm2_135m();
    int rounds = Integer.parseInt(args[1]);
    int batch = 32, promptLen = 64, newTokens = 64;
    int cc = c.hidden(), qd = c.qDim(), kd = c.kvDim(), f = c.intermediate(), vocab = c.vocabSize(), layers = c.layers();
    int qkvw = qd + 2 * kd;
    double[] flops = {2.0 * batch * cc * qkvw * layers, 2.0 * batch * qd * cc * layers, 4.0 * batch * cc * f * layers,
        2.0 * batch * f * cc * layers, 2.0 * batch * cc * vocab};
    String[] kinds = {"qkv", "o", "mlp", "down", "head"};
    int[] stepKind = {0, 2, 3, 4, 5}; // DecodeStep profile slots
    double[][] inStep = new double[rounds][5], alone = new double[rounds][5], best = new double[rounds][5];
    try (Parallel pool = Parallel.create(1)) {
      LlamaModel m = LlamaModel.random(c, 0, new VectorGemm(pool));
      SplittableRandom rnd = new SplittableRandom(4);
      int[][] prompt = new int[batch][];
      for (int b = 0; b < batch; b++) prompt[b] = rnd.ints(promptLen, 0, vocab).toArray();
      KvCache cache = m.newCache(batch, promptLen + newTokens);
      int np = DecodeGemm.padded(batch);
      float[] xtC = new float[np * cc + 15], xtQ = new float[np * qd + 15], xtF = new float[np * f + 15];
      for (float[] a : new float[][] {xtC, xtQ, xtF}) for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextGaussian() * 0.1f;
      float[] qkv = new float[batch * qkvw], x = new float[batch * cc], gate = new float[np * f + 15], up = new float[np * f + 15];
      float[] logits = new float[batch * vocab], tmp = new float[DecodeGemm.tmpFloats(np)];
      int qkvCols = DecodeSplit.blockColumns(qkvw, cc, 1, DecodeSplit.MIN_BLOCK_FLOATS, 24);
      int ccCols = DecodeSplit.blockColumns(cc, Math.max(qd, f), 1, DecodeSplit.MIN_BLOCK_FLOATS, 24);
      int fCols = DecodeSplit.blockColumns(f, cc, 1, DecodeSplit.MIN_BLOCK_FLOATS, 24);
      int vCols = DecodeSplit.blockColumns(vocab, cc, 1, DecodeSplit.MIN_BLOCK_FLOATS, 24);
      int[] next = new int[batch];
      for (int round = -1; round < rounds; round++) {
        // (a) the step
        long[][] prof = new long[1][2 * DecodeStep.PROFILE_KINDS + 1];
        cache.reset();
        cache.decodeProfile = null;
        argmax(m.prefill(cache, prompt), vocab, next);
        cache.decodeProfile = prof;
        int steps = 0;
        for (int s = 1; s < newTokens; s++, steps++) argmax(m.decode(cache, next), vocab, next);
        // (b) the products alone, as many steps
        long[] ns = new long[5];
        long[] min = {Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE};
        int lc = DecodeGemm.L;
        for (int s = 0; s < steps; s++) {
          long[] one = new long[5];
          for (int l = 0; l < layers; l++) {
            LayerWeights w = m.layer(l);
            int xc = lead(xtC), xq = lead(xtQ), xf = lead(xtF);
            long t0 = MX.getCurrentThreadCpuTime();
            for (int j0 = 0; j0 < qkvw; j0 += qkvCols) {
              int j1 = Math.min(qkvw, j0 + qkvCols);
              seg(xtC, xc, w.q(), 0, qd, j0, j1, qkv, qkvw, np, batch, cc, tmp);
              seg(xtC, xc, w.k(), qd, kd, j0, j1, qkv, qkvw, np, batch, cc, tmp);
              seg(xtC, xc, w.v(), qd + kd, kd, j0, j1, qkv, qkvw, np, batch, cc, tmp);
            }
            long t1 = MX.getCurrentThreadCpuTime();
            for (int j0 = 0; j0 < cc; j0 += ccCols)
              DecodeGemm.columns(batch, np, qd, j0, Math.min(cc, j0 + ccCols), xtQ, xq, w.o().data(), qd, DecodeGemm.Mode.ROWS_ADD, x, 0, cc, tmp);
            long t2 = MX.getCurrentThreadCpuTime();
            int go = lead(gate), uo = lead(up);
            for (int j0 = 0; j0 < f; j0 += fCols) {
              int j1 = Math.min(f, j0 + fCols);
              DecodeGemm.columns(batch, np, cc, j0, j1, xtC, xc, w.gate().data(), cc, DecodeGemm.Mode.TRANSPOSED, gate, go, 0, tmp);
              DecodeGemm.columns(batch, np, cc, j0, j1, xtC, xc, w.up().data(), cc, DecodeGemm.Mode.TRANSPOSED, up, uo, 0, tmp);
            }
            long t3 = MX.getCurrentThreadCpuTime();
            for (int j0 = 0; j0 < cc; j0 += ccCols)
              DecodeGemm.columns(batch, np, f, j0, Math.min(cc, j0 + ccCols), xtF, xf, w.down().data(), f, DecodeGemm.Mode.ROWS_ADD, x, 0, cc, tmp);
            long t4 = MX.getCurrentThreadCpuTime();
            one[0] += t1 - t0;
            one[1] += t2 - t1;
            one[2] += t3 - t2;
            one[3] += t4 - t3;
          }
          int xc = lead(xtC);
          long t0 = MX.getCurrentThreadCpuTime();
          for (int j0 = 0; j0 < vocab; j0 += vCols)
            DecodeGemm.columns(batch, np, cc, j0, Math.min(vocab, j0 + vCols), xtC, xc, m.lmHead().data(), cc, DecodeGemm.Mode.ROWS_SET, logits, 0, vocab, tmp);
          one[4] += MX.getCurrentThreadCpuTime() - t0;
          for (int k = 0; k < 5; k++) {
            ns[k] += one[k];
            min[k] = Math.min(min[k], one[k]);
          }
        }
        if (round < 0) continue;
        for (int k = 0; k < 5; k++) {
          inStep[round][k] = prof[0][stepKind[k]] / 1e6 / steps;
          alone[round][k] = ns[k] / 1e6 / steps;
          best[round][k] = min[k] / 1e6;
        }
        System.out.printf(Locale.ROOT, "round %d: step %s | alone %s%n", round, fmt(inStep[round]), fmt(alone[round]));
      }
    }
    System.out.printf(Locale.ROOT, "%s b%d, 1 thread, %d rounds: median CPU ms per step and GFLOP/s (in step | alone, mean | alone, best step)%n",
        args[0], batch, rounds);
    for (int k = 0; k < 5; k++) {
      double a = median(inStep, k), b = median(alone, k), bb = median(best, k);
      System.out.printf(Locale.ROOT, "  %-5s %7.3f ms %6.1f | %7.3f ms %6.1f | %7.3f ms %6.1f%n", kinds[k], a, flops[k] / a / 1e6, b,
          flops[k] / b / 1e6, bb, flops[k] / bb / 1e6);
    }
  }

  private static int lead(float[] a) {
    return dev.tulu4j.tensor.CacheLines.lead(a);
  }

  private static void seg(float[] xt, int xOff, Parameter w, int base, int n, int j0, int j1, float[] qkv, int qkvw, int np, int rows, int cc,
      float[] tmp) {
    int a = Math.max(j0, base) - base, b = Math.min(j1, base + n) - base;
    if (a < b) DecodeGemm.columns(rows, np, cc, a, b, xt, xOff, w.data(), cc, DecodeGemm.Mode.ROWS_SET, qkv, base, qkvw, tmp);
  }

  private static String fmt(double[] v) {
    StringBuilder sb = new StringBuilder();
    for (double d : v) sb.append(String.format(Locale.ROOT, " %.2f", d));
    return sb.toString();
  }

  private static double median(double[][] v, int k) {
    double[] col = new double[v.length];
    for (int r = 0; r < v.length; r++) col[r] = v[r][k];
    java.util.Arrays.sort(col);
    return col[v.length / 2];
  }

  private static void argmax(float[] logits, int v, int[] out) {
    for (int b = 0; b < out.length; b++) {
      int best = 0;
      for (int j = 1; j < v; j++) if (logits[b * v + j] > logits[b * v + best]) best = j;
      out[b] = best;
    }
  }
}
