package dev.tulu4j.recipe;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tulu4j.checkpoint.HfCheckpoint;
import dev.tulu4j.config.ConfigLoader;
import dev.tulu4j.dpo.ReferenceLogps;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.preference.PreferenceData;
import dev.tulu4j.tensor.NaiveGemm;
import dev.tulu4j.tokenizer.ChatTemplate;
import dev.tulu4j.tokenizer.ConversationEncoder;
import dev.tulu4j.tokenizer.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End to end: a tiny DPO run raises the margin; the reference cache equals fresh log-probs and is invalidated by its inputs. */
class DpoRecipeTest {
  static DpoConfig config(Path model, Path data, Path dir, String... extra) {
    List<String> o = new ArrayList<>(List.of("model=" + model, "data=" + data, "max_length=64",
        "ref_cache_dir=" + dir.resolve("cache"), "save_dtype=f32",
        "train.optim.lr=3e-3", "train.optim.warmup_ratio=0", "train.optim.schedule=constant",
        "train.micro_batch=4", "train.grad_accum=2", "train.max_steps=12", "train.threads=1",
        "train.out_dir=" + dir.resolve("run"), "train.progress=false"));
    o.addAll(List.of(extra));
    return ConfigLoader.fromOverrides(o, DpoConfig.class);
  }

  static List<JsonNode> metrics(Path run) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String l : Files.readAllLines(run.resolve("metrics.jsonl"))) out.add(TinyRun.JSON.readTree(l));
    return out;
  }

  @Test
  void microRunIncreasesTheMarginAndReusesTheReferenceCache(@TempDir Path dir) throws Exception {
    Path model = TinyRun.model(dir, 3);
    Path data = TinyRun.preferences(dir.resolve("prefs.jsonl"), TinyRun.facts(8, 0));
    PrintStream log = new PrintStream(new ByteArrayOutputStream());
    RunResult r = DpoRecipe.run(config(model, data, dir), log);
    assertThat(r.number("pairs")).isEqualTo(8.0);
    assertThat(r.details().get("reference_from_cache")).isEqualTo(false);
    List<JsonNode> m = metrics(dir.resolve("run"));
    assertThat(m).hasSize(12);
    // Step 1: policy == reference, so every implicit reward is 0 (up to fp32 rounding: the reference
    // pass packs pairs in file order, the training step in shuffled order).
    assertThat(m.getFirst().path("rewards/margin").asDouble()).isCloseTo(0.0, org.assertj.core.data.Offset.offset(1e-5));
    assertThat(m.getFirst().path("loss").asDouble()).isCloseTo(Math.log(2), org.assertj.core.data.Offset.offset(1e-6));
    double lastMargin = m.getLast().path("rewards/margin").asDouble();
    System.out.printf("dpo micro run: loss %.4f -> %.4f, margin 0 -> %.4f, accuracy %.2f%n",
        m.getFirst().path("loss").asDouble(), m.getLast().path("loss").asDouble(), lastMargin,
        m.getLast().path("rewards/accuracy").asDouble());
    assertThat(lastMargin).isGreaterThan(0.5);
    assertThat(m.getLast().path("rewards/accuracy").asDouble()).isEqualTo(1.0);
    assertThat(m.getLast().path("loss").asDouble()).isLessThan(0.5);
    for (String k : List.of("rewards/chosen", "rewards/rejected", "logps/chosen", "logps/rejected"))
      assertThat(m.getLast().has(k)).as(k).isTrue();
    // The final checkpoint is a loadable HF folder with changed weights.
    HfCheckpoint out = HfCheckpoint.load(r.train().lastCheckpoint());
    HfCheckpoint in = HfCheckpoint.load(model);
    assertThat(out.tensors().get("model.norm.weight").data()).isNotEqualTo(in.tensors().get("model.norm.weight").data());

    // A second run on the same inputs reads the cache, and the cache equals fresh log-probs.
    RunResult again = DpoRecipe.run(config(model, data, dir, "train.out_dir=" + dir.resolve("run2")), log);
    assertThat(again.details().get("reference_from_cache")).isEqualTo(true);
    assertThat(again.details().get("reference_file")).isEqualTo(r.details().get("reference_file"));
    try (Tokenizer tok = Tokenizer.load(model)) {
      PreferenceData pd = PreferenceData.load(List.of(data), new ConversationEncoder(tok, ChatTemplate.tulu(), 64));
      LlamaModel fresh = LlamaModel.fromTensors(in.config(), in.tensors(), new NaiveGemm(), false);
      double[][] want = ReferenceLogps.compute(fresh, pd.pairs(), 3, 64, tok.padId());
      double[][] got = ReferenceLogps.loadOrCompute(dir.resolve("cache"),
          Path.of((String) r.details().get("reference_file")).getFileName().toString().replace(".bin", ""), pd.pairs().size(), () -> {
            throw new AssertionError("cache should be used");
          }).logps();
      for (int i = 0; i < want.length; i++) {
        assertThat(got[i][0]).isCloseTo(want[i][0], org.assertj.core.data.Offset.offset(1e-4));
        assertThat(got[i][1]).isCloseTo(want[i][1], org.assertj.core.data.Offset.offset(1e-4));
        assertThat(got[i][0]).isNegative();
      }
    }

    // Changing the data invalidates it.
    TinyRun.preferences(data, TinyRun.facts(9, 0));
    RunResult changed = DpoRecipe.run(config(model, data, dir, "train.out_dir=" + dir.resolve("run3"), "train.max_steps=1"), log);
    assertThat(changed.details().get("reference_from_cache")).isEqualTo(false);
    // A run folder as model resolves to its latest checkpoint (the DPO output here): other weights, other key.
    RunResult fromRun = DpoRecipe.run(config(dir.resolve("run"), data, dir, "train.out_dir=" + dir.resolve("run4"),
        "train.max_steps=1"), log);
    assertThat(fromRun.details().get("reference_from_cache")).isEqualTo(false);
    assertThat(fromRun.details().get("reference_file")).isNotEqualTo(changed.details().get("reference_file"));
    assertThat(changed.details().get("reference_file")).isNotEqualTo(r.details().get("reference_file"));
  }

  @Test
  void cacheKeyCoversEveryInput(@TempDir Path dir) throws Exception {
    Path model = TinyRun.model(dir, 3);
    Path data = TinyRun.preferences(dir.resolve("prefs.jsonl"), TinyRun.facts(4, 0));
    String tulu = ChatTemplate.tulu().source();
    String base = ReferenceLogps.key(model, model, List.of(data), tulu, 64);
    assertThat(ReferenceLogps.key(model, model, List.of(data), tulu, 64)).isEqualTo(base);
    assertThat(ReferenceLogps.key(model, model, List.of(data), tulu, 65)).isNotEqualTo(base);
    assertThat(ReferenceLogps.key(model, model, List.of(data), tulu + " ", 64)).isNotEqualTo(base);
    Files.writeString(data, Files.readString(data) + "\n");
    String dataChanged = ReferenceLogps.key(model, model, List.of(data), tulu, 64);
    assertThat(dataChanged).isNotEqualTo(base);
    Path weights = model.resolve("model.safetensors");
    byte[] b = Files.readAllBytes(weights);
    b[b.length - 1] ^= 1;
    Files.write(weights, b);
    assertThat(ReferenceLogps.key(model, model, List.of(data), tulu, 64)).isNotEqualTo(dataChanged);
    String weightsChanged = ReferenceLogps.key(model, model, List.of(data), tulu, 64);
    Path tj = model.resolve("tokenizer.json");
    Files.writeString(tj, Files.readString(tj) + " ");
    assertThat(ReferenceLogps.key(model, model, List.of(data), tulu, 64)).isNotEqualTo(weightsChanged);
  }
}
