package dev.tulu4j.recipe;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tulu4j.cli.Main;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole recipe end to end on recipes/micro.yaml (seconds): every stage runs, the report is complete, a rerun skips. */
@Tag("slow")
class PipelineMicroTest {
  @Test
  void microRecipeRunsEveryStageAndWritesTheReport(@TempDir Path out) throws Exception {
    assertThat(Main.execute("pipeline", "recipes/micro.yaml", "--out", out.toString())).isZero();
    for (String stage : new String[] {"data", "decontaminate", "pretrain", "sft", "reward", "dpo", "rlvr", "eval"}) {
      assertThat(out.resolve(stage).resolve(".done.json")).as(stage).exists();
    }
    JsonNode r = new ObjectMapper().readTree(out.resolve("report.json").toFile());
    // four model stages, each scored on the three synthetic tasks with an interval around the value
    assertThat(r.get("stages")).hasSize(4);
    // three synthetic tasks, one sampled variant, and the reward-model-judged win rate over the previous stage
    assertThat(r.get("tasks")).hasSize(5);
    assertThat(r.at("/stages/0/scores")).hasSize(4); // base has no previous stage
    // the win rate pairs the greedy tasks' responses only
    assertThat(r.at("/stages/1/scores/win rate vs prev/n").asInt()).isEqualTo(3 * 4);
    // the sampled task: 2 responses per item, the item's score their mean
    for (String line : Files.readAllLines(out.resolve("eval/sft/synth_ifeval@t0.7x2.jsonl"))) {
      JsonNode item = new ObjectMapper().readTree(line);
      assertThat(item.get("samples")).hasSize(2);
      double mean = (item.at("/samples/0/score").asDouble() + item.at("/samples/1/score").asDouble()) / 2;
      assertThat(item.get("score").asDouble()).isEqualTo(mean);
    }
    // every on-policy prompt gives a pair under the verifier-then-reward-model judge
    JsonNode prefs = new ObjectMapper().readTree(out.resolve("dpo/onpolicy_prefs.jsonl.stats.json").toFile());
    assertThat(prefs.get("tiesSkipped").asInt()).isZero();
    assertThat(prefs.get("pairs").asInt()).isEqualTo(prefs.get("prompts").asInt());
    for (JsonNode st : r.get("stages")) {
      for (JsonNode t : r.get("tasks")) {
        JsonNode sc = st.at("/scores/" + t.asText());
        if (sc.isMissingNode()) continue;
        assertThat(sc.get("n").asInt()).isPositive();
        assertThat(sc.get("lo").asDouble()).isLessThanOrEqualTo(sc.get("value").asDouble());
        assertThat(sc.get("hi").asDouble()).isGreaterThanOrEqualTo(sc.get("value").asDouble());
      }
    }
    // the decontamination table covers every training file × eval
    assertThat(r.get("decontamination").size()).isEqualTo(3 * 2);
    // curves: pretrain and SFT losses at least, each with one point per step
    assertThat(r.get("curves").size()).isGreaterThanOrEqualTo(2);
    assertThat(r.at("/curves/0/series/loss/x")).hasSize(3);
    assertThat(r.get("samples").size()).isPositive();
    String html = Files.readString(out.resolve("report.html"));
    assertThat(html).contains("<h2>Stages</h2>").contains("data:image/png;base64,").contains("sft − base");
    // paired differences between consecutive stages: structured in the JSON, a table in the HTML
    assertThat(r.get("differences")).hasSize(3);
    assertThat(r.at("/differences/0/stage").asText()).isEqualTo("sft");
    assertThat(r.at("/differences/0/byTask/synth_gsm8k/n").asInt()).isEqualTo(4);
    assertThat(html).contains("<h2>Paired differences</h2>").contains("<td>rlvr − dpo</td>");
    // the judge's held-out pair accuracy, as the reward stage measured it
    JsonNode rewardEval = new ObjectMapper().readTree(out.resolve("reward/reward_eval.json").toFile());
    String judgeNote = String.format(java.util.Locale.ROOT, "reward model: held-out pair accuracy %.3f on %d pairs",
        rewardEval.get("accuracy_after").asDouble(), rewardEval.get("eval_pairs").asInt());
    assertThat(r.get("notes").toString()).contains(judgeNote);
    assertThat(html).contains(judgeNote);
    // a second run changes nothing and skips every stage
    long mtime = Files.getLastModifiedTime(out.resolve("sft/.done.json")).toMillis();
    assertThat(Main.execute("pipeline", "recipes/micro.yaml", "--out", out.toString())).isZero();
    assertThat(Files.getLastModifiedTime(out.resolve("sft/.done.json")).toMillis()).isEqualTo(mtime);
  }
}
