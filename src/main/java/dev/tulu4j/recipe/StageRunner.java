package dev.tulu4j.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tulu4j.io.FileOps;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Runs a pipeline's stages in order, skipping a stage whose inputs have not changed since it last
 * completed. A stage's inputs are summarised by a content hash (its config text and the hashes of
 * the stages it depends on, which themselves cover their outputs). Completion is recorded by a
 * marker {@code DIR/<stage>/.done.json} written atomically after the stage returns. A stage that
 * was started with the same hash but never finished is run again with {@code resuming = true} (a
 * training stage then continues from its own checkpoints); a stage whose inputs changed starts
 * from an emptied folder, so no stale checkpoint is ever resumed.
 */
public final class StageRunner {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One step of a pipeline. */
  public interface Stage {
    String name();

    /** Everything that decides this stage's output apart from upstream stages (e.g. its config as text). */
    String fingerprint();

    /** Names of the stages whose outputs this one reads. */
    List<String> dependsOn();

    /**
     * Does the work in {@code dir} and returns a small JSON summary kept in the marker;
     * {@code resuming} says an earlier run with the same inputs was interrupted in this folder.
     */
    JsonNode run(Path dir, boolean resuming) throws Exception;
  }

  /** What happened to a stage: ran or skipped, its summary, hash and time. */
  public record Outcome(String name, boolean skipped, JsonNode summary, String hash, double seconds) {}

  private final Path root;
  private final PrintStream log;

  public StageRunner(Path root, PrintStream log) {
    this.root = root;
    this.log = log;
  }

  public List<Outcome> runAll(List<Stage> stages) throws Exception {
    java.util.Map<String, String> hashes = new java.util.HashMap<>();
    List<Outcome> out = new java.util.ArrayList<>();
    for (Stage s : stages) {
      StringBuilder h = new StringBuilder(s.name()).append('\n').append(s.fingerprint());
      for (String dep : s.dependsOn()) {
        String dh = hashes.get(dep);
        if (dh == null) throw new IllegalArgumentException("stage '" + s.name() + "' depends on '" + dep + "', which does not run before it");
        h.append('\n').append(dep).append('=').append(dh);
      }
      String hash = FileOps.sha256Hex(h.toString());
      hashes.put(s.name(), hash);
      Path dir = root.resolve(s.name());
      Path marker = dir.resolve(".done.json");
      Path started = dir.resolve(".started.json");
      if (Files.exists(marker)) {
        JsonNode m = JSON.readTree(marker.toFile());
        if (hash.equals(m.path("hash").asText())) {
          log.printf("[%s] up to date, skipped%n", s.name());
          out.add(new Outcome(s.name(), true, m.path("summary"), hash, m.path("seconds").asDouble()));
          continue;
        }
      }
      boolean resuming = Files.exists(started) && !Files.exists(marker)
          && hash.equals(JSON.readTree(started.toFile()).path("hash").asText());
      if (!resuming && Files.exists(dir)) FileOps.deleteTree(dir); // inputs changed: nothing old may be reused
      Files.createDirectories(dir);
      FileOps.writeAtomically(started, JSON.createObjectNode().put("hash", hash).toString().getBytes(StandardCharsets.UTF_8));
      log.printf("[%s] %s%n", s.name(), resuming ? "resuming an interrupted run" : "running");
      long t0 = System.nanoTime();
      JsonNode summary = s.run(dir, resuming);
      double secs = (System.nanoTime() - t0) / 1e9;
      ObjectNode m = JSON.createObjectNode().put("hash", hash).put("seconds", secs);
      m.set("summary", summary == null ? JSON.createObjectNode() : summary);
      FileOps.writeAtomically(marker, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(m));
      log.printf("[%s] done in %.1f s%n", s.name(), secs);
      out.add(new Outcome(s.name(), false, m.get("summary"), hash, secs));
    }
    return out;
  }
}
