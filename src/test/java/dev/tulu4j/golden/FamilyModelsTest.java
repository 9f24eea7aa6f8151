package dev.tulu4j.golden;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.checkpoint.HfCheckpoint;
import dev.tulu4j.checkpoint.ModelFiles;
import dev.tulu4j.generate.Generator;
import dev.tulu4j.generate.LlamaStepModel;
import dev.tulu4j.generate.SamplingParams;
import dev.tulu4j.io.DType;
import dev.tulu4j.io.SafetensorsFile;
import dev.tulu4j.io.Tensor;
import dev.tulu4j.model.Activations;
import dev.tulu4j.model.Batch;
import dev.tulu4j.model.Family;
import dev.tulu4j.model.KvCache;
import dev.tulu4j.model.LlamaConfig;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.tensor.GemmBackend;
import dev.tulu4j.tensor.KernelConfig;
import dev.tulu4j.tensor.Kernels;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The KV-cache, generation and saving paths of the families beyond Llama (OLMo 2, Qwen3, Mistral,
 * Gemma 2), on the tiny checkpoints transformers wrote for {@link TransformersGoldenTest} (whose
 * full forward that test holds to transformers' logits): cached prefill plus token-by-token decode
 * gives the full forward's logits, with sliding windows (4) shorter than the sequence and, by a
 * config with a window of 50, longer than it, and appended in chunks shorter and longer than the
 * window; greedy generation is the argmax of the full forward;
 * save → load gives the same config and tensors, under transformers' own tensor names.
 */
class FamilyModelsTest {
  static final double TOL = 1e-4;

  static List<String> cases() {
    return List.of("qwen3_tied", "olmo2_untied", "mistral_sliding_window", "gemma2_softcap");
  }

  private static float[] fullLogits(LlamaModel m, int[] seq) {
    Batch b = new Batch(1, seq.length, seq, null, null, null);
    return m.logits(b, Activations.inference(m.config(), seq.length));
  }

  private static int[] ids(int n, int vocab, long seed) {
    Random r = new Random(seed);
    int[] a = new int[n];
    for (int i = 0; i < n; i++) a[i] = r.nextInt(vocab);
    return a;
  }

  /** Max |cached − full| of row t of the full logits, relative to the row's largest magnitude. */
  private static double rowErr(float[] cached, int off, float[] full, int t, int v) {
    double worst = 0, max = 0;
    for (int j = 0; j < v; j++) {
      max = Math.max(max, Math.abs(full[t * v + j]));
      worst = Math.max(worst, Math.abs(cached[off + j] - full[t * v + j]));
    }
    return worst / max;
  }

  /** Prefill a[0..7) and b[0..3) together, then decode both a token at a time; every step vs the full forward. */
  private static void cacheMatchesFull(LlamaModel m, String what) {
    int v = m.config().vocabSize();
    int[] a = ids(24, v, 1), b = ids(13, v, 2);
    float[] fa = fullLogits(m, a), fb = fullLogits(m, b);
    KvCache cache = m.newCache(2, 32);
    float[] out = m.prefill(cache, new int[][] {Arrays.copyOf(a, 7), Arrays.copyOf(b, 3)});
    assertThat(rowErr(out, 0, fa, 6, v)).as("%s: prefill a", what).isLessThan(TOL);
    assertThat(rowErr(out, v, fb, 2, v)).as("%s: prefill b", what).isLessThan(TOL);
    for (int t = 7; t < a.length; t++) {
      boolean bOn = t - 4 < b.length;
      int[][] step = {{a[t]}, bOn ? new int[] {b[t - 4]} : new int[0]};
      out = m.prefill(cache, step);
      assertThat(rowErr(out, 0, fa, t, v)).as("%s: decode a at %d", what, t).isLessThan(TOL);
      if (bOn) assertThat(rowErr(out, v, fb, t - 4, v)).as("%s: decode b at %d", what, t - 4).isLessThan(TOL);
    }
  }

  /**
   * Appends in chunks shorter and longer than the window (4), two sequences split differently: every
   * chunk's last logits equal the full forward's (a sliding layer's ring holds only the last W keys;
   * one call's rows attend to each other before they enter it).
   */
  private static void chunksMatchFull(LlamaModel m, String what) {
    int[] chunks = {1, 2, 6, 1, 3, 1, 1, 7, 2};
    int v = m.config().vocabSize(), total = Arrays.stream(chunks).sum();
    int[] a = ids(total, v, 4), b = ids(total, v, 5);
    float[] fa = fullLogits(m, a), fb = fullLogits(m, b);
    KvCache cache = m.newCache(2, 32);
    int at = 0;
    for (int i = 0; i < chunks.length; i++) {
      int na = chunks[i], nb = chunks[chunks.length - 1 - i], atB = cache.length(1);
      float[] out = m.prefill(cache, new int[][] {Arrays.copyOfRange(a, at, at + na), Arrays.copyOfRange(b, atB, atB + nb)});
      at += na;
      assertThat(rowErr(out, 0, fa, at - 1, v)).as("%s: chunk %d of a", what, i).isLessThan(TOL);
      assertThat(rowErr(out, v, fb, atB + nb - 1, v)).as("%s: chunk %d of b", what, i).isLessThan(TOL);
    }
  }

  @ParameterizedTest
  @MethodSource("cases")
  void kvCacheDecodingEqualsTheFullForward(String name) {
    GoldenFixture g = GoldenFixture.read(GoldenFixture.folder(name));
    try (Kernels k = Kernels.create(new KernelConfig(GemmBackend.VECTOR, 2))) {
      LlamaModel m = ModelFiles.loadModel(g.checkpoint(), k.gemm(), false);
      cacheMatchesFull(m, name);
      chunksMatchFull(m, name);
      Family f = m.config().family();
      if (f.slidingWindow() > 0) {
        assertThat(f.slidingWindow()).as("the fixture's window is shorter than the sequences").isLessThan(24);
        // the same weights with a window longer than every sequence: equal to full attention
        LlamaConfig wide = m.config().withFamily(f.withWindow(50, f.slidingLayers()));
        LlamaModel mw = LlamaModel.fromTensors(wide, m.toTensors(), k.gemm(), false);
        cacheMatchesFull(mw, name + " window 50");
        chunksMatchFull(mw, name + " window 50");
        LlamaConfig full = m.config().withFamily(f.withWindow(0, List.of()));
        if (m.config().architecture() == LlamaConfig.Architecture.MISTRAL) {
          LlamaModel mf = LlamaModel.fromTensors(full, m.toTensors(), k.gemm(), false);
          int[] s = ids(24, m.config().vocabSize(), 3);
          float[] lw = fullLogits(mw, s), lf = fullLogits(mf, s), l4 = fullLogits(m, s);
          assertThat(lw).as("window 50 over 24 tokens is full attention").isEqualTo(lf);
          assertThat(lw).as("window 4 over 24 tokens is not").isNotEqualTo(l4);
        }
      }
    }
  }

  @ParameterizedTest
  @MethodSource("cases")
  void greedyGenerationIsTheArgmaxOfTheFullForward(String name) {
    GoldenFixture g = GoldenFixture.read(GoldenFixture.folder(name));
    try (Kernels k = Kernels.create(new KernelConfig(GemmBackend.VECTOR, 2))) {
      LlamaModel m = ModelFiles.loadModel(g.checkpoint(), k.gemm(), false);
      int v = m.config().vocabSize();
      int[] prompt = ids(5, v, 7);
      var out = new Generator(new LlamaStepModel(m, 1, 40), List.of(), null)
          .generate(List.of(new Generator.Request(prompt, 1, SamplingParams.greedy(12))), null).get(0).get(0);
      assertThat(out.ids()).hasSize(12);
      int[] seq = Arrays.copyOf(prompt, prompt.length + out.ids().length);
      System.arraycopy(out.ids(), 0, seq, prompt.length, out.ids().length);
      float[] full = fullLogits(m, seq);
      for (int i = 0; i < out.ids().length; i++) {
        int t = prompt.length - 1 + i;
        int best = 0;
        for (int j = 1; j < v; j++) if (full[t * v + j] > full[t * v + best]) best = j;
        assertThat(out.ids()[i]).as("%s: token %d", name, i).isEqualTo(best);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("cases")
  void saveThenLoadGivesTheSameModelUnderTransformersNames(String name, @TempDir Path tmp) throws Exception {
    GoldenFixture g = GoldenFixture.read(GoldenFixture.folder(name));
    try (Kernels k = Kernels.create(new KernelConfig(GemmBackend.VECTOR, 2))) {
      LlamaModel m = ModelFiles.loadModel(g.checkpoint(), k.gemm(), false);
      Path out = tmp.resolve("saved");
      HfCheckpoint.save(out, m.config(), m.toTensors(), DType.F32, HfCheckpoint.DEFAULT_SHARD_BYTES, null);
      LlamaModel back = ModelFiles.loadModel(out, k.gemm(), false);
      // for tools/golden/check_saved.py (transformers loads the folder and matches its own goldens)
      String keep = System.getProperty("tulu4j.keepSavedFamilies");
      if (keep != null)
        HfCheckpoint.save(Path.of(keep).resolve(name), m.config(), m.toTensors(), DType.F32,
            HfCheckpoint.DEFAULT_SHARD_BYTES, null);
      assertThat(back.config()).isEqualTo(m.config());
      Map<String, Tensor> a = m.toTensors(), b = back.toTensors();
      assertThat(b.keySet()).isEqualTo(a.keySet());
      for (String n : a.keySet()) assertThat(b.get(n).data()).as(n).isEqualTo(a.get(n).data());
      // the tensor names transformers saved are exactly the ones we save
      assertThat(names(out)).isEqualTo(names(g.checkpoint()));
      // every model key of transformers' config.json is written with the same value
      JsonNode theirs = SafetensorsFile.JSON.readTree(Files.readAllBytes(g.checkpoint().resolve("config.json")));
      JsonNode ours = SafetensorsFile.JSON.readTree(Files.readAllBytes(out.resolve("config.json")));
      Set<String> skip = Set.of("dtype", "transformers_version", "rope_parameters", "pad_token_id",
          "use_bidirectional_attention", "attention_dropout");
      List<String> differing = new ArrayList<>();
      theirs.fieldNames().forEachRemaining(key -> {
        if (skip.contains(key)) return;
        JsonNode o = ours.get(key);
        if (o == null || !(o.equals(theirs.get(key)) || o.isNumber() && theirs.get(key).isNumber()
            && o.doubleValue() == theirs.get(key).doubleValue()))
          differing.add(key + ": ours " + o + ", transformers " + theirs.get(key));
      });
      if (m.config().architecture() == LlamaConfig.Architecture.QWEN3) differing.removeIf(s -> s.startsWith("max_window_layers"));
      assertThat(differing).isEmpty();
      assertThat(ours.get("rope_theta").doubleValue()).isEqualTo(theirs.get("rope_parameters").get("rope_theta").doubleValue());
    }
  }

  private static Set<String> names(Path dir) throws Exception {
    Set<String> s = new TreeSet<>();
    try (var files = Files.list(dir)) {
      for (Path p : files.filter(p -> p.toString().endsWith(".safetensors")).toList()) {
        JsonNode h = header(p);
        h.fieldNames().forEachRemaining(n -> {
          if (!n.equals("__metadata__")) s.add(n);
        });
      }
    }
    return s;
  }

  private static JsonNode header(Path p) throws Exception {
    byte[] all = Files.readAllBytes(p);
    long len = java.nio.ByteBuffer.wrap(all, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
    return SafetensorsFile.JSON.readTree(new String(all, 8, (int) len, java.nio.charset.StandardCharsets.UTF_8));
  }
}
