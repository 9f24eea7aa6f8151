package dev.tulu4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.tensor.Gemm;
import dev.tulu4j.tensor.Parallel;
import dev.tulu4j.tensor.VectorGemm;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The LM head over several row chunks with its weight packed once per pass ({@link Gemm#packB},
 * {@link Gemm#sgemmPacked}) gives the bits of the per-chunk products that pack it each time:
 * log-probabilities, logsumexps, dx and the accumulated dw of {@link LogSoftmaxHead#forwardBackward}
 * and {@link LogSoftmaxHead#backward}, chunks of 256 rows and a last chunk that takes the few-rows
 * kernel, 1 and 2 threads. The "before" GEMM is the same {@link VectorGemm} behind a wrapper that
 * keeps {@link Gemm}'s defaults (no packing ahead), so each chunk runs exactly the old calls.
 */
class LogSoftmaxHeadPackedTest {

  /** The wrapped GEMM with the interface's default packB/sgemmPacked: B is packed per call. */
  private record Unpacked(Gemm g) implements Gemm {
    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
        float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
      g.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    @Override
    public String name() {
      return "unpacked";
    }
  }

  @Test
  void packedHeadGivesTheBitsOfPerChunkPacking() {
    SplittableRandom rnd = new SplittableRandom(17);
    int rows = 256 * 2 + 40, c = 96, vocab = 1000 + 13, chunk = 256;
    float[] x = new float[rows * c], w = new float[vocab * c], dLogp = new float[rows];
    for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
    for (int i = 0; i < w.length; i++) w[i] = (float) (0.1 * rnd.nextGaussian());
    int[] targets = new int[rows];
    for (int i = 0; i < rows; i++) {
      targets[i] = i % 7 == 3 ? LogSoftmaxHead.IGNORE : rnd.nextInt(vocab);
      dLogp[i] = (float) -rnd.nextDouble();
    }
    ModelParallel par = ModelParallel.common();
    try (Parallel two = Parallel.create(2)) {
      for (Parallel p : new Parallel[] {Parallel.serial(), two}) {
        VectorGemm packed = new VectorGemm(p);
        assertThat(packed.packB(true, vocab, c, w, 0, c, LogSoftmaxHead.MAX_PACKED_HEAD_FLOATS).packed()).isTrue();
        float[][] want = run(par, new Unpacked(packed), x, w, rows, c, vocab, targets, dLogp, chunk);
        float[][] got = run(par, packed, x, w, rows, c, vocab, targets, dLogp, chunk);
        String[] names = {"logp", "lse", "dx", "dw", "backward dx", "backward dw"};
        for (int v = 0; v < want.length; v++) {
          for (int i = 0; i < want[v].length; i++) {
            assertThat(Float.floatToRawIntBits(got[v][i])).as("%s[%d], threads %d", names[v], i, p.threads())
                .isEqualTo(Float.floatToRawIntBits(want[v][i]));
          }
        }
      }
    }
  }

  private static float[][] run(ModelParallel par, Gemm gemm, float[] x, float[] w, int rows, int c, int vocab,
      int[] targets, float[] dLogp, int chunk) {
    Parameter head = new Parameter("lm_head.weight", new int[] {vocab, c}, w, null, false);
    float[] logp = new float[rows], lse = new float[rows], dx = new float[rows * c], dw = new float[vocab * c];
    float[] scratch = new float[chunk * vocab];
    LogSoftmaxHead.forwardBackward(par, gemm, x, head, dw, rows, c, vocab, 0.5f, targets, dLogp, logp, lse, dx, scratch);
    float[] dx2 = new float[rows * c], dw2 = new float[vocab * c];
    LogSoftmaxHead.backward(par, gemm, x, head, dw2, rows, c, vocab, 0.5f, targets, dLogp, lse, dx2, scratch);
    return new float[][] {logp, lse, dx, dw, dx2, dw2};
  }
}
