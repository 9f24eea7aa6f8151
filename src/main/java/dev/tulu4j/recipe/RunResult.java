package dev.tulu4j.recipe;

import dev.tulu4j.train.TrainResult;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a training recipe produced; every recipe (pretrain, SFT, reward, DPO, RLVR) returns one.
 *
 * @param finalModel the last checkpoint: a Hugging Face model folder (config.json, safetensors,
 *     tokenizer files) plus trainer_state/
 * @param train the train loop's result (steps, losses of this process, tokens)
 * @param seconds wall time of this process's training loop (data preparation excluded)
 * @param dataSummary one line describing the prepared data (counts)
 * @param details the stage's own numbers under snake_case names, in a fixed order (DPO: pairs and
 *     the reference cache; reward: held-out accuracy; RLVR: prompts and the last step's reward),
 *     values that Jackson writes as JSON (numbers, strings, booleans)
 */
public record RunResult(Path finalModel, TrainResult train, double seconds, String dataSummary,
    Map<String, Object> details) {
  public RunResult {
    details = Collections.unmodifiableMap(new LinkedHashMap<>(details));
  }

  public RunResult(Path finalModel, TrainResult train, double seconds, String dataSummary) {
    this(finalModel, train, seconds, dataSummary, Map.of());
  }

  /** A stage-specific number of {@link #details}. */
  public double number(String key) {
    Object v = details.get(key);
    if (!(v instanceof Number n)) throw new IllegalArgumentException("no number '" + key + "' in " + details);
    return n.doubleValue();
  }

  /**
   * The summary a pipeline stage keeps in its {@code .done.json}: the final model, steps, last loss,
   * tokens, time and data line, then {@link #details}.
   */
  public Map<String, Object> summary() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("final_model", String.valueOf(finalModel));
    m.put("steps", train.steps());
    m.put("resumed_from", train.resumedFrom());
    m.put("last_loss", Double.isFinite(train.lastLoss()) ? train.lastLoss() : null);
    m.put("total_tokens", train.totalTokens());
    m.put("seconds", seconds);
    m.put("data", dataSummary);
    m.putAll(details);
    return m;
  }
}
