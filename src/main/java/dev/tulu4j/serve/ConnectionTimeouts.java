package dev.tulu4j.serve;

import java.time.Duration;

/**
 * How long a client connection may hold the server without making progress — the defence against
 * slow-loris clients, which open connections and then send their request a byte at a time, or nothing.
 *
 * <ul>
 *   <li>{@code read}: from the first byte of a request to the last byte of its body (request line,
 *       headers and body); a connection that has not sent its whole request by then is closed. The
 *       response is not covered: a long generation is bounded by the request timeout instead.
 *   <li>{@code idle}: a keep-alive connection between requests is closed after this long. A new
 *       connection that sends nothing is closed after the shorter of the two.
 * </ul>
 *
 * The JDK's HTTP server ({@code com.sun.net.httpserver}) enforces both itself, with a timer (checked
 * every {@link #tick()}), and reads its settings once per process, from system properties, when its first
 * server is created ({@code sun.net.httpserver.maxReqTime}, {@code idleInterval}, {@code timerMillis},
 * {@code clockTick}). So they are process-wide: {@link #apply()} sets them, and {@code tulu4j serve} calls
 * it before it creates its server; a second {@link #apply()} with other values in the same process
 * fails instead of being silently ignored.
 */
public record ConnectionTimeouts(Duration read, Duration idle) {
  /** tulu4j's defaults: 30 s to send a request, 60 s idle between keep-alive requests. */
  public static final ConnectionTimeouts DEFAULT = new ConnectionTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(60));

  private static ConnectionTimeouts applied;

  public ConnectionTimeouts {
    if (read.toSeconds() < 1) throw new IllegalArgumentException("--read-timeout must be >= 1 s, got " + read.toSeconds());
    if (idle.toSeconds() < 1) throw new IllegalArgumentException("--idle-timeout must be >= 1 s, got " + idle.toSeconds());
  }

  /** How often the server's timers look for expired connections: a quarter of the shorter timeout, at most 1 s. */
  public Duration tick() {
    long ms = Math.min(read.toMillis(), idle.toMillis()) / 4;
    return Duration.ofMillis(Math.max(100, Math.min(1000, ms)));
  }

  /**
   * Makes these the timeouts of every HTTP server this process creates from now on.
   *
   * @throws IllegalStateException when other timeouts were applied before (the JDK server keeps the first)
   */
  public void apply() {
    synchronized (ConnectionTimeouts.class) {
      if (applied != null && !applied.equals(this))
        throw new IllegalStateException("connection timeouts are per process and already set to " + applied);
      System.setProperty("sun.net.httpserver.maxReqTime", Long.toString(read.toSeconds()));
      System.setProperty("sun.net.httpserver.idleInterval", Long.toString(idle.toSeconds()));
      System.setProperty("sun.net.httpserver.timerMillis", Long.toString(tick().toMillis()));
      System.setProperty("sun.net.httpserver.clockTick", Long.toString(tick().toMillis()));
      applied = this;
    }
  }
}
