package dev.tulu4j.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HumanEval over a hand-made fixture in openai/openai_humaneval's layout. */
class HumanEvalTaskTest {
  static final Path DIR = Path.of("src/test/resources/eval/humaneval");

  @Test
  void promptProgramAndSampling() {
    List<HumanEvalTask.Problem> ps = HumanEvalTask.load(DIR, 0);
    assertThat(ps).hasSize(2);
    var msgs = HumanEvalTask.messages(ps.get(0));
    assertThat(msgs.get(0).content()).isEqualTo(ps.get(0).prompt() + "Here is the completed function:\n\n```python\n");
    assertThat(msgs.get(1).role()).isEqualTo("assistant");
    assertThat(msgs.get(1).content()).isEqualTo("Here is the completed function:\n\n```python\n");
    assertThat(HumanEvalTask.program(ps.get(0), "    return a + b\n"))
        .isEqualTo(ps.get(0).prompt() + "    return a + b\n\n" + ps.get(0).test() + "\ncheck(add)");
    assertThat(HumanEvalTask.SAMPLING).isEqualTo(new EvalTask.Sampling(0.8, 20, 0, 0.95));
    assertThat(HumanEvalTask.timeoutSeconds("humaneval")).isEqualTo(3.0);
    assertThat(HumanEvalTask.timeoutSeconds("humanevalplus")).isEqualTo(20.0);
  }

  @Test
  void passAtKFromExecutedSamples(@TempDir Path out) throws Exception {
    boolean hasPython;
    try {
      hasPython = new ProcessBuilder("python3", "-c", "pass").start().waitFor() == 0;
    } catch (java.io.IOException e) {
      hasPython = false;
    }
    assumeTrue(hasPython, "python3 is not installed");
    List<HumanEvalTask.Problem> ps = HumanEvalTask.load(DIR, 0);
    List<String> add = new ArrayList<>(Collections.nCopies(17, "    return a - b\n"));
    add.addAll(List.of("    return a + b\n", "    return b + a\n", "    return sum([a, b])\n"));
    List<String> even = Collections.nCopies(20, "    return n % 2 == 0\n");
    Responder fake = new Responder() {
      public List<String> respond(List<List<dev.tulu4j.data.Message>> p, int m, List<String> s) {
        throw new UnsupportedOperationException();
      }

      public List<List<String>> sample(List<List<dev.tulu4j.data.Message>> p, int m, List<String> s, EvalTask.Sampling sampling) {
        assertThat(sampling.samples()).isEqualTo(20);
        return List.of(add, even);
      }
    };
    var box = new CodeSandbox("python3", CodeSandbox.probeUnshare(), 3.0, 512L << 20);
    var r = HumanEvalTask.run("humaneval", ps, fake, box, 2, out.resolve("humaneval.jsonl"));
    // add: 3 of 20 pass → pass@10 = 1 - C(17,10)/C(20,10) = 17/19, pass@1 = 0.15; is_even: 20 of 20 → 1, 1
    assertThat(r.scores()).containsExactly(0.8947368421052632, 1.0);
    assertThat(r.headline().value()).isEqualTo((0.8947368421052632 + 1.0) / 2);
    assertThat(r.metrics().get("pass_at_1")).isEqualTo((0.15 + 1.0) / 2);
    assertThat(Files.readAllLines(out.resolve("humaneval.jsonl"))).hasSize(2);
  }
}
