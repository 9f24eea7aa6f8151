package dev.tulu4j.rlvr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tulu4j.client.EndpointException;
import dev.tulu4j.client.OpenAiClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Rollouts sampled on OpenAI-compatible servers through {@code /v1/completions}, with the fields
 * vLLM's {@code CompletionRequest} defines (vllm/entrypoints/openai/protocol.py). The prompt goes as
 * token ids (rendered here with the chat template), so the engine sees exactly the tokens the
 * trainer scores. One request per sample ({@code n: 1}) carries that sample's own seed, {@code
 * mix(seed, i) + j} as in process: vLLM seeds one generator per request, so per-sample seeds need
 * one request per sample (vLLM's prefix cache shares the prompt's KV). Each request asks for the
 * sampled token ids back ({@code return_token_ids}, vLLM ≥ 0.10.2; else the {@code token_id:N} strings
 * of {@code return_tokens_as_token_ids}) and for their log-probs ({@code logprobs: 1}); the
 * response is decoded and verified here, never from the server's text.
 */
public final class EndpointRollouts implements RolloutSource {
  private final OpenAiClient client;
  private final Supplier<String> model;
  private final Set<Integer> eos;
  private final Function<int[], String> decoder;

  /**
   * @param model the model name of the next request: the synced adapter's name, or the served model
   * @param decoder response ids (EOS removed) → the text the verifier sees
   */
  public EndpointRollouts(OpenAiClient client, Supplier<String> model, Collection<Integer> eosIds,
      Function<int[], String> decoder) {
    this.client = client;
    this.model = model;
    this.eos = Set.copyOf(eosIds);
    this.decoder = decoder;
  }

  @Override
  public Rollouts.Batch generate(List<RlvrPrompt> prompts, Rollouts.Sampling s, long seed) {
    return receive(prompts, s, send(request(prompts, s, seed)));
  }

  /** The bodies of one batch, naming the model the servers hold now. */
  List<ObjectNode> request(List<RlvrPrompt> prompts, Rollouts.Sampling s, long seed) {
    String name = model.get();
    List<ObjectNode> bodies = new ArrayList<>();
    for (int i = 0; i < prompts.size(); i++) {
      long si = Rollouts.promptSeed(seed, i);
      for (int j = 0; j < s.samplesPerPrompt(); j++) bodies.add(body(name, prompts.get(i).ids(), s, si + j));
    }
    return bodies;
  }

  /** Answers in order (from the request cache when a killed run already had them), with the wall time. */
  Sent send(List<ObjectNode> bodies) {
    long t0 = System.nanoTime();
    try {
      List<JsonNode> rs = client.postAll("/completions", bodies, null);
      return new Sent(rs, (System.nanoTime() - t0) / 1e9);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for rollouts", e);
    }
  }

  /** A batch's responses and the seconds they took. */
  record Sent(List<JsonNode> responses, double seconds) {}

  /** Decodes, verifies and scores the responses (on the caller's thread: the decoder need not be thread-safe). */
  Rollouts.Batch receive(List<RlvrPrompt> prompts, Rollouts.Sampling s, Sent sent) {
    List<JsonNode> rs = sent.responses();
    List<Rollout> out = new ArrayList<>(rs.size());
    long tokens = 0;
    for (int k = 0; k < rs.size(); k++) {
      int i = k / s.samplesPerPrompt();
      Sample smp = sample(rs.get(k), s.maxNewTokens());
      tokens += smp.ids().length;
      int end = smp.ids().length > 0 && eos.contains(smp.ids()[smp.ids().length - 1]) ? smp.ids().length - 1 : smp.ids().length;
      String text = decoder.apply(java.util.Arrays.copyOf(smp.ids(), end));
      out.add(Rollouts.scored(i, prompts.get(i), smp.ids(), smp.logp(), text, eos, s));
    }
    return new Rollouts.Batch(out, sent.seconds(), tokens);
  }

  /** The request for one sample: vLLM's completion fields, nothing else. */
  static ObjectNode body(String model, int[] prompt, Rollouts.Sampling s, long seed) {
    ObjectNode b = JsonNodeFactory.instance.objectNode();
    b.put("model", model);
    ArrayNode ids = b.putArray("prompt");
    for (int id : prompt) ids.add(id);
    b.put("n", 1);
    b.put("max_tokens", s.maxNewTokens());
    b.put("temperature", s.temperature());
    b.put("top_p", 1.0);
    b.put("seed", seed);
    b.put("logprobs", 1);
    b.put("return_token_ids", true);
    b.put("return_tokens_as_token_ids", true);
    b.put("skip_special_tokens", false);
    return b;
  }

  /** The sampled ids and their log-probs. */
  record Sample(int[] ids, double[] logp) {}

  /** Reads {@code choices[0]}: {@code token_ids} (or the {@code token_id:N} tokens) and {@code logprobs.token_logprobs}. */
  static Sample sample(JsonNode response, int maxNewTokens) {
    JsonNode c = response.path("choices").path(0);
    if (!c.isObject()) throw bad("the response has no choices[0]");
    JsonNode lp = c.path("logprobs").path("token_logprobs");
    if (!lp.isArray()) throw bad("choices[0].logprobs.token_logprobs is missing: the server must return logprobs");
    int[] ids;
    JsonNode tid = c.path("token_ids");
    if (tid.isArray()) {
      ids = new int[tid.size()];
      for (int k = 0; k < ids.length; k++) {
        if (!tid.get(k).canConvertToInt()) throw bad("choices[0].token_ids[" + k + "] is not an integer");
        ids[k] = tid.get(k).asInt();
      }
    } else {
      JsonNode toks = c.path("logprobs").path("tokens");
      if (!toks.isArray())
        throw bad("the response carries neither choices[0].token_ids (return_token_ids) nor logprobs.tokens");
      ids = new int[toks.size()];
      for (int k = 0; k < ids.length; k++) {
        String t = toks.get(k).asText();
        if (!t.startsWith("token_id:"))
          throw bad("logprobs.tokens[" + k + "] is '" + t + "', not token_id:N (return_tokens_as_token_ids)");
        try {
          ids[k] = Integer.parseInt(t.substring("token_id:".length()));
        } catch (NumberFormatException e) {
          throw bad("logprobs.tokens[" + k + "] is '" + t + "', not token_id:N");
        }
      }
    }
    if (ids.length != lp.size())
      throw bad(ids.length + " sampled tokens but " + lp.size() + " token_logprobs");
    if (ids.length > maxNewTokens) throw bad(ids.length + " sampled tokens exceed max_tokens " + maxNewTokens);
    double[] logp = new double[ids.length];
    for (int k = 0; k < logp.length; k++) {
      if (!lp.get(k).isNumber()) throw bad("token_logprobs[" + k + "] is not a number");
      logp[k] = lp.get(k).asDouble();
    }
    return new Sample(ids, logp);
  }

  private static UncheckedIOException bad(String what) {
    return new UncheckedIOException(new EndpointException("rollout endpoint: " + what, 200));
  }
}
