package dev.tulu4j.runtime;

import dev.tulu4j.model.Activations;
import dev.tulu4j.model.Batch;
import dev.tulu4j.model.LlamaModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Log-probabilities of completions given prompts, {@code log p(completion_i | prompt, completion_<i)}
 * (natural log, one per completion token) — the quantity DPO's reference model, RL's old policy and
 * {@code tulu4j score} need.
 *
 * <p>Packed rows: each sequence is {@code prompt ++ completion} minus its last token (whose
 * prediction is never needed), targets are the next tokens on completion positions and ignored
 * elsewhere. Sequences are packed first-fit by decreasing length into rows of length T (the longest
 * sequence), each its own segment of the {@link Batch} (attention never crosses a segment, RoPE
 * positions restart), padded with a segment of its own; rows are grouped into forward passes of at
 * most {@code batchTokens} tokens (at least one row). Results are independent of the packing up to
 * float rounding of the GEMM blocking.
 */
public final class Scorer {
  private final LlamaModel model;
  private final int batchTokens;
  private Activations act;

  /** @param batchTokens tokens per forward pass (B·T), e.g. 4096 */
  public Scorer(LlamaModel model, int batchTokens) {
    if (batchTokens < 1) throw new IllegalArgumentException("batch tokens must be >= 1, got " + batchTokens);
    this.model = model;
    this.batchTokens = batchTokens;
  }

  /**
   * Scores every pair; {@code result.get(i)} has one log-prob per token of {@code completions.get(i)}.
   *
   * @throws IllegalArgumentException if a prompt is empty, an id is outside the vocabulary or a
   *     sequence is longer than the model's max positions (the message names the pair's index)
   */
  public List<double[]> score(List<int[]> prompts, List<int[]> completions) {
    if (prompts.size() != completions.size())
      throw new IllegalArgumentException(prompts.size() + " prompts but " + completions.size() + " completions");
    int n = prompts.size();
    int vocab = model.config().vocabSize();
    int[] len = new int[n]; // input length: prompt + completion − 1
    int longest = 1;
    for (int i = 0; i < n; i++) {
      int[] p = prompts.get(i), c = completions.get(i);
      if (p.length == 0) throw new IllegalArgumentException("pair " + i + ": empty prompt (need at least one token, e.g. BOS)");
      checkIds(p, vocab, i, "prompt");
      checkIds(c, vocab, i, "completion");
      len[i] = p.length + c.length - 1;
      if (len[i] + 1 > model.config().maxPositions())
        throw new IllegalArgumentException("pair " + i + ": " + (len[i] + 1) + " tokens exceed max_position_embeddings "
            + model.config().maxPositions());
      longest = Math.max(longest, len[i]);
    }
    List<double[]> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) out.add(new double[completions.get(i).length]);
    List<List<Integer>> rows = pack(len, longest);
    int t = longest;
    int rowsPerPass = Math.max(1, batchTokens / t);
    for (int from = 0; from < rows.size(); from += rowsPerPass) {
      List<List<Integer>> pass = rows.subList(from, Math.min(rows.size(), from + rowsPerPass));
      runPass(pass, t, prompts, completions, len, out);
    }
    return out;
  }

  private static void checkIds(int[] ids, int vocab, int pair, String what) {
    for (int j = 0; j < ids.length; j++)
      if (ids[j] < 0 || ids[j] >= vocab)
        throw new IllegalArgumentException("pair " + pair + ": " + what + " id " + ids[j] + " at " + j
            + " is outside the vocabulary [0, " + vocab + ")");
  }

  /** First-fit decreasing: sequence indices per row (sequences with nothing to score are skipped). */
  private static List<List<Integer>> pack(int[] len, int capacity) {
    Integer[] order = new Integer[len.length];
    for (int i = 0; i < order.length; i++) order[i] = i;
    Arrays.sort(order, Comparator.comparingInt((Integer i) -> -len[i]).thenComparingInt(i -> i));
    List<List<Integer>> rows = new ArrayList<>();
    List<Integer> free = new ArrayList<>();
    for (int i : order) {
      if (len[i] == 0) continue; // one-token prompt and empty completion: nothing to predict
      int r = 0;
      while (r < rows.size() && free.get(r) < len[i]) r++;
      if (r == rows.size()) {
        rows.add(new ArrayList<>());
        free.add(capacity);
      }
      rows.get(r).add(i);
      free.set(r, free.get(r) - len[i]);
    }
    return rows;
  }

  private void runPass(List<List<Integer>> pass, int t, List<int[]> prompts, List<int[]> completions, int[] len,
      List<double[]> out) {
    int b = pass.size();
    int total = b * t;
    int[] ids = new int[total];
    int[] targets = new int[total];
    int[] segments = new int[total];
    Arrays.fill(targets, -100);
    Arrays.fill(segments, -1); // padding: its own segment (sequence indices are >= 0)
    for (int row = 0; row < b; row++) {
      int at = row * t;
      for (int i : pass.get(row)) {
        int[] p = prompts.get(i), c = completions.get(i);
        for (int j = 0; j < len[i]; j++) {
          ids[at + j] = j < p.length ? p[j] : c[j - p.length];
          segments[at + j] = i;
          int next = j + 1;
          if (next >= p.length) targets[at + j] = c[next - p.length];
        }
        at += len[i];
      }
    }
    // forward only: inference activations (one layer's buffers shared by all layers), the same log-probs
    if (act == null || act.capacity() < total) act = Activations.inference(model.config(), total);
    float[] lp = model.forward(new Batch(b, t, ids, targets, null, segments), act).logp();
    for (int row = 0; row < b; row++) {
      int at = row * t;
      for (int i : pass.get(row)) {
        int pl = prompts.get(i).length;
        double[] o = out.get(i);
        for (int k = 0; k < o.length; k++) o[k] = lp[at + pl - 1 + k];
        at += len[i];
      }
    }
  }
}
