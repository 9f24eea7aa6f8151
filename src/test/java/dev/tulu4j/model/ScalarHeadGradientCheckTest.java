package dev.tulu4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tulu4j.checkpoint.HfCheckpoint;
import dev.tulu4j.io.DType;
import dev.tulu4j.io.Tensor;
import dev.tulu4j.reward.ScalarHeadModel;
import dev.tulu4j.tensor.NaiveGemm;
import dev.tulu4j.testing.FiniteDifference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The scalar-head (reward / value model) path: {@link ReferenceLlama} with a {@code score.weight}
 * against finite differences, then the fp32 {@link ScalarHeadModel} (backbone hidden states +
 * {@link HiddenStates#backward}) against that reference, for J = Σ_r u_r·v_r with arbitrary u.
 */
class ScalarHeadGradientCheckTest {
  private static LlamaConfig cfg(boolean qwen) {
    return qwen ? ModelFixtures.tinyQwenBiasLlama3() : ModelFixtures.tinyGqaTied();
  }

  /** Well-conditioned weights (ModelFixtures) plus a score head of std 0.5. */
  static ScalarHeadModel model(LlamaConfig c, long seed) {
    Map<String, Tensor> t = new LinkedHashMap<>(ModelFixtures.model(c, seed).toTensors());
    Random r = new Random(seed + 1);
    float[] s = new float[c.hidden()];
    for (int i = 0; i < s.length; i++) s[i] = (float) (0.5 * r.nextGaussian());
    t.put(ScalarHeadModel.SCORE, new Tensor(new int[] {1, c.hidden()}, s));
    return ScalarHeadModel.fromTensors(c, t, 0, new NaiveGemm(), true, null);
  }

  static ReferenceLlama reference(ScalarHeadModel m) {
    Map<String, double[]> p = new LinkedHashMap<>();
    for (Parameter q : m.parameters()) {
      double[] d = new double[q.data().length];
      for (int i = 0; i < d.length; i++) d[i] = q.data()[i];
      p.put(q.name(), d);
    }
    return new ReferenceLlama(m.backbone().config(), p);
  }

  /** Two rows of 7; the second row packs three sequences; no targets. */
  static Batch batch(LlamaConfig c, boolean packed) {
    int b = 2, t = 7;
    int[] ids = ModelFixtures.randomIds(b * t, c.vocabSize(), 5);
    int[] seg = null;
    if (packed) {
      seg = new int[b * t];
      for (int r = 0; r < b * t; r++) seg[r] = r < t ? 0 : (r % t < 3 ? 1 : r % t < 5 ? 2 : 3);
    }
    return new Batch(b, t, ids, null, null, seg);
  }

  static double[] upstream(int n) {
    Random r = new Random(9);
    double[] u = new double[n];
    for (int i = 0; i < n; i++) u[i] = i == 3 ? 0 : r.nextGaussian();
    return u;
  }

  private static double objective(ReferenceLlama ref, Batch b, double[] u) {
    double[] v = ref.logProbs(b);
    double j = 0;
    for (int i = 0; i < v.length; i++) j += u[i] * v[i];
    return j;
  }

  @ParameterizedTest(name = "qwen={0}")
  @ValueSource(booleans = {false, true})
  void referenceScalarHeadGradientsMatchFiniteDifferences(boolean qwen) {
    LlamaConfig c = cfg(qwen);
    ScalarHeadModel m = model(c, 11);
    ReferenceLlama ref = reference(m);
    Batch b = batch(c, qwen);
    double[] u = upstream(b.rows());
    Map<String, double[]> g = ref.grads(b, u);
    Random pick = new Random(3);
    FiniteDifference.Worst worst = new FiniteDifference.Worst();
    for (Parameter p : m.parameters()) {
      double[] an = g.get(p.name());
      List<Integer> idx = FiniteDifference.probes(an, true, Math.min(6, an.length), pick);
      worst.check(p.name(), ref.p.get(p.name()), an, idx, 1e-4, 1e-4, () -> objective(ref, b, u));
      assertThat(Math.abs(an[idx.get(0)])).as("gradient of %s is not trivially zero", p.name()).isGreaterThan(1e-4);
    }
    System.out.printf("scalar head qwen=%s: reference vs finite differences, max relative error %.3e at %s%n", qwen, worst.error(), worst.at());
    assertThat(worst.error()).as("max relative error at %s", worst.at()).isLessThan(1e-6);
  }

  @ParameterizedTest(name = "qwen={0}")
  @ValueSource(booleans = {false, true})
  void engineScalarHeadMatchesFloat64Reference(boolean qwen) {
    LlamaConfig c = cfg(qwen);
    ScalarHeadModel m = model(c, 11);
    ReferenceLlama ref = reference(m);
    Batch b = batch(c, qwen);
    double[] u = upstream(b.rows());
    Activations act = m.newActivations(b.rows());
    float[] v = m.values(b, act);
    double[] want = ref.logProbs(b);
    for (int i = 0; i < v.length; i++)
      assertThat((double) v[i]).as("value[%d]", i).isCloseTo(want[i], Offset.offset(2e-5 * (1 + Math.abs(want[i]))));
    float[] uf = new float[u.length];
    for (int i = 0; i < u.length; i++) uf[i] = (float) u[i];
    m.zeroGrad();
    m.backward(b, act, uf);
    Map<String, double[]> g = ref.grads(b, u);
    double worst = 0;
    for (Parameter p : m.parameters()) {
      FiniteDifference.TensorError e = FiniteDifference.againstReference(g.get(p.name()), p.grad());
      worst = Math.max(worst, e.ratio());
      assertThat(e.ratio()).as("%s: max |fp32 − f64| / max |f64|", p.name()).isLessThan(1e-4);
    }
    System.out.printf("scalar head qwen=%s: fp32 vs float64, worst gradient error %.3e%n", qwen, worst);
  }

  @Test
  void sequenceRewardsReadTheLastNonPadToken() {
    LlamaConfig c = cfg(false);
    ScalarHeadModel m = model(c, 4);
    int pad = 0;
    int[] ids = {5, 6, 7, 0, 0, 8, 9, 10, 11, 12};
    Batch b = new Batch(2, 5, ids, null, null, null);
    Activations act = m.newActivations(10);
    float[] v = m.values(b, act);
    float[] r = m.sequenceRewards(b, act, pad);
    assertThat(ScalarHeadModel.lastNonPad(b, pad)).containsExactly(2, 4);
    assertThat(r).containsExactly(v[2], v[9]);
    assertThatThrownBy(() -> ScalarHeadModel.lastNonPad(new Batch(1, 2, new int[] {0, 0}, null, null, null), 0))
        .hasMessageContaining("row 0").hasMessageContaining("all padding");
  }

  @Test
  void savesAndLoadsAsSequenceClassificationFolder(@TempDir Path dir) throws Exception {
    LlamaConfig c = cfg(false);
    ScalarHeadModel m = model(c, 7);
    Path out = dir.resolve("rm");
    m.save(out, DType.F32, null);
    String json = Files.readString(out.resolve("config.json"));
    assertThat(json).contains("\"LlamaForSequenceClassification\"").contains("\"num_labels\" : 1")
        .contains("\"LABEL_0\"");
    ScalarHeadModel back = ScalarHeadModel.load(out, 0, new NaiveGemm(), false);
    assertThat(back.config()).isEqualTo(c);
    Batch b = batch(c, false);
    assertThat(back.values(b, back.newActivations(b.rows()))).containsExactly(m.values(b, m.newActivations(b.rows())));
    assertThat(back.score().data()).containsExactly(m.score().data());
  }

  @Test
  void loadsACausalLmCheckpointWithAFreshHead(@TempDir Path dir) {
    LlamaConfig c = ModelFixtures.tinyMhaUntied();
    LlamaModel lm = ModelFixtures.model(c, 3);
    HfCheckpoint.save(dir.resolve("sft"), c, lm.toTensors(), DType.F32, HfCheckpoint.DEFAULT_SHARD_BYTES, null);
    ScalarHeadModel a = ScalarHeadModel.load(dir.resolve("sft"), 42, new NaiveGemm(), true);
    ScalarHeadModel b = ScalarHeadModel.load(dir.resolve("sft"), 42, new NaiveGemm(), true);
    assertThat(a.score().data()).containsExactly(b.score().data());
    assertThat(a.parameters()).extracting(Parameter::name).doesNotContain("lm_head.weight").endsWith(ScalarHeadModel.SCORE);
    assertThat(a.backbone().embedding().data()).containsExactly(lm.embedding().data());
    double ss = 0;
    for (float x : a.score().data()) ss += x * x;
    assertThat(Math.sqrt(ss / c.hidden())).isBetween(0.005, 0.05);
  }
}
