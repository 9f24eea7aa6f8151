package dev.tulu4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.io.DType;
import dev.tulu4j.runtime.TinyCheckpoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slow-loris clients against {@code tulu4j serve} (child JVM, {@code --read-timeout 2 --idle-timeout 2}):
 * 24 raw sockets that connect and send nothing, send their headers a byte every 100 ms, or send whole
 * headers and then their body a byte every 100 ms. While all of them are connected, a normal request
 * completes at once; every slow one is closed by the server within the timeout plus its timer tick (and
 * not before the timeout); afterwards the server still answers. The timeouts are process-wide settings
 * of the JDK server, hence the child JVM.
 */
@Tag("slow")
class ServeSlowClientsTest {
  static final int EACH = 8;

  @Test
  void slowClientsAreClosedAfterTheReadTimeoutWithoutDelayingOthers(@TempDir Path dir) throws Exception {
    Path ck = TinyCheckpoint.write(dir, "ck", false, DType.F32, false);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = List.of(java, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Xmx256m", "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
        "serve", "--model", ck.toString(), "--port", "0", "--threads", "1", "--max-seq-len", "128",
        "--read-timeout", "2", "--idle-timeout", "2");
    Path log = dir.resolve("serve.log");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    List<Thread> clients = new ArrayList<>();
    try {
      int port = port(p, log);
      // the slow clients: each records how long after it connected the server closed it
      ConcurrentHashMap<String, Long> closedAfterMs = new ConcurrentHashMap<>();
      String body = "{\"prompt\":\"How many eggs?\",\"max_tokens\":4,\"temperature\":0}";
      String head = "POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
          + "Content-Length: " + body.length() + "\r\n\r\n";
      assertThat(request(port, head + body)).startsWith("HTTP/1.1 200"); // warm-up: the first request pays for the JIT
      for (int i = 0; i < EACH; i++) {
        clients.add(slow("silent-" + i, port, "", "", closedAfterMs));
        clients.add(slow("headers-" + i, port, "", head, closedAfterMs));
        clients.add(slow("body-" + i, port, head, body, closedAfterMs));
      }
      Thread.sleep(300); // every slow client is connected and trickling

      long t0 = System.nanoTime();
      String answer = request(port, head + body);
      long normalMs = (System.nanoTime() - t0) / 1_000_000;
      assertThat(answer).startsWith("HTTP/1.1 200").contains("\"text\"");
      assertThat(normalMs).as("the normal request beside %d slow clients", 3 * EACH).isLessThan(1500);

      for (Thread t : clients) t.join(15_000);
      assertThat(closedAfterMs).hasSize(3 * EACH);
      // read timeout 2 s, timer tick 500 ms: closed between 2 and 2.5 s after the first byte (+ scheduling)
      closedAfterMs.forEach((name, ms) -> assertThat(ms).as(name).isBetween(1_900L, 6_000L));
      assertThat(request(port, "GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")).startsWith("HTTP/1.1 200");
      System.out.printf("normal request beside %d slow clients: %d ms; slow clients closed after %d–%d ms%n", 3 * EACH,
          normalMs, closedAfterMs.values().stream().mapToLong(Long::longValue).min().orElseThrow(),
          closedAfterMs.values().stream().mapToLong(Long::longValue).max().orElseThrow());
    } finally {
      clients.forEach(Thread::interrupt);
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
    }
  }

  /**
   * A client that sends {@code fast} at once, then {@code trickle} one byte per 100 ms (never all of it
   * when it is a request's last part), and records when the server closed the connection.
   */
  static Thread slow(String name, int port, String fast, String trickle, ConcurrentHashMap<String, Long> closedAfterMs) {
    return Thread.ofVirtual().start(() -> {
      try (Socket s = new Socket("127.0.0.1", port)) {
        long t0 = System.nanoTime();
        s.setSoTimeout(100);
        OutputStream o = s.getOutputStream();
        InputStream in = s.getInputStream();
        o.write(fast.getBytes(StandardCharsets.UTF_8));
        o.flush();
        byte[] drip = trickle.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; System.nanoTime() - t0 < 15_000_000_000L; i++) {
          try {
            if (i < drip.length - 1) { // the last byte never comes
              o.write(drip[i]);
              o.flush();
            }
            if (in.read() == -1) break; // closed by the server
          } catch (SocketTimeoutException stillOpen) {
            continue;
          } catch (IOException reset) {
            break;
          }
        }
        closedAfterMs.put(name, (System.nanoTime() - t0) / 1_000_000);
      } catch (IOException e) {
        closedAfterMs.put(name + " (connect failed: " + e + ")", -1L);
      }
    });
  }

  /** One request on a fresh connection; the response head and body as text. */
  static String request(int port, String raw) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(30_000);
      s.getOutputStream().write(raw.getBytes(StandardCharsets.UTF_8));
      s.getOutputStream().flush();
      InputStream in = s.getInputStream();
      StringBuilder sb = new StringBuilder();
      byte[] buf = new byte[4096];
      int contentLength = -1;
      for (int n; (n = in.read(buf)) > 0; ) {
        sb.append(new String(buf, 0, n, StandardCharsets.UTF_8));
        int end = sb.indexOf("\r\n\r\n");
        if (end >= 0) {
          Matcher m = Pattern.compile("(?i)content-length: (\\d+)").matcher(sb.substring(0, end));
          if (m.find()) contentLength = Integer.parseInt(m.group(1));
          if (contentLength >= 0 && sb.length() - end - 4 >= contentLength) break;
        }
      }
      return sb.toString();
    }
  }

  static int port(Process p, Path log) throws Exception {
    Pattern serving = Pattern.compile("serving .* at http://127\\.0\\.0\\.1:(\\d+)/v1");
    for (long until = System.nanoTime() + 120_000_000_000L; System.nanoTime() < until && p.isAlive(); ) {
      Matcher m = serving.matcher(Files.readString(log));
      if (m.find()) return Integer.parseInt(m.group(1));
      Thread.sleep(50);
    }
    throw new AssertionError("the server did not start: " + Files.readString(log));
  }
}
