package dev.tulu4j.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tulu4j.data.Message;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvalRunnerTest {
  static final Path DATA = Path.of("data");

  /** Answers GSM8K questions with the gold solution for even items and a wrong number for odd ones. */
  static final class HalfRight implements Responder {
    final List<EvalItem> items;

    HalfRight(List<EvalItem> items) {
      this.items = items;
    }

    public List<String> respond(List<List<Message>> prompts, int maxNewTokens, List<String> stop) {
      List<String> out = new ArrayList<>();
      for (int i = 0; i < prompts.size(); i++) {
        String gold = items.get(i).groundTruth().asText();
        out.add(i % 2 == 0 ? gold.replace("####", "So the answer is") : "I think the answer is 123456789.");
      }
      return out;
    }
  }

  @Test
  void gsm8kScoresAndFiles(@TempDir Path out) throws Exception {
    EvalTask task = Tasks.load("gsm8k", DATA, null, 10);
    var results = EvalRunner.run(List.of(task), new HalfRight(task.items()), out);
    var r = results.get(0);
    assertThat(r.headline().value()).isEqualTo(0.5);
    assertThat(r.headline().n()).isEqualTo(10);
    assertThat(r.headline().lo()).isLessThan(0.5);
    var lines = Files.readAllLines(out.resolve("gsm8k.jsonl"));
    assertThat(lines).hasSize(10);
    var first = new ObjectMapper().readTree(lines.get(0));
    assertThat(first.get("score").asDouble()).isEqualTo(1.0);
    assertThat(first.get("extracted").asText()).isEqualTo("18");
    var summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
    assertThat(summary.at("/gsm8k/score").asDouble()).isEqualTo(0.5);
  }

  @Test
  void ifevalReportsAllFourAccuracies(@TempDir Path out) throws Exception {
    EvalTask task = Tasks.load("ifeval", DATA, null, 3);
    // an all-lowercase, comma-free, long response: follows some instructions of the first prompts
    Responder r = (prompts, max, stop) -> prompts.stream().map(p -> "hello world ".repeat(200).trim()).toList();
    var res = EvalRunner.run(List.of(task), r, out).get(0);
    assertThat(res.metrics()).containsKeys("prompt_level_strict_acc", "inst_level_strict_acc",
        "prompt_level_loose_acc", "inst_level_loose_acc");
    assertThat(res.metrics().get("inst_level_loose_acc")).isGreaterThanOrEqualTo(res.metrics().get("inst_level_strict_acc"));
    assertThat(res.headline().value()).isEqualTo(res.metrics().get("prompt_level_loose_acc"));
  }

  @Test
  void mathIsAMacroAverageOverSubjects(@TempDir Path out) throws Exception {
    EvalTask task = Tasks.load("math500", DATA, null, 20);
    Responder r = (prompts, max, stop) -> {
      List<String> o = new ArrayList<>();
      for (int i = 0; i < prompts.size(); i++) {
        o.add(i < 5 ? "Final Answer: The final answer is $" + task.items().get(i).groundTruth().asText() + "$. I hope it is correct." : "no idea");
      }
      return o;
    };
    var res = EvalRunner.run(List.of(task), r, out).get(0);
    assertThat(res.metrics()).containsKey("micro_accuracy");
    assertThat(res.metrics().get("micro_accuracy")).isEqualTo(0.25);
    double macro = res.metrics().entrySet().stream().filter(e -> e.getKey().startsWith("subject/"))
        .mapToDouble(e -> e.getValue()).average().orElseThrow();
    assertThat(res.headline().value()).isCloseTo(macro, org.assertj.core.api.Assertions.within(1e-12));
  }

  @Test
  void unknownTaskAndMissingSynthDirAreClearErrors() {
    assertThatThrownBy(() -> Tasks.load("mmlu_pro", DATA, null, 0)).hasMessageContaining("unknown eval task 'mmlu_pro'");
    assertThatThrownBy(() -> Tasks.load("synth_gsm8k", DATA, null, 0)).hasMessageContaining("--synth-dir");
  }

  @Test
  void popqaMatchesAnyPossibleAnswer() {
    var item = new EvalItem("q", List.of(Message.user("What is the capital of Veloria?")), "What is the capital of Veloria?",
        new ObjectMapper().createArrayNode().add("Zentar"), null);
    assertThat(Tasks.popqaScore(item, "The capital of Veloria is zentar.").score()).isEqualTo(1);
    assertThat(Tasks.popqaScore(item, "I do not know.").score()).isZero();
  }

  @Test
  void badSyntheticRowsNameFileAndLine(@TempDir Path synth) throws Exception {
    Files.createDirectories(synth.resolve("test"));
    Files.write(synth.resolve("test/popqa.jsonl"), List.of(
        "{\"question\": \"Q1?\", \"possible_answers\": [\"A\"]}",
        "{\"question\": \"Q2?\", \"possible_answers\": []}"));
    assertThatThrownBy(() -> Tasks.load("synth_popqa", DATA, synth, 0))
        .hasMessageContaining("popqa.jsonl:2: needs 'question' (string) and 'possible_answers' (a non-empty list)");
    // an empty answer string is never a match (it would be a substring of every response)
    var item = new EvalItem("q", List.of(Message.user("Q?")), "Q?", new ObjectMapper().createArrayNode().add(""), null);
    assertThat(Tasks.popqaScore(item, "anything").score()).isZero();
    assertThat(Tasks.popqaScore(item, null).score()).isZero();
  }
}
