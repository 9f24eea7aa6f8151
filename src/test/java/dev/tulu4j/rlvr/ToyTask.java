package dev.tulu4j.rlvr;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.tulu4j.model.LlamaConfig;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.tensor.NaiveGemm;
import dev.tulu4j.verify.VerificationResult;
import dev.tulu4j.verify.Verifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A verifiable toy task for a micro model: vocabulary "abcdefgh" (a = BOS, b = EOS); the response
 * is correct when its text starts with the ground truth ("d"). A random model emits it first with
 * probability about 1/8, so RL has signal from the first batch.
 */
final class ToyTask {
  static final int EOS = 1;
  static final String LETTERS = "abcdefgh";

  private ToyTask() {}

  static LlamaConfig config() {
    return new LlamaConfig(LlamaConfig.Architecture.LLAMA, 8, 16, 32, 1, 2, 2, 8, 1e-5, 10000.0, null, 64,
        true, false, 0, List.of(EOS));
  }

  static LlamaModel model(long seed) {
    return LlamaModel.random(config(), seed, new NaiveGemm());
  }

  static final Function<int[], String> DECODER = ids -> {
    StringBuilder sb = new StringBuilder();
    for (int id : ids) sb.append(LETTERS.charAt(id));
    return sb.toString();
  };

  /** Correct when the response starts with the ground truth string. */
  static final Verifier STARTS_WITH = (prediction, gt, prompt) ->
      new VerificationResult(prediction.startsWith(gt.asText()), prediction.isEmpty() ? "" : prediction.substring(0, 1), null);

  static List<RlvrPrompt> prompts() {
    List<RlvrPrompt> ps = new ArrayList<>();
    int[][] ids = {{0, 2}, {0, 4}, {0, 5, 6}, {0, 7}};
    for (int[] p : ids) ps.add(new RlvrPrompt(p, DECODER.apply(p), TextNode.valueOf("d"), "toy", STARTS_WITH));
    return ps;
  }

  static List<String> baseOverrides(Path out) {
    List<String> o = new ArrayList<>();
    o.add("model=unused");
    o.add("train_file=unused");
    o.add("train.out_dir=" + out);
    o.add("train.progress=false");
    o.add("train.threads=1");
    o.add("response_length=3");
    o.add("verify_reward=1.0");
    o.add("non_eos_penalty=0");
    o.add("prompts_per_batch=4");
    o.add("samples_per_prompt=8");
    o.add("train.micro_batch=8");
    o.add("rollout_slots=32");
    return o;
  }
}
