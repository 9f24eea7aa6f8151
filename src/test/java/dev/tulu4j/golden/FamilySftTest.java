package dev.tulu4j.golden;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.checkpoint.HfCheckpoint;
import dev.tulu4j.model.Activations;
import dev.tulu4j.model.Batch;
import dev.tulu4j.model.LlamaConfig;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.model.Parameter;
import dev.tulu4j.tensor.GemmBackend;
import dev.tulu4j.tensor.KernelConfig;
import dev.tulu4j.tensor.Kernels;
import dev.tulu4j.train.AdamW;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each new family trains: a seeded random model with the architecture of the family's fixture
 * config (sliding windows and soft-caps included) learns a fixed packed batch with AdamW — the loss
 * falls well below its start, and two runs from the same seed end bit-identical.
 */
class FamilySftTest {

  static java.util.List<String> cases() {
    return FamilyModelsTest.cases();
  }

  /** Mean loss after each of {@code steps} full-batch AdamW steps; the model's weights are the result. */
  private static double[] train(LlamaModel m, Batch b, int steps) {
    AdamW opt = new AdamW(m.parameters(), 0.9, 0.95, 1e-8, 0.0);
    Activations a = new Activations(m.config(), b.rows());
    double[] losses = new double[steps];
    for (int s = 0; s < steps; s++) {
      m.zeroGrad();
      var lp = m.lossAndBackward(b, a, 1f / countTargets(b));
      losses[s] = lp.lossSum() / lp.tokens();
      opt.step(3e-2, 1.0);
    }
    return losses;
  }

  private static int countTargets(Batch b) {
    int n = 0;
    for (int y : b.targets()) if (y != -100) n++;
    return n;
  }

  @ParameterizedTest
  @MethodSource("cases")
  void sftLowersTheLossAndIsReproducible(String name) {
    LlamaConfig c = HfCheckpoint.readConfig(GoldenFixture.folder(name).resolve("checkpoint"));
    int t = 16, rows = 2, v = c.vocabSize();
    int[] ids = new int[rows * t], tg = new int[rows * t], seg = new int[rows * t];
    for (int r = 0; r < rows; r++)
      for (int i = 0; i < t; i++) {
        int k = r * t + i;
        seg[k] = r == 1 && i >= 9 ? 1 : 0;      // row 1 packs two sequences
        ids[k] = (3 * i + 5 * seg[k] + r) % v;  // a pattern to learn
        tg[k] = i + 1 < t && seg[k + 1] == seg[k] ? (3 * (i + 1) + 5 * seg[k] + r) % v : -100;
      }
    tg[0] = -100; // a masked prompt token
    Batch b = new Batch(rows, t, ids, tg, null, seg);
    try (Kernels k = Kernels.create(new KernelConfig(GemmBackend.VECTOR, 2))) {
      LlamaModel m1 = LlamaModel.random(c, 42, k.gemm());
      double[] l1 = train(m1, b, 40);
      assertThat(l1[39]).as("%s: loss %s", name, Arrays.toString(l1)).isLessThan(0.3 * l1[0]);
      LlamaModel m2 = LlamaModel.random(c, 42, k.gemm());
      double[] l2 = train(m2, b, 40);
      assertThat(l2).isEqualTo(l1);
      for (int i = 0; i < m1.parameters().size(); i++) {
        Parameter p = m1.parameters().get(i);
        assertThat(m2.parameters().get(i).data()).as(p.name()).isEqualTo(p.data());
      }
    }
  }
}
