// Session 16 (helper b32) harness, not built: javac --add-modules jdk.incubator.vector -d . KvStream.java && java --add-modules jdk.incubator.vector -XX:+UseParallelGC -XX:+UseTransparentHugePages -Xmx8g -cp . KvStream 7
import jdk.incubator.vector.*;
import java.lang.management.*;

/** Sums the bytes a tiny b32 decode step's attention reads, in different run groupings; CPU ms per step-equivalent. */
public class KvStream {
  static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
  static float sink;
  public static void main(String[] a) {
    int B = 32, H = 8, L = 6, D = 32, maxLen = 128, rounds = Integer.parseInt(a[0]);
    int run = maxLen * D;
    float[][] k = new float[L][B * H * run + 16], v = new float[L][B * H * run + 16];
    for (float[] x : k) java.util.Arrays.fill(x, 1f);
    for (float[] x : v) java.util.Arrays.fill(x, 1f);
    float[] big = new float[L * 2 * B * H * run];
    java.util.Arrays.fill(big, 1f);
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    String[] names = {"g1", "g2", "g4", "g8", "contig", "contig4", "g4tight", "g8tight", "g1tight", "kint4", "kint8", "kvint4"};
    double[][] res = new double[names.length][rounds];
    for (int r = -2; r < rounds; r++) {
      for (int c = 0; c < names.length; c++) {
        long t0 = mx.getCurrentThreadCpuTime();
        float acc = 0;
        for (int n = 65; n <= 127; n++) {
          int nPad = (n + 15) / 16 * 16;
          int g = c < 4 ? 1 << c : 0;
          if (g > 0) for (int l = 0; l < L; l++) for (int t = 0; t < B * H; t += g) acc += group(k[l], v[l], t, g, run, nPad * D, n * D);
          else if (c >= 9) { for (int l = 0; l < L; l++) for (int t = 0; t < B * H; t += c == 10 ? 8 : 4) acc += kInter(k[l], v[l], t, c == 10 ? 8 : 4, run, nPad, n, c == 11); }
          else if (c >= 6) { int gg = c == 6 ? 4 : c == 7 ? 8 : 1; for (int l = 0; l < L; l++) for (int t = 0; t < B * H; t += gg) acc += groupTight(big, l * 2 * B * H * run, B * H * nPad * D, t, gg, nPad * D, n * D); }
          else if (c == 4) acc += sum1(big, 0, L * B * H * (nPad + n) * D);
          else { int len = L * B * H * (nPad + n) * D / 4; acc += group4(big, len); }
        }
        long t1 = mx.getCurrentThreadCpuTime();
        sink += acc;
        if (r >= 0) res[c][r] = (t1 - t0) / 1e6 / 63;
      }
    }
    for (int c = 0; c < names.length; c++) { java.util.Arrays.sort(res[c]); System.out.printf("%s %.3f ms/step (min %.3f)%n", names[c], res[c][rounds / 2], res[c][0]); }
    System.out.println(sink);
  }
  // g runs at once: keys (kl floats of each) then values (vl)
  static float group(float[] k, float[] v, int t, int g, int run, int kl, int vl) {
    FloatVector acc = FloatVector.zero(S), acc2 = acc;
    for (int i = 0; i < kl; i += 32) for (int q = 0; q < g; q++) { int b = (t + q) * run + i; acc = acc.add(FloatVector.fromArray(S, k, b)); acc2 = acc2.add(FloatVector.fromArray(S, k, b + 16)); }
    for (int i = 0; i < vl; i += 32) for (int q = 0; q < g; q++) { int b = (t + q) * run + i; acc = acc.add(FloatVector.fromArray(S, v, b)); acc2 = acc2.add(FloatVector.fromArray(S, v, b + 16)); }
    return acc.add(acc2).reduceLanes(VectorOperators.ADD);
  }
  // runs packed without gaps: layer l's keys at base (stride kl), values after all keys (stride vl)
  static float groupTight(float[] x, int base, int kAll, int t, int g, int kl, int vl) {
    FloatVector acc = FloatVector.zero(S), acc2 = acc;
    for (int i = 0; i < kl; i += 32) for (int q = 0; q < g; q++) { int b = base + (t + q) * kl + i; acc = acc.add(FloatVector.fromArray(S, x, b)); acc2 = acc2.add(FloatVector.fromArray(S, x, b + 16)); }
    for (int i = 0; i < vl; i += 32) for (int q = 0; q < g; q++) { int b = base + kAll + (t + q) * vl + i; acc = acc.add(FloatVector.fromArray(S, x, b)); acc2 = acc2.add(FloatVector.fromArray(S, x, b + 16)); }
    return acc.add(acc2).reduceLanes(VectorOperators.ADD);
  }
  // keys (B, nblocks, H, D, 16): tasks t..t+g-1 of one row; block j of head h at row base + j*H*512 + h*512. values gapped runs (or interleaved too)
  static float kInter(float[] k, float[] v, int t, int g, int run, int nPad, int n, boolean vint) {
    FloatVector acc = FloatVector.zero(S), acc2 = acc;
    int b = t / 8, h0 = t % 8;
    int rowBase = b * 8 * run;
    for (int j = 0; j < nPad / 16; j++) for (int q = 0; q < g; q++) { int o = rowBase + j * 8 * 512 + (h0 + q) * 512; for (int e = 0; e < 512; e += 32) { acc = acc.add(FloatVector.fromArray(S, k, o + e)); acc2 = acc2.add(FloatVector.fromArray(S, k, o + e + 16)); } }
    if (!vint) { for (int i = 0; i < n * 32; i += 32) for (int q = 0; q < g; q++) { int o = (t + q) * run + i; acc = acc.add(FloatVector.fromArray(S, v, o)); acc2 = acc2.add(FloatVector.fromArray(S, v, o + 16)); } }
    else for (int i = 0; i < n; i += 2) for (int q = 0; q < g; q++) { int o = rowBase + (i / 16) * 8 * 512 + (h0 + q) * 512 + (i % 16) * 32; acc = acc.add(FloatVector.fromArray(S, v, o)); acc2 = acc2.add(FloatVector.fromArray(S, v, o + 16)); acc = acc.add(FloatVector.fromArray(S, v, o + 32)); acc2 = acc2.add(FloatVector.fromArray(S, v, o + 48)); }
    return acc.add(acc2).reduceLanes(VectorOperators.ADD);
  }
  static float sum1(float[] x, int off, int n) {
    FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
    for (int i = off; i + 64 <= off + n; i += 64) { a0 = a0.add(FloatVector.fromArray(S, x, i)); a1 = a1.add(FloatVector.fromArray(S, x, i + 16)); a2 = a2.add(FloatVector.fromArray(S, x, i + 32)); a3 = a3.add(FloatVector.fromArray(S, x, i + 48)); }
    return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
  }
  static float group4(float[] x, int len) {
    FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
    for (int i = 0; i + 16 <= len; i += 16) { a0 = a0.add(FloatVector.fromArray(S, x, i)); a1 = a1.add(FloatVector.fromArray(S, x, i + len)); a2 = a2.add(FloatVector.fromArray(S, x, i + 2 * len)); a3 = a3.add(FloatVector.fromArray(S, x, i + 3 * len)); }
    return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
  }
}
