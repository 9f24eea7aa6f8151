package dev.tulu4j.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tulu4j.data.Message;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SampledEvalTest {
  static final Path DATA = Path.of("data");

  /** Item i gets i % 5 right answers among its 4 samples (capped at 4), and records how it was asked. */
  static final class Graded implements Responder {
    final List<EvalItem> items;
    EvalTask.Sampling asked;

    Graded(List<EvalItem> items) {
      this.items = items;
    }

    @Override
    public List<String> respond(List<List<Message>> prompts, int maxNewTokens, List<String> stop) {
      throw new AssertionError("a sampled task must not be answered greedily");
    }

    @Override
    public List<List<String>> sample(List<List<Message>> prompts, int maxNewTokens, List<String> stop,
        EvalTask.Sampling sampling) {
      asked = sampling;
      List<List<String>> out = new ArrayList<>();
      for (int i = 0; i < prompts.size(); i++) {
        String gold = items.get(i).groundTruth().asText();
        int right = Math.min(4, i % 5);
        List<String> rs = new ArrayList<>();
        for (int j = 0; j < sampling.samples(); j++) rs.add(j < right ? "So the answer is " + gold + "." : "The answer is 123456789.");
        out.add(rs);
      }
      return out;
    }
  }

  @Test
  void theSuffixSamplesAndTheItemScoreIsTheMeanOfItsSamples(@TempDir Path out) throws Exception {
    EvalTask task = Tasks.load("gsm8k@t0.7x4", DATA, null, 10);
    assertThat(task.name()).isEqualTo("gsm8k@t0.7x4");
    assertThat(task.sampling()).isEqualTo(new EvalTask.Sampling(0.7, 4, 0));
    Graded r = new Graded(task.items());

    var res = EvalRunner.run(List.of(task), r, out).get(0);

    assertThat(r.asked.samples()).isEqualTo(4);
    // right counts per item: 0,1,2,3,4,0,1,2,3,4 → item scores 0, .25, .5, .75, 1, ... → mean 0.5
    assertThat(res.scores()).containsExactly(0, 0.25, 0.5, 0.75, 1, 0, 0.25, 0.5, 0.75, 1);
    assertThat(res.headline().value()).isCloseTo(0.5, Offset.offset(1e-12));
    // normal interval of the item means: sd = sqrt(Σ(x−.5)²/9) = sqrt(1.25/9)
    double half = Stats.Z95 * Math.sqrt(1.25 / 9 / 10);
    assertThat(res.headline().lo()).isCloseTo(0.5 - half, Offset.offset(1e-12));
    assertThat(res.metrics()).containsEntry("samples_per_item", 4.0).containsEntry("temperature", 0.7);
    var lines = Files.readAllLines(out.resolve("gsm8k@t0.7x4.jsonl"));
    var third = new ObjectMapper().readTree(lines.get(2));
    assertThat(third.get("score").asDouble()).isEqualTo(0.5);
    assertThat(third.get("samples")).hasSize(4);
    assertThat(third.at("/samples/0/score").asDouble()).isEqualTo(1.0);
    assertThat(third.at("/samples/3/score").asDouble()).isEqualTo(0.0);
  }

  @Test
  void badSuffixesAreRejectedWithTheExpectedForm() {
    assertThatThrownBy(() -> Tasks.load("gsm8k@0.7", DATA, null, 1)).hasMessageContaining("@t0.7x4");
    assertThatThrownBy(() -> Tasks.load("gsm8k@t0x4", DATA, null, 1)).hasMessageContaining("temperature > 0");
    assertThatThrownBy(() -> Tasks.load("gsm8k@t0.7x0", DATA, null, 1)).hasMessageContaining("at least 1 sample");
  }

  @Test
  void greedyResponderCannotSample() {
    Responder greedyOnly = (prompts, max, stop) -> prompts.stream().map(p -> "x").toList();
    assertThat(greedyOnly.sample(List.of(List.of(new Message("user", "q"))), 8, List.of(), EvalTask.Sampling.GREEDY))
        .containsExactly(List.of("x"));
    assertThatThrownBy(() -> greedyOnly.sample(List.of(), 8, List.of(), new EvalTask.Sampling(0.7, 2, 0)))
        .isInstanceOf(UnsupportedOperationException.class);
  }
}
