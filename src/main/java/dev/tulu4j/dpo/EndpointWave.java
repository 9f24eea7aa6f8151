package dev.tulu4j.dpo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tulu4j.client.EndpointException;
import dev.tulu4j.client.EndpointOptions;
import dev.tulu4j.client.OpenAiClient;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One wave of chat requests through an {@link OpenAiClient}: all sent at once (the client keeps its
 * in-flight limit per server), answered from its request cache when a previous run completed them.
 * A request that still fails after the client's retries (5xx, 429, time-outs, a dropped connection)
 * yields null and is counted by the caller; a request the server refuses outright (another 4xx: a
 * wrong model name, a field it does not accept) stops the run, since every other request would fail
 * the same way.
 */
final class EndpointWave {
  private EndpointWave() {}

  /**
   * Opens a client for {@code endpoint} (one URL or several, comma-separated) with its request cache
   * at {@code cacheFile}; {@code model} null = the first id {@code /v1/models} lists.
   */
  static OpenAiClient open(String endpoint, String model, String apiKeyEnv, int maxInFlight, Path cacheFile) {
    EndpointOptions o = EndpointOptions.of(EndpointOptions.parseUrls(endpoint), model, apiKey(apiKeyEnv))
        .withMaxInFlight(maxInFlight).withCache(cacheFile);
    try {
      return OpenAiClient.open(o);
    } catch (IOException e) {
      throw new IllegalStateException("cannot reach " + endpoint + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while connecting to " + endpoint, e);
    }
  }

  private static String apiKey(String name) {
    if (name == null) return null;
    String key = System.getenv(name);
    if (key == null || key.isBlank()) throw new IllegalArgumentException("environment variable " + name + " is not set");
    return key;
  }

  /**
   * Posts every body to {@code /chat/completions} concurrently; returns each answer's {@code
   * choices[0].message.content} in order (null: failed after retries, or no content). {@code what}
   * names the wave in the lines written to {@code log}: progress (requests, rate, ETA) every 10% of a
   * wave of 50 or more, then a summary with the client's counts so far.
   */
  static List<String> chat(OpenAiClient client, List<ObjectNode> bodies, String what, PrintStream log) {
    int total = bodies.size();
    AtomicInteger done = new AtomicInteger(), failed = new AtomicInteger();
    AtomicReference<String> firstFailure = new AtomicReference<>();
    long t0 = System.nanoTime();
    int step = Math.max(1, total / 10);
    List<String> out = new ArrayList<>(total);
    try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<String>> fs = new ArrayList<>(total);
      for (ObjectNode b : bodies) {
        fs.add(ex.submit(() -> {
          String content = null;
          try {
            JsonNode r = client.post("/chat/completions", b);
            JsonNode c = r.path("choices").path(0).path("message").path("content");
            if (c.isTextual()) content = c.asText();
            else firstFailure.compareAndSet(null, "an answer without choices[0].message.content");
          } catch (EndpointException e) {
            if (e.status() / 100 == 4 && e.status() != 429) throw e;
            firstFailure.compareAndSet(null, e.getMessage());
          }
          if (content == null) failed.incrementAndGet();
          int n = done.incrementAndGet();
          if (log != null && total >= 50 && n % step == 0) progress(log, what, n, total, t0);
          return content;
        }));
      }
      for (Future<String> f : fs) out.add(f.get());
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof EndpointException ee) throw new IllegalArgumentException(what + ": " + ee.getMessage(), ee);
      if (c instanceof RuntimeException re) throw re;
      throw new IllegalStateException(what + ": " + c.getMessage(), c);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during " + what, e);
    }
    if (log != null) {
      log.printf("preferences: %s: %d requests (client so far: %s)%n", what, total, client.usage());
      if (failed.get() > 0) log.printf("preferences: %s: %d requests failed; first: %s%n", what, failed.get(), firstFailure.get());
    }
    return out;
  }

  private static void progress(PrintStream log, String what, int n, int total, long t0) {
    double s = (System.nanoTime() - t0) / 1e9;
    double rate = n / Math.max(s, 1e-9);
    log.printf("preferences: %s %d/%d requests, %.1f/s, ETA %.0f s%n", what, n, total, rate, (total - n) / Math.max(rate, 1e-9));
  }
}
