package dev.tulu4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.tensor.Gemm;
import dev.tulu4j.tensor.NaiveGemm;
import dev.tulu4j.tensor.Parallel;
import dev.tulu4j.tensor.VectorGemm;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * Activation checkpointing recomputes each layer's forward from its kept input in the backward: the
 * same kernels on the same inputs, so the loss, log-probs and every parameter gradient must be
 * bit-identical (Arrays.equals on the float arrays) to the stored-activation path — through the LM
 * head fused into the forward (SFT), an arbitrary upstream after forward (DPO, RLVR) and the
 * hidden-state backward (reward and value models). The families beyond Llama (OLMo 2, Qwen3,
 * Mistral, Gemma 2) go through {@link FamilyTrunk}'s recompute, their own buffers aliased too.
 */
class ActivationCheckpointingTest {

  static Stream<Arguments> cases() {
    // the vector GEMM on two threads as well: its parallel split must not depend on the buffers either
    Gemm vector = new VectorGemm(Parallel.create(2));
    return Stream.of(
        Arguments.of("GQA tied, naive", ModelFixtures.tinyGqaTied(), new NaiveGemm()),
        Arguments.of("GQA tied, vector 2 threads", ModelFixtures.tinyGqaTied(), vector),
        Arguments.of("Qwen2 bias untied", ModelFixtures.tinyQwenBiasLlama3(), new NaiveGemm()),
        Arguments.of("MHA three layers, vector", ModelFixtures.tinyMhaUntied(), vector),
        Arguments.of("OLMo 2 (post-norms, q/k norms)", FamilyFixtures.olmo2(), vector),
        Arguments.of("Qwen3 (per-head q/k norms)", FamilyFixtures.qwen3(), new NaiveGemm()),
        Arguments.of("Mistral (window 3)", FamilyFixtures.mistral(), vector),
        Arguments.of("Gemma 2 (sandwich norms, soft-caps, window)", FamilyFixtures.gemma2(), new NaiveGemm()));
  }

  /** Two packed rows of 11 tokens: three documents in row 0, two in row 1; some targets ignored. */
  static Batch packedBatch(LlamaConfig c) {
    int b = 2, t = 11;
    int[] ids = ModelFixtures.randomIds(b * t, c.vocabSize(), 5);
    int[] targets = ModelFixtures.shiftTargets(ids, b, t);
    int[] seg = {0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4};
    targets[3] = targets[6] = targets[16] = LogSoftmaxHead.IGNORE; // document ends
    targets[12] = LogSoftmaxHead.IGNORE;                            // a prompt token
    return new Batch(b, t, ids, targets, null, seg);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void gradientsAndLossAreBitIdenticalToTheStoredPath(String name, LlamaConfig c, Gemm gemm) {
    LlamaModel model = LlamaModel.fromTensors(c, ModelFixtures.model(c, 11).toTensors(), gemm, true);
    Batch batch = packedBatch(c);
    float[] upstream = new float[batch.rows()];
    for (int r = 0; r < upstream.length; r++) upstream[r] = batch.targets()[r] < 0 ? 0f : (r % 3 - 1) * 0.37f;
    float[] dHidden = new float[batch.rows() * c.hidden()];
    for (int i = 0; i < dHidden.length; i++) dHidden[i] = (float) Math.sin(0.7 * i);

    // SFT: the head's backward fused into the forward
    assertSame(model, batch, (a, out) -> out.add(new float[] {(float) model.lossAndBackward(batch, a, 0.25f).lossSum()}));
    // DPO / RLVR: forward, then an arbitrary upstream gradient per token
    assertSame(model, batch, (a, out) -> {
      out.add(model.forward(batch, a).logp().clone());
      model.backward(batch, a, upstream);
    });
    // reward / value heads: the hidden states and a backward from their gradient
    assertSame(model, batch, (a, out) -> {
      out.add(model.hidden(batch, a).clone());
      model.backwardFromHidden(batch, a, dHidden);
    });
  }

  /**
   * With a LoRA adapter the stored path keeps each group's x·Aᵀ from the forward for the backward,
   * the checkpointed path recomputes it with the layer (and, for the down projection, in the
   * backward): the adapter's gradients must still be the same bits, with and without dropout.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void loraGradientsAreBitIdenticalToTheStoredPath(String name, LlamaConfig c, Gemm gemm) {
    for (double dropout : new double[] {0, 0.2}) {
      LlamaModel model = LlamaModel.fromTensors(c, ModelFixtures.model(c, 11).toTensors(), gemm, false);
      LoraAdapter ad = model.attachLora(new LoraConfig(4, 8, dropout, List.of("all-linear"), false, List.of()), 3);
      java.util.Random rnd = new java.util.Random(5);
      for (Parameter p : ad.parameters())
        if (p.name().endsWith("lora_B.weight")) for (int i = 0; i < p.data().length; i++) p.data()[i] = (float) (0.1 * rnd.nextGaussian());
      ad.training(true);
      ad.dropoutSeed(9);
      Batch batch = packedBatch(c);
      float[] upstream = new float[batch.rows()];
      for (int r = 0; r < upstream.length; r++) upstream[r] = batch.targets()[r] < 0 ? 0f : (r % 3 - 1) * 0.37f;
      BiConsumer<Activations, List<float[]>> sft = (a, out) -> out.add(new float[] {(float) model.lossAndBackward(batch, a, 0.25f).lossSum()});
      BiConsumer<Activations, List<float[]>> dpo = (a, out) -> {
        out.add(model.forward(batch, a).logp().clone());
        model.backward(batch, a, upstream);
      };
      for (BiConsumer<Activations, List<float[]>> pass : List.of(sft, dpo)) {
        List<float[]> stored = runLora(model, new Activations(c, batch.rows() + 3), pass);
        List<float[]> ckpt = runLora(model, Activations.checkpointed(c, batch.rows() + 3), pass);
        boolean anyNonZero = false;
        for (int i = 0; i < stored.size(); i++) {
          String what = i == 0 ? "output" : ad.parameters().get(i - 1).name() + ".grad";
          assertThat(Arrays.equals(stored.get(i), ckpt.get(i))).as("%s, dropout %s: %s bit-identical", name, dropout, what).isTrue();
          if (i > 0) for (float g : stored.get(i)) anyNonZero |= g != 0;
        }
        assertThat(anyNonZero).as("the adapter's gradients are not all zero").isTrue();
      }
    }
  }

  private static List<float[]> runLora(LlamaModel model, Activations a, BiConsumer<Activations, List<float[]>> pass) {
    List<float[]> out = new ArrayList<>();
    for (int step = 0; step < 2; step++) { // the second pass over the same activations must not see the first's leftovers
      model.zeroGrad();
      out.clear();
      pass.accept(a, out);
    }
    for (Parameter p : model.lora().parameters()) out.add(p.grad().clone());
    return out;
  }

  /** Runs {@code pass} over stored and checkpointed activations; outputs and all gradients must be equal. */
  private static void assertSame(LlamaModel model, Batch batch, BiConsumer<Activations, List<float[]>> pass) {
    List<float[]> stored = run(model, new Activations(model.config(), batch.rows() + 3), pass);
    List<float[]> ckpt = run(model, Activations.checkpointed(model.config(), batch.rows() + 3), pass);
    assertThat(ckpt).hasSameSizeAs(stored);
    boolean anyNonZero = false;
    for (int i = 0; i < stored.size(); i++) {
      String what = i == 0 ? "output" : model.parameters().get(i - 1).name() + ".grad";
      assertThat(Arrays.equals(stored.get(i), ckpt.get(i))).as("%s bit-identical", what).isTrue();
      if (i > 0) for (float g : stored.get(i)) anyNonZero |= g != 0;
    }
    assertThat(anyNonZero).as("the gradients are not all zero").isTrue();
  }

  private static List<float[]> run(LlamaModel model, Activations a, BiConsumer<Activations, List<float[]>> pass) {
    model.zeroGrad();
    List<float[]> out = new ArrayList<>();
    pass.accept(a, out);
    // twice over the same activations: the second step must not see the first's leftovers
    model.zeroGrad();
    out.clear();
    pass.accept(a, out);
    for (Parameter p : model.parameters()) out.add(p.grad().clone());
    return out;
  }

  @Test
  void allocatesTheKeptInputsPlusOneLayerAndTheFormulaCountsIt() {
    LlamaConfig c = ModelFixtures.tinyMhaUntied();
    Activations a = Activations.checkpointed(c, 10);
    a.ensureBackwardScratch();
    assertThat(a.isCheckpointed()).isTrue();
    assertThat(a.training()).isTrue();
    // every layer keeps its own input; everything else is one buffer shared by all layers
    assertThat(Arrays.stream(a.res).distinct().count()).isEqualTo(c.layers() + 1);
    assertThat(Arrays.stream(a.q).distinct().count()).isEqualTo(1);
    assertThat(Arrays.stream(a.gate).distinct().count()).isEqualTo(1);
    assertThat(allocatedBytes(a)).isEqualTo(Activations.bytes(c, 10, true, true));
    Activations stored = new Activations(c, 10);
    stored.ensureBackwardScratch();
    assertThat(allocatedBytes(stored)).isEqualTo(Activations.bytes(c, 10, true, false));

    // Qwen2.5-0.5B at 4096 tokens: C=896, H·D=896, Hkv·D=128, H=14, F=4864, L=24.
    // per layer 4·(2·896 + 2·896 + 2·128 + 14 + 2·4864 + 2) = 54,336 bytes per token;
    // checkpointed keeps 4·896 = 3,584 of them per layer plus one layer (54,336 − 3,584 = 50,752)
    LlamaConfig q = LlamaConfig.qwen25_05b();
    assertThat(Activations.bytesPerTokenPerLayer(q)).isEqualTo(54_336L);
    long saved = Activations.bytes(q, 4096, true, false) - Activations.bytes(q, 4096, true, true);
    assertThat(saved).isEqualTo(4096L * (24 * 54_336L - 24 * 3_584L - 50_752L));
  }

  @Test
  void theFamiliesBuffersAreCountedStoredAndCheckpointed() {
    for (LlamaConfig c : FamilyFixtures.all())
      for (boolean ckpt : new boolean[] {false, true}) {
        Activations a = Activations.training(c, 10, ckpt);
        a.ensureBackwardScratch();
        FamilyActivations.of(a, c).ensureBackwardScratch();
        if (ckpt) assertThat(Arrays.stream(a.family.dRaw).distinct().count()).isEqualTo(1);
        assertThat(allocatedBytes(a) + allocatedBytes(a.family)).as("%s checkpointed %s", c.architecture().hfClass, ckpt)
            .isEqualTo(Activations.bytes(c, 10, true, ckpt));
      }
  }

  /** Bytes of the distinct float[] / int[] arrays the fields of {@code a} hold. */
  private static long allocatedBytes(Object a) {
    Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    long bytes = 0;
    for (var f : a.getClass().getDeclaredFields()) {
      if (java.lang.reflect.Modifier.isStatic(f.getModifiers())) continue;
      try {
        f.setAccessible(true);
        Object v = f.get(a);
        Object[] arrays = v instanceof float[][] m ? m : v instanceof float[] || v instanceof int[] ? new Object[] {v} : new Object[0];
        for (Object arr : arrays)
          if (seen.add(arr)) bytes += 4L * (arr instanceof float[] fa ? fa.length : ((int[]) arr).length);
      } catch (IllegalAccessException e) {
        throw new AssertionError(e);
      }
    }
    return bytes;
  }
}
