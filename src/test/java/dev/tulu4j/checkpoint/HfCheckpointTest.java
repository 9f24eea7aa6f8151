package dev.tulu4j.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tulu4j.io.AtomicFolder;
import dev.tulu4j.io.CheckpointException;
import dev.tulu4j.io.DType;
import dev.tulu4j.io.Safetensors;
import dev.tulu4j.io.SafetensorsFile;
import dev.tulu4j.io.SafetensorsWriter;
import dev.tulu4j.io.Tensor;
import dev.tulu4j.model.HfNames;
import dev.tulu4j.model.LlamaConfig;
import dev.tulu4j.model.LlamaConfig.Architecture;
import dev.tulu4j.model.LlamaConfig.RopeScaling;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class HfCheckpointTest {
  @TempDir Path tmp;

  /** Scaled-down twins of the three real configs: same family, flags, GQA ratio, rope and token ids. */
  static final LlamaConfig LLAMA31_SMALL = new LlamaConfig(Architecture.LLAMA, 96, 32, 64, 2, 4, 1, 8, 1e-5, 500000.0,
      new RopeScaling(8.0, 1.0, 4.0, 8192), 131072, false, false, 128000 % 96, List.of(1, 8, 9));
  static final LlamaConfig SMOLLM2_SMALL = new LlamaConfig(Architecture.LLAMA, 64, 24, 48, 2, 3, 1, 8, 1e-5, 100000.0,
      null, 8192, true, false, 0, List.of(0));
  static final LlamaConfig QWEN25_SMALL = new LlamaConfig(Architecture.QWEN2, 80, 28, 56, 2, 7, 1, 4, 1e-6, 1000000.0,
      null, 32768, true, true, 43, List.of(43));

  static Stream<Arguments> families() {
    return Stream.of(
        Arguments.of("llama31_8b_instruct.json", HfConfigTest.LLAMA31_8B_INSTRUCT, LLAMA31_SMALL),
        Arguments.of("smollm2_135m.json", HfConfigTest.SMOLLM2_135M, SMOLLM2_SMALL),
        Arguments.of("qwen25_05b.json", HfConfigTest.QWEN25_05B, QWEN25_SMALL));
  }

  static Map<String, Tensor> randomWeights(LlamaConfig c, long seed) {
    Random r = new Random(seed);
    Map<String, Tensor> m = new LinkedHashMap<>();
    HfNames.expected(c).forEach((name, shape) -> {
      Tensor t = Tensor.zeros(shape);
      for (int i = 0; i < t.data().length; i++) t.data()[i] = (float) (r.nextGaussian() * 0.02);
      m.put(name, t);
    });
    return m;
  }

  static Map<String, Tensor> constantWeights(LlamaConfig c, float v) {
    Map<String, Tensor> m = new LinkedHashMap<>();
    HfNames.expected(c).forEach((name, shape) -> {
      Tensor t = Tensor.zeros(shape);
      java.util.Arrays.fill(t.data(), v);
      m.put(name, t);
    });
    return m;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("families")
  void roundTripsInTheHfLayout(String fixture, LlamaConfig real, LlamaConfig small) throws IOException {
    Map<String, Tensor> w = randomWeights(small, 1);
    Path dir = tmp.resolve("ckpt");
    HfCheckpoint.save(dir, small, w, DType.BF16, 4096, null);

    HfCheckpoint back = HfCheckpoint.load(dir);
    assertThat(back.config()).isEqualTo(small);
    assertThat(back.tensors().keySet()).containsExactlyElementsOf(HfNames.expected(small).keySet());
    for (var e : w.entrySet()) {
      float[] want = e.getValue().data(), got = back.tensors().get(e.getKey()).data();
      for (int i = 0; i < want.length; i++)
        assertThat(got[i]).as(e.getKey()).isEqualTo(DType.fromBf16(DType.toBf16(want[i])));
    }

    // Files: sharded at 4 KB, HF names, index + configs, nothing else.
    Set<String> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
    }
    assertThat(files).contains("config.json", "generation_config.json", "model.safetensors.index.json",
        "model-00001-of-" + String.format("%05d", files.size() - 3) + ".safetensors");

    // Tensor names are exactly the real model's names restricted to the first two layers.
    Set<String> realNames = HfNames.expected(real).keySet().stream()
        .filter(n -> !n.startsWith("model.layers.") || n.startsWith("model.layers.0.") || n.startsWith("model.layers.1."))
        .collect(Collectors.toSet());
    try (Safetensors st = Safetensors.open(dir)) {
      assertThat(st.tensors().keySet()).containsExactlyInAnyOrderElementsOf(realNames);
      assertThat(st.tensors().values()).allMatch(t -> t.dtype() == DType.BF16);
    }

    // config.json has the real file's keys (modulo producer-only extras and newer-transformers keys).
    JsonNode realJson = SafetensorsFile.JSON.readTree(HfConfigTest.fixture(fixture).toFile());
    JsonNode ours = SafetensorsFile.JSON.readTree(dir.resolve("config.json").toFile());
    Set<String> want = new HashSet<>();
    realJson.fieldNames().forEachRemaining(want::add);
    want.removeAll(HfConfigTest.PRODUCER_EXTRAS);
    Set<String> got = new HashSet<>();
    ours.fieldNames().forEachRemaining(got::add);
    assertThat(got).containsAll(want);
    got.removeAll(want);
    assertThat(got).isSubsetOf(HfConfigTest.NEWER_KEYS);
    assertThat(ours.get("torch_dtype").asText()).isEqualTo("bfloat16");
    assertThat(ours.get("architectures").get(0).asText()).isEqualTo(real.architecture().hfClass);
  }

  @Test
  void f32SingleFileWithTokenizerIsExact() throws IOException {
    Path tok = Files.createDirectory(tmp.resolve("tok"));
    Files.writeString(tok.resolve("tokenizer.json"), "{\"model\":{}}");
    Files.writeString(tok.resolve("tokenizer_config.json"), "{\"bos_token\":\"<s>\"}");
    Files.writeString(tok.resolve("unrelated.txt"), "x");
    Map<String, Tensor> w = randomWeights(LLAMA31_SMALL, 2);
    Path dir = tmp.resolve("out");
    HfCheckpoint.save(dir, LLAMA31_SMALL, w, DType.F32, 5L << 30, tok);
    try (Stream<Path> s = Files.list(dir)) {
      assertThat(s.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("model.safetensors", "config.json", "generation_config.json", "tokenizer.json",
              "tokenizer_config.json");
    }
    assertThat(Files.readString(dir.resolve("tokenizer_config.json"))).isEqualTo("{\"bos_token\":\"<s>\"}");
    HfCheckpoint back = HfCheckpoint.load(dir);
    for (var e : w.entrySet()) assertThat(back.tensors().get(e.getKey()).data()).containsExactly(e.getValue().data());
    assertThat(HfConfig.read(dir.resolve("config.json"))).isEqualTo(LLAMA31_SMALL);
    assertThat(Files.readString(dir.resolve("generation_config.json"))).contains("\"eos_token_id\": [\n    1,\n    8,\n    9\n  ]");
  }

  @Test
  void resavingIntoTheFolderItsTokenizerComesFromWorks() throws IOException {
    Path dir = tmp.resolve("ckpt");
    Path tok = Files.createDirectory(tmp.resolve("tok"));
    Files.writeString(tok.resolve("tokenizer.json"), "{}");
    HfCheckpoint.save(dir, SMOLLM2_SMALL, constantWeights(SMOLLM2_SMALL, 1f), tok);
    var params = new ArrayList<dev.tulu4j.model.Parameter>();
    HfNames.expected(SMOLLM2_SMALL).forEach((n, shape) -> {
      Tensor t = Tensor.zeros(shape);
      java.util.Arrays.fill(t.data(), 3f);
      params.add(new dev.tulu4j.model.Parameter(n, shape, t.data(), null, false));
    });
    HfCheckpoint.save(dir, SMOLLM2_SMALL, HfCheckpoint.tensorsOf(params), dir);
    assertThat(Files.readString(dir.resolve("tokenizer.json"))).isEqualTo("{}");
    assertThat(HfCheckpoint.load(dir).tensors().get(HfNames.EMBED).data()[5]).isEqualTo(3f);
    assertThat(Files.readString(dir.resolve("config.json"))).contains("\"torch_dtype\": \"bfloat16\"");
  }

  @Test
  void tiedCheckpointStoringLmHeadLoads() throws IOException {
    Map<String, Tensor> w = randomWeights(SMOLLM2_SMALL, 3);
    Path dir = Files.createDirectory(tmp.resolve("tied"));
    var withHead = new LinkedHashMap<String, Tensor>(w);
    withHead.put("lm_head.weight", w.get(HfNames.EMBED));
    SafetensorsWriter.write(dir.resolve("model.safetensors"), withHead, DType.BF16);
    HfConfig.write(dir.resolve("config.json"), SMOLLM2_SMALL, DType.BF16);
    HfCheckpoint back = HfCheckpoint.load(dir);
    assertThat(back.tensors()).doesNotContainKey("lm_head.weight").hasSize(w.size());
    // and saving a map that includes it for a tied model does not write it
    HfCheckpoint.save(tmp.resolve("resaved"), SMOLLM2_SMALL, withHead, DType.BF16, 1L << 30, null);
    try (Safetensors st = Safetensors.open(tmp.resolve("resaved"))) {
      assertThat(st.tensors()).doesNotContainKey("lm_head.weight");
    }
  }

  @Test
  void wrongTensorsAreRejectedOnLoadAndOnSave() throws IOException {
    Map<String, Tensor> w = randomWeights(QWEN25_SMALL, 4);
    w.remove("model.layers.1.self_attn.v_proj.bias");
    Path dir = tmp.resolve("bad");
    assertThatThrownBy(() -> HfCheckpoint.save(dir, QWEN25_SMALL, w, DType.BF16, 1L << 30, null))
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining("missing tensor 'model.layers.1.self_attn.v_proj.bias' [4]");
    assertThat(dir).doesNotExist();
    // A checkpoint whose config disagrees with its weights:
    Path ok = tmp.resolve("ok");
    HfCheckpoint.save(ok, QWEN25_SMALL, randomWeights(QWEN25_SMALL, 5), DType.BF16, 1L << 30, null);
    String cfg = Files.readString(ok.resolve("config.json")).replace("\"intermediate_size\": 56", "\"intermediate_size\": 60");
    Files.writeString(ok.resolve("config.json"), cfg);
    assertThatThrownBy(() -> HfCheckpoint.load(ok))
        .hasMessageStartingWith(ok + ": tensors do not match the config")
        .hasMessageContaining("tensor 'model.layers.0.mlp.gate_proj.weight' has shape [56, 28] but config.json implies [60, 28]");
    assertThatThrownBy(() -> HfCheckpoint.load(tmp.resolve("nothing"))).hasMessageContaining("no such checkpoint folder");
  }

  @Test
  void saveReplacesAnExistingCheckpointAndLeavesNoLeftovers() throws IOException {
    Path dir = tmp.resolve("ckpt");
    HfCheckpoint.save(dir, SMOLLM2_SMALL, constantWeights(SMOLLM2_SMALL, 1f), DType.BF16, 2048, null);
    HfCheckpoint.save(dir, SMOLLM2_SMALL, constantWeights(SMOLLM2_SMALL, 2f), DType.BF16, 1L << 30, null);
    assertThat(HfCheckpoint.load(dir).tensors().get(HfNames.NORM).data()[0]).isEqualTo(2f);
    assertThat(dir.resolve("model.safetensors.index.json")).doesNotExist(); // old shards gone with the old folder
    try (Stream<Path> s = Files.list(tmp)) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactly("ckpt");
    }
  }

  @Test
  void leftoversOfACrashedSaveAreCleanedByTheNextSave() throws IOException {
    Path dir = tmp.resolve("ckpt");
    HfCheckpoint.save(dir, SMOLLM2_SMALL, constantWeights(SMOLLM2_SMALL, 1f), DType.BF16, 1L << 30, null);
    Files.createDirectory(tmp.resolve(".ckpt.tmp-dead"));
    Files.createDirectory(tmp.resolve(".ckpt.old-dead"));
    Files.createDirectory(tmp.resolve(".other.tmp-keep"));
    HfCheckpoint.save(dir, SMOLLM2_SMALL, constantWeights(SMOLLM2_SMALL, 2f), DType.BF16, 1L << 30, null);
    try (Stream<Path> s = Files.list(tmp)) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("ckpt", ".other.tmp-keep");
    }
  }

  @Test
  void aSetAsideOldCheckpointSurvivesWhileTheTargetIsMissing() throws IOException {
    Path aside = Files.createDirectory(tmp.resolve(".ckpt.old-only-copy"));
    HfCheckpoint.save(tmp.resolve("ckpt"), SMOLLM2_SMALL, constantWeights(SMOLLM2_SMALL, 1f), DType.BF16, 1L << 30, null);
    assertThat(aside).exists();
  }

  @Test
  void refusesToReplaceAFolderThatIsNotACheckpoint() throws IOException {
    Path dir = Files.createDirectory(tmp.resolve("precious"));
    Files.writeString(dir.resolve("notes.txt"), "keep me");
    assertThatThrownBy(() -> HfCheckpoint.save(dir, SMOLLM2_SMALL, constantWeights(SMOLLM2_SMALL, 1f), DType.BF16,
        1L << 30, null))
        .hasMessageContaining("refusing to replace a folder that does not look like a checkpoint");
    assertThat(Files.readString(dir.resolve("notes.txt"))).isEqualTo("keep me");
    Path empty = Files.createDirectory(tmp.resolve("empty"));
    HfCheckpoint.save(empty, SMOLLM2_SMALL, constantWeights(SMOLLM2_SMALL, 1f), DType.BF16, 1L << 30, null);
    assertThat(HfCheckpoint.load(empty).config()).isEqualTo(SMOLLM2_SMALL);
  }

  @Test
  void failedSaveLeavesTheOldCheckpointAndNoTemporaryFolder() throws IOException {
    Path dir = tmp.resolve("ckpt");
    HfCheckpoint.save(dir, SMOLLM2_SMALL, constantWeights(SMOLLM2_SMALL, 1f), DType.BF16, 1L << 30, null);
    Path noTokenizer = Files.createDirectory(tmp.resolve("notok"));
    assertThatThrownBy(() -> HfCheckpoint.save(dir, SMOLLM2_SMALL, constantWeights(SMOLLM2_SMALL, 2f), DType.BF16,
        1L << 30, noTokenizer))
        .hasMessageContaining("no tokenizer files");
    assertThat(HfCheckpoint.load(dir).tensors().get(HfNames.NORM).data()[0]).isEqualTo(1f);
    try (Stream<Path> s = Files.list(tmp)) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("ckpt", "notok");
    }
  }

  /** The state a crash between "old aside" and "new in" leaves: load says where the old one is. */
  @Test
  void interruptedSwapIsReportedWithTheSetAsideFolder() throws IOException {
    Path dir = tmp.resolve("ckpt");
    HfCheckpoint.save(dir, SMOLLM2_SMALL, constantWeights(SMOLLM2_SMALL, 1f), DType.BF16, 1L << 30, null);
    Path aside = tmp.resolve(".ckpt.old-1234");
    Files.move(dir, aside);
    Files.createDirectory(tmp.resolve(".ckpt.tmp-5678")); // a half-written new one
    assertThatThrownBy(() -> HfCheckpoint.load(dir))
        .hasMessage(dir + ": no such checkpoint folder; an interrupted save left the previous checkpoint at " + aside);
  }

  /**
   * Kills a child JVM (SIGKILL) at several moments while it saves checkpoints in a loop; after each
   * kill the target folder must load completely, with every tensor from one single save.
   */
  @Tag("slow")
  @Test
  void killDuringSaveNeverLeavesAPartialCheckpoint() throws Exception {
    Path dir = tmp.resolve("ckpt");
        String java = ProcessHandle.current().info().command().orElse("java");
    long[] delaysMs = {0, 60, 180, 400}; // after the child's first save; one save takes ~100-400 ms here (fsync) // after the child's first completed save
    List<Float> seen = new ArrayList<>();
    int killedMidSave = 0;
    for (long delay : delaysMs) {
      Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), CrashSaver.class.getName(),
          dir.toString()).redirectErrorStream(true).start();
      try (var out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()))) {
        String line = out.readLine(); // "saved 1", once the first save is published
        assertThat(line).as("child output").isEqualTo("saved 1");
        Thread.sleep(delay);
      } finally {
        p.destroyForcibly().waitFor();
      }
      HfCheckpoint back = HfCheckpoint.load(dir); // must exist and be complete
      float v = back.tensors().get(HfNames.EMBED).data()[0];
      for (var e : back.tensors().entrySet())
        for (float x : e.getValue().data()) assertThat(x).as("%s after kill at %d ms", e.getKey(), delay).isEqualTo(v);
      seen.add(v);
      if (!AtomicFolder.leftovers(dir).isEmpty()) killedMidSave++; // the next save cleans them up
    }
    System.out.println("kill test: versions seen " + seen + ", kills that interrupted a save: " + killedMidSave);
    assertThat(seen).as("every kill left a complete checkpoint of some save").allMatch(v -> v >= 1 && v == Math.rint(v));
    assertThat(killedMidSave).as("at least one kill landed inside a save").isPositive();
  }

  /** Child-process body for the kill test: saves versions 1, 2, 3, ... of a ~2.4 MB checkpoint forever. */
  public static final class CrashSaver {
    static final LlamaConfig CONFIG = new LlamaConfig(Architecture.LLAMA, 512, 128, 256, 4, 4, 2, 32, 1e-5, 10000.0,
        null, 512, false, false, 1, List.of(2));

    public static void main(String[] args) {
      Path dir = Path.of(args[0]);
      for (int v = 1; ; v++) {
        HfCheckpoint.save(dir, CONFIG, constantWeights(CONFIG, v), DType.F32, 1 << 20, null);
        if (v == 1) {
          System.out.println("saved 1");
          System.out.flush();
        }
      }
    }
  }
}
