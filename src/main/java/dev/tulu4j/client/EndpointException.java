package dev.tulu4j.client;

import java.io.IOException;

/** A request an OpenAI-compatible server refused or could not answer after all retries. */
public final class EndpointException extends IOException {
  private final int status;

  public EndpointException(String message, int status) {
    super(message);
    this.status = status;
  }

  /** The last HTTP status, or 0 when no response came (time-out, connection refused). */
  public int status() {
    return status;
  }
}
