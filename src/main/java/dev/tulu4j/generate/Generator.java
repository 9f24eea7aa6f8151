package dev.tulu4j.generate;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Batched generation with continuous batching: sequences wait in a queue, each free KV slot is
 * filled by prefilling the next prompt, and every step decodes one token for all sequences in
 * flight. A sequence that stops (EOS, stop string, length) frees its slot at once, so ragged RLVR
 * rollouts and concurrent server requests keep the batch full. Sample i of a request draws from
 * {@code seed + i}, so results do not depend on how requests were interleaved.
 *
 * <p>Not thread-safe: one thread drives it, either through {@link #generate} (a fixed list) or by
 * {@link #submit} from any thread plus {@link #runUntilIdle} on the engine thread (the server).
 * Cancelling a future that {@link #submit} returned (from any thread) drops that sequence before
 * the next step: a queued one never starts, an active one frees its KV slot (a client that hung up).
 */
public final class Generator {
  private final StepModel model;
  private final Collection<Integer> eosIds;
  private final Function<int[], String> decoder;
  private final Deque<Seq> waiting = new ArrayDeque<>();
  private final Seq[] active;
  private int samplable;

  /**
   * @param eosIds tokens that end a sequence (kept in the output ids, not in the text)
   * @param decoder ids → text, used for stop strings and the returned text; may be null for ids only
   */
  public Generator(StepModel model, Collection<Integer> eosIds, Function<int[], String> decoder) {
    this.model = model;
    this.eosIds = List.copyOf(eosIds);
    this.decoder = decoder;
    this.active = new Seq[model.slots()];
    this.samplable = model.vocabSize();
  }

  /**
   * Samples only ids below {@code n}: a checkpoint's embedding matrix is often padded past the
   * tokenizer's vocabulary (or, for a small corpus, the tokenizer learned fewer tokens than the model
   * has rows), and an id the tokenizer does not know can be neither decoded nor verified.
   */
  public Generator limitVocab(int n) {
    if (n < 1) throw new IllegalArgumentException("vocabulary limit must be >= 1, got " + n);
    this.samplable = Math.min(n, model.vocabSize());
    return this;
  }

  /** One prompt to continue {@code n} times. */
  public record Request(int[] prompt, int n, SamplingParams params) {
    public Request {
      if (n < 1) throw new IllegalArgumentException("n must be >= 1, got " + n);
      if (prompt.length == 0) throw new IllegalArgumentException("empty prompt");
    }
  }

  /** One generated continuation. */
  public record Output(int[] ids, String text, double[] logprobs, String finishReason) {}

  /** Progress callback: called after every decode step. */
  public interface Listener {
    void onStep(int finishedSequences, int generatedTokens);
  }

  /** Receives each sampled token of one sequence as it is generated (streaming). */
  public interface TokenSink {
    void onToken(int token, double logprob);

    /**
     * Called just before {@link #onToken} with the raw logits row the token was drawn from
     * ({@code logits[off, off + vocab)}, the whole model vocabulary; valid only during the call), for
     * callers that report raw log-probs or top alternatives (the server). Does nothing by default.
     */
    default void onLogits(int token, float[] logits, int off, int vocab) {}
  }

  private static final class Seq {
    final Sampler sampler;
    final SamplingParams params;
    final int[] prompt;
    final TokenSink sink;
    final CompletableFuture<Output> done = new CompletableFuture<>();
    int[] ids = new int[16];
    double[] lps = new double[16];
    int len;
    int slot = -1;
    int pending = -1; // sampled, not yet fed to the model

    Seq(int[] prompt, SamplingParams params, long seed, TokenSink sink) {
      this.params = params;
      this.prompt = prompt;
      this.sink = sink;
      this.sampler = new Sampler(params, seed);
    }

    void add(int tok, double lp) {
      if (len == ids.length) {
        ids = Arrays.copyOf(ids, len * 2);
        lps = Arrays.copyOf(lps, len * 2);
      }
      ids[len] = tok;
      lps[len++] = lp;
      if (sink != null) sink.onToken(tok, lp);
    }
  }

  /**
   * Queues one sequence (sample {@code sample} of a request, seeded {@code params.seed() + sample});
   * the future completes when it finishes. Call {@link #runUntilIdle} to make progress.
   */
  public CompletableFuture<Output> submit(int[] prompt, SamplingParams params, int sample, TokenSink sink) {
    if (prompt.length == 0) throw new IllegalArgumentException("empty prompt");
    if (prompt.length >= model.maxSequenceLength())
      throw new IllegalArgumentException("the prompt has " + prompt.length
          + " tokens; the model holds at most " + model.maxSequenceLength());
    Seq s = new Seq(prompt, params, params.seed() + sample, sink);
    synchronized (waiting) {
      waiting.add(s);
    }
    return s.done;
  }

  /** Generates every sample of every request; the result is indexed [request][sample]. */
  public List<List<Output>> generate(List<Request> requests, Listener listener) {
    List<List<CompletableFuture<Output>>> futures = new ArrayList<>();
    for (int r = 0; r < requests.size(); r++) {
      Request req = requests.get(r);
      List<CompletableFuture<Output>> fs = new ArrayList<>();
      try {
        for (int s = 0; s < req.n(); s++) fs.add(submit(req.prompt(), req.params(), s, null));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("request " + r + ": " + e.getMessage(), e);
      }
      futures.add(fs);
    }
    runUntilIdle(listener);
    List<List<Output>> out = new ArrayList<>();
    for (var fs : futures) out.add(fs.stream().map(CompletableFuture::join).toList());
    return out;
  }

  /** True while sequences are queued or in flight. */
  public boolean busy() {
    synchronized (waiting) {
      if (!waiting.isEmpty()) return true;
    }
    for (Seq s : active) if (s != null) return true;
    return false;
  }

  /** Runs prefill and decode steps until no sequence is queued or in flight. */
  public void runUntilIdle(Listener listener) {
    int vocab = model.vocabSize();
    float[] one = new float[vocab];
    float[] logits = new float[active.length * vocab];
    int[] slotIds = new int[active.length];
    int[] toks = new int[active.length];
    int finished = 0;
    int generated = 0;
    while (true) {
      // fill free slots: prefill and sample the first token
      for (int slot = 0; slot < active.length; slot++) {
        if (active[slot] != null) continue;
        Seq s;
        synchronized (waiting) {
          s = waiting.poll();
        }
        if (s == null) break;
        if (s.done.isDone()) { // cancelled while queued
          slot--;
          continue;
        }
        if (s.params.maxNewTokens() == 0) {
          finish(s, "length");
          finished++;
          slot--; // the slot is still free
          continue;
        }
        s.slot = slot;
        model.prefill(slot, s.prompt, one);
        active[slot] = s;
        generated++;
        if (step(s, one, 0)) {
          finish(s, reason(s));
          active[slot] = null;
          finished++;
        }
      }
      int n = 0;
      for (int slot = 0; slot < active.length; slot++) {
        if (active[slot] != null && active[slot].done.isDone()) active[slot] = null; // cancelled: free the slot
      }
      for (Seq s : active) {
        if (s != null) {
          slotIds[n] = s.slot;
          toks[n++] = s.pending;
        }
      }
      if (n == 0) {
        synchronized (waiting) {
          if (waiting.isEmpty()) return;
        }
        continue;
      }
      model.decode(slotIds, toks, n, logits);
      for (int i = 0; i < n; i++) {
        Seq s = active[slotIds[i]];
        generated++;
        if (step(s, logits, i * vocab)) {
          finish(s, reason(s));
          active[s.slot] = null;
          finished++;
        }
      }
      if (listener != null) listener.onStep(finished, generated);
    }
  }

  /**
   * Fails every queued and active sequence with {@code cause} and frees all slots: after the model
   * threw mid-step, their futures would otherwise never complete. Call on the driving thread.
   */
  public void abortAll(Throwable cause) {
    List<Seq> all = new ArrayList<>();
    synchronized (waiting) {
      all.addAll(waiting);
      waiting.clear();
    }
    for (int slot = 0; slot < active.length; slot++) {
      if (active[slot] != null) all.add(active[slot]);
      active[slot] = null;
    }
    for (Seq s : all) s.done.completeExceptionally(cause);
  }

  /** Samples the next token into {@code s}; returns true when the sequence is finished. */
  private boolean step(Seq s, float[] logits, int off) {
    Sampler.Pick p = s.sampler.next(logits, off, samplable);
    if (s.sink != null) s.sink.onLogits(p.token(), logits, off, model.vocabSize());
    s.add(p.token(), p.logprob());
    s.pending = p.token();
    if (eosIds.contains(p.token())) return true;
    if (hitStop(s) >= 0) return true;
    if (s.len >= s.params.maxNewTokens()) return true;
    return s.prompt.length + s.len >= model.maxSequenceLength();
  }

  private String reason(Seq s) {
    if (s.len > 0 && eosIds.contains(s.ids[s.len - 1])) return "stop";
    return hitStop(s) >= 0 ? "stop" : "length";
  }

  /** Index in the decoded text where a stop string starts, or -1. */
  private int hitStop(Seq s) {
    if (s.params.stopStrings().isEmpty() || decoder == null) return -1;
    return firstStop(decoder.apply(Arrays.copyOf(s.ids, s.len)), s.params.stopStrings());
  }

  private static int firstStop(String text, List<String> stops) {
    int best = -1;
    for (String stop : stops) {
      int i = text.indexOf(stop);
      if (i >= 0 && (best < 0 || i < best)) best = i;
    }
    return best;
  }

  private void finish(Seq s, String reason) {
    int[] ids = Arrays.copyOf(s.ids, s.len);
    double[] lps = Arrays.copyOf(s.lps, s.len);
    String text = null;
    if (decoder != null) {
      int textLen = ids.length;
      if (textLen > 0 && eosIds.contains(ids[textLen - 1])) textLen--;
      text = decoder.apply(Arrays.copyOf(ids, textLen));
      int cut = firstStop(text, s.params.stopStrings());
      if (cut >= 0) text = text.substring(0, cut);
    }
    s.done.complete(new Output(ids, text, lps, reason));
  }
}
