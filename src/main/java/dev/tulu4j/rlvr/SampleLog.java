package dev.tulu4j.rlvr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tulu4j.io.FileOps;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * {@code samples.jsonl}: a few rollouts per logging interval, one JSON object each:
 * {@code {"step":3,"prompt":"...","response":"...","score":10.0,"correct":true,"eos":true,
 * "advantage":0.87,"response_tokens":41}}. On resume, lines after the checkpoint's step are dropped.
 */
final class SampleLog implements Closeable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final BufferedWriter out;
  private final Function<int[], String> decoder;

  private SampleLog(BufferedWriter out, Function<int[], String> decoder) {
    this.out = out;
    this.decoder = decoder;
  }

  static SampleLog open(Path file, long keepUpTo, Function<int[], String> decoder) throws IOException {
    if (file.getParent() != null) Files.createDirectories(file.getParent());
    if (Files.exists(file)) {
      List<String> kept = new ArrayList<>();
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        try {
          JsonNode n = JSON.readTree(line);
          if (n != null && n.path("step").asLong(Long.MAX_VALUE) <= keepUpTo) kept.add(line);
        } catch (IOException e) {
          // torn last line of a killed run
        }
      }
      FileOps.writeAtomically(file, kept);
    }
    return new SampleLog(Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
        StandardOpenOption.APPEND), decoder);
  }

  /** The first {@code count} rollouts of the batch. */
  void write(long step, List<Rollout> rs, double[] advantages, int count) throws IOException {
    for (int i = 0; i < Math.min(count, rs.size()); i++) {
      Rollout r = rs.get(i);
      ObjectNode o = JSON.createObjectNode();
      o.put("step", step);
      o.put("prompt", decoder == null ? null : decoder.apply(r.promptIds()));
      o.put("response", r.text());
      o.put("score", r.score());
      o.put("correct", r.correct());
      o.put("eos", r.endedWithEos());
      o.put("advantage", advantages[i]);
      o.put("response_tokens", r.response().length);
      out.write(JSON.writeValueAsString(o));
      out.write('\n');
    }
    out.flush();
  }

  @Override
  public void close() throws IOException {
    out.close();
  }
}
