package dev.tulu4j.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DROP over a hand-made fixture in {@code EleutherAI/drop}'s layout (src/test/resources/eval/drop). */
class DropTaskTest {
  static final Path DIR = Path.of("src/test/resources/eval/drop");

  @Test
  void promptUsesThePythonSampledExemplars() {
    EvalTask t = DropTask.load("drop", DIR, 0);
    assertThat(t.items()).hasSize(4);
    assertThat(t.maxNewTokens()).isEqualTo(50);
    assertThat(t.stop()).containsExactly("Passage:", "Question:");
    // random.Random(1234).sample(30 train docs, 3) = rows 24, 14, 3 (PyRandomTest), each with " " + its answer
    String expected = "Passage: Team 24 scored 27 points in game 24.\nQuestion: How many points did team 24 score?\nAnswer: 27\n\n"
        + "Passage: Team 14 scored 17 points in game 14.\nQuestion: How many points did team 14 score?\nAnswer: 17\n\n"
        + "Passage: Team 3 scored 6 points in game 3.\nQuestion: How many points did team 3 score?\nAnswer: 6\n\n"
        + "Passage: The Bears kicked a 24-yard field goal and later a 31-yard field goal.\n"
        + "Question: How many yards was the longest field goal?\nAnswer:";
    EvalItem first = t.items().get(0);
    assertThat(first.messages()).hasSize(1);
    assertThat(first.messages().get(0).content()).isEqualTo(expected);
    assertThat(first.id()).isEqualTo("q-number");
    // gold answers: ("31",) then the validated ("31",) (a duplicate, dropped) and ("31-yard",)
    assertThat(first.groundTruth().toString()).isEqualTo("[[\"31\"],[\"31-yard\"]]");
    // a date answer with an empty day: "" + " March 1998" stripped
    assertThat(t.items().get(2).groundTruth().toString()).isEqualTo("[[\"March 1998\"]]");
    // an all-blank answer parses to ("",), kept (and skipped by the metric)
    assertThat(t.items().get(3).groundTruth().toString()).isEqualTo("[[\"\"],[\"1000\"]]");
  }

  @Test
  void scoresMeanF1AndExactMatch(@TempDir Path out) throws Exception {
    EvalTask t = DropTask.load("drop", DIR, 0);
    Map<String, String> answers = Map.of("q-number", " 31", "q-spans", "Smith and Jones", "q-date", "March 1998.",
        "q-blank-first", "1,000");
    List<String> responses = t.items().stream().map(i -> answers.get(i.id())).toList();
    var r = EvalRunner.score(t, responses, out.resolve("drop.jsonl"));
    // F1: 1 (31 = 31), 0.25 (one of two gold spans, DropMetricTest), 1 ("1998." is a float), 1 (blank gold skipped)
    assertThat(r.headline().value()).isEqualTo((1 + 0.25 + 1 + 1) / 4);
    assertThat(r.metrics()).containsEntry("f1", 0.8125).containsEntry("exact_match", 0.75);
    assertThat(Files.readAllLines(out.resolve("drop.jsonl"))).hasSize(4);
  }

  @Test
  void missingSplitIsAClearError(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("validation.jsonl"), "{}\n");
    assertThatThrownBy(() -> DropTask.load("drop", dir, 0)).hasMessageContaining("no 'train' split in " + dir);
    Files.writeString(dir.resolve("train.jsonl"), "{\"passage\": \"p\"}\n".repeat(3));
    assertThatThrownBy(() -> DropTask.load("drop", dir, 0)).hasMessageContaining("train.jsonl:").hasMessageContaining("'question'");
  }
}
