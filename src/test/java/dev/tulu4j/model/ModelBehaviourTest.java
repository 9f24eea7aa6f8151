package dev.tulu4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.tulu4j.io.Tensor;
import dev.tulu4j.tensor.NaiveGemm;
import dev.tulu4j.tensor.TaskRunner;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** KV cache vs full forward, packed rows vs separate runs, checkpoint maps, formulas. */
class ModelBehaviourTest {

  private static float[] row(float[] a, int r, int width) {
    return Arrays.copyOfRange(a, r * width, (r + 1) * width);
  }

  private static void assertClose(float[] got, float[] want, double tol, String what) {
    assertThat(got.length).as(what + " length").isEqualTo(want.length);
    double worst = 0;
    for (int i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
    assertThat(worst).as("%s: max abs difference", what).isLessThanOrEqualTo(tol);
  }

  /** Full-forward logits of the last position of one sequence. */
  private static float[] fullLast(LlamaModel m, int[] seq) {
    Batch b = new Batch(1, seq.length, seq, null, null, null);
    float[] all = m.logits(b, new Activations(m.config(), seq.length));
    return row(all, seq.length - 1, m.config().vocabSize());
  }

  @Test
  void kvCachePrefillAndDecodeEqualFullForwardAtEveryStep() {
    for (LlamaConfig cfg : new LlamaConfig[] {ModelFixtures.tinyGqaTied(), ModelFixtures.tinyQwenBiasLlama3()}) {
      LlamaModel m = ModelFixtures.model(cfg, 4);
      int v = cfg.vocabSize();
      int[][] seqs = {ModelFixtures.randomIds(3, v, 1), ModelFixtures.randomIds(5, v, 2)};
      KvCache cache = m.newCache(2, 16);
      float[] logits = m.prefill(cache, seqs);
      for (int b = 0; b < 2; b++) assertClose(row(logits, b, v), fullLast(m, seqs[b]), 2e-5, "prefill seq " + b);
      Random r = new Random(8);
      for (int step = 0; step < 5; step++) {
        int[] next = {r.nextInt(v), r.nextInt(v)};
        logits = m.decode(cache, next);
        for (int b = 0; b < 2; b++) {
          seqs[b] = Arrays.copyOf(seqs[b], seqs[b].length + 1);
          seqs[b][seqs[b].length - 1] = next[b];
          assertThat(cache.length(b)).isEqualTo(seqs[b].length);
          assertClose(row(logits, b, v), fullLast(m, seqs[b]), 2e-5, "decode step " + step + " seq " + b);
        }
      }
    }
  }

  @Test
  void tokenByTokenCacheMatchesEveryPositionOfOneForward() {
    LlamaConfig cfg = ModelFixtures.tinyMhaUntied();
    LlamaModel m = ModelFixtures.model(cfg, 6);
    int t = 9, v = cfg.vocabSize();
    int[] ids = ModelFixtures.randomIds(t, v, 3);
    float[] all = m.logits(new Batch(1, t, ids, null, null, null), new Activations(cfg, t));
    KvCache cache = m.newCache(1, t);
    for (int i = 0; i < t; i++) {
      float[] step = m.prefill(cache, new int[][] {{ids[i]}});
      assertClose(step, row(all, i, v), 2e-5, "position " + i);
    }
    assertThatThrownBy(() -> m.decode(cache, new int[] {0})).hasMessageContaining("maxLen");
    // lastLogits of a batch is the last row of logits()
    float[] last = m.lastLogits(new Batch(1, t, ids, null, null, null), new Activations(cfg, t));
    assertClose(last, row(all, t - 1, v), 0, "lastLogits");
  }

  @Test
  void packedRowsEqualSeparateRunsInLogProbsAndGradients() {
    LlamaConfig cfg = ModelFixtures.tinyQwenBiasLlama3();
    int[] lens = {3, 2, 4};
    int v = cfg.vocabSize();
    int total = Arrays.stream(lens).sum();
    int[] ids = ModelFixtures.randomIds(total, v, 21);
    int[] seg = new int[total], y = new int[total];
    float[] up = new float[total];
    Random r = new Random(2);
    for (int s = 0, o = 0; s < lens.length; o += lens[s], s++)
      for (int i = 0; i < lens[s]; i++) {
        seg[o + i] = s;
        y[o + i] = i + 1 < lens[s] ? ids[o + i + 1] : -100;
        up[o + i] = y[o + i] == -100 ? 0 : (float) r.nextGaussian();
      }
    LlamaModel packed = ModelFixtures.model(cfg, 9);
    LlamaModel separate = ModelFixtures.model(cfg, 9);
    Batch pb = new Batch(1, total, ids, y, null, seg);
    Activations pa = new Activations(cfg, total);
    LlamaModel.LogProbs plp = packed.forward(pb, pa);
    packed.zeroGrad();
    packed.backward(pb, pa, up);
    separate.zeroGrad();
    for (int s = 0, o = 0; s < lens.length; o += lens[s], s++) {
      Batch sb = Batch.of(1, lens[s], Arrays.copyOfRange(ids, o, o + lens[s]), Arrays.copyOfRange(y, o, o + lens[s]));
      Activations sa = new Activations(cfg, lens[s]);
      LlamaModel.LogProbs slp = separate.forward(sb, sa);
      for (int i = 0; i < lens[s]; i++)
        assertThat(plp.logp()[o + i]).as("logp of seq %d token %d", s, i).isCloseTo(slp.logp()[i], within(1e-5f));
      separate.backward(sb, sa, Arrays.copyOfRange(up, o, o + lens[s]));
    }
    for (int p = 0; p < packed.parameters().size(); p++) {
      Parameter a = packed.parameters().get(p), b = separate.parameters().get(p);
      double max = 0, err = 0;
      for (int i = 0; i < a.grad().length; i++) {
        max = Math.max(max, Math.abs(b.grad()[i]));
        err = Math.max(err, Math.abs(a.grad()[i] - b.grad()[i]));
      }
      assertThat(err).as("%s packed vs separate gradient (max %s)", a.name(), max).isLessThanOrEqualTo(1e-5 * max + 1e-7);
    }
  }

  @Test
  void inferenceActivationsScoreTheSameWithOneLayerOfBuffers() {
    LlamaConfig cfg = ModelFixtures.tinyMhaUntied();
    LlamaModel m = ModelFixtures.model(cfg, 2);
    int[] ids = ModelFixtures.randomIds(18, cfg.vocabSize(), 7);
    Batch b = Batch.of(2, 9, ids, ModelFixtures.shiftTargets(ids, 2, 9));
    Activations inf = Activations.inference(cfg, 18);
    assertThat(inf.gate[0]).isSameAs(inf.gate[2]);
    assertThat(inf.res[0]).isNotSameAs(inf.res[1]).isSameAs(inf.res[2]);
    float[] want = m.forward(b, new Activations(cfg, 18)).logp();
    assertThat(m.forward(b, inf).logp()).containsExactly(want);
    assertThatThrownBy(() -> m.backward(b, inf, new float[18])).hasMessageContaining("inference");
    LlamaModel serial = LlamaModel.fromTensors(cfg, m.toTensors(), new NaiveGemm(), TaskRunner.serial(), false);
    assertThat(serial.forward(b, inf).logp()).as("serial runner, same bits").containsExactly(want);
    LlamaModel frozen = m.frozenCopy();
    assertThat(frozen.forward(b, inf).logp()).containsExactly(want);
    frozen.layer(0).q().data()[0] += 1f;
    assertThat(m.layer(0).q().data()[0]).isNotEqualTo(frozen.layer(0).q().data()[0]);
    assertThat(frozen.embedding().grad()).isNull();
  }

  @Test
  void sgdOnOneBatchDrivesTheLossDown() {
    LlamaConfig cfg = ModelFixtures.tinyGqaTied();
    LlamaModel m = LlamaModel.random(cfg, 3, new NaiveGemm());
    int[] ids = ModelFixtures.randomIds(16, cfg.vocabSize(), 5);
    Batch b = Batch.of(2, 8, ids, ModelFixtures.shiftTargets(ids, 2, 8));
    Activations act = new Activations(cfg, 16);
    double first = 0, last = 0;
    for (int step = 0; step < 60; step++) {
      m.zeroGrad();
      LlamaModel.LogProbs lp = m.lossAndBackward(b, act, 1f / 14);
      double mean = lp.lossSum() / lp.tokens();
      if (step == 0) first = mean;
      last = mean;
      for (Parameter p : m.parameters())
        for (int i = 0; i < p.data().length; i++) p.data()[i] -= 0.5f * p.grad()[i];
    }
    assertThat(first).isCloseTo(Math.log(cfg.vocabSize()), within(0.05)); // uniform at init: ln 37 = 3.61
    assertThat(last).as("mean loss after 60 SGD steps, from %s", first).isLessThan(0.5 * first);
  }

  @Test
  void lossAndBackwardIsCrossEntropyWithItsScale() {
    LlamaConfig cfg = ModelFixtures.tinyGqaTied();
    LlamaModel a = ModelFixtures.model(cfg, 1), b = ModelFixtures.model(cfg, 1);
    int[] ids = ModelFixtures.randomIds(14, cfg.vocabSize(), 4);
    Batch batch = Batch.of(2, 7, ids, ModelFixtures.shiftTargets(ids, 2, 7));
    Activations act = new Activations(cfg, 14);
    a.zeroGrad();
    LlamaModel.LogProbs lp = a.lossAndBackward(batch, act, 0.5f);
    assertThat(lp.tokens()).isEqualTo(12);
    double sum = 0;
    for (float x : lp.logp()) sum -= x;
    assertThat(lp.lossSum()).isCloseTo(sum, within(1e-9));
    float[] up = new float[14];
    for (int i = 0; i < 14; i++) up[i] = batch.targets()[i] == -100 ? 0 : -0.5f;
    b.zeroGrad();
    b.forward(batch, act);
    b.backward(batch, act, up);
    for (int p = 0; p < a.parameters().size(); p++)
      assertThat(a.parameters().get(p).grad()).containsExactly(b.parameters().get(p).grad());
  }

  @Test
  void tensorsRoundTripAndBadCheckpointsNameTheTensor() {
    LlamaConfig cfg = ModelFixtures.tinyQwenBiasLlama3();
    LlamaModel m = ModelFixtures.model(cfg, 3);
    Map<String, Tensor> t = m.toTensors();
    assertThat(t).containsKeys("model.embed_tokens.weight", "lm_head.weight", "model.layers.1.self_attn.k_proj.bias",
        "model.layers.0.mlp.down_proj.weight", "model.norm.weight");
    assertThat(t.get("model.layers.0.self_attn.k_proj.weight").shape()).containsExactly(16, 16);
    assertThat(t.get("model.layers.0.self_attn.o_proj.weight").shape()).containsExactly(16, 32);
    LlamaModel back = LlamaModel.fromTensors(cfg, t, new NaiveGemm(), false);
    int[] ids = ModelFixtures.randomIds(5, cfg.vocabSize(), 1);
    Batch b = new Batch(1, 5, ids, null, null, null);
    assertThat(back.logits(b, new Activations(cfg, 5))).containsExactly(m.logits(b, new Activations(cfg, 5)));
    assertThatThrownBy(() -> back.backward(Batch.of(1, 5, ids, ids), new Activations(cfg, 5), new float[5]))
        .hasMessageContaining("without gradients");

    Map<String, Tensor> missing = new LinkedHashMap<>(t);
    missing.remove("model.layers.1.mlp.up_proj.weight");
    assertThatThrownBy(() -> LlamaModel.fromTensors(cfg, missing, new NaiveGemm(), true))
        .hasMessageContaining("model.layers.1.mlp.up_proj.weight");
    Map<String, Tensor> wrong = new LinkedHashMap<>(t);
    wrong.put("model.norm.weight", Tensor.zeros(17));
    assertThatThrownBy(() -> LlamaModel.fromTensors(cfg, wrong, new NaiveGemm(), true))
        .hasMessageContaining("model.norm.weight").hasMessageContaining("[17]");
    Map<String, Tensor> extra = new LinkedHashMap<>(t);
    extra.put("model.layers.9.mlp.up_proj.weight", Tensor.zeros(1));
    assertThatThrownBy(() -> LlamaModel.fromTensors(cfg, extra, new NaiveGemm(), true))
        .hasMessageContaining("unexpected tensor model.layers.9");
  }

  @Test
  void badBatchesAreRejectedWithTheField() {
    LlamaConfig cfg = ModelFixtures.tinyGqaTied();
    LlamaModel m = ModelFixtures.model(cfg, 1);
    assertThatThrownBy(() -> Batch.of(2, 3, new int[5], new int[6])).hasMessageContaining("batch.ids");
    assertThatThrownBy(() -> m.forward(Batch.of(1, 3, new int[] {0, 99, 1}, new int[] {1, 1, 1}), new Activations(cfg, 3)))
        .hasMessageContaining("batch.ids[1] = 99");
    assertThatThrownBy(() -> m.forward(Batch.of(1, 3, new int[3], new int[] {1, -1, 1}), new Activations(cfg, 3)))
        .hasMessageContaining("batch.targets[1] = -1");
    assertThatThrownBy(() -> m.lossAndBackward(Batch.of(1, 3, new int[3], new int[] {1, 1, 37}), new Activations(cfg, 3), 1f))
        .hasMessageContaining("batch.targets[2] = 37");
    assertThatThrownBy(() -> m.forward(Batch.of(1, 3, new int[3], new int[3]), new Activations(cfg, 2)))
        .hasMessageContaining("capacity");
    Activations act = new Activations(cfg, 3);
    Batch one = Batch.of(1, 3, new int[3], new int[3]);
    assertThatThrownBy(() -> m.backward(one, act, new float[3])).hasMessageContaining("must follow forward");
    m.forward(one, act);
    m.logits(Batch.of(1, 3, new int[3], null), act); // overwrites the activations
    assertThatThrownBy(() -> m.backward(one, act, new float[3])).hasMessageContaining("must follow forward");
  }

  @Test
  void flopsAndMemoryFormulasMatchHandCounts() {
    // Peer benchmark numbers (STACK.md): tiny at T=256 is 38.6 MFLOP/token; SmolLM2-135M at T=512 is 913 MFLOP.
    // 135M: per layer 2·576 + 576·(2·576 + 2·192) + 3·576·1536 = 3,540,096; ×30 + 576 + 49152·576 = 134,515,008 = N;
    // 6N + 12·30·576·512 = 807,090,048 + 106,168,320 = 913,258,368.
    assertThat(LlamaConfig.smollm2_135m().trainingFlopsPerToken(512)).isEqualTo(913_258_368.0);
    assertThat(LlamaConfig.tiny().trainingFlopsPerToken(256) / 1e6).isCloseTo(38.6, within(0.05));
    // 4·(2C + 2HD + 2HkvD + H + 2F + 2) for tiny: 4·(512 + 512 + 512 + 8 + 1536 + 2) = 12,328 bytes
    assertThat(Activations.bytesPerTokenPerLayer(LlamaConfig.tiny())).isEqualTo(12_328L);
    // the formula counts what the constructor allocates (floats of every distinct array)
    for (boolean training : new boolean[] {true, false}) {
      LlamaConfig cfg = ModelFixtures.tinyQwenBiasLlama3();
      Activations a = training ? new Activations(cfg, 10) : Activations.inference(cfg, 10);
      a.ensureBackwardScratch();
      java.util.Set<Object> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
      long bytes = 0;
      for (var f : Activations.class.getDeclaredFields()) {
        if (java.lang.reflect.Modifier.isStatic(f.getModifiers())) continue;
        try {
          f.setAccessible(true);
          Object v = f.get(a);
          Object[] arrays = v instanceof float[][] m ? m : v instanceof float[] || v instanceof int[] ? new Object[] {v} : new Object[0];
          if (!training && v instanceof float[] && f.getName().startsWith("d")) continue; // backward scratch
          for (Object arr : arrays)
            if (seen.add(arr)) bytes += 4L * (arr instanceof float[] fa ? fa.length : ((int[]) arr).length);
        } catch (IllegalAccessException e) {
          throw new AssertionError(e);
        }
      }
      assertThat(bytes).as("training=%s", training).isEqualTo(Activations.bytes(cfg, 10, training));
    }
    // keys padded to whole blocks of KEY_BLOCK positions (112 = 7·16 for 100 with 16-lane vectors), values not
    long lenPad = (100 + KvCache.KEY_BLOCK - 1) / KvCache.KEY_BLOCK * KvCache.KEY_BLOCK;
    assertThat(KvCache.bytes(LlamaConfig.tiny(), 2, 100)).isEqualTo(4L * 6 * 2 * (100 + lenPad) * 256);
  }

  @Test
  void randomInitFollowsHfInitializerRange() {
    LlamaModel m = LlamaModel.random(LlamaConfig.tiny(), 42, new NaiveGemm());
    float[] q = m.layer(0).q().data();
    double ss = 0;
    for (float x : q) ss += x * x;
    assertThat(Math.sqrt(ss / q.length)).isCloseTo(0.02, within(0.001));
    assertThat(m.finalNorm().data()).containsOnly(1f);
    assertThat(m.lmHead()).isSameAs(m.embedding());
    assertThat(m.parameterCount()).isEqualTo(2048L * 256 + 6L * (512 + 4 * 256 * 256 + 3 * 256 * 768) + 256);
    assertThat(Arrays.equals(LlamaModel.random(LlamaConfig.tiny(), 42, new NaiveGemm()).layer(3).down().data(),
        m.layer(3).down().data())).as("same seed, same weights").isTrue();
  }
}
