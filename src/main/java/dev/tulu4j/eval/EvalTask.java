package dev.tulu4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * One generative benchmark: its questions, how a response is scored, and how item scores become the
 * headline number.
 *
 * @param name task name as given to {@code --tasks}
 * @param items the questions, in file order
 * @param scorer scores one response against its item
 * @param maxNewTokens generation budget per item
 * @param stop stop strings (few-shot prompts stop at the next "Question:")
 * @param aggregation mean over items, or the macro average over subjects (MATH)
 * @param sampling greedy (the default), or {@code samples} responses per item at a temperature, the
 *     item's score being their mean (avg@k)
 */
public record EvalTask(String name, List<EvalItem> items, Scorer scorer, int maxNewTokens, List<String> stop,
    Aggregation aggregation, Sampling sampling) {

  public EvalTask {
    if (sampling == null) sampling = Sampling.GREEDY;
  }

  /** A greedy task. */
  public EvalTask(String name, List<EvalItem> items, Scorer scorer, int maxNewTokens, List<String> stop,
      Aggregation aggregation) {
    this(name, items, scorer, maxNewTokens, stop, aggregation, Sampling.GREEDY);
  }

  /** The same items and scoring under another name and sampling. */
  public EvalTask withSampling(String newName, Sampling s) {
    return new EvalTask(newName, items, scorer, maxNewTokens, stop, aggregation, s);
  }

  /**
   * How responses are drawn: {@code temperature} 0 and one sample is greedy decoding; otherwise
   * {@code samples} independent responses per item (sample i of item j seeded {@code seed + 1000·j + i}),
   * drawn from the top-{@code topP} nucleus.
   */
  public record Sampling(double temperature, int samples, long seed, double topP) {
    public static final Sampling GREEDY = new Sampling(0, 1, 0);

    /** Without nucleus truncation (top-p 1). */
    public Sampling(double temperature, int samples, long seed) {
      this(temperature, samples, seed, 1.0);
    }

    public Sampling {
      if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
      if (!(temperature >= 0)) throw new IllegalArgumentException("sampling temperature must be >= 0, got " + temperature);
      if (samples < 1) throw new IllegalArgumentException("samples per item must be >= 1, got " + samples);
      if (temperature == 0 && samples > 1)
        throw new IllegalArgumentException("greedy decoding gives one response per item; use a temperature > 0 for " + samples + " samples");
    }

    public boolean greedy() {
      return temperature == 0;
    }
  }

  public enum Aggregation {
    MEAN,
    /** Mean of per-subject means, as Tülu 3 reports MATH. */
    MACRO_SUBJECT,
    /** Mean of fractional item scores (DROP F1), with the normal 95% interval of {@link Stats#mean}. */
    MEAN_SCORE
  }

  /** Scores one response; {@code details} go to the per-item output. */
  public interface Scorer {
    ItemScore score(EvalItem item, String response);
  }

  /** A response's score in [0, 1], the answer extracted from it, and extra metrics (e.g. IFEval's loose verdict). */
  public record ItemScore(double score, String extracted, JsonNode details) {}
}
