package dev.tulu4j.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The request bodies vLLM and SGLang accept, field by field, as their pydantic models declare them
 * (read from the projects' sources):
 *
 * <ul>
 *   <li>vLLM {@code vllm/entrypoints/openai/protocol.py} (2025, with {@code return_token_ids}):
 *       {@code CompletionRequest}, {@code ChatCompletionRequest}; {@code LoadLoRAAdapterRequest}
 *       and {@code UnloadLoRAAdapterRequest} ({@code vllm/entrypoints/serve/lora/protocol.py},
 *       {@code load_inplace} from {@code vllm/entrypoints/openai/models/serving.py}); the
 *       {@code model_validator}s that refuse {@code top_logprobs} without {@code logprobs},
 *       negative {@code logprobs}, {@code stream_options} without {@code stream} and an empty prompt;
 *   <li>SGLang {@code python/sglang/srt/managers/io_struct.py} {@code UpdateWeightFromDiskReqInput}
 *       (served by {@code http_server.py} {@code POST /update_weights_from_disk}).
 * </ul>
 *
 * <p>Unknown fields: vLLM's {@code OpenAIBaseModel} has {@code extra="allow"} and only logs "The
 * following fields were present in the request but ignored"; SGLang's dataclass drops them. Both
 * therefore <em>silently ignore</em> a misspelt or unsupported field, so these checks report every
 * unknown field as a violation: a field the engine ignores means the request does not do what the
 * sender meant. Types are checked as JSON types (pydantic's lax mode would also coerce some strings
 * and numbers; we send canonical types, so a coercion is drift too).
 *
 * <p>Each check returns the list of violations, empty when the body is what the engine accepts.
 * Shared by the protocol test double ({@link EngineDouble}) and by any test that wants to check a
 * body it built.
 */
public final class EngineProtocol {
  private EngineProtocol() {}

  /** JSON types a field may take (null is always allowed for optional fields). */
  enum Kind { STRING, INT, NUMBER, BOOL, OBJECT, STRING_OR_STRINGS, INTS, STRINGS, PROMPT, MESSAGES, ANY }

  private static Map<String, Kind> fields(Object... kv) {
    Map<String, Kind> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], (Kind) kv[i + 1]);
    return m;
  }

  /** Sampling fields both vLLM routes share (the {@code *-sampling-params} blocks). */
  private static final Object[] SAMPLING = {
      "use_beam_search", Kind.BOOL, "top_k", Kind.INT, "min_p", Kind.NUMBER, "repetition_penalty", Kind.NUMBER,
      "length_penalty", Kind.NUMBER, "stop_token_ids", Kind.INTS, "include_stop_str_in_output", Kind.BOOL,
      "ignore_eos", Kind.BOOL, "min_tokens", Kind.INT, "skip_special_tokens", Kind.BOOL,
      "spaces_between_special_tokens", Kind.BOOL, "truncate_prompt_tokens", Kind.INT, "prompt_logprobs", Kind.INT,
      "allowed_token_ids", Kind.INTS, "priority", Kind.INT, "request_id", Kind.STRING, "logits_processors", Kind.ANY,
      "return_tokens_as_token_ids", Kind.BOOL, "return_token_ids", Kind.BOOL, "cache_salt", Kind.STRING,
      "kv_transfer_params", Kind.OBJECT, "vllm_xargs", Kind.OBJECT, "structured_outputs", Kind.OBJECT,
      "response_format", Kind.OBJECT, "add_special_tokens", Kind.BOOL};

  static final Map<String, Kind> VLLM_COMPLETION = concat(fields(
      "model", Kind.STRING, "prompt", Kind.PROMPT, "echo", Kind.BOOL, "frequency_penalty", Kind.NUMBER,
      "logit_bias", Kind.OBJECT, "logprobs", Kind.INT, "max_tokens", Kind.INT, "n", Kind.INT,
      "presence_penalty", Kind.NUMBER, "seed", Kind.INT, "stop", Kind.STRING_OR_STRINGS, "stream", Kind.BOOL,
      "stream_options", Kind.OBJECT, "suffix", Kind.STRING, "temperature", Kind.NUMBER, "top_p", Kind.NUMBER,
      "user", Kind.STRING, "prompt_embeds", Kind.ANY), SAMPLING);

  static final Map<String, Kind> VLLM_CHAT = concat(fields(
      "messages", Kind.MESSAGES, "model", Kind.STRING, "frequency_penalty", Kind.NUMBER, "logit_bias", Kind.OBJECT,
      "logprobs", Kind.BOOL, "top_logprobs", Kind.INT, "max_tokens", Kind.INT, "max_completion_tokens", Kind.INT,
      "n", Kind.INT, "presence_penalty", Kind.NUMBER, "seed", Kind.INT, "stop", Kind.STRING_OR_STRINGS,
      "stream", Kind.BOOL, "stream_options", Kind.OBJECT, "temperature", Kind.NUMBER, "top_p", Kind.NUMBER,
      "tools", Kind.ANY, "tool_choice", Kind.ANY, "reasoning_effort", Kind.STRING, "include_reasoning", Kind.BOOL,
      "parallel_tool_calls", Kind.BOOL, "user", Kind.STRING, "echo", Kind.BOOL, "add_generation_prompt", Kind.BOOL,
      "continue_final_message", Kind.BOOL, "documents", Kind.ANY, "chat_template", Kind.STRING,
      "chat_template_kwargs", Kind.OBJECT, "mm_processor_kwargs", Kind.OBJECT, "bad_words", Kind.STRINGS), SAMPLING);

  static final Map<String, Kind> VLLM_LOAD_LORA = fields("lora_name", Kind.STRING, "lora_path", Kind.STRING,
      "load_inplace", Kind.BOOL, "is_3d_lora_weight", Kind.BOOL);

  static final Map<String, Kind> VLLM_UNLOAD_LORA = fields("lora_name", Kind.STRING, "lora_int_id", Kind.INT);

  static final Map<String, Kind> SGLANG_UPDATE_FROM_DISK = fields("model_path", Kind.STRING, "load_format", Kind.STRING,
      "abort_all_requests", Kind.BOOL, "weight_version", Kind.STRING, "is_async", Kind.BOOL,
      "torch_empty_cache", Kind.BOOL, "keep_pause", Kind.BOOL, "recapture_cuda_graph", Kind.BOOL,
      "token_step", Kind.INT, "flush_cache", Kind.BOOL);

  private static Map<String, Kind> concat(Map<String, Kind> a, Object[] more) {
    a.putAll(fields(more));
    return a;
  }

  /** A vLLM {@code POST /v1/completions} body. */
  public static List<String> vllmCompletion(JsonNode body) {
    List<String> v = check(body, VLLM_COMPLETION, Set.of());
    if (v.isEmpty()) {
      JsonNode p = body.get("prompt");
      if (p == null || p.isNull() || (p.isTextual() && p.asText().isEmpty()) || (p.isArray() && p.isEmpty()))
        v.add("Either prompt or prompt_embeds must be provided and non-empty.");
      if (body.path("logprobs").asInt(0) < 0) v.add("`logprobs` must be a positive value.");
      streamOptions(body, v);
    }
    return v;
  }

  /** A vLLM {@code POST /v1/chat/completions} body. */
  public static List<String> vllmChat(JsonNode body) {
    List<String> v = check(body, VLLM_CHAT, Set.of("messages"));
    if (v.isEmpty()) {
      int top = body.path("top_logprobs").asInt(0);
      if (top < 0 && top != -1) v.add("`top_logprobs` must be a positive value or -1.");
      if (top != 0 && !body.path("logprobs").asBoolean(false))
        v.add("when using `top_logprobs`, `logprobs` must be set to true.");
      if (body.path("continue_final_message").asBoolean(false) && body.path("add_generation_prompt").asBoolean(false))
        v.add("Cannot set both `continue_final_message` and `add_generation_prompt` to True.");
      streamOptions(body, v);
    }
    return v;
  }

  /** vLLM {@code POST /v1/load_lora_adapter}. */
  public static List<String> vllmLoadLora(JsonNode body) {
    return check(body, VLLM_LOAD_LORA, Set.of("lora_name", "lora_path"));
  }

  /** vLLM {@code POST /v1/unload_lora_adapter}. */
  public static List<String> vllmUnloadLora(JsonNode body) {
    return check(body, VLLM_UNLOAD_LORA, Set.of("lora_name"));
  }

  /** SGLang {@code POST /update_weights_from_disk} (at the server root, not under /v1). */
  public static List<String> sglangUpdateWeightsFromDisk(JsonNode body) {
    return check(body, SGLANG_UPDATE_FROM_DISK, Set.of("model_path"));
  }

  private static void streamOptions(JsonNode body, List<String> v) {
    JsonNode so = body.get("stream_options");
    if (so != null && !so.isNull() && !body.path("stream").asBoolean(false))
      v.add("Stream options can only be defined when `stream=True`.");
  }

  private static List<String> check(JsonNode body, Map<String, Kind> spec, Set<String> required) {
    List<String> v = new ArrayList<>();
    if (body == null || !body.isObject()) {
      v.add("the body is not a JSON object");
      return v;
    }
    for (String r : required) if (!body.has(r) || body.get(r).isNull()) v.add(r + ": Field required");
    for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      Kind k = spec.get(e.getKey());
      if (k == null) {
        v.add(e.getKey() + ": not a field of the engine's request model (it would be ignored)");
        continue;
      }
      JsonNode x = e.getValue();
      if (x.isNull()) continue;
      if (!matches(k, x)) v.add(e.getKey() + ": expected " + k.name().toLowerCase() + ", got " + x);
    }
    return v;
  }

  private static boolean matches(Kind k, JsonNode x) {
    return switch (k) {
      case STRING -> x.isTextual();
      case INT -> x.isIntegralNumber();
      case NUMBER -> x.isNumber();
      case BOOL -> x.isBoolean();
      case OBJECT -> x.isObject();
      case STRING_OR_STRINGS -> x.isTextual() || all(x, JsonNode::isTextual);
      case INTS -> all(x, JsonNode::isIntegralNumber);
      case STRINGS -> all(x, JsonNode::isTextual);
      case PROMPT -> x.isTextual() || all(x, JsonNode::isIntegralNumber) || all(x, JsonNode::isTextual)
          || all(x, y -> all(y, JsonNode::isIntegralNumber));
      case MESSAGES -> all(x, m -> m.isObject() && m.path("role").isTextual()
          && (m.path("content").isTextual() || m.path("content").isArray() || m.path("content").isNull()));
      case ANY -> true;
    };
  }

  private static boolean all(JsonNode x, java.util.function.Predicate<JsonNode> p) {
    if (!x.isArray()) return false;
    for (JsonNode y : x) if (!p.test(y)) return false;
    return true;
  }
}
