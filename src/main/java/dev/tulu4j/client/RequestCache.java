package dev.tulu4j.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Completed requests on disk, so that a run killed with {@code kill -9} and started again re-sends
 * nothing it already has. One JSON line per response, {@code {"key": sha256, "response": {...}}},
 * appended and flushed to the operating system as each response arrives (a killed process loses
 * nothing the OS has). The key is the SHA-256 of the route and the request body with its keys
 * sorted, so any change to the request (model, prompt, sampling, seed) is a miss. A torn last line
 * (a kill in the middle of a write) is dropped when the file is opened.
 */
public final class RequestCache implements AutoCloseable {
  private static final ObjectMapper CANONICAL = JsonMapper.builder()
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).build();

  private final Path file;
  private final Map<String, JsonNode> entries = new ConcurrentHashMap<>();
  private final OutputStream out;

  private RequestCache(Path file) throws IOException {
    this.file = file;
    long good = load();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      if (ch.size() > good) ch.truncate(good); // a torn line from a killed run
    }
    this.out = Files.newOutputStream(file, StandardOpenOption.APPEND);
  }

  /** Opens (creating the parent folder and the file if needed) the cache at {@code file}. */
  public static RequestCache open(Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) Files.createDirectories(parent);
    return new RequestCache(file);
  }

  /** The cache key of a request: SHA-256 over the route and the body with sorted keys. */
  public static String key(String route, ObjectNode body) {
    try {
      Object sorted = CANONICAL.treeToValue(body, Object.class); // maps, so the keys are sorted on write
      byte[] canon = CANONICAL.writeValueAsBytes(sorted);
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(route.getBytes(StandardCharsets.UTF_8));
      md.update((byte) '\n');
      return HexFormat.of().formatHex(md.digest(canon));
    } catch (IOException | NoSuchAlgorithmException e) {
      throw new IllegalStateException("cannot hash a request: " + e.getMessage(), e);
    }
  }

  public JsonNode get(String key) {
    return entries.get(key);
  }

  public int size() {
    return entries.size();
  }

  public Path file() {
    return file;
  }

  /** Records a completed response (written at once; a second put of the same key is ignored). */
  public synchronized void put(String key, JsonNode response) throws IOException {
    if (entries.putIfAbsent(key, response) != null) return;
    ObjectNode line = CANONICAL.createObjectNode().put("key", key);
    line.set("response", response);
    byte[] bytes = (CANONICAL.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8);
    out.write(bytes); // one write per line: a kill leaves at most one torn line at the end
    out.flush();
  }

  @Override
  public synchronized void close() throws IOException {
    out.close();
  }

  /** Reads the complete lines; returns the byte length of the good prefix. */
  private long load() throws IOException {
    if (!Files.exists(file)) return 0;
    byte[] all = Files.readAllBytes(file);
    long good = 0;
    int start = 0;
    for (int i = 0; i < all.length; i++) {
      if (all[i] != '\n') continue;
      String line = new String(all, start, i - start, StandardCharsets.UTF_8);
      try {
        JsonNode n = CANONICAL.readTree(line);
        if (n == null || !n.path("key").isTextual() || !n.has("response")) throw new IOException("not a cache line");
        entries.put(n.get("key").asText(), n.get("response"));
      } catch (IOException e) {
        throw new IOException(file + ":" + lineNumber(all, start) + ": not a request-cache line (" + e.getMessage()
            + "); delete the file to start the requests afresh", e);
      }
      start = i + 1;
      good = start;
    }
    return good; // bytes after the last newline are a torn write
  }

  private static int lineNumber(byte[] all, int offset) {
    int n = 1;
    for (int i = 0; i < offset; i++) if (all[i] == '\n') n++;
    return n;
  }
}
