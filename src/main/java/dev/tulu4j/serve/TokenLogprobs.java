package dev.tulu4j.serve;

import dev.tulu4j.model.Activations;
import dev.tulu4j.model.Batch;
import dev.tulu4j.model.LlamaModel;

/**
 * Log-probabilities as vLLM reports them by default ({@code logprobs_mode = "raw_logprobs"}): the
 * log-softmax of the model's raw logits over the whole vocabulary, before temperature, top-p or
 * any other sampling step, so the numbers do not depend on how the token was drawn. Computed in
 * double from the float logits.
 */
final class TokenLogprobs {
  private TokenLogprobs() {}

  /** One position: the chosen token's log-prob and the {@code top} most likely tokens (descending). */
  record Position(int token, double logprob, int[] topIds, double[] topLogprobs) {}

  /** The position whose logits are {@code logits[off, off + vocab)} and whose token is {@code token}. */
  static Position at(float[] logits, int off, int vocab, int token, int top) {
    return at(logits, off, vocab, token, top, 1.0);
  }

  /** As {@link #at(float[], int, int, int, int)} for the logits times {@code scale} (1/temperature). */
  static Position at(float[] logits, int off, int vocab, int token, int top, double scale) {
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < vocab; i++) max = Math.max(max, logits[off + i] * scale);
    double sum = 0;
    for (int i = 0; i < vocab; i++) sum += Math.exp(logits[off + i] * scale - max);
    double lse = max + Math.log(sum);
    int k = Math.min(top, vocab);
    int[] ids = new int[k];
    double[] lps = new double[k];
    int filled = 0;
    for (int i = 0; i < vocab && k > 0; i++) {
      float x = logits[off + i];
      if (filled == k && x <= logits[off + ids[k - 1]]) continue; // ties keep the lower id
      int j = filled < k ? filled++ : k - 1;
      while (j > 0 && logits[off + ids[j - 1]] < x) {
        ids[j] = ids[j - 1];
        j--;
      }
      ids[j] = i;
    }
    for (int j = 0; j < k; j++) lps[j] = logits[off + ids[j]] * scale - lse;
    return new Position(token, logits[off + token] * scale - lse, ids, lps);
  }

  /**
   * Log-probs of every prompt token after the first under {@code model}, from one full forward pass
   * (the quantity {@code echo} with {@code logprobs} returns); entry i is token i + 1.
   */
  static Position[] prompt(LlamaModel model, int[] ids, int top) {
    Position[] out = new Position[Math.max(0, ids.length - 1)];
    if (out.length == 0) return out;
    int n = ids.length - 1; // the last token's prediction is never needed
    int v = model.config().vocabSize();
    float[] lg = model.logits(new Batch(1, n, java.util.Arrays.copyOf(ids, n), null, null, null),
        Activations.inference(model.config(), n)); // forward only
    for (int i = 0; i < n; i++) out[i] = at(lg, i * v, v, ids[i + 1], top);
    return out;
  }
}
