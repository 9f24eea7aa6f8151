package dev.tulu4j.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link DecodeGemm#columns} with xt and the transposed output at any offset (the decode step starts
 * them on a cache line, session 13) writes, bit for bit, each output's in-order fused-multiply-add
 * chain {@code acc = fma(xt[p, i], W[j, p], acc)}, p = 0 .. k−1 from 0 — what every tile computes
 * (one {@code FloatVector.fma} per p per lane). A kernel that summed p in another order, or split
 * the chain, fails here. Also with the tmp group area moved ({@link DecodeGemm#lineSkew}).
 */
class DecodeGemmLinesTest {

  @Test
  void offsetsChangeNoBitOfTheInOrderChain() {
    SplittableRandom rnd = new SplittableRandom(13);
    int[] ms = {8, 17, 32, 64};
    int[][] nk = {{768, 256}, {77, 64}, {50, 300}, {40, 576}};
    int[] offs = {0, 3, 12, 15};
    try {
      for (int m : ms)
        for (int[] s : nk) {
          int n = s[0], k = s[1], mp = DecodeGemm.padded(m);
          float[] xt0 = new float[k * mp];
          float[] w = new float[n * k];
          for (int i = 0; i < xt0.length; i++) xt0[i] = (float) rnd.nextGaussian();
          for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian();
          float[] want = new float[m * n];
          for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
              float a = 0f;
              for (int p = 0; p < k; p++) a = Math.fma(xt0[p * mp + i], w[j * k + p], a);
              want[i * n + j] = a;
            }
          int j0 = 5, j1 = n - 2;
          for (int off : offs)
            for (int skew : new int[] {0, 7}) {
              DecodeGemm.lineSkew = skew;
              float[] xt = new float[off + xt0.length];
              System.arraycopy(xt0, 0, xt, off, xt0.length);
              String what = "m " + m + " n " + n + " k " + k + " off " + off + " skew " + skew;
              for (boolean grouped : new boolean[] {false, true}) {
                float[] tmp = new float[grouped ? DecodeGemm.tmpFloats(mp) : DecodeGemm.L + 1];
                int ldc = n + 3;
                float[] c = new float[1 + m * ldc];
                float[] base = new float[c.length];
                for (int i = 0; i < c.length; i++) base[i] = (float) rnd.nextGaussian();
                System.arraycopy(base, 0, c, 0, c.length);
                DecodeGemm.columns(m, mp, k, j0, j1, xt, off, w, k, DecodeGemm.Mode.ROWS_ADD, c, 1, ldc, tmp);
                for (int i = 0; i < m; i++)
                  for (int j = j0; j < j1; j++)
                    assertThat(Float.floatToRawIntBits(c[1 + i * ldc + j])).as(what + " add %s [%d,%d]", grouped, i, j)
                        .isEqualTo(Float.floatToRawIntBits(base[1 + i * ldc + j] + want[i * n + j]));
                Arrays.fill(c, 9f);
                DecodeGemm.columns(m, mp, k, j0, j1, xt, off, w, k, DecodeGemm.Mode.ROWS_SET, c, 1, ldc, tmp);
                for (int i = 0; i < m; i++)
                  for (int j = 0; j < ldc; j++)
                    assertThat(Float.floatToRawIntBits(c[1 + i * ldc + j])).as(what + " set %s [%d,%d]", grouped, i, j)
                        .isEqualTo(Float.floatToRawIntBits(j >= j0 && j < j1 ? want[i * n + j] : 9f));
              }
              int cOff = (off * 5 + 1) % 16;
              float[] ct = new float[cOff + n * mp];
              Arrays.fill(ct, 9f);
              DecodeGemm.columns(m, mp, k, j0, j1, xt, off, w, k, DecodeGemm.Mode.TRANSPOSED, ct, cOff, 0, new float[DecodeGemm.L + 1]);
              for (int j = 0; j < n; j++)
                for (int i = 0; i < m; i++)
                  assertThat(Float.floatToRawIntBits(ct[cOff + j * mp + i])).as(what + " T [%d,%d]", i, j)
                      .isEqualTo(Float.floatToRawIntBits(j >= j0 && j < j1 ? want[i * n + j] : 9f));
              for (int i = 0; i < cOff; i++) assertThat(ct[i]).isEqualTo(9f);
            }
        }
    } finally {
      DecodeGemm.lineSkew = 0;
    }
  }
}
