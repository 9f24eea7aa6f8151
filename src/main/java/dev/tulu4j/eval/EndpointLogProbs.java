package dev.tulu4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tulu4j.client.EndpointException;
import dev.tulu4j.client.OpenAiClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Prompt log-probabilities from an OpenAI-compatible {@code /v1/completions} with {@code echo} and
 * {@code logprobs}, the way lm-evaluation-harness scores choices on vLLM: the prompt and the
 * completion go as token ids (so the server scores exactly the tokens the in-process scorer would),
 * {@code max_tokens 1}, and the completion's entries of {@code choices[0].logprobs.token_logprobs}
 * are read back (the first entry of the echoed prompt is null: nothing precedes it).
 */
public final class EndpointLogProbs implements MultipleChoice.LogProbs {
  private final OpenAiClient client;

  public EndpointLogProbs(OpenAiClient client) {
    this.client = client;
  }

  @Override
  public List<double[]> score(List<int[]> prompts, List<int[]> completions) {
    List<ObjectNode> bodies = new ArrayList<>(prompts.size());
    for (int i = 0; i < prompts.size(); i++) bodies.add(body(prompts.get(i), completions.get(i)));
    List<JsonNode> rs;
    try {
      rs = client.postAll("/completions", bodies, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the endpoint", e);
    }
    List<double[]> out = new ArrayList<>(rs.size());
    for (int i = 0; i < rs.size(); i++) out.add(completionLogProbs(rs.get(i), prompts.get(i).length, completions.get(i).length));
    return out;
  }

  static ObjectNode body(int[] prompt, int[] completion) {
    ObjectNode b = JsonNodeFactory.instance.objectNode();
    ArrayNode ids = b.putArray("prompt");
    for (int id : prompt) ids.add(id);
    for (int id : completion) ids.add(id);
    b.put("max_tokens", 1).put("temperature", 0.0).put("echo", true).put("logprobs", 1);
    return b;
  }

  /** Entries {@code [p, p + c)} of the echoed token log-probs. */
  static double[] completionLogProbs(JsonNode response, int p, int c) {
    JsonNode lp = response.path("choices").path(0).path("logprobs").path("token_logprobs");
    if (!lp.isArray() || lp.size() < p + c)
      throw new UncheckedIOException(new EndpointException("the endpoint returned no prompt log-probs for " + (p + c)
          + " echoed tokens (got " + (lp.isArray() ? lp.size() : 0) + "): it must support echo with logprobs on "
          + "/v1/completions (vLLM does; see docs/SCALE.md)", 200));
    double[] out = new double[c];
    for (int i = 0; i < c; i++) {
      JsonNode v = lp.get(p + i);
      if (!v.isNumber()) throw new UncheckedIOException(new EndpointException("token_logprobs[" + (p + i) + "] is not a number", 200));
      out[i] = v.asDouble();
    }
    return out;
  }
}
