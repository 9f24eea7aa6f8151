package dev.tulu4j.rlvr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tulu4j.client.EndpointException;
import dev.tulu4j.client.OpenAiClient;
import dev.tulu4j.rlvr.RolloutEndpointConfig.SyncMode;
import dev.tulu4j.train.ModelSaver;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.stream.Stream;

/**
 * Hands the policy's current weights to every rollout server before a rollout batch (issue #20
 * part 4). The weights are written to {@code sync_dir/step-N/} (N = policy updates so far) through a
 * temporary folder renamed into place, so a server never reads a half-written folder; then:
 *
 * <ul>
 *   <li>{@code lora}: the adapter in PEFT format, loaded with vLLM's {@code POST /v1/load_lora_adapter
 *       {lora_name, lora_path}} under the name {@code policy-step-N}, which the next requests name as
 *       their {@code model}; the previous adapter is unloaded ({@code POST /v1/unload_lora_adapter
 *       {lora_name}}). vLLM refuses to load a name it already has (400), so the name is unloaded first,
 *       tolerating 404, when a restarted trainer syncs a step again.
 *   <li>{@code full}: fp32 HF weights, loaded with SGLang's {@code POST /update_weights_from_disk
 *       {model_path}} at each server's root; the requests keep the served model's name.
 * </ul>
 * Every endpoint receives every sync ({@link OpenAiClient#broadcastText}). Only the two newest sync
 * folders are kept.
 */
public final class WeightSync {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String LORA_PREFIX = "policy-step-";

  private final OpenAiClient client;
  private final SyncMode mode;
  private final Path dir;
  private final ModelSaver saver;
  private final PrintStream log;
  private final Deque<Path> written = new ArrayDeque<>();
  private String loaded; // the adapter name the servers hold (lora), null before the first sync
  private long version = -1;
  private double seconds;

  /** @param saver writes the policy's current weights into a folder: the PEFT adapter (lora) or fp32 HF weights (full) */
  public WeightSync(OpenAiClient client, SyncMode mode, Path dir, ModelSaver saver, PrintStream log) {
    this.client = client;
    this.mode = mode;
    this.dir = dir;
    this.saver = saver;
    this.log = log;
  }

  /** The weights version the servers hold (policy updates), -1 before the first sync. */
  public long version() {
    return version;
  }

  /** The model name rollout requests carry: the synced adapter's, or the served model's. */
  public String modelName() {
    return mode == SyncMode.LORA ? loaded : client.model();
  }

  /** Wall seconds spent syncing so far. */
  public double seconds() {
    return seconds;
  }

  /** Writes the current weights as version {@code n} and loads them on every server. */
  public void sync(long n) {
    long t0 = System.nanoTime();
    try {
      Path target = write(n);
      if (mode == SyncMode.LORA) loadAdapter(LORA_PREFIX + n, target);
      else loadFull(target);
      version = n;
      prune(target);
    } catch (IOException e) {
      throw new UncheckedIOException("weight sync of step " + n + " to " + client.options().baseUrls() + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during the weight sync", e);
    }
    seconds += (System.nanoTime() - t0) / 1e9;
  }

  /** {@code dir/step-N}, written completely under a temporary name first. */
  private Path write(long n) throws IOException {
    Files.createDirectories(dir);
    Path target = dir.resolve("step-" + n).toAbsolutePath();
    Path tmp = dir.resolve(".step-" + n + ".tmp").toAbsolutePath();
    deleteTree(tmp);
    Files.createDirectories(tmp);
    saver.save(tmp);
    deleteTree(target); // left by a run that was killed after writing this step
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    return target;
  }

  private void loadAdapter(String name, Path path) throws IOException, InterruptedException {
    // a restarted trainer (or a restarted server) may or may not find this name loaded
    client.broadcastText("/unload_lora_adapter", JSON.createObjectNode().put("lora_name", name), false,
        status -> status == 404 || status == 400);
    client.broadcastText("/load_lora_adapter",
        JSON.createObjectNode().put("lora_name", name).put("lora_path", path.toString()), false);
    if (loaded != null && !loaded.equals(name))
      client.broadcastText("/unload_lora_adapter", JSON.createObjectNode().put("lora_name", loaded), false,
          status -> status == 404);
    loaded = name;
    log.printf("rlvr: servers loaded adapter %s from %s%n", name, path);
  }

  private void loadFull(Path path) throws IOException, InterruptedException {
    ObjectNode body = JSON.createObjectNode().put("model_path", path.toString());
    for (String r : client.broadcastText("/update_weights_from_disk", body, true)) {
      JsonNode n;
      try {
        n = JSON.readTree(r);
      } catch (IOException notJson) {
        continue; // a 2xx without a JSON body is success
      }
      if (n != null && n.path("success").isBoolean() && !n.path("success").asBoolean())
        throw new EndpointException("update_weights_from_disk refused " + path + ": " + n.path("message").asText(), 200);
    }
    log.printf("rlvr: servers loaded the weights in %s%n", path);
  }

  /** Keeps the two newest sync folders (a server may still be reading the previous one). */
  private void prune(Path newest) throws IOException {
    written.remove(newest);
    written.addLast(newest);
    while (written.size() > 2) deleteTree(written.removeFirst());
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) return;
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(q);
    }
  }
}
