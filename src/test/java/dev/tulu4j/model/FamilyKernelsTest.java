package dev.tulu4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.tensor.TaskRunner;
import dev.tulu4j.testing.FiniteDifference;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The new blocks of the families beyond Llama against float64 naive twins written here from the
 * formulas, and their backward passes against finite differences of those twins: GeGLU (tanh gelu),
 * the soft-cap, {@link FamilyAttention} (score scale, soft-cap, sliding-window starts), and the
 * soft-capped LM head {@link CappedHead}.
 */
class FamilyKernelsTest {
  private static final ModelParallel PAR = new ModelParallel(TaskRunner.commonPool());

  private static double[] gauss(int n, long seed, double s) {
    Random r = new Random(seed);
    double[] a = new double[n];
    for (int i = 0; i < n; i++) a[i] = s * r.nextGaussian();
    return a;
  }

  private static float[] f32(double[] a) {
    float[] f = new float[a.length];
    for (int i = 0; i < a.length; i++) f[i] = (float) a[i];
    return f;
  }

  static double gelu(double a) {
    return 0.5 * a * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (a + 0.044715 * a * a * a)));
  }

  @Test
  void geGluMatchesItsTwinAndFiniteDifferences() {
    int n = 37;
    double[] g = gauss(n, 1, 2), u = gauss(n, 2, 1), dh = gauss(n, 3, 1);
    float[] h = new float[n], dg = new float[n], du = new float[n];
    GeGlu.forward(PAR, f32(g), f32(u), h, n);
    GeGlu.backward(PAR, f32(g), f32(u), f32(dh), dg, du, n);
    for (int i = 0; i < n; i++) {
      assertThat((double) h[i]).isCloseTo(gelu(g[i]) * u[i], org.assertj.core.data.Offset.offset(1e-5));
      final int k = i;
      double num = FiniteDifference.derivative(g, k, 1e-4, () -> gelu(g[k]) * u[k] * dh[k]);
      assertThat(FiniteDifference.relativeError(num, dg[i], 1e-2)).as("dgate %d", i).isLessThan(5e-4); // fp32 tanh near ±1
      assertThat(FiniteDifference.relativeError(gelu(g[i]) * dh[i], du[i], 1e-2)).as("dup %d", i).isLessThan(1e-4);
    }
  }

  /** float64 twin: GQA attention, query t of row b sees keys start..t, scores scaled then soft-capped. */
  static double[] attention(double[] q, double[] k, double[] v, int b, int t, int h, int hkv, int d, int[] start,
      double scale, double cap) {
    double[] out = new double[b * t * h * d];
    for (int bb = 0; bb < b; bb++)
      for (int hh = 0; hh < h; hh++)
        for (int i = 0; i < t; i++) {
          int r = bb * t + i, g = hh / (h / hkv);
          double[] s = new double[t];
          double m = Double.NEGATIVE_INFINITY;
          for (int j = start[r]; j <= i; j++) {
            double x = 0;
            for (int e = 0; e < d; e++) x += q[r * h * d + hh * d + e] * k[(bb * t + j) * hkv * d + g * d + e];
            x *= scale;
            if (cap > 0) x = cap * Math.tanh(x / cap);
            s[j] = x;
            m = Math.max(m, x);
          }
          double z = 0;
          for (int j = start[r]; j <= i; j++) z += Math.exp(s[j] - m);
          for (int j = start[r]; j <= i; j++)
            for (int e = 0; e < d; e++)
              out[r * h * d + hh * d + e] += Math.exp(s[j] - m) / z * v[(bb * t + j) * hkv * d + g * d + e];
        }
    return out;
  }

  @Test
  void familyAttentionMatchesItsTwinWithScaleSoftcapAndWindow() {
    int b = 2, t = 9, h = 4, hkv = 2, d = 6;
    double scale = 1 / Math.sqrt(12), cap = 1.5;
    int[] start = new int[b * t];
    for (int r = 0; r < b * t; r++) start[r] = Math.max(r % t >= 5 && r >= t ? 5 : 0, r % t - 3); // window 4, row 1 packs two sequences
    double[] q = gauss(b * t * h * d, 4, 1.5), k = gauss(b * t * hkv * d, 5, 1.5), v = gauss(b * t * hkv * d, 6, 1);
    double[] dout = gauss(b * t * h * d, 7, 1);
    float[] out = new float[q.length], lse = new float[b * t * h];
    FamilyAttention.forward(PAR, f32(q), f32(k), f32(v), out, lse, b, t, h, hkv, d, start, (float) scale, (float) cap);
    double[] want = attention(q, k, v, b, t, h, hkv, d, start, scale, cap);
    assertThat(FiniteDifference.againstReference(want, out).ratio()).isLessThan(1e-5);
    float[] dq = new float[q.length], dk = new float[k.length], dv = new float[v.length];
    FamilyAttention.backward(PAR, f32(q), f32(k), f32(v), out, lse, f32(dout), dq, dk, dv, b, t, h, hkv, d, start,
        (float) scale, (float) cap);
    java.util.function.DoubleSupplier j = () -> {
      double[] o = attention(q, k, v, b, t, h, hkv, d, start, scale, cap);
      double s = 0;
      for (int i = 0; i < o.length; i++) s += o[i] * dout[i];
      return s;
    };
    for (double[][] pair : new double[][][] {{q, null}, {k, null}, {v, null}}) {
      double[] w = pair[0];
      float[] grad = w == q ? dq : w == k ? dk : dv;
      double[] num = new double[w.length];
      for (int i = 0; i < w.length; i++) num[i] = FiniteDifference.derivative(w, i, 1e-4, j);
      assertThat(FiniteDifference.againstReference(num, grad).ratio()).as(w == q ? "dq" : w == k ? "dk" : "dv")
          .isLessThan(1e-4);
    }
  }

  @Test
  void cappedHeadMatchesItsTwinAndFiniteDifferences() {
    int n = 5, c = 7, vocab = 11;
    double cap = 2.0, scale = 1 / 0.7;
    double[] x = gauss(n * c, 8, 1), w = gauss(vocab * c, 9, 1), up = gauss(n, 10, 1);
    int[] y = {3, LogSoftmaxHead.IGNORE, 0, 10, 5};
    java.util.function.DoubleSupplier j = () -> {
      double s = 0;
      for (int r = 0; r < n; r++) {
        if (y[r] == LogSoftmaxHead.IGNORE) continue;
        double[] z = new double[vocab];
        double m = Double.NEGATIVE_INFINITY;
        for (int vv = 0; vv < vocab; vv++) {
          double a = 0;
          for (int e = 0; e < c; e++) a += x[r * c + e] * w[vv * c + e];
          z[vv] = scale * cap * Math.tanh(a / cap);
          m = Math.max(m, z[vv]);
        }
        double l = 0;
        for (double zz : z) l += Math.exp(zz - m);
        s += up[r] * (z[y[r]] - m - Math.log(l));
      }
      return s;
    };
    float[] logp = new float[n], lse = new float[n], dx = new float[n * c];
    float[] wf = f32(w), dw = new float[w.length];
    dev.tulu4j.tensor.Gemm gemm = new dev.tulu4j.tensor.NaiveGemm();
    CappedHead.forwardBackward(PAR, gemm, f32(x), new Parameter("lm_head.weight", new int[] {vocab, c}, wf, dw, false), dw, n, c, vocab, (float) scale, (float) cap, y, f32(up), logp, lse,
        dx, new float[2 * vocab]);
    double total = 0;
    for (int r = 0; r < n; r++) total += up[r] * logp[r];
    assertThat(total).isCloseTo(j.getAsDouble(), org.assertj.core.data.Offset.offset(1e-4));
    double[] nx = new double[x.length], nw = new double[w.length];
    for (int i = 0; i < x.length; i++) nx[i] = FiniteDifference.derivative(x, i, 1e-4, j);
    for (int i = 0; i < w.length; i++) nw[i] = FiniteDifference.derivative(w, i, 1e-4, j);
    assertThat(FiniteDifference.againstReference(nx, dx).ratio()).as("dx").isLessThan(1e-4);
    assertThat(FiniteDifference.againstReference(nw, dw).ratio()).as("dw").isLessThan(1e-4);
  }

  @Test
  void windowStartsAreTheLaterOfSegmentStartAndTheWindow() {
    Batch b = new Batch(1, 8, new int[8], null, null, new int[] {0, 0, 0, 0, 0, 0, 1, 1});
    int[] start = new int[8], out = new int[8];
    Trunk.positionsAndStarts(b, start);
    FamilyTrunk.windowStarts(b, start, 3, out);
    assertThat(out).containsExactly(0, 0, 0, 1, 2, 3, 6, 6);
    FamilyTrunk.windowStarts(b, start, 0, out);
    assertThat(out).containsExactly(start);
  }
}
