package dev.tulu4j.rlvr;

import dev.tulu4j.generate.Generator;
import dev.tulu4j.generate.LlamaStepModel;
import dev.tulu4j.generate.SamplingParams;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.train.Rng;
import dev.tulu4j.verify.Rewards;
import dev.tulu4j.verify.VerificationResult;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Rollouts of the current policy: {@code n} samples per prompt through the continuous-batching
 * {@link Generator} over the policy's own KV cache (the weights are shared, so each batch samples
 * the policy as it is now), scored by the prompt's verifier (Tülu 3 §6: {@code verify_reward} when
 * correct, else 0; a response without EOS gets the non-EOS penalty instead).
 */
public final class Rollouts implements RolloutSource {
  private final Generator generator;
  private final Set<Integer> eos;

  /**
   * @param slots sequences decoded concurrently
   * @param maxSequenceLength prompt + response capacity of each KV slot
   * @param decoder response ids (EOS removed) → text the verifier sees
   */
  public Rollouts(LlamaModel policy, int slots, int maxSequenceLength, Collection<Integer> eosIds,
      Function<int[], String> decoder) {
    this.generator = new Generator(new LlamaStepModel(policy, slots, maxSequenceLength), eosIds, decoder);
    this.eos = Set.copyOf(eosIds);
  }

  /** Samples only ids below {@code n} (the tokenizer's vocabulary; see {@link Generator#limitVocab}). */
  public Rollouts limitVocab(int n) {
    generator.limitVocab(n);
    return this;
  }

  /** A scored rollout batch with its wall time and generated-token count. */
  public record Batch(List<Rollout> rollouts, double seconds, long generatedTokens) {
    /** Generated tokens per second of wall time. */
    public double tokensPerSecond() {
      return seconds > 0 ? generatedTokens / seconds : 0;
    }
  }

  /** How to sample and score. */
  public record Sampling(int samplesPerPrompt, double temperature, int maxNewTokens, double verifyReward,
      double nonEosPenalty) {}

  /**
   * Samples {@code s.samplesPerPrompt()} responses for every prompt; rollouts are ordered prompt by
   * prompt (the n samples of prompt i at indices i·n .. i·n+n−1). Sample j of prompt i draws from
   * seed {@code mix(seed, i) + j}, so a batch is reproducible from {@code seed} alone.
   */
  @Override
  public Batch generate(List<RlvrPrompt> prompts, Sampling s, long seed) {
    List<Generator.Request> reqs = new ArrayList<>();
    for (int i = 0; i < prompts.size(); i++) {
      long si = promptSeed(seed, i);
      SamplingParams p = new SamplingParams(s.temperature(), 0, 1.0, s.maxNewTokens(), List.of(), si);
      reqs.add(new Generator.Request(prompts.get(i).ids(), s.samplesPerPrompt(), p));
    }
    long t0 = System.nanoTime();
    List<List<Generator.Output>> outs = generator.generate(reqs, null);
    double seconds = (System.nanoTime() - t0) / 1e9;
    List<Rollout> rollouts = new ArrayList<>();
    long tokens = 0;
    for (int i = 0; i < prompts.size(); i++) {
      RlvrPrompt p = prompts.get(i);
      for (Generator.Output o : outs.get(i)) {
        tokens += o.ids().length;
        rollouts.add(scored(i, p, o.ids(), o.logprobs(), o.text() == null ? "" : o.text(), eos, s));
      }
    }
    return new Batch(rollouts, seconds, tokens);
  }

  /**
   * One sampled response to prompt {@code p} (index {@code i} in its batch), verified and scored: EOS
   * ends it when {@code ids} ends with one of {@code eos}; {@code text} is the decoded response without EOS.
   */
  static Rollout scored(int i, RlvrPrompt p, int[] ids, double[] logp, String text, Set<Integer> eos, Sampling s) {
    boolean ended = ids.length > 0 && eos.contains(ids[ids.length - 1]);
    VerificationResult v;
    try {
      v = p.verifier().verify(text, p.groundTruth(), p.promptText());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("dataset " + p.dataset() + ": bad ground_truth: " + e.getMessage(), e);
    }
    return new Rollout(i, p.ids(), ids, logp, text, ended, v.correct(), score(v, ended, s.verifyReward(), s.nonEosPenalty()));
  }

  /** The seed of prompt {@code i}'s samples in a batch seeded {@code seed}; sample j draws from it + j. */
  static long promptSeed(long seed, int i) {
    return Rng.mix(seed * 0x9E37_79B9_7F4A_7C15L + i);
  }

  /**
   * The sequence score: {@code verifyReward} if correct else 0 ({@link Rewards#reward}); a response
   * that ran out of length without EOS scores {@code nonEosPenalty} instead unless that is NaN (off;
   * {@link RlvrConfig#nonEosScore}); open-instruct replaces the score, it does not add to it.
   */
  public static double score(VerificationResult v, boolean endedWithEos, double verifyReward, double nonEosPenalty) {
    if (!endedWithEos && !Double.isNaN(nonEosPenalty)) return nonEosPenalty;
    return Rewards.reward(v, verifyReward);
  }
}
