import dev.tulu4j.tensor.*;
import java.util.SplittableRandom;
public class KB2 {
  static void passOld(float[][] w, float[] x, float[] c, int n, int k, int cols) {
    for (float[] m : w) for (int j0 = 0; j0 < n; j0 += cols) FewRowsGemmOld.columns1(k, j0, Math.min(n, j0 + cols), x, m, c);
  }
  static void passNew(float[][] w, float[] x, float[] c, int n, int k, int cols) {
    for (float[] m : w) for (int j0 = 0; j0 < n; j0 += cols) Gemv.dotRows(k, j0, Math.min(n, j0 + cols), x, 0, m, 0, k, 0f, c, 0);
  }
  static void passB(float[][] w, float[] x, float[] c, int n, int k, int cols) {
    for (float[] m : w) for (int j0 = 0; j0 < n; j0 += cols) { int j1 = Math.min(n, j0 + cols), q = (j1 - j0) / 4;
      for (int i = 0; i < q; i++) for (int s = 0; s < 4; s++) { int j = j0 + i + s * q; c[j] = VectorMath.dot(x, 0, m, j * k, k); } }
  }
  static void passT(float[][] w, float[] x, float[] c, int n, int k, int cols) {
    float t = 0;
    for (float[] m : w) for (int j0 = 0; j0 < n; j0 += cols) { int j1 = Math.min(n, j0 + cols); int lim = j1 * k;
      for (int j = j0; j < j1; j++) { int a = (j + 4) * k; if (a < lim) for (int p = 0; p < k; p += 16) t += m[a + p]; c[j] = VectorMath.dot(x, 0, m, j * k, k); } }
    c[0] += t * 0f;
  }
  static void pass2(float[][] w, float[] x, float[] c, int n, int k, int cols) {
    for (float[] m : w) for (int j0 = 0; j0 < n; j0 += cols) { int j1 = Math.min(n, j0 + cols), q = (j1 - j0) / 2;
      for (int i = 0; i < q; i++) { int j = j0 + i; c[j] = VectorMath.dot(x, 0, m, j * k, k); c[j + q] = VectorMath.dot(x, 0, m, (j + q) * k, k); } }
  }
  static final jdk.incubator.vector.VectorSpecies<Float> S = jdk.incubator.vector.FloatVector.SPECIES_512;
  static void passS1(float[][] w, float[] x, float[] c, int n, int k, int cols) {
    var a0 = jdk.incubator.vector.FloatVector.zero(S); var a1 = a0; var a2 = a0; var a3 = a0;
    for (float[] m : w) for (int j0 = 0; j0 < n; j0 += cols) { int f = j0 * k, t = Math.min(n, j0 + cols) * k;
      for (int i = f; i + 64 <= t; i += 64) { a0 = a0.add(jdk.incubator.vector.FloatVector.fromArray(S, m, i)); a1 = a1.add(jdk.incubator.vector.FloatVector.fromArray(S, m, i + 16));
        a2 = a2.add(jdk.incubator.vector.FloatVector.fromArray(S, m, i + 32)); a3 = a3.add(jdk.incubator.vector.FloatVector.fromArray(S, m, i + 48)); } }
    c[0] = a0.add(a1).add(a2).add(a3).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
  }
  static void passS4(float[][] w, float[] x, float[] c, int n, int k, int cols) {
    var a0 = jdk.incubator.vector.FloatVector.zero(S); var a1 = a0; var a2 = a0; var a3 = a0;
    for (float[] m : w) for (int j0 = 0; j0 < n; j0 += cols) { int f = j0 * k, t = Math.min(n, j0 + cols) * k, q = (t - f) / 4;
      for (int i = f; i < f + q; i += 16) { a0 = a0.add(jdk.incubator.vector.FloatVector.fromArray(S, m, i)); a1 = a1.add(jdk.incubator.vector.FloatVector.fromArray(S, m, i + q));
        a2 = a2.add(jdk.incubator.vector.FloatVector.fromArray(S, m, i + 2 * q)); a3 = a3.add(jdk.incubator.vector.FloatVector.fromArray(S, m, i + 3 * q)); } }
    c[0] = a0.add(a1).add(a2).add(a3).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
  }
  static double time(int v, float[][] w, float[] x, float[] c, int n, int k, int cols) {
    var mx = java.lang.management.ManagementFactory.getThreadMXBean();
    long c0 = mx.getCurrentThreadCpuTime();
    switch (v) { case 0 -> passOld(w, x, c, n, k, cols); case 1 -> passNew(w, x, c, n, k, cols); case 2 -> passB(w, x, c, n, k, cols); case 3 -> passT(w, x, c, n, k, cols); case 4 -> pass2(w, x, c, n, k, cols); case 5 -> passS1(w, x, c, n, k, cols); default -> passS4(w, x, c, n, k, cols); }
    return (mx.getCurrentThreadCpuTime() - c0) / 1e9;
  }
  public static void main(String[] a) {
    int n = Integer.parseInt(a[0]), k = Integer.parseInt(a[1]), cols = Integer.parseInt(a[2]), mats = Integer.parseInt(a[3]), rounds = Integer.parseInt(a[4]);
    SplittableRandom rnd = new SplittableRandom(1);
    float[][] w = new float[mats][n * k];
    for (float[] m : w) for (int i = 0; i < m.length; i += 7) m[i] = (float) rnd.nextDouble();
    float[] x = new float[k]; for (int i = 0; i < k; i++) x[i] = (float) rnd.nextDouble();
    float[] c = new float[n];
    float[][] w1 = {w[0]};
    for (int i = 0; i < 20000; i++) for (int v = 0; v < 7; v++) time(v, w1, x, c, n, k, cols);
    double bytes = 4.0 * n * k * mats;
    java.util.List<java.util.List<Double>> res = new java.util.ArrayList<>(); for (int v = 0; v < 7; v++) res.add(new java.util.ArrayList<>());
    for (int r = 0; r < rounds; r++) for (int v = 0; v < 7; v++) {
      double best = 1e9; for (int rep = 0; rep < 3; rep++) best = Math.min(best, time(v, w, x, c, n, k, cols));
      res.get(v).add(Math.round(bytes / best / 1e8) / 10.0);
    }
    String[] names = {"dot", "dotRows4", "visit4", "touch", "two", "sum1", "sum4"};
    System.out.printf("n=%d k=%d cols=%d %.0f MB (GB/cpu-s, medians):", n, k, cols, bytes / 1e6);
    for (int v = 0; v < 7; v++) { var l = res.get(v); java.util.Collections.sort(l); System.out.printf(" %s %.1f", names[v], l.get(l.size() / 2)); }
    System.out.println();
  }
}
class FewRowsGemmOld {
  static void columns1(int k, int j0, int j1, float[] x, float[] w, float[] c) {
    for (int j = j0; j < j1; j++) c[j] = VectorMath.dot(x, 0, w, j * k, k);
  }
}
