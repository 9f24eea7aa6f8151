package dev.tulu4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tulu4j.runtime.TextCodec;
import dev.tulu4j.data.Message;
import dev.tulu4j.generate.SamplingParams;
import java.util.ArrayList;
import java.util.List;

/**
 * One validated {@code /v1/completions} or {@code /v1/chat/completions} body. Every field the
 * server reads is type-checked and range-checked here; a mistake becomes an {@link ApiError} (400,
 * or 404 {@code model_not_found}) naming the field as {@code param}, never a 500.
 *
 * @param prompt the encoded prompt (chat template applied for chat requests)
 */
record CompletionRequest(boolean chat, int[] prompt, SamplingParams params, int n, boolean logprobs, boolean stream) {

  /** Parses {@code req} (a JSON object) against the server's limits. */
  static CompletionRequest parse(JsonNode req, boolean chat, OpenAiServer.Options options, TextCodec codec) {
    JsonNode model = req.get("model");
    if (model != null && !model.isNull()) {
      if (!model.isTextual()) throw new ApiError(400, "'model' must be a string", "model");
      if (!model.asText().equals(options.modelName()))
        throw new ApiError(404, "The model '" + model.asText() + "' does not exist; this server serves '"
            + options.modelName() + "'", "model", "model_not_found");
    }
    int[] prompt = chat ? codec.encodeChat(messages(req)) : codec.encodeText(text(req, "prompt"));
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
    JsonNode lp = req.get("logprobs");
    if (lp != null && !lp.isNull() && !lp.isBoolean() && !lp.isIntegralNumber())
      throw new ApiError(400, "'logprobs' must be a boolean or an integer", "logprobs");
    boolean logprobs = lp != null && (lp.asBoolean() || (lp.isIntegralNumber() && lp.asInt() > 0));
    return new CompletionRequest(chat, prompt, params, n, logprobs, bool(req, "stream"));
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

  private static String text(JsonNode req, String name) {
    JsonNode p = req.get(name);
    if (p == null || !p.isTextual()) throw new ApiError(400, "'" + name + "' must be a string", name);
    return p.asText();
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
