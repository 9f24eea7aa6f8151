package dev.tulu4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tulu4j.io.FileOps;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code metrics.jsonl}: one JSON object per optimizer step, flushed at each line, e.g.
 * {@code {"step":3,"loss":1.92,"lr":1.0E-5,"grad_norm":0.8,"tokens_per_s":5120.0,
 * "trained_tokens":4096,"total_tokens":12288,"elapsed_s":2.4,"acc":0.5}} (extras go at the top
 * level after the fixed keys). On resume, lines of steps after the checkpoint are dropped so the
 * file reads as one uninterrupted run.
 */
public final class Metrics implements Closeable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final BufferedWriter out;

  private Metrics(BufferedWriter out) {
    this.out = out;
  }

  /** Opens {@code file} for appending, first keeping only lines with {@code step <= keepUpTo}. */
  public static Metrics open(Path file, long keepUpTo) throws IOException {
    if (file.getParent() != null) Files.createDirectories(file.getParent());
    if (Files.exists(file)) {
      List<String> kept = new ArrayList<>();
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        if (line.isBlank()) continue;
        try {
          JsonNode n = JSON.readTree(line);
          if (n.path("step").asLong(Long.MAX_VALUE) <= keepUpTo) kept.add(line);
        } catch (IOException e) {
          // a torn last line from a hard kill: drop it
        }
      }
      FileOps.writeAtomically(file, kept);
    }
    return new Metrics(Files.newBufferedWriter(file, StandardCharsets.UTF_8,
        StandardOpenOption.CREATE, StandardOpenOption.APPEND));
  }

  public void log(StepMetrics m) throws IOException {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("step", m.step());
    row.put("loss", m.loss());
    row.put("lr", m.lr());
    row.put("grad_norm", m.gradNorm());
    row.put("tokens_per_s", m.tokensPerS());
    row.put("trained_tokens", m.trainedTokens());
    row.put("total_tokens", m.totalTokens());
    row.put("elapsed_s", m.elapsedS());
    m.extras().entrySet().stream().sorted(Map.Entry.comparingByKey())
        .forEach(e -> row.putIfAbsent(e.getKey(), e.getValue()));
    out.write(JSON.writeValueAsString(row));
    out.write('\n');
    out.flush();
  }

  @Override
  public void close() throws IOException {
    out.close();
  }
}
