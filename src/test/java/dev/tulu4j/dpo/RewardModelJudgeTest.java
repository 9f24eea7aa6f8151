package dev.tulu4j.dpo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.tulu4j.data.Message;
import dev.tulu4j.io.DType;
import dev.tulu4j.model.LlamaConfig;
import dev.tulu4j.reward.ScalarHeadModel;
import dev.tulu4j.tensor.NaiveGemm;
import dev.tulu4j.tokenizer.BpeTrainer;
import dev.tulu4j.tokenizer.TemplateChoice;
import dev.tulu4j.verify.Verifiers;
import java.nio.file.Path;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reward-model judge on a real (random) scalar-head checkpoint with a trained BPE tokenizer. */
class RewardModelJudgeTest {
  @TempDir Path tmp;

  private static final PromptSource PROMPT = new PromptSource("p1", "test:1",
      List.of(new Message("user", "Ann has 7 apples and buys 5 more. How many now?")),
      JsonNodeFactory.instance.textNode("12"), "gsm8k");

  /** Responses of different lengths, so the batch pads all but the longest. */
  private static final List<String> RESPONSES = List.of(
      "#### 12",
      "Ann starts with 7 apples. After buying 5 more she has 7 + 5 = 12 apples.\n#### 12",
      "She has 13. #### 13",
      "Seven plus five is twelve, so Ann has twelve apples now. #### 11");

  private Path rewardModel() {
    Path tok = tmp.resolve("tok");
    BpeTrainer.train(List.of("Ann has 7 apples and buys 5 more. How many now? She has 12 apples.",
        "Seven plus five is twelve. #### 13 starts with"), new BpeTrainer.Config(320, 1)).write(tok);
    LlamaConfig c = new LlamaConfig(LlamaConfig.Architecture.LLAMA, 320, 32, 64, 2, 4, 2, 8, 1e-5, 10000.0, null,
        256, true, false, 1, List.of(2));
    Path dir = tmp.resolve("rm");
    ScalarHeadModel.random(c, 9, new NaiveGemm()).save(dir, DType.F32, tok);
    return dir;
  }

  @Test
  void batchedRatingsEqualOneAtATimeRatings() {
    try (Judge j = Judge.rewardModel(rewardModel(), new NaiveGemm(), TemplateChoice.parse("tulu"), 256)) {
      double[] batched = j.rateAll(PROMPT, RESPONSES);
      assertThat(batched).hasSize(RESPONSES.size());
      for (int k = 0; k < RESPONSES.size(); k++)
        assertThat(batched[k]).as("response %d", k).isCloseTo(j.rate(PROMPT, RESPONSES.get(k)), Offset.offset(1e-5));
      assertThat(batched[0]).as("different responses get different scores").isNotEqualTo(batched[1]);
      assertThat(j.rateAll(PROMPT, List.of())).isEmpty();
    }
  }

  @Test
  void verifierThenRewardModelBatchesTheSameWay() {
    try (Judge j = Judge.verifierThenRewardModel(Judge.verifier(Verifiers.standard()),
        Judge.rewardModel(rewardModel(), new NaiveGemm(), TemplateChoice.parse("tulu"), 256))) {
      double[] batched = j.rateAll(PROMPT, RESPONSES);
      for (int k = 0; k < RESPONSES.size(); k++)
        assertThat(batched[k]).as("response %d", k).isCloseTo(j.rate(PROMPT, RESPONSES.get(k)), Offset.offset(1e-6));
      assertThat(batched[0]).isGreaterThan(4);   // verified
      assertThat(batched[1]).isGreaterThan(4);
      assertThat(batched[2]).isLessThan(1);      // #### 13: wrong
      assertThat(batched[3]).isLessThan(1);
    }
  }
}
