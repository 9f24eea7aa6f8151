package dev.tulu4j.data.persona;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tulu4j.client.EndpointOptions;
import dev.tulu4j.client.OpenAiClient;
import dev.tulu4j.data.DataFormatException;
import dev.tulu4j.data.Json;
import dev.tulu4j.data.JsonlReader;
import dev.tulu4j.data.OnError;
import dev.tulu4j.data.RejectSink;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Persona-driven prompt synthesis (Tülu 3 §3.1.1): for each persona and task kind, ask a chat model to write a
 * prompt of the configured kind (math problem, precisely verifiable instruction, or general request)
 * in that persona's voice. Requests go through {@link OpenAiClient} ({@code concurrency} in flight,
 * retries with backoff and jitter on 429/5xx/time-outs honouring {@code Retry-After}; other 4xx fail
 * the row at once). Rows are appended to the output as they finish, so an interrupted run is
 * resumed by running it again: ids already present are skipped (a truncated last line from a crash
 * is cut off first).
 */
public final class PersonaSynthesis {
  /** The instruction sent per task kind; {@code %s} is the persona. Written after Tülu 3's persona prompts. */
  public static final Map<String, String> TEMPLATES = Map.of(
      "math", "Create a challenging math word problem that the following persona might encounter or pose, set in "
          + "their world. Reply with the problem only, without a solution.\n\nPersona: %s",
      "precise_if", "Write one instruction that the following persona might give an AI assistant, with a precise, "
          + "verifiable constraint on the answer (for example a word limit, a required keyword, bullet points, a "
          + "title, or all lowercase letters). Reply with the instruction only.\n\nPersona: %s",
      "code", "Create a self-contained Python programming problem that the following persona might need solved: "
          + "ask for one Python function, give its name and signature, and describe its input and output. Reply with "
          + "the problem only, without a solution.\n\nPersona: %s",
      "general", "Write a realistic request that the following persona might make to an AI assistant. Reply with "
          + "the request only.\n\nPersona: %s");

  /** A persona with its id (from the file, or {@code p<line>}). */
  public record Persona(String id, String text) {}

  /** Outcome: rows written now, rows skipped as already done, failures (id → reason), retries made. */
  public record Result(int written, int skipped, Map<String, String> failures, long retries) {}

  private PersonaSynthesis() {}

  public static Result run(PersonaConfig cfg, String apiKey) {
    return run(cfg, apiKey, null);
  }

  /**
   * As {@link #run(PersonaConfig, String)}; with {@code responses: true} each prompt is also answered and
   * checked ({@link PersonaResponses}) before its row is written, with {@code checks} (required then).
   */
  public static Result run(PersonaConfig cfg, String apiKey, PersonaResponses.Checks checks) {
    if (cfg.responses() && checks == null)
      throw new IllegalArgumentException("responses: true needs the response checks (run it through tulu4j data personas)");
    List<Persona> personas = readPersonas(cfg.personas());
    if (cfg.limit() > 0 && personas.size() > cfg.limit()) {
      personas = personas.subList(0, cfg.limit());
    }
    Set<String> done = finishedIds(cfg.out());
    EndpointOptions options = new EndpointOptions(List.of(cfg.baseUrl()), cfg.model(), apiKey, cfg.concurrency(),
        cfg.maxRetries(), Duration.ofMillis(cfg.initialBackoffMs()), Duration.ofSeconds(cfg.timeoutSeconds()), null);
    OpenAiClient client;
    try {
      client = OpenAiClient.open(options); // the model is named in the config: no request is made here
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open a client for " + cfg.baseUrl() + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
    Map<String, String> failures = new java.util.concurrent.ConcurrentSkipListMap<>();
    int[] counts = new int[2];
    try {
      Path parent = cfg.out().toAbsolutePath().getParent();
      Files.createDirectories(parent);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ExecutorService pool = Executors.newFixedThreadPool(cfg.concurrency());
    try (BufferedWriter w = Files.newBufferedWriter(cfg.out(), StandardCharsets.UTF_8,
        StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
      for (Persona p : personas) {
        for (String task : cfg.tasks()) {
          String id = task + "-" + p.id();
          if (done.contains(id)) {
            counts[1]++;
          } else {
            pool.submit(() -> generate(cfg, client, p, task, id, w, counts, failures, checks));
          }
        }
      }
      pool.shutdown();
      if (!pool.awaitTermination(7, TimeUnit.DAYS)) {
        throw new IllegalStateException("persona synthesis did not finish");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + cfg.out() + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } finally {
      pool.shutdownNow();
      try {
        client.close();
      } catch (IOException ignored) {
        // no request cache: nothing to flush
      }
    }
    return new Result(counts[0], counts[1], Map.copyOf(failures), client.usage().retries());
  }

  private static void generate(PersonaConfig cfg, OpenAiClient client, Persona p, String task, String id,
      BufferedWriter w, int[] counts, Map<String, String> failures, PersonaResponses.Checks checks) {
    try {
      ObjectNode body = Json.MAPPER.createObjectNode();
      String ask = TEMPLATES.get(task).formatted(p.text());
      PersonaResponses.Constraint constraint = cfg.responses() && task.equals("precise_if") ? PersonaResponses.constraintFor(id) : null;
      if (constraint != null) ask = PersonaResponses.withConstraint(ask, constraint);
      body.putArray("messages").addObject().put("role", "user").put("content", ask);
      body.put("temperature", cfg.temperature());
      body.put("max_tokens", cfg.maxTokens());
      JsonNode content = client.post("/chat/completions", body).path("choices").path(0).path("message").path("content");
      if (!content.isTextual()) throw new IOException(cfg.baseUrl() + ": the answer has no choices[0].message.content");
      String prompt = content.asText();
      ObjectNode row = Json.MAPPER.createObjectNode().put("id", id).put("task", task)
          .put("persona", p.text()).put("prompt", prompt.strip()).put("model", cfg.model());
      if (cfg.responses()) row.setAll(PersonaResponses.complete(client, cfg, task, prompt.strip(), constraint, checks));
      String line = row + "\n";
      synchronized (w) {
        w.write(line);
        w.flush(); // one whole row per write: a crash leaves at most one truncated last line
        counts[0]++;
      }
    } catch (IOException | RuntimeException e) {
      failures.put(id, String.valueOf(e.getMessage()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failures.put(id, "interrupted");
    }
  }

  /** Reads personas: JSONL objects with {@code persona}/{@code text}/{@code description}, or plain lines of a .txt file. */
  public static List<Persona> readPersonas(Path file) {
    List<Persona> out = new ArrayList<>();
    if (!file.toString().endsWith(".jsonl")) {
      try {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
          if (!lines.get(i).isBlank()) {
            out.add(new Persona("p" + (i + 1), lines.get(i).strip()));
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
      }
    } else {
      try (JsonlReader<JsonNode> r = JsonlReader.openObjects(file, OnError.FAIL, RejectSink.NONE)) {
        while (r.hasNext()) {
          JsonNode n = r.next();
          String text = null;
          for (String k : List.of("persona", "text", "description")) {
            if (n.hasNonNull(k) && n.get(k).isTextual()) {
              text = n.get(k).asText();
              break;
            }
          }
          if (text == null) {
            throw new DataFormatException(file, r.lineNumber(), "persona", "missing (also tried text, description)");
          }
          String id = n.hasNonNull("id") ? n.get("id").asText() : "p" + r.lineNumber();
          out.add(new Persona(id, text));
        }
      }
    }
    Set<String> ids = new HashSet<>();
    for (Persona p : out) {
      if (!ids.add(p.id())) {
        throw new IllegalArgumentException(file + ": persona id '" + p.id() + "' appears twice");
      }
    }
    return out;
  }

  /** Ids already in the output; cuts off a truncated last line left by a crash. */
  static Set<String> finishedIds(Path out) {
    Set<String> done = new HashSet<>();
    if (!Files.exists(out)) {
      return done;
    }
    try {
      byte[] all = Files.readAllBytes(out);
      int end = all.length;
      if (end > 0 && all[end - 1] != '\n') {
        int lastNl = end - 1;
        while (lastNl >= 0 && all[lastNl] != '\n') {
          lastNl--;
        }
        try (RandomAccessFile raf = new RandomAccessFile(out.toFile(), "rw")) {
          raf.setLength(lastNl + 1);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + out + ": " + e.getMessage(), e);
    }
    try (JsonlReader<JsonNode> r = JsonlReader.openObjects(out, OnError.FAIL, RejectSink.NONE)) {
      r.forEachRemaining(n -> done.add(n.path("id").asText()));
    }
    return done;
  }
}
