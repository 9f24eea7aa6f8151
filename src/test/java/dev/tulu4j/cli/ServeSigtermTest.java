package dev.tulu4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.io.DType;
import dev.tulu4j.runtime.TinyCheckpoint;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tulu4j serve} in a child JVM receives SIGTERM while a stream is open: the stream still ends
 * with {@code [DONE]}, the process says it drained and exits, and the port refuses connections.
 * (Whether the stream was still generating when the signal came depends on timing; the drain itself
 * is proven deterministically by ServerAbuseTest with a slowed model.)
 */
class ServeSigtermTest {

  @Test
  void sigtermDrainsAndExits(@TempDir Path dir) throws Exception {
    Path ck = TinyCheckpoint.write(dir, "ck", false, DType.F32, false);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = List.of(java, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Xmx256m", "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
        "serve", "--model", ck.toString(), "--port", "0", "--threads", "1", "--max-seq-len", "256");
    Path log = dir.resolve("serve.log"); // a file, not a pipe: nothing is lost when the child exits
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      int port = -1;
      Pattern serving = Pattern.compile("serving .* at http://127\\.0\\.0\\.1:(\\d+)/v1");
      for (long until = System.nanoTime() + 120_000_000_000L; port < 0 && System.nanoTime() < until && p.isAlive(); ) {
        Matcher m = serving.matcher(Files.readString(log));
        if (m.find()) port = Integer.parseInt(m.group(1));
        else Thread.sleep(50);
      }
      assertThat(port).as(Files.readString(log)).isPositive();
      String body = "{\"prompt\":\"How many eggs?\",\"max_tokens\":240,\"temperature\":1,\"seed\":3,\"stream\":true}";
      StringBuilder stream = new StringBuilder();
      try (Socket s = new Socket("127.0.0.1", port)) {
        OutputStream o = s.getOutputStream();
        o.write(("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
            .getBytes(StandardCharsets.UTF_8));
        o.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
          stream.append(line).append('\n');
          if (line.startsWith("data: ")) break; // the first token is out: the request is in flight
        }
        p.destroy(); // SIGTERM
        for (String line; (line = in.readLine()) != null; ) {
          stream.append(line).append('\n');
          if (line.equals("data: [DONE]")) break;
        }
      }
      assertThat(stream.toString()).contains("data: [DONE]");
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      List<String> lines = Files.readAllLines(log);
      assertThat(p.exitValue()).isEqualTo(143); // 128 + SIGTERM: the JVM's exit after its hooks ran
      assertThat(lines).anyMatch(l -> l.startsWith("stopping: no new connections"));
      assertThat(lines).contains("stopped: every request finished");
      assertThat(String.join("\n", lines)).doesNotContain("Exception");
      try (Socket s = new Socket("127.0.0.1", port)) {
        throw new AssertionError("port " + port + " still accepts connections");
      } catch (ConnectException expected) {
        // refused
      }
    } finally {
      if (p.isAlive()) p.destroyForcibly();
    }
  }
}
