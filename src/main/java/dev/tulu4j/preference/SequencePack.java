package dev.tulu4j.preference;

import dev.tulu4j.model.Batch;
import dev.tulu4j.tokenizer.EncodedConversation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Sequences packed greedily (in order) into rows for one forward pass, with the bookkeeping to sum
 * each sequence's completion log-probs and to spread a per-sequence gradient back over its tokens.
 * Targets are shifted: position t predicts token t+1 of the same sequence when that token is
 * labelled. Each sequence is its own segment (attention and RoPE positions restart); padding is a
 * segment of its own with ignored targets.
 *
 * @param batch the (B, T) model batch; T is the longest row's fill
 * @param seqOf (B·T) the sequence whose completion log-prob each target belongs to, -1 if none
 * @param last per sequence, the batch row index (b·T + t) of its last token (reward models read the value there)
 * @param sequences how many sequences are packed
 */
public record SequencePack(Batch batch, int[] seqOf, int[] last, int sequences) {

  /** Packs {@code ids[i]} / {@code labels[i]} into rows of at most {@code rowLength} tokens. */
  public static SequencePack pack(List<int[]> ids, List<int[]> labels, int rowLength, int padId) {
    List<List<Integer>> rows = new ArrayList<>();
    List<Integer> cur = new ArrayList<>();
    int used = 0, longest = 0;
    for (int i = 0; i < ids.size(); i++) {
      int n = ids.get(i).length;
      if (n > rowLength) throw new IllegalArgumentException("sequence " + i + " has " + n + " tokens > row length " + rowLength);
      if (!cur.isEmpty() && used + n > rowLength) {
        rows.add(cur);
        longest = Math.max(longest, used);
        cur = new ArrayList<>();
        used = 0;
      }
      cur.add(i);
      used += n;
    }
    if (!cur.isEmpty()) {
      rows.add(cur);
      longest = Math.max(longest, used);
    }
    int b = rows.size(), t = Math.max(1, longest);
    int[] tok = new int[b * t], tgt = new int[b * t], seg = new int[b * t], seqOf = new int[b * t];
    Arrays.fill(tok, padId);
    Arrays.fill(tgt, EncodedConversation.IGNORE);
    Arrays.fill(seqOf, -1);
    int[] last = new int[ids.size()];
    for (int r = 0; r < b; r++) {
      int at = r * t, s = 0;
      for (int i : rows.get(r)) {
        int[] x = ids.get(i), y = labels.get(i);
        for (int k = 0; k < x.length; k++) {
          tok[at + k] = x[k];
          seg[at + k] = s;
          if (k + 1 < x.length && y[k + 1] != EncodedConversation.IGNORE) {
            tgt[at + k] = x[k + 1];
            seqOf[at + k] = i;
          }
        }
        last[i] = at + x.length - 1;
        at += x.length;
        s++;
      }
      for (int k = at; k < (r + 1) * t; k++) seg[k] = s; // padding run
    }
    return new SequencePack(new Batch(b, t, tok, tgt, null, seg), seqOf, last, ids.size());
  }

  /**
   * Packs pairs {@code idx} as sequences chosen₀, rejected₀, chosen₁, … (the layout DPO and the
   * reward model both read: sequence 2k is pair k's chosen response, 2k+1 its rejected one).
   */
  public static SequencePack ofPairs(List<EncodedPair> pairs, int[] idx, int rowLength, int padId) {
    List<int[]> ids = new ArrayList<>(), labels = new ArrayList<>();
    for (int i : idx) {
      EncodedPair p = pairs.get(i);
      ids.add(p.chosenIds());
      labels.add(p.chosenLabels());
      ids.add(p.rejectedIds());
      labels.add(p.rejectedLabels());
    }
    return pack(ids, labels, rowLength, padId);
  }

  /** Σ log-prob of each sequence's completion tokens. */
  public double[] sums(float[] logp) {
    double[] s = new double[sequences];
    for (int r = 0; r < seqOf.length; r++) if (seqOf[r] >= 0) s[seqOf[r]] += logp[r];
    return s;
  }

  /** Upstream gradient per token: {@code perSequence[s]} on every completion token of sequence s. */
  public float[] upstream(double[] perSequence) {
    float[] u = new float[seqOf.length];
    for (int r = 0; r < seqOf.length; r++) if (seqOf[r] >= 0) u[r] = (float) perSequence[seqOf[r]];
    return u;
  }
}
