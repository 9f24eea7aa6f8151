package dev.tulu4j.serve;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A request the server refuses, answered with {@code status} and OpenAI's error body
 * {@code {"error": {"message", "type", "param", "code"}}} (the shape of the OpenAI API reference's
 * error object, which its client libraries parse). The completion routes use OpenAI's types and
 * string codes; the routes vLLM added (LoRA loading) answer as vLLM does
 * ({@code vllm/entrypoints/openai/protocol.py} {@code ErrorInfo}: its own type names, such as
 * {@code InvalidUserInput} or {@code NotFoundError}, and the HTTP status as an integer {@code code}).
 */
final class ApiError extends RuntimeException {
  final int status;
  final String type;
  final String param;
  final String code;
  final boolean numericCode;

  ApiError(int status, String message, String param) {
    this(status, message, param, null);
  }

  ApiError(int status, String message, String param, String code) {
    this(status, message, param, code,
        // OpenAI answers every client mistake (bad key, unknown model, bad field) as invalid_request_error
        // and tells them apart by code; 5xx are server_error
        status >= 500 ? "server_error" : "invalid_request_error", false);
  }

  private ApiError(int status, String message, String param, String code, String type, boolean numericCode) {
    super(message);
    this.status = status;
    this.type = type;
    this.param = param;
    this.code = code;
    this.numericCode = numericCode;
  }

  /** vLLM's error: {@code type} one of its names, {@code code} the status as a number. */
  static ApiError vllm(int status, String type, String message) {
    return new ApiError(status, message, null, null, type, true);
  }

  /** The error body: {@code {"error": {"message", "type", "param", "code"}}}. */
  ObjectNode body() {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    ObjectNode err = body.putObject("error").put("message", getMessage()).put("type", type);
    if (param == null) err.putNull("param");
    else err.put("param", param);
    if (numericCode) err.put("code", status);
    else if (code == null) err.putNull("code");
    else err.put("code", code);
    return body;
  }
}
