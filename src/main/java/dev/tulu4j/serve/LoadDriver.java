package dev.tulu4j.serve;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * A bounded load generator for the server: {@code clients} concurrent clients each send streaming
 * completion requests back to back until {@code requests} have been sent or the time budget is
 * spent. Loopback only (it refuses any other host), so it can never load a machine but this one.
 */
public final class LoadDriver {
  private LoadDriver() {}

  /** What one concurrency level measured. Latency is request start to {@code [DONE]}; TTFT to the first token. */
  public record Level(int clients, int requests, int errors, double seconds, double requestsPerSecond, double p50Ms,
      double p99Ms, double ttftP50Ms, long chunks) {
    public String row() {
      return String.format(Locale.ROOT, "%7d %8d %6d %8.1f %9.2f %9.0f %9.0f %9.0f %8.0f", clients, requests, errors, seconds,
          requestsPerSecond, p50Ms, p99Ms, ttftP50Ms, chunks / seconds);
    }

    public static String header() {
      return String.format(Locale.ROOT, "%7s %8s %6s %8s %9s %9s %9s %9s %8s", "clients", "requests", "errors", "seconds",
          "req/s", "p50 ms", "p99 ms", "ttft p50", "chunk/s");
    }
  }

  /** Refuses a base URI whose host is not a loopback address. */
  public static void requireLoopback(URI base) {
    try {
      for (InetAddress a : InetAddress.getAllByName(base.getHost())) {
        if (!a.isLoopbackAddress()) throw new IllegalArgumentException("the load driver only targets loopback addresses, not " + base);
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot resolve " + base.getHost() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Runs one level against {@code base} (e.g. {@code http://127.0.0.1:8000}); each request asks for
   * {@code maxTokens} tokens. Errors: a non-200 status, an error event, a missing {@code [DONE]}, or an
   * exception (a client timeout included).
   */
  public static Level run(URI base, String apiKey, int clients, int requests, int maxTokens, Duration budget) {
    requireLoopback(base);
    if (clients < 1 || requests < 1 || maxTokens < 1) throw new IllegalArgumentException("clients, requests and max tokens must be >= 1");
    long deadline = System.nanoTime() + budget.toNanos();
    AtomicInteger next = new AtomicInteger();
    AtomicInteger errors = new AtomicInteger();
    AtomicLong chunks = new AtomicLong();
    List<double[]> samples = new ArrayList<>(); // {latency ms, ttft ms}
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    long t0 = System.nanoTime();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int c = 0; c < clients; c++) {
        pool.submit(() -> {
          for (int i; (i = next.getAndIncrement()) < requests && System.nanoTime() < deadline; ) {
            double[] s = one(http, base, apiKey, i, maxTokens, deadline, chunks);
            if (s == null) errors.incrementAndGet();
            else synchronized (samples) {
              samples.add(s);
            }
          }
        });
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    int sent = Math.min(next.get(), requests);
    double[] lat = samples.stream().mapToDouble(s -> s[0]).sorted().toArray();
    double[] ttft = samples.stream().mapToDouble(s -> s[1]).sorted().toArray();
    return new Level(clients, sent, errors.get() + (requests - sent), seconds, lat.length / seconds, percentile(lat, 50),
        percentile(lat, 99), percentile(ttft, 50), chunks.get());
  }

  /** One streaming request; its {latency, time to first token} in ms, or null on any error. */
  private static double[] one(HttpClient http, URI base, String apiKey, int i, int maxTokens, long deadline, AtomicLong chunks) {
    String body = "{\"prompt\":\"Question " + i + ": how many eggs are left?\",\"max_tokens\":" + maxTokens
        + ",\"temperature\":1,\"seed\":" + i + ",\"stream\":true}";
    long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve("/v1/completions")).timeout(Duration.ofMillis(left))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    if (apiKey != null) b.header("Authorization", "Bearer " + apiKey);
    long start = System.nanoTime();
    try {
      HttpResponse<Stream<String>> r = http.send(b.build(), HttpResponse.BodyHandlers.ofLines());
      if (r.statusCode() != 200) {
        r.body().close();
        return null;
      }
      long[] first = {0};
      boolean[] done = {false, false}; // [DONE] seen, error seen
      try (Stream<String> lines = r.body()) {
        lines.forEach(line -> {
          if (line.equals("data: [DONE]")) done[0] = true;
          else if (line.startsWith("data: {\"error\"")) done[1] = true;
          else if (line.startsWith("data: ")) {
            if (first[0] == 0) first[0] = System.nanoTime();
            chunks.incrementAndGet();
          }
        });
      }
      if (!done[0] || done[1]) return null;
      long end = System.nanoTime();
      return new double[] {(end - start) / 1e6, ((first[0] == 0 ? end : first[0]) - start) / 1e6};
    } catch (IOException | RuntimeException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** Nearest-rank percentile of sorted values (NaN when empty). */
  static double percentile(double[] sorted, double p) {
    if (sorted.length == 0) return Double.NaN;
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }
}
