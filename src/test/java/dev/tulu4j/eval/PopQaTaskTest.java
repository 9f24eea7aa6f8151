package dev.tulu4j.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PopQA {@code popqa::tulu} over a hand-made fixture in akariasai/PopQA's layout (test.tsv). */
class PopQaTaskTest {
  static final Path DIR = Path.of("src/test/resources/eval/popqa");

  @Test
  void fifteenExemplarsAsChatTurns() {
    EvalTask t = PopQaTask.load("popqa", DIR, 0);
    assertThat(t.items()).hasSize(4);
    assertThat(t.maxNewTokens()).isEqualTo(15);
    assertThat(t.stop()).containsExactly("\n\n");
    EvalItem first = t.items().get(0);
    // 15 exemplar pairs + the question
    assertThat(first.messages()).hasSize(31);
    // FEWSHOT_SOURCES["popqa"][0] (oe_eval/tasks/fewshot_sources.py)
    assertThat(first.messages().get(0).content()).isEqualTo("Q: What is Thomas Widdrington's occupation? A:");
    assertThat(first.messages().get(1).content()).isEqualTo("politician");
    assertThat(first.messages().get(30).content()).isEqualTo("Q: What is Ann Lee's occupation? A:");
    assertThat(first.groundTruth().toString()).isEqualTo("[\"painter\",\"artist\"]");
    assertThat(first.id()).isEqualTo("popqa-1");
  }

  @Test
  void matchRulesAsOlmes(@TempDir Path out) throws Exception {
    EvalTask t = PopQaTask.load("popqa", DIR, 0);
    List<String> responses = List.of(
        " She was a Painter.", // "painter".capitalize() = "Painter" occurs → right
        " new york city", // "new york city" = the label lower-cased → right
        " PARIS", // neither "Paris", "paris" nor "Paris" occurs: the response is not lower-cased → wrong
        " Rockabilly"); // "rock".capitalize() = "Rock" is a substring → right
    var r = EvalRunner.score(t, responses, out.resolve("popqa.jsonl"));
    assertThat(r.scores()).containsExactly(1, 1, 0, 1);
    assertThat(r.headline().value()).isEqualTo(0.75);
    assertThat(r.metrics()).containsEntry("exact_match", 0.75);
  }

  @Test
  void capitalizeIsPythons() {
    assertThat(PopQaTask.capitalize("new YORK")).isEqualTo("New york");
    assertThat(PopQaTask.capitalize("")).isEmpty();
    // an empty possible answer is "in" every response, as in Python
    assertThat(PopQaTask.correct("anything", List.of(""))).isTrue();
  }

  @Test
  void jsonlExportReadsTheSame(@TempDir Path dir) throws Exception {
    // the same rows as a datasets to_json export (ids as numbers)
    StringBuilder b = new StringBuilder();
    for (EvalItem it : PopQaTask.load("popqa", DIR, 0).items()) {
      var o = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
      o.put("id", Long.parseLong(it.id().substring("popqa-".length()))).put("question", it.prompt())
          .put("possible_answers", it.groundTruth().toString());
      b.append(o).append('\n');
    }
    Files.writeString(dir.resolve("test.jsonl"), b);
    assertThat(PopQaTask.load("popqa", dir, 0).items()).isEqualTo(PopQaTask.load("popqa", DIR, 0).items());
  }
}
