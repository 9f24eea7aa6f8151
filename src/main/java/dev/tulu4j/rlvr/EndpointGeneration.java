package dev.tulu4j.rlvr;

import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.model.Parameter;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Rollouts on endpoints with a weight sync before them, on-policy or one step off-policy.
 *
 * <p><b>On-policy</b> ({@code off_policy_steps: 0}): at the start of step s (0-based; the policy has
 * had s updates) the servers receive weights version s, then sample batch s. The trainer's "old"
 * log-probs are of the same weights, so they are what the sync check compares with.
 *
 * <p><b>One step off-policy</b> ({@code off_policy_steps: 1}), open-instruct's {@code async_mode}
 * ("learns from the second latest policy like Cleanba", grpo_fast.py at 80d6566ed^, lines 233–236,
 * 1708–1747, 2150–2215): batch 0 is generated with the starting weights before step 0; at the start
 * of step s the servers finish batch s, receive weights version s, and start batch s+1 in the
 * background while the trainer trains on batch s. So batch s is generated with version s−1 (batches 0
 * and 1 with version 0). As in open-instruct (current grpo_fast.py, "old logprobs … on the current
 * active policy, rather than use the logprobs from the generator (note that async mode means these
 * are a bit diff!)"), the ratio's old log-probs are the current weights'; the sync check instead
 * compares the engine's log-probs with the trainer's under the weights the batch was generated with,
 * which are kept as a copy of the trainable parameters (the adapter only, under LoRA) from the
 * moment the batch was started and swapped in for one forward pass.
 *
 * <p>A resumed run does not have the weights of the update before its checkpoint, so its first step
 * is generated on-policy (with the checkpoint's weights), after a sync; later steps are off-policy
 * again. An off-policy run is therefore reproducible but a resumed one is not bit-identical to an
 * uninterrupted one.
 */
final class EndpointGeneration implements AutoCloseable {
  private final LlamaModel policy;
  private final EndpointRollouts source;
  private final WeightSync sync;
  private final boolean offPolicy;
  private final SequenceForward check;
  private final boolean checkIsOld;
  private final ExecutorService background;
  private Pending pending;

  /** A batch in flight: its step and prompts, and the weights (version and copy) it is generated with. */
  private record Pending(long step, int[] indices, List<RlvrPrompt> prompts, Future<EndpointRollouts.Sent> sent,
      long version, float[][] weights) {}

  /**
   * A generated batch.
   *
   * @param weights the trainable parameters it was generated with, or null when those are the current ones
   * @param lag policy updates between the generating weights and the current ones (0 or 1)
   */
  record Generated(Rollouts.Batch batch, float[][] weights, long lag) {}

  /**
   * @param check the forward pass whose log-probs are the engine's kind (the rollout temperature's, or
   *     temperature 1 for raw engine log-probs)
   * @param checkIsOld whether {@code check}'s log-probs are the trainer's old log-probs (same temperature)
   */
  EndpointGeneration(LlamaModel policy, EndpointRollouts source, WeightSync sync, boolean offPolicy,
      SequenceForward check, boolean checkIsOld) {
    this.policy = policy;
    this.source = source;
    this.sync = sync;
    this.offPolicy = offPolicy;
    this.check = check;
    this.checkIsOld = checkIsOld;
    this.background = offPolicy ? Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "rlvr-rollouts");
      t.setDaemon(true);
      return t;
    }) : null;
  }

  /** The weight sync (its version and timing). */
  WeightSync sync() {
    return sync;
  }

  /**
   * The rollouts of step {@code step} (prompt indices {@code indices}); in off-policy mode it also
   * starts the batch of the next step ({@code nextIndices}/{@code nextPrompts}; null on the last step).
   */
  Generated next(long step, int[] indices, List<RlvrPrompt> prompts, Rollouts.Sampling s, long seed,
      int[] nextIndices, List<RlvrPrompt> nextPrompts, long nextSeed) {
    Generated g = null;
    if (pending != null) {
      Pending p = pending;
      pending = null;
      EndpointRollouts.Sent sent = await(p.sent()); // finished before the servers' weights change
      if (p.step() == step && Arrays.equals(p.indices(), indices))
        g = new Generated(source.receive(p.prompts(), s, sent), p.version() == step ? null : p.weights(),
            step - p.version());
    }
    if (sync.version() != step) sync.sync(step);
    if (g == null) g = new Generated(source.generate(prompts, s, seed), null, 0);
    if (offPolicy && nextPrompts != null) {
      List<com.fasterxml.jackson.databind.node.ObjectNode> bodies = source.request(nextPrompts, s, nextSeed);
      pending = new Pending(step + 1, nextIndices, List.copyOf(nextPrompts), background.submit(() -> source.send(bodies)),
          step, snapshot());
    }
    return g;
  }

  /**
   * The trainer's log-probs of {@code rs} of the kind the engine returns, under the weights {@code g}
   * was generated with: {@code old} itself when those are the current weights and the kinds agree,
   * else one forward pass (with the kept copy of the generating weights swapped in when they differ).
   */
  double[][] checkLogProbs(Generated g, List<Rollout> rs, double[][] old) {
    if (g.weights() == null) return checkIsOld ? old : check.logProbs(policy, rs);
    List<Parameter> ps = policy.trainableParameters();
    float[][] now = snapshot();
    try {
      for (int i = 0; i < ps.size(); i++) System.arraycopy(g.weights()[i], 0, ps.get(i).data(), 0, now[i].length);
      return check.logProbs(policy, rs);
    } finally {
      for (int i = 0; i < ps.size(); i++) System.arraycopy(now[i], 0, ps.get(i).data(), 0, now[i].length);
    }
  }

  private float[][] snapshot() {
    List<Parameter> ps = policy.trainableParameters();
    float[][] out = new float[ps.size()][];
    for (int i = 0; i < out.length; i++) out[i] = ps.get(i).data().clone();
    return out;
  }

  private static <T> T await(Future<T> f) {
    try {
      return f.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) throw re;
      throw new IllegalStateException("rollouts failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for rollouts", e);
    }
  }

  @Override
  public void close() {
    if (background != null) background.shutdownNow();
  }
}
