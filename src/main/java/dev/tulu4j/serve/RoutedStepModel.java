package dev.tulu4j.serve;

import dev.tulu4j.generate.StepModel;
import dev.tulu4j.model.KvCache;
import dev.tulu4j.model.LlamaConfig;
import dev.tulu4j.model.LlamaModel;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A {@link StepModel} whose KV-cache slots may each run a different set of weights of one
 * architecture: the base model, a LoRA adapter merged into a copy of it, or a base reloaded from
 * disk. The weights of a sequence are fixed when its prompt is prefilled, so a sequence in flight
 * finishes on the weights it started with while new requests already use replaced ones.
 *
 * <p>The server {@link #bind binds} each submitted prompt array (one array per sample) to its
 * weights before queueing it; the generator hands that same array to {@link #prefill}. An unbound
 * prompt runs the current base. A decode step runs one batched pass per distinct weight set among
 * the slots (one pass when every sequence uses the same weights, the common case).
 */
final class RoutedStepModel implements StepModel {
  private final KvCache cache;
  private final LlamaConfig config;
  private final Supplier<LlamaModel> base;
  private final LlamaModel[] slotModel;
  private final Map<int[], LlamaModel> bound = new IdentityHashMap<>();
  private final int[] one = {0};
  private int[][] rows = new int[0][];

  RoutedStepModel(LlamaConfig config, Supplier<LlamaModel> base, int slots, int maxSequenceLength) {
    this.config = config;
    this.base = base;
    this.cache = new KvCache(config, slots, maxSequenceLength);
    this.slotModel = new LlamaModel[slots];
  }

  /** The weights {@code prompt} (this very array) will be prefilled with. */
  void bind(int[] prompt, LlamaModel model) {
    if (!model.config().equals(config)) throw new IllegalArgumentException("weights of a different architecture");
    synchronized (bound) {
      bound.put(prompt, model);
    }
  }

  /** Forgets a binding whose prompt was never prefilled (a request cancelled while queued). */
  void unbind(int[] prompt) {
    synchronized (bound) {
      bound.remove(prompt);
    }
  }

  @Override
  public int vocabSize() {
    return config.vocabSize();
  }

  @Override
  public int slots() {
    return cache.batch();
  }

  @Override
  public int maxSequenceLength() {
    return cache.maxLen();
  }

  @Override
  public void prefill(int slot, int[] prompt, float[] logits) {
    if (prompt.length == 0) throw new IllegalArgumentException("empty prompt for slot " + slot);
    LlamaModel m;
    synchronized (bound) {
      m = bound.remove(prompt);
    }
    if (m == null) m = base.get();
    slotModel[slot] = m;
    cache.reset(slot);
    one[0] = slot;
    m.append(cache, one, new int[][] {prompt}, 1, logits);
  }

  @Override
  public void decode(int[] slots, int[] tokens, int n, float[] logits) {
    if (rows.length < n) {
      rows = new int[n][];
      for (int i = 0; i < n; i++) rows[i] = new int[1];
    }
    for (int i = 0; i < n; i++) rows[i][0] = tokens[i];
    LlamaModel first = slotModel[slots[0]];
    boolean same = true;
    for (int i = 1; i < n && same; i++) same = slotModel[slots[i]] == first;
    if (same) {
      first.append(cache, slots, rows, n, logits);
      return;
    }
    // one pass per weight set: gather its slots, run them, scatter their logits back
    int v = config.vocabSize();
    boolean[] done = new boolean[n];
    int[] idx = new int[n];
    int[] sub = new int[n];
    int[][] subRows = new int[n][];
    for (int i = 0; i < n; i++) {
      if (done[i]) continue;
      LlamaModel m = slotModel[slots[i]];
      int k = 0;
      for (int j = i; j < n; j++) {
        if (!done[j] && slotModel[slots[j]] == m) {
          done[j] = true;
          idx[k] = j;
          sub[k] = slots[j];
          subRows[k++] = rows[j];
        }
      }
      float[] out = new float[k * v];
      m.append(cache, Arrays.copyOf(sub, k), Arrays.copyOf(subRows, k), k, out);
      for (int j = 0; j < k; j++) System.arraycopy(out, j * v, logits, idx[j] * v, v);
    }
  }
}
