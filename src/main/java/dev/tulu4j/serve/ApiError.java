package dev.tulu4j.serve;

/**
 * A request the server refuses, answered with {@code status} and OpenAI's error body
 * {@code {"error": {"message", "type", "param", "code"}}} (the shape of the OpenAI API reference's
 * error object, which its client libraries parse).
 */
final class ApiError extends RuntimeException {
  final int status;
  final String type;
  final String param;
  final String code;

  ApiError(int status, String message, String param) {
    this(status, message, param, null);
  }

  ApiError(int status, String message, String param, String code) {
    super(message);
    this.status = status;
    // OpenAI answers every client mistake (bad key, unknown model, bad field) as invalid_request_error
    // and tells them apart by code; 5xx are server_error
    this.type = status >= 500 ? "server_error" : "invalid_request_error";
    this.param = param;
    this.code = code;
  }
}
