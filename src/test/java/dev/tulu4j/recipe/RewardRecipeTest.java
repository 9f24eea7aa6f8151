package dev.tulu4j.recipe;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tulu4j.cli.Main;
import dev.tulu4j.config.ConfigLoader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tiny Bradley–Terry run learns a feature that generalises to held-out pairs; scoring adds rewards per line. */
@Tag("slow")
class RewardRecipeTest {
  static List<String[]> refusals(int n, int offset) {
    List<String[]> out = new ArrayList<>();
    for (String[] f : TinyRun.facts(n, offset)) out.add(new String[] {f[0], f[1], "I do not know, sorry."});
    return out;
  }

  @Test
  void trainsScoresAndReportsHeldOutAccuracy(@TempDir Path dir) throws Exception {
    Path model = TinyRun.model(dir, 9);
    Path train = TinyRun.preferences(dir.resolve("train.jsonl"), refusals(20, 0));
    Path eval = TinyRun.preferences(dir.resolve("eval.jsonl"), refusals(6, 40));
    RewardConfig cfg = ConfigLoader.fromOverrides(List.of("model=" + model, "data=" + train, "eval_data=" + eval,
        "max_length=64", "save_dtype=f32", "train.optim.lr=3e-3", "train.optim.warmup_ratio=0",
        "train.optim.schedule=constant", "train.micro_batch=4", "train.max_steps=15", "train.threads=1",
        "train.out_dir=" + dir.resolve("run"), "train.progress=false"), RewardConfig.class);
    RunResult r = RewardRecipe.run(cfg, new PrintStream(new ByteArrayOutputStream()));
    assertThat(r.number("train_pairs")).isEqualTo(20.0);
    assertThat(r.number("eval_pairs")).isEqualTo(6.0);
    List<JsonNode> m = new ArrayList<>();
    for (String l : Files.readAllLines(dir.resolve("run/metrics.jsonl"))) m.add(TinyRun.JSON.readTree(l));
    double first = m.getFirst().path("loss").asDouble(), last = m.getLast().path("loss").asDouble();
    System.out.printf("reward micro run: loss %.4f -> %.4f, held-out accuracy %.3f -> %.3f%n", first, last,
        r.number("eval_accuracy_before"), r.number("eval_accuracy_after"));
    assertThat(first).as("fresh head: rewards near 0, loss near log 2").isCloseTo(Math.log(2), Offset.offset(0.05));
    assertThat(last).isLessThan(0.2);
    assertThat(r.number("eval_accuracy_after")).isEqualTo(1.0);
    assertThat(m.getLast().has("accuracy")).isTrue();
    JsonNode ev = TinyRun.JSON.readTree(dir.resolve("run/reward_eval.json").toFile());
    assertThat(ev.path("accuracy_after").asDouble()).isEqualTo(1.0);
    Path ckpt = r.train().lastCheckpoint();
    assertThat(Files.readString(ckpt.resolve("config.json"))).contains("LlamaForSequenceClassification");

    // Scoring: the same conversation as messages and as prompt + completion gets the same reward.
    String q = "What is 4 plus 5?";
    String lines = String.join("\n",
        "{\"messages\":[{\"role\":\"user\",\"content\":\"" + q + "\"},{\"role\":\"assistant\",\"content\":\"It is 9.\"}]}",
        "{\"prompt\":\"" + q + "\",\"completion\":\"It is 9.\"}",
        "{\"chosen\":[{\"role\":\"user\",\"content\":\"" + q + "\"},{\"role\":\"assistant\",\"content\":\"It is 9.\"}],"
            + "\"rejected\":[{\"role\":\"user\",\"content\":\"" + q + "\"},{\"role\":\"assistant\",\"content\":\"I do not know, sorry.\"}]}",
        "");
    Files.writeString(dir.resolve("in.jsonl"), lines);
    Path out = dir.resolve("scored.jsonl");
    assertThat(Main.execute("reward", "score", "--model", ckpt.toString(), "--in", dir.resolve("in.jsonl").toString(),
        "--out", out.toString(), "--max-length", "64", "--threads", "1")).isZero();
    List<String> got = Files.readAllLines(out);
    assertThat(got).hasSize(3);
    JsonNode a = TinyRun.JSON.readTree(got.get(0)), b = TinyRun.JSON.readTree(got.get(1)), c = TinyRun.JSON.readTree(got.get(2));
    assertThat(a.path("reward").asDouble()).isEqualTo(b.path("reward").asDouble());
    assertThat(c.path("chosen_reward").asDouble()).isEqualTo(a.path("reward").asDouble());
    assertThat(c.path("chosen_reward").asDouble()).isGreaterThan(c.path("rejected_reward").asDouble());

    // A line of an unknown shape is an error naming the file and line; a causal LM is not a reward model.
    Files.writeString(dir.resolve("bad.jsonl"), "{\"text\":\"hi\"}\n");
    assertThat(Main.execute("reward", "score", "--model", ckpt.toString(), "--in", dir.resolve("bad.jsonl").toString(),
        "--out", dir.resolve("o2.jsonl").toString())).isEqualTo(1);
    assertThat(Main.execute("reward", "score", "--model", model.toString(), "--in", dir.resolve("in.jsonl").toString(),
        "--out", dir.resolve("o3.jsonl").toString())).isEqualTo(1);
  }
}
