package dev.tulu4j.rlvr;

import java.util.List;

/**
 * Where a rollout batch is sampled: in process ({@link Rollouts}) or on OpenAI-compatible servers
 * ({@link EndpointRollouts}). Both return the rollouts prompt by prompt, sample j of prompt i seeded
 * {@code mix(seed, i) + j}, with the sampler's log-prob of every response token.
 */
public interface RolloutSource {
  Rollouts.Batch generate(List<RlvrPrompt> prompts, Rollouts.Sampling s, long seed);
}
