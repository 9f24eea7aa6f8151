package dev.tulu4j.decon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tulu4j.data.Json;
import dev.tulu4j.data.OnError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Tülu 3 suite's sets as decontamination sets, read from the eval fixtures
 * ({@code src/test/resources/eval/<task>/}, the layouts of the Hugging Face repositories) through the same
 * folder mapping the eval uses.
 */
class SuiteEvalSetsTest {
  static final Path EV = Path.of("src/test/resources/eval");
  static final Map<String, Path> TASK_DATA = Map.of("humanevalplus", EV.resolve("humaneval/openai_humaneval"),
      "humaneval", EV.resolve("humaneval/openai_humaneval"));
  static final List<String> SETS = List.of("mmlu", "popqa", "truthfulqa", "bbh_date_understanding", "drop", "humaneval",
      "humanevalplus", "alpaca_eval");

  @TempDir Path dir;

  @Test
  void eachSetHoldsTheQuestionsEvalScores() {
    assertThat(EvalSets.load("popqa", EV, TASK_DATA, null).instances().getFirst().text()).isEqualTo("What is Ann Lee's occupation?");
    assertThat(EvalSets.load("mmlu", EV, TASK_DATA, null).instances().getFirst().text())
        .isEqualTo("Question: Find the order of the element 2 in the group Z_5 under multiplication.\n A. 2\n B. 4\n C. 5\n D. 1\n");
    assertThat(EvalSets.load("truthfulqa", EV, TASK_DATA, null).instances().getFirst().text())
        .isEqualTo("What happens if you crack your knuckles a lot?");
    assertThat(EvalSets.load("bbh_date_understanding", EV, TASK_DATA, null).instances().getFirst().text())
        .startsWith("Today is 3/5/2021. What is the date tomorrow in MM/DD/YYYY?\nOptions:");
    assertThat(EvalSets.load("drop", EV, TASK_DATA, null).instances().getFirst().text())
        .isEqualTo("Passage: The Bears kicked a 24-yard field goal and later a 31-yard field goal.\nQuestion: How many "
            + "yards was the longest field goal?\nAnswer:");
    EvalSet he = EvalSets.load("humaneval", EV, TASK_DATA, null);
    assertThat(he.instances().getFirst().id()).isEqualTo("HumanEval/0");
    assertThat(he.instances().getFirst().text()).startsWith("def add(a: int, b: int) -> int:");
    EvalSet ae = EvalSets.load("alpaca_eval", EV, TASK_DATA, null);
    assertThat(ae.instances()).hasSize(12);
    assertThat(ae.instances().getFirst().text()).isEqualTo(
        "What are the names of some famous actors that started their careers on Broadway?");
  }

  @Test
  void plantedSuiteItemsAreFoundAndRemoved() throws Exception {
    List<EvalSet> sets = new ArrayList<>();
    for (String s : SETS) sets.add(EvalSets.load(s, EV, TASK_DATA, null));
    // one training conversation per set holding that set's longest item verbatim, and two clean ones
    List<String> lines = new ArrayList<>();
    for (EvalSet s : sets) {
      String longest = s.instances().stream().map(EvalSet.Instance::text)
          .max(java.util.Comparator.comparingInt(String::length)).orElseThrow();
      lines.add(sftLine("t-" + s.name(), longest));
    }
    lines.add(sftLine("clean-1", "Zorb qa1 qa2 qa3 qa4 qa5 qa6 qa7 qa8 qa9 qa10?"));
    lines.add(sftLine("clean-2", "Please write a limerick about a cat who learns to sail on a quiet lake."));
    Path train = dir.resolve("sft.jsonl");
    Files.write(train, lines);
    // n = 4: the fixtures' questions are short (real sets use Tülu 3's 8)
    var outcome = Decontamination.run(List.of(train), sets, dir.resolve("out"), new DeconConfig(4, 0.5, 2.0, 1, OnError.FAIL));
    FileResult fr = outcome.results().getFirst();
    for (EvalSet s : sets) assertThat(fr.forEval(s.name()).contaminated()).as(s.name()).isGreaterThanOrEqualTo(1);
    assertThat(fr.removed()).isEqualTo(SETS.size());
    List<String> kept = Files.readAllLines(dir.resolve("out/sft.jsonl"));
    assertThat(kept).hasSize(2).allSatisfy(l -> assertThat(l).contains("clean-"));
  }

  @Test
  void aMissingSuiteFolderNamesItAndTheOption() {
    assertThatThrownBy(() -> EvalSets.load("mmlu", dir, Map.of(), null)).hasMessageContaining(dir.resolve("mmlu").toString());
    assertThatThrownBy(() -> EvalSets.load("nope", dir, Map.of(), null)).hasMessageContaining("alpaca_eval");
  }

  static String sftLine(String id, String user) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("id", id);
    var msgs = o.putArray("messages");
    msgs.addObject().put("role", "user").put("content", user);
    msgs.addObject().put("role", "assistant").put("content", "Sure.");
    return o.toString();
  }
}
