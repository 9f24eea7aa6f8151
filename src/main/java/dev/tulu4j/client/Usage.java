package dev.tulu4j.client;

import java.util.concurrent.atomic.LongAdder;

/**
 * What a client has done so far (all threads): requests sent and answered, answers taken from the
 * request cache, retries, tokens the servers reported ({@code usage} of each response), and the
 * client's own CPU time per request (building, serialising, parsing, caching: everything but waiting
 * for the server), which shows whether the client could be the bottleneck.
 */
public final class Usage {
  final LongAdder sent = new LongAdder();
  final LongAdder answered = new LongAdder();
  final LongAdder cacheHits = new LongAdder();
  final LongAdder retries = new LongAdder();
  final LongAdder promptTokens = new LongAdder();
  final LongAdder completionTokens = new LongAdder();
  final LongAdder clientNanos = new LongAdder();

  /** HTTP requests sent, retries included. */
  public long sent() {
    return sent.sum();
  }

  /** Requests answered by a server (not from the cache). */
  public long answered() {
    return answered.sum();
  }

  public long cacheHits() {
    return cacheHits.sum();
  }

  public long retries() {
    return retries.sum();
  }

  public long promptTokens() {
    return promptTokens.sum();
  }

  public long completionTokens() {
    return completionTokens.sum();
  }

  /** Mean client-side time per answered or cached request, in microseconds. */
  public double clientMicrosPerRequest() {
    long n = answered.sum() + cacheHits.sum();
    return n == 0 ? 0 : clientNanos.sum() / 1e3 / n;
  }

  @Override
  public String toString() {
    return String.format("%d answered, %d from cache, %d retries, %d prompt + %d completion tokens, client %.0f µs/request",
        answered(), cacheHits(), retries(), promptTokens(), completionTokens(), clientMicrosPerRequest());
  }
}
