package dev.tulu4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tulu4j.runtime.TextCodec;
import dev.tulu4j.data.Message;
import dev.tulu4j.generate.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * One validated {@code /v1/completions} or {@code /v1/chat/completions} body. Every field the
 * server reads is type-checked and range-checked here; a mistake becomes an {@link ApiError} (400,
 * or 404 {@code model_not_found}) naming the field as {@code param}, never a 500.
 *
 * <p>Fields as vLLM's {@code CompletionRequest} / {@code ChatCompletionRequest} define them
 * ({@code vllm/entrypoints/openai/protocol.py}): a completion {@code prompt} is a string or a list
 * of token ids; {@code logprobs} is an integer N on completions (the legacy shape) and a boolean
 * with {@code top_logprobs} N on chat; {@code echo} (completions) returns the prompt's tokens and
 * log-probs before the completion's; {@code return_token_ids} adds the exact token ids;
 * {@code return_tokens_as_token_ids} writes each logprobs token as {@code "token_id:ID"}.
 *
 * @param model the requested model name, or null for the base
 * @param prompt the encoded prompt (chat template applied for chat requests)
 * @param logprobs whether sampled tokens' log-probs are returned
 * @param topLogprobs alternatives per position (0..{@link #MAX_LOGPROBS})
 */
record CompletionRequest(boolean chat, String model, int[] prompt, SamplingParams params, int n, boolean logprobs,
    int topLogprobs, boolean echo, boolean returnTokenIds, boolean tokensAsIds, boolean stream) {

  /** vLLM's default {@code --max-logprobs}. */
  static final int MAX_LOGPROBS = 20;

  /** Parses {@code req} (a JSON object) against the server's limits. */
  static CompletionRequest parse(JsonNode req, boolean chat, OpenAiServer.Options options, TextCodec codec) {
    return parse(req, chat, options, codec, name -> name.equals(options.modelName()), Integer.MAX_VALUE);
  }

  /**
   * @param served which model names exist (an unknown one is a 404)
   * @param vocab token ids of a token-id prompt must be below this
   */
  static CompletionRequest parse(JsonNode req, boolean chat, OpenAiServer.Options options, TextCodec codec,
      Predicate<String> served, int vocab) {
    JsonNode model = req.get("model");
    String modelName = null;
    if (model != null && !model.isNull()) {
      if (!model.isTextual()) throw new ApiError(400, "'model' must be a string", "model");
      if (!served.test(model.asText()))
        throw new ApiError(404, "The model '" + model.asText() + "' does not exist; this server serves '"
            + options.modelName() + "'", "model", "model_not_found");
      modelName = model.asText();
    }
    int[] prompt = chat ? codec.encodeChat(messages(req)) : prompt(req, codec, vocab);
    int maxTokens = intField(req, chat && req.has("max_completion_tokens") ? "max_completion_tokens" : "max_tokens",
        options.defaultMaxTokens(), 0, options.maxTokensLimit());
    int n = intField(req, "n", 1, 1, options.maxN());
    double temperature = doubleField(req, "temperature", 1.0, 0, 2);
    double topP = doubleField(req, "top_p", 1.0, 1e-9, 1);
    JsonNode seedNode = req.get("seed");
    if (seedNode != null && !seedNode.isNull() && !seedNode.canConvertToLong())
      throw new ApiError(400, "'seed' must be an integer", "seed");
    long seed = seedNode != null && !seedNode.isNull() ? seedNode.asLong() : System.nanoTime();
    SamplingParams params = new SamplingParams(temperature, 0, topP, maxTokens, stops(req), seed);
    boolean logprobs;
    int top;
    if (chat) {
      JsonNode lp = req.get("logprobs");
      if (lp != null && !lp.isNull() && !lp.isBoolean() && !lp.isIntegralNumber())
        throw new ApiError(400, "'logprobs' must be a boolean", "logprobs");
      logprobs = lp != null && (lp.asBoolean() || (lp.isIntegralNumber() && lp.asInt() > 0));
      top = intField(req, "top_logprobs", 0, 0, MAX_LOGPROBS);
      if (top > 0 && !logprobs) throw new ApiError(400, "when using `top_logprobs`, `logprobs` must be set to true.", "top_logprobs");
      if (req.has("echo") && bool(req, "echo"))
        throw new ApiError(400, "'echo' on chat completions is not supported by this server", "echo");
    } else {
      JsonNode lp = req.get("logprobs");
      if (lp != null && !lp.isNull() && !lp.isIntegralNumber()) throw new ApiError(400, "'logprobs' must be an integer", "logprobs");
      logprobs = lp != null && !lp.isNull();
      top = logprobs ? intField(req, "logprobs", 0, 0, MAX_LOGPROBS) : 0;
    }
    boolean echo = !chat && bool(req, "echo");
    boolean stream = bool(req, "stream");
    if (stream && (echo || logprobs))
      throw new ApiError(400, "'echo' and 'logprobs' are not supported with 'stream' by this server", echo ? "echo" : "logprobs");
    return new CompletionRequest(chat, modelName, prompt, params, n, logprobs, top, echo, bool(req, "return_token_ids"),
        bool(req, "return_tokens_as_token_ids"), stream);
  }

  /** A completion prompt: a string, or a non-empty list of token ids (one prompt; batches are refused). */
  private static int[] prompt(JsonNode req, TextCodec codec, int vocab) {
    JsonNode p = req.get("prompt");
    if (p != null && p.isTextual()) return codec.encodeText(p.asText());
    if (p == null || !p.isArray())
      throw new ApiError(400, "'prompt' must be a string or a list of token ids", "prompt");
    if (p.isEmpty()) throw new ApiError(400, "'prompt' is an empty list", "prompt");
    if (!p.get(0).isNumber())
      throw new ApiError(400, "'prompt' holds a batch of prompts; this server takes one prompt per request", "prompt");
    int[] ids = new int[p.size()];
    for (int i = 0; i < ids.length; i++) {
      JsonNode t = p.get(i);
      if (!t.isIntegralNumber() || !t.canConvertToInt())
        throw new ApiError(400, "'prompt'[" + i + "] must be an integer token id", "prompt");
      ids[i] = t.asInt();
      if (ids[i] < 0 || ids[i] >= vocab)
        throw new ApiError(400, "'prompt'[" + i + "] = " + ids[i] + " is outside the vocabulary [0, " + vocab + ")", "prompt");
    }
    return ids;
  }

  private static List<Message> messages(JsonNode req) {
    JsonNode msgs = req.get("messages");
    if (msgs == null || !msgs.isArray() || msgs.isEmpty()) throw new ApiError(400, "'messages' must be a non-empty array", "messages");
    List<Message> messages = new ArrayList<>();
    for (int i = 0; i < msgs.size(); i++) {
      JsonNode m = msgs.get(i);
      JsonNode role = m.get("role");
      JsonNode content = m.get("content");
      if (role == null || !role.isTextual() || !List.of("system", "user", "assistant").contains(role.asText()))
        throw new ApiError(400, "messages[" + i + "] needs a 'role' of system, user or assistant", "messages");
      if (content == null || !content.isTextual())
        throw new ApiError(400, "messages[" + i + "] needs a string 'content'", "messages");
      messages.add(new Message(role.asText(), content.asText()));
    }
    return messages;
  }

  private static List<String> stops(JsonNode req) {
    List<String> stop = new ArrayList<>();
    JsonNode st = req.get("stop");
    if (st == null || st.isNull()) return stop;
    if (st.isTextual() && !st.asText().isEmpty()) stop.add(st.asText());
    else if (st.isArray()) {
      for (JsonNode s : st) {
        if (!s.isTextual() || s.asText().isEmpty()) throw new ApiError(400, "'stop' entries must be non-empty strings", "stop");
        stop.add(s.asText());
      }
    } else throw new ApiError(400, "'stop' must be a non-empty string or an array of them", "stop");
    return stop;
  }

  private static boolean bool(JsonNode req, String name) {
    JsonNode v = req.get(name);
    if (v == null || v.isNull()) return false;
    if (!v.isBoolean()) throw new ApiError(400, "'" + name + "' must be true or false", name);
    return v.asBoolean();
  }

  private static int intField(JsonNode req, String name, int dflt, int min, int max) {
    JsonNode v = req.get(name);
    if (v == null || v.isNull()) return Math.min(dflt, max);
    if (!v.isIntegralNumber() || !v.canConvertToInt()) throw new ApiError(400, "'" + name + "' must be an integer", name);
    int x = v.asInt();
    if (x < min || x > max) throw new ApiError(400, "'" + name + "' must be between " + min + " and " + max + ", got " + x, name);
    return x;
  }

  private static double doubleField(JsonNode req, String name, double dflt, double min, double max) {
    JsonNode v = req.get(name);
    if (v == null || v.isNull()) return dflt;
    if (!v.isNumber()) throw new ApiError(400, "'" + name + "' must be a number", name);
    double x = v.asDouble();
    if (!(x >= min && x <= max)) throw new ApiError(400, "'" + name + "' must be between " + min + " and " + max + ", got " + x, name);
    return x;
  }
}
