package dev.tulu4j.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

class VectorGemmTest {
  private static final int[] ODD = {1, 2, 3, 5, 6, 7, 16, 17, 31, 64, 65, 129};
  private static final Parallel TWO = Parallel.create(2);
  private static final Parallel THREE = Parallel.create(3);

  @AfterAll
  static void close() {
    TWO.close();
    THREE.close();
  }

  /** Default blocking, two threads: every transpose combination over a grid of odd sizes. */
  @Test
  void oddSizesAllTransposes() {
    Gemm g = new VectorGemm(TWO);
    long seed = 1;
    for (int t = 0; t < 4; t++) {
      boolean ta = (t & 1) != 0;
      boolean tb = (t & 2) != 0;
      for (int m : ODD) {
        for (int n : ODD) {
          int k = ODD[(m + 3 * n) % ODD.length];
          GemmCheck.check(g, GemmCheck.plain(ta, tb, m, n, k), seed++);
        }
      }
    }
  }

  /**
   * The calling-thread view (the attention blocks' GEMM) keeps the blocking and drops the pool and
   * the large-product route; on attention-shaped products (rows ≤ 64, depth = head dim, and the
   * transposed-A gradients) it gives the bits the two-thread GEMM gives.
   */
  @Test
  void onCallingThreadKeepsTheKernelsWithoutThePool() {
    VectorGemm pooled = new VectorGemm(TWO, new VectorGemm.Blocking(48, 64, 256)).routingLargeTo(new NaiveGemm());
    VectorGemm own = pooled.onCallingThread();
    assertThat(own.parallel().threads()).isEqualTo(1);
    assertThat(own.large()).isNull();
    assertThat(own.blocking()).isEqualTo(pooled.blocking());
    assertThat(own.onCallingThread()).isSameAs(own);
    assertThat(pooled.onCallingThread()).isSameAs(own);
    assertThat(new NaiveGemm().onCallingThread()).isInstanceOf(NaiveGemm.class);
    SplittableRandom rnd = new SplittableRandom(5);
    int[][] shapes = {{64, 200, 64, 0}, {17, 80, 32, 0}, {64, 64, 200, 1}, {200, 64, 64, 2}, {1, 130, 64, 0}, {5, 1, 64, 0}};
    for (int[] sh : shapes) {
      int m = sh[0], n = sh[1], k = sh[2];
      boolean ta = sh[3] == 2, tb = sh[3] == 0;
      float[] a = GemmCheck.random(rnd, m * k), b = GemmCheck.random(rnd, k * n);
      float[] c1 = GemmCheck.random(rnd, m * n), c2 = c1.clone();
      pooled.sgemm(ta, tb, m, n, k, 0.7f, a, 0, ta ? m : k, b, 0, tb ? k : n, 1f, c1, 0, n);
      own.sgemm(ta, tb, m, n, k, 0.7f, a, 0, ta ? m : k, b, 0, tb ? k : n, 1f, c2, 0, n);
      for (int i = 0; i < c1.length; i++) {
        assertThat(Float.floatToRawIntBits(c2[i])).as("%s %d", java.util.Arrays.toString(sh), i)
            .isEqualTo(Float.floatToRawIntBits(c1[i]));
      }
    }
  }

  /** Tiny blocking so that small shapes cross every jc/pc/ic block edge; serial and three threads. */
  @Test
  void blockEdgesWithAlphaBetaOffsetsAndPadding() {
    VectorGemm.Blocking tiny = new VectorGemm.Blocking(12, 7, GemmPack.NR);
    Gemm[] gemms = {new VectorGemm(Parallel.serial(), tiny), new VectorGemm(THREE, tiny),
        new VectorGemm(THREE)};
    SplittableRandom rnd = new SplittableRandom(42);
    float[] alphas = {1f, -0.5f, 2f};
    float[] betas = {0f, 1f, 0.75f, -1f};
    for (Gemm g : gemms) {
      for (int i = 0; i < 60; i++) {
        GemmCheck.Case cs = new GemmCheck.Case(rnd.nextBoolean(), rnd.nextBoolean(),
            1 + rnd.nextInt(150), 1 + rnd.nextInt(200), 1 + rnd.nextInt(70),
            alphas[rnd.nextInt(alphas.length)], betas[rnd.nextInt(betas.length)],
            rnd.nextInt(5), rnd.nextInt(5), rnd.nextInt(5), rnd.nextInt(9), rnd.nextInt(9), rnd.nextInt(9));
        GemmCheck.check(g, cs, i);
      }
    }
  }

  /** Shapes large enough to take the multi-threaded path with more than one depth block. */
  @Test
  void largerShapesCrossTheDefaultBlocks() {
    Gemm g = new VectorGemm(TWO);
    GemmCheck.check(g, new GemmCheck.Case(false, true, 250, 300, 520, 1f, 0f, 3, 0, 1, 5, 0, 2), 7);
    GemmCheck.check(g, new GemmCheck.Case(true, false, 130, 1100, 300, 0.5f, 1f, 0, 2, 0, 0, 1, 0), 8);
    GemmCheck.check(g, new GemmCheck.Case(false, false, 13, 700, 270, 1f, 0.5f, 0, 0, 0, 0, 0, 0), 9);
    GemmCheck.check(g, new GemmCheck.Case(true, true, 200, 70, 260, -1f, 0f, 1, 1, 1, 1, 1, 1), 10);
  }

  /** The matrix-vector fast paths (m == 1: decode; n == 1) in every layout. */
  @Test
  void matrixVectorPaths() {
    Gemm g = new VectorGemm(TWO);
    int seed = 100;
    for (int t = 0; t < 4; t++) {
      boolean ta = (t & 1) != 0;
      boolean tb = (t & 2) != 0;
      for (int[] s : new int[][] {{1, 1, 1}, {1, 33, 17}, {1, 1000, 300}, {1, 4, 4099},
          {47, 1, 19}, {700, 1, 300}, {1, 3, 64}}) {
        GemmCheck.check(g, new GemmCheck.Case(ta, tb, s[0], s[1], s[2], 1.5f, 0f, 2, 3, 4, 1, 2, 3), seed++);
        GemmCheck.check(g, new GemmCheck.Case(ta, tb, s[0], s[1], s[2], 1f, 0.5f, 0, 0, 0, 0, 0, 0), seed++);
      }
    }
  }

  /** Few rows times a transposed B (batched decode) in both A layouts: small m, group edges, the limit. */
  @Test
  void fewRowsPath() {
    Gemm g = new VectorGemm(TWO);
    int seed = 300;
    for (int m : new int[] {2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 31, 33, 63, 64, 65}) {
      for (int[] nk : new int[][] {{1, 1}, {5, 17}, {300, 40}, {70, 1030}}) {
        GemmCheck.check(g, new GemmCheck.Case(m % 2 == 0, true, m, nk[0], nk[1], 0.5f, 0f, 1, 2, 3, 4, 5, 6), seed++);
        GemmCheck.check(g, new GemmCheck.Case(m % 2 == 1, true, m, nk[0], nk[1], 1f, -1f, 0, 0, 0, 0, 0, 0), seed++);
      }
    }
  }

  /**
   * A read in place (rows or, transposed, columns) and A packed into tiles run the same FMAs in the
   * same order: bit-identical C over row edges (m not a multiple of 6), narrow panels, several depth
   * blocks, every transpose combination.
   */
  @Tag("slow")
  @Test
  void inPlaceAMatchesPackedABitForBit() {
    VectorGemm.Blocking small = new VectorGemm.Blocking(12, 40, GemmPack.NR);
    SplittableRandom rnd = new SplittableRandom(5);
    for (VectorGemm.Blocking bl : new VectorGemm.Blocking[] {VectorGemm.Blocking.defaults(), small}) {
      Parallel par = bl == small ? THREE : TWO;
      Gemm packed = new VectorGemm(par, bl, VectorGemm.AMode.PACKED);
      Gemm[] others = {new VectorGemm(par, bl, VectorGemm.AMode.ROWS_IN_PLACE), new VectorGemm(par, bl, VectorGemm.AMode.IN_PLACE)};
      for (int[] s : new int[][] {{100, 70, 33}, {67, 200, 130}, {6, 64, 9}, {131, 17, 600}, {97, 130, 700}, {5, 3, 2}}) {
        for (int t = 0; t < 4; t++) {
          boolean ta = (t & 1) != 0;
          boolean tb = (t & 2) != 0;
          int m = s[0], n = s[1], k = s[2];
          int lda = (ta ? m : k) + 3;
          float[] a = new float[(ta ? k : m) * lda + 1];
          float[] b = new float[n * k + 5];
          for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextGaussian();
          for (int i = 0; i < b.length; i++) b[i] = (float) rnd.nextGaussian();
          float[] c0 = new float[m * n];
          for (int i = 0; i < c0.length; i++) c0[i] = (float) rnd.nextGaussian();
          float[] expected = c0.clone();
          packed.sgemm(ta, tb, m, n, k, 0.5f, a, 1, lda, b, 2, tb ? k : n, 1f, expected, 0, n);
          for (Gemm g : others) {
            float[] c = c0.clone();
            g.sgemm(ta, tb, m, n, k, 0.5f, a, 1, lda, b, 2, tb ? k : n, 1f, c, 0, n);
            org.assertj.core.api.Assertions.assertThat(c).as("m=%d n=%d k=%d tA=%s tB=%s", m, n, k, ta, tb)
                .isEqualTo(expected);
          }
        }
      }
    }
  }

  /** Depth blocks: equal cuts of at most kc, one block up to 1.25·kc (576 = SmolLM2's hidden size). */
  @Test
  void depthBlocksAreEvenCuts() {
    org.assertj.core.api.Assertions.assertThat(VectorGemm.depthBlock(576, 512)).isEqualTo(576);
    org.assertj.core.api.Assertions.assertThat(VectorGemm.depthBlock(640, 512)).isEqualTo(640);
    org.assertj.core.api.Assertions.assertThat(VectorGemm.depthBlock(768, 512)).isEqualTo(384);
    org.assertj.core.api.Assertions.assertThat(VectorGemm.depthBlock(4096, 512)).isEqualTo(512);
    org.assertj.core.api.Assertions.assertThat(VectorGemm.depthBlock(1536, 512)).isEqualTo(512);
    org.assertj.core.api.Assertions.assertThat(VectorGemm.depthBlock(1537, 512)).isEqualTo(385);
    org.assertj.core.api.Assertions.assertThat(VectorGemm.depthBlock(0, 512)).isEqualTo(1);
  }

  @Test
  void zeroDepthOrAlphaOnlyScalesC() {
    Gemm g = new VectorGemm(TWO);
    GemmCheck.check(g, new GemmCheck.Case(false, false, 5, 7, 0, 1f, 0f, 0, 0, 2, 0, 0, 1), 1);
    GemmCheck.check(g, new GemmCheck.Case(false, false, 5, 7, 0, 1f, 0.5f, 0, 0, 2, 0, 0, 1), 2);
    GemmCheck.check(g, new GemmCheck.Case(true, false, 9, 70, 20, 0f, 2f, 0, 0, 2, 0, 0, 1), 3);
  }

  @Property(tries = 40)
  void matchesNaiveOnRandomShapes(@ForAll @IntRange(min = 1, max = 90) int m,
      @ForAll @IntRange(min = 1, max = 90) int n, @ForAll @IntRange(min = 1, max = 90) int k,
      @ForAll boolean ta, @ForAll boolean tb, @ForAll @IntRange(min = 0, max = 3) int pad) {
    GemmCheck.check(new VectorGemm(TWO),
        new GemmCheck.Case(ta, tb, m, n, k, 1f, pad == 2 ? 0.5f : 0f, pad, pad, pad, pad, 0, pad), m * 31L + n);
  }

  @Test
  void badArgumentsNameTheArgument() {
    Gemm g = new VectorGemm(Parallel.serial());
    float[] x = new float[12];
    assertThatThrownBy(() -> g.sgemm(false, false, 3, 4, 4, 1f, x, 0, 3, x, 0, 4, 0f, x, 0, 4))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lda=3");
    assertThatThrownBy(() -> g.sgemm(false, false, 3, 4, 4, 1f, x, 0, 4, x, 0, 4, 0f, new float[11], 0, 4))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("C is stored 3x4");
    assertThatThrownBy(() -> g.sgemm(false, false, -1, 4, 4, 1f, x, 0, 4, x, 0, 4, 0f, x, 0, 4))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("m=-1");
  }
}
