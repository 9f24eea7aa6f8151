package dev.tulu4j.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.tulu4j.rlvr.RlvrPrompt;
import dev.tulu4j.verify.Verifiers;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code dataset_weights}: how RLVR's prompt list is repeated or subsampled per dataset. */
class RlvrPromptWeightsTest {
  private static final Path FILE = Path.of("rlvr_train.jsonl");

  private static List<RlvrPrompt> prompts(String dataset, int n) {
    List<RlvrPrompt> out = new ArrayList<>();
    for (int i = 0; i < n; i++) out.add(new RlvrPrompt(new int[] {i}, dataset + i, TextNode.valueOf("1"), dataset, Verifiers.standard().get(dataset)));
    return out;
  }

  private static Map<String, Integer> counts(List<RlvrPrompt> ps) {
    Map<String, Integer> c = new HashMap<>();
    for (RlvrPrompt p : ps) c.merge(p.promptText(), 1, Integer::sum);
    return c;
  }

  @Test
  void wholeWeightsRepeatEveryPromptAndFractionsSubsampleDistinctOnes() {
    List<RlvrPrompt> all = new ArrayList<>(prompts("gsm8k", 10));
    all.addAll(prompts("ifeval", 8));
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    List<RlvrPrompt> w = RlvrRecipe.weighted(all, Map.of("ifeval", 2.5, "gsm8k", 0.3), 42, FILE,
        new PrintStream(log, true, StandardCharsets.UTF_8));
    Map<String, Integer> c = counts(w);
    // ifeval: 2 × 8 + round(0.5 × 8) = 20; gsm8k: round(0.3 × 10) = 3 distinct prompts
    assertThat(w.stream().filter(p -> p.dataset().equals("ifeval"))).hasSize(20);
    assertThat(c.entrySet().stream().filter(e -> e.getKey().startsWith("ifeval")).map(Map.Entry::getValue))
        .hasSize(8).allMatch(k -> k == 2 || k == 3).filteredOn(k -> k == 3).hasSize(4);
    assertThat(c.entrySet().stream().filter(e -> e.getKey().startsWith("gsm8k")).map(Map.Entry::getValue))
        .hasSize(3).containsOnly(1);
    assertThat(log.toString(StandardCharsets.UTF_8)).contains("gsm8k 10 x0.3 = 3, ifeval 8 x2.5 = 20 (23 in all)");
    // the same seed picks the same prompts; another seed other ones
    assertThat(RlvrRecipe.weighted(all, Map.of("ifeval", 2.5, "gsm8k", 0.3), 42, FILE, new PrintStream(new ByteArrayOutputStream())))
        .isEqualTo(w);
    assertThat(RlvrRecipe.weighted(all, Map.of("gsm8k", 0.3), 43, FILE, new PrintStream(new ByteArrayOutputStream()))
        .stream().filter(p -> p.dataset().equals("gsm8k")).map(RlvrPrompt::promptText).toList())
        .isNotEqualTo(w.stream().filter(p -> p.dataset().equals("gsm8k")).map(RlvrPrompt::promptText).toList());
  }

  @Test
  void noWeightsKeepTheListAndZeroDropsADataset() {
    List<RlvrPrompt> all = new ArrayList<>(prompts("gsm8k", 4));
    all.addAll(prompts("ifeval", 3));
    assertThat(RlvrRecipe.weighted(all, Map.of(), 1, FILE, new PrintStream(new ByteArrayOutputStream()))).isSameAs(all);
    assertThat(RlvrRecipe.weighted(all, Map.of("gsm8k", 0.0), 1, FILE, new PrintStream(new ByteArrayOutputStream())))
        .extracting(RlvrPrompt::dataset).containsOnly("ifeval").hasSize(3);
  }

  @Test
  void aWeightForAbsentPromptsOrOneThatLeavesNothingIsAnError() {
    List<RlvrPrompt> all = prompts("gsm8k", 4);
    assertThatThrownBy(() -> RlvrRecipe.weighted(all, Map.of("ifeval", 2.0), 1, FILE, new PrintStream(new ByteArrayOutputStream())))
        .hasMessageContaining("rlvr_train.jsonl: dataset_weights names 'ifeval', but no usable prompt has that dataset")
        .hasMessageContaining("[gsm8k]");
    assertThatThrownBy(() -> RlvrRecipe.weighted(all, Map.of("gsm8k", 0.0), 1, FILE, new PrintStream(new ByteArrayOutputStream())))
        .hasMessageContaining("dataset_weights leave no prompt");
  }
}
