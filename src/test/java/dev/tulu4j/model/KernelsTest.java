package dev.tulu4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tulu4j.tensor.Gemm;
import dev.tulu4j.tensor.NaiveGemm;
import dev.tulu4j.tensor.Parallel;
import dev.tulu4j.tensor.VectorGemm;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Each fast kernel against a scalar float64 reference on odd shapes (lengths not multiples of 16). */
class KernelsTest {
  private static final ModelParallel P = ModelParallel.common();
  /** The attention blocks' GEMM as the vector backend gives it ({@link Gemm#onCallingThread()}). */
  private static final Gemm TASK_GEMM = new VectorGemm(Parallel.create(2)).onCallingThread();
  private final Random rnd = new Random(1234);

  private float[] randn(int n, double std) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = (float) (std * rnd.nextGaussian());
    return a;
  }

  private static void close(float[] got, double[] want, double tol, String what) {
    double worst = 0;
    int at = -1;
    for (int i = 0; i < want.length; i++) {
      double e = Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i]));
      if (e > worst) {
        worst = e;
        at = i;
      }
    }
    assertThat(worst).as("%s: worst error %s at %d", what, worst, at).isLessThanOrEqualTo(tol);
  }

  @Test
  void rmsNormForwardAndBackward() {
    int rows = 37, c = 37; // 37 rows: two parallel blocks of the 16-row grain
    float eps = 1e-5f;
    float[] x = randn(rows * c, 1.5), w = randn(c, 1), dy = randn(rows * c, 1);
    float[] y = new float[rows * c], rstd = new float[rows];
    RmsNorm.forward(P, x, w, y, rstd, rows, c, eps);
    float[] dx = randn(rows * c, 1); // accumulated into
    float[] dx0 = dx.clone();
    float[] dw = new float[c];
    RmsNorm.backward(P, dy, x, w, rstd, dx, dw, rows, c);
    double[] ry = new double[rows * c], rdx = new double[rows * c], rdw = new double[c];
    for (int r = 0; r < rows; r++) {
      double ss = 0;
      for (int i = 0; i < c; i++) ss += (double) x[r * c + i] * x[r * c + i];
      double rs = 1 / Math.sqrt(ss / c + eps);
      double dot = 0;
      for (int i = 0; i < c; i++) dot += (double) dy[r * c + i] * w[i] * x[r * c + i];
      for (int i = 0; i < c; i++) {
        int k = r * c + i;
        ry[k] = x[k] * rs * w[i];
        rdx[k] = dx0[k] + rs * dy[k] * w[i] - x[k] * rs * rs * rs * dot / c;
        rdw[i] += dy[k] * x[k] * rs;
      }
    }
    close(y, ry, 1e-6, "rmsnorm y");
    close(dx, rdx, 1e-5, "rmsnorm dx");
    close(dw, rdw, 1e-5, "rmsnorm dw");
  }

  @Test
  void ropeMatchesRotateHalfAndBackwardIsTheTranspose() {
    int rows = 3, heads = 3, d = 10;
    LlamaConfig cfg = new LlamaConfig(LlamaConfig.Architecture.LLAMA, 10, 30, 8, 1, heads, heads, d, 1e-5, 10000,
        null, 4096, true, false, 1, List.of(2));
    float[] inv = Rope.inverseFrequencies(cfg);
    int[] pos = {0, 17, 2049};
    float[] cos = new float[rows * d / 2], sin = new float[rows * d / 2];
    Rope.tables(inv, pos, rows, cos, sin);
    float[] x = randn(rows * heads * d, 1), y = x.clone();
    Rope.forward(P, y, rows, heads, d, cos, sin);
    double[] want = new double[x.length];
    for (int r = 0; r < rows; r++)
      for (int h = 0; h < heads; h++)
        for (int i = 0; i < d; i++) {
          int o = (r * heads + h) * d;
          int j = i % (d / 2);
          double ang = pos[r] * Math.pow(10000, -2.0 * j / d); // exact; the engine rounds like HF's fp32
          double rot = i < d / 2 ? -x[o + i + d / 2] : x[o + i - d / 2]; // rotate_half
          want[o + i] = x[o + i] * Math.cos(ang) + rot * Math.sin(ang);
        }
    close(y, want, 2e-4, "rope (fp32 angles at position 2049 differ from exact by ~1e-4 rad)");
    // <R x, g> == <x, Rᵀ g>
    float[] g = randn(x.length, 1), gt = g.clone();
    Rope.backward(P, gt, rows, heads, d, cos, sin);
    double lhs = 0, rhs = 0;
    for (int i = 0; i < x.length; i++) {
      lhs += (double) y[i] * g[i];
      rhs += (double) x[i] * gt[i];
    }
    assertThat(lhs).isCloseTo(rhs, within(1e-5));
  }

  @Test
  void llama3InverseFrequenciesByHand() {
    // D=4, theta=1e4: f = [1, 0.01]; orig=8, factor 4, low 1, high 4 → low wavelen 8, high wavelen 2.
    // f0: λ = 2π ∈ [2, 8] → smooth s = (8/2π − 1)/3; (1−s)/4 + s = 1/4 + (3/4)s = 8/(4·2π) = 1/π.
    // f1: λ = 200π > 8 → 0.01/4.
    LlamaConfig cfg = new LlamaConfig(LlamaConfig.Architecture.LLAMA, 10, 8, 8, 1, 2, 2, 4, 1e-5, 10000,
        new LlamaConfig.RopeScaling(4, 1, 4, 8), 64, true, false, 1, List.of(2));
    float[] f = Rope.inverseFrequencies(cfg);
    assertThat((double) f[0]).isCloseTo(1 / Math.PI, within(1e-7));
    assertThat((double) f[1]).isCloseTo(0.0025, within(1e-9));
    double[] ref = ReferenceLlama.invFreq(cfg);
    for (int i = 0; i < 2; i++) assertThat((double) f[i]).isCloseTo(ref[i], within(1e-7 * ref[i]));
  }

  @Test
  void swiGluForwardAndBackward() {
    int n = 20_011; // two parallel blocks of the 8192-element grain plus a vector tail
    float[] a = randn(n, 4), u = randn(n, 1), dh = randn(n, 1);
    a[0] = 30;
    a[1] = -30;
    float[] h = new float[n], da = new float[n], du = new float[n];
    SwiGlu.forward(P, a, u, h, n);
    SwiGlu.backward(P, a, u, dh, da, du, n);
    double[] rh = new double[n], rda = new double[n], rdu = new double[n];
    for (int i = 0; i < n; i++) {
      double s = 1 / (1 + Math.exp(-a[i]));
      rh[i] = a[i] * s * u[i];
      rdu[i] = dh[i] * a[i] * s;
      rda[i] = dh[i] * u[i] * (s + a[i] * s * (1 - s));
    }
    close(h, rh, 1e-6, "swiglu h");
    close(da, rda, 1e-6, "swiglu dgate");
    close(du, rdu, 1e-6, "swiglu dup");
  }

  @org.junit.jupiter.params.ParameterizedTest(name = "B{0} T{1} H{2} Hkv{3} D{4}")
  @org.junit.jupiter.params.provider.CsvSource({
      "2, 70, 4, 2, 20", // T crosses the 64-key block; D = one 16-lane vector + a tail; GQA
      "1, 1, 3, 1, 6",   // one token, multi-query, D below one vector
      "3, 17, 6, 1, 64", // MQA, D a multiple of 16, key counts around one vector
      "1, 131, 2, 2, 33" // MHA, three key blocks, odd D
  })
  void attentionForwardAndBackwardAgainstFullSoftmax(int b, int t, int heads, int kvh, int d) {
    // two segments in row 1 when it exists
    int group = heads / kvh;
    int qw = heads * d, kw = kvh * d, n = b * t;
    float[] q = randn(n * qw, 1), k = randn(n * kw, 1), v = randn(n * kw, 1), dout = randn(n * qw, 1);
    int[] start = new int[n];
    if (b > 1) for (int i = 0; i < t; i++) start[t + i] = i < t / 2 ? 0 : t / 2;
    float[] out = new float[n * qw], lse = new float[n * heads];
    Attention.forward(P, TASK_GEMM, q, k, v, out, lse, b, t, heads, kvh, d, start);
    float[] dq = new float[n * qw], dk = randn(n * kw, 1), dv = randn(n * kw, 1); // overwritten
    Attention.backward(P, TASK_GEMM, q, k, v, out, lse, dout, dq, dk, dv, b, t, heads, kvh, d, start);
    double[] ro = new double[n * qw], rl = new double[n * heads], rdq = new double[n * qw],
        rdk = new double[n * kw], rdv = new double[n * kw];
    double sc = 1 / Math.sqrt(d);
    for (int bb = 0; bb < b; bb++)
      for (int h = 0; h < heads; h++)
        for (int i = 0; i < t; i++) {
          int r = bb * t + i, g = h / group;
          double[] p = new double[t];
          double mx = Double.NEGATIVE_INFINITY;
          for (int j = start[r]; j <= i; j++) {
            double s = 0;
            for (int e = 0; e < d; e++) s += (double) q[r * qw + h * d + e] * k[(bb * t + j) * kw + g * d + e];
            p[j] = s * sc;
            mx = Math.max(mx, p[j]);
          }
          double sum = 0;
          for (int j = start[r]; j <= i; j++) sum += Math.exp(p[j] - mx);
          rl[r * heads + h] = mx + Math.log(sum);
          double[] dp = new double[t];
          double acc = 0;
          for (int j = start[r]; j <= i; j++) {
            p[j] = Math.exp(p[j] - mx) / sum;
            for (int e = 0; e < d; e++) {
              ro[r * qw + h * d + e] += p[j] * v[(bb * t + j) * kw + g * d + e];
              dp[j] += (double) dout[r * qw + h * d + e] * v[(bb * t + j) * kw + g * d + e];
              rdv[(bb * t + j) * kw + g * d + e] += p[j] * dout[r * qw + h * d + e];
            }
            acc += p[j] * dp[j];
          }
          for (int j = start[r]; j <= i; j++) {
            double ds = p[j] * (dp[j] - acc) * sc;
            for (int e = 0; e < d; e++) {
              rdq[r * qw + h * d + e] += ds * k[(bb * t + j) * kw + g * d + e];
              rdk[(bb * t + j) * kw + g * d + e] += ds * q[r * qw + h * d + e];
            }
          }
        }
    close(out, ro, 2e-5, "attention out");
    close(lse, rl, 2e-5, "attention lse");
    close(dq, rdq, 1e-4, "attention dq");
    close(dk, rdk, 1e-4, "attention dk");
    close(dv, rdv, 1e-4, "attention dv");
  }

  @Test
  void fusedLogSoftmaxHeadInChunksAgainstFullSoftmax() {
    int rows = 7, c = 9, vocab = 53;
    float[] x = randn(rows * c, 1), w = randn(vocab * c, 1.5);
    int[] y = {3, -100, 52, 0, 17, 17, -100};
    float[] up = randn(rows, 1);
    float[] scratch = new float[3 * vocab]; // chunks of 3, 3, 1 rows
    float[] logp = new float[rows], lse = new float[rows], dx = randn(rows * c, 1), dw = new float[vocab * c];
    var gemm = new NaiveGemm();
    LogSoftmaxHead.forward(P, gemm, x, w, rows, c, vocab, y, logp, lse, scratch);
    LogSoftmaxHead.backward(P, gemm, x, w, dw, rows, c, vocab, 1f, y, up, lse, dx, scratch);
    double[] rlp = new double[rows], rlse = new double[rows], rdx = new double[rows * c], rdw = new double[vocab * c];
    for (int r = 0; r < rows; r++) {
      double[] z = new double[vocab];
      double mx = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < vocab; j++) {
        for (int e = 0; e < c; e++) z[j] += (double) x[r * c + e] * w[j * c + e];
        mx = Math.max(mx, z[j]);
      }
      double s = 0;
      for (double zj : z) s += Math.exp(zj - mx);
      rlse[r] = mx + Math.log(s);
      if (y[r] == -100) continue;
      rlp[r] = z[y[r]] - rlse[r];
      for (int j = 0; j < vocab; j++) {
        double dz = up[r] * ((j == y[r] ? 1 : 0) - Math.exp(z[j] - rlse[r]));
        for (int e = 0; e < c; e++) {
          rdx[r * c + e] += dz * w[j * c + e];
          rdw[j * c + e] += dz * x[r * c + e];
        }
      }
    }
    close(logp, rlp, 1e-5, "logp");
    close(lse, rlse, 1e-5, "lse");
    close(dx, rdx, 1e-5, "head dx (overwritten, ignored rows zero)");
    close(dw, rdw, 1e-5, "head dw");
  }
}
