package dev.tulu4j.recipe;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tulu4j.checkpoint.HfCheckpoint;
import dev.tulu4j.checkpoint.PeftAdapter;
import dev.tulu4j.model.Parameter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DPO with {@code lora:}: the reference is the base with the adapter off (the same cached reference
 * log-probs a full DPO run from the same checkpoint uses), the first step's margin is 0 (B starts at
 * zero, so policy == reference), training the adapter alone raises the margin, and checkpoints are
 * PEFT adapter folders.
 */
class DpoLoraTest {
  @Test
  void loraDpoRaisesTheMarginWithTheBaseAsReference(@TempDir Path dir) throws Exception {
    Path model = TinyRun.model(dir, 3);
    Path data = TinyRun.preferences(dir.resolve("prefs.jsonl"), TinyRun.facts(8, 0));
    ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    PrintStream log = new PrintStream(logBytes, true);
    RunResult r = DpoRecipe.run(DpoRecipeTest.config(model, data, dir, "lora.r=8", "lora.alpha=16",
        "train.optim.lr=2e-2"), log);
    assertThat(logBytes.toString()).contains("lora: r=8 alpha=16");
    List<JsonNode> m = DpoRecipeTest.metrics(dir.resolve("run"));
    assertThat(m).hasSize(12);
    assertThat(m.getFirst().path("rewards/margin").asDouble()).isCloseTo(0.0, Offset.offset(1e-5));
    assertThat(m.getFirst().path("loss").asDouble()).isCloseTo(Math.log(2), Offset.offset(1e-6));
    double lastMargin = m.getLast().path("rewards/margin").asDouble();
    System.out.printf("lora dpo micro run: loss %.4f -> %.4f, margin 0 -> %.4f%n",
        m.getFirst().path("loss").asDouble(), m.getLast().path("loss").asDouble(), lastMargin);
    assertThat(lastMargin).isGreaterThan(0.2);
    Path last = r.train().lastCheckpoint();
    assertThat(Files.exists(last.resolve("config.json"))).isFalse();
    PeftAdapter.Loaded ad = PeftAdapter.load(last, HfCheckpoint.readConfig(model));
    assertThat(ad.baseModel()).isEqualTo(model.toAbsolutePath().normalize().toString());
    double bNorm = 0;
    for (Parameter p : ad.adapter().parameters())
      if (p.name().endsWith("lora_B.weight")) for (float v : p.data()) bNorm += v * v;
    assertThat(bNorm).isGreaterThan(0);

    // a full DPO run from the same checkpoint reads the very reference the LoRA run cached
    RunResult full = DpoRecipe.run(DpoRecipeTest.config(model, data, dir, "train.out_dir=" + dir.resolve("full"),
        "train.max_steps=1"), log);
    assertThat(full.details().get("reference_from_cache")).isEqualTo(true);
    assertThat(full.details().get("reference_file")).isEqualTo(r.details().get("reference_file"));
  }
}
