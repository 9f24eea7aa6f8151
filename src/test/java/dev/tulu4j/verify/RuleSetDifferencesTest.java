package dev.tulu4j.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * How often the two rule sets disagree on the realistic completions of
 * {@code src/test/resources/verify/openinstruct/realistic.jsonl} (built by
 * {@code tools/openinstruct_golden.py} from GSM8K and MATH-500 items), per kind of completion. The
 * pinned counts are the table in docs/VERIFIERS.md ("Differences between the rule sets").
 */
class RuleSetDifferencesTest {

  /** kind -> {tulu4j only, open-instruct only} for the pinned table. */
  static final Map<String, int[]> EXPECTED = new TreeMap<>(Map.ofEntries(
      Map.entry("gsm8k/decimal_zero", new int[] {15, 0}),   // "The answer is 18.0": string "18.0" != "18"
      Map.entry("gsm8k/dollar_cents", new int[] {15, 0}),   // "$18.00"
      Map.entry("gsm8k/negative_sign", new int[] {0, 15}),  // "The answer is -18.": the sign is dropped
      Map.entry("gsm8k/trailing_check", new int[] {15, 0}), // a number after "The answer is N." wins
      Map.entry("math/dollars_in_box", new int[] {15, 0}),  // \boxed{$9$}
      Map.entry("math/fbox", new int[] {15, 0}),            // \fbox{9}: remove_boxed's assertion fails
      Map.entry("math/last_dollar", new int[] {2, 0}),      // gold \text{Evelyn} / \left( 3, … \right) not normalised
      Map.entry("math/minerva", new int[] {2, 0}),          // same two golds
      Map.entry("math/period_in_box", new int[] {0, 7}),    // \boxed{\frac{14}{3}.}: sympy ignores the '.'
      Map.entry("math/two_answers", new int[] {0, 14})));   // \boxed{4, 0}: sympy reads up to the comma

  @Test
  void disagreementsPerKindAreTheDocumentedOnes() throws IOException {
    Verifiers tulu = VerifierRules.TULU4J.registry();
    Verifiers oi = VerifierRules.OPEN_INSTRUCT.registry();
    Map<String, int[]> counts = new TreeMap<>();
    Map<String, Integer> totals = new TreeMap<>();
    for (JsonNode r : OpenInstructGoldenTest.rows("realistic.jsonl")) {
      String ds = r.get("dataset").asText();
      String key = ds + "/" + r.get("kind").asText();
      TextNode gold = TextNode.valueOf(r.get("ground_truth").asText());
      String prediction = r.get("prediction").asText();
      boolean a = tulu.get(ds).verify(prediction, gold, null).correct();
      boolean b = oi.get(ds).verify(prediction, gold, null).correct();
      int[] c = counts.computeIfAbsent(key, k -> new int[4]);
      c[(a ? 2 : 0) + (b ? 1 : 0)]++;
      totals.merge(key, 1, Integer::sum);
    }
    StringBuilder table = new StringBuilder("kind | n | both | tulu4j only | open-instruct only | neither\n");
    counts.forEach((k, c) -> table.append(k).append(" | ").append(totals.get(k)).append(" | ").append(c[3])
        .append(" | ").append(c[2]).append(" | ").append(c[1]).append(" | ").append(c[0]).append('\n'));
    System.out.println(table);
    for (var e : counts.entrySet()) {
      int[] want = EXPECTED.getOrDefault(e.getKey(), new int[] {0, 0});
      assertEquals(want[0] + "/" + want[1], e.getValue()[2] + "/" + e.getValue()[1],
          e.getKey() + " (tulu4j only / open-instruct only)\n" + table);
    }
  }
}
