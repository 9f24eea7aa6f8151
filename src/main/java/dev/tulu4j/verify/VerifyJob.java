package dev.tulu4j.verify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tulu4j.io.FileOps;
import java.io.BufferedReader;
import dev.tulu4j.data.JsonlReader;
import dev.tulu4j.data.OnError;
import dev.tulu4j.data.RejectSink;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Scores a JSONL file of predictions: each line holds {@code prediction} (or {@code messages} ending
 * with an assistant turn) and {@code ground_truth} (open-instruct RLVR form), plus {@code dataset} when the task is {@code auto} and {@code prompt}
 * (or {@code messages}, whose last user turn is the prompt) where IFEval needs it. Each output line is
 * the input object plus {@code score} (1 or 0) and {@code details}. The output is written to a
 * temporary file beside the target and renamed into place, so a failed run leaves no partial file.
 */
public final class VerifyJob {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** {@code task} is a registry name or {@code auto} (use each line's {@code dataset}). */
  public record Config(Path in, Path out, String task) {
    public Config {
      Objects.requireNonNull(in, "in");
      Objects.requireNonNull(out, "out");
      Objects.requireNonNull(task, "task");
    }

    public boolean auto() {
      return task.equalsIgnoreCase("auto");
    }
  }

  /**
   * Counts of one run; {@code perDataset} maps dataset name to {correct, n}; {@code verifyNanos} is the
   * thread CPU time spent inside {@link Verifier#verify} (not JSON reading or writing).
   */
  public record Summary(int n, int correct, Map<String, int[]> perDataset, long verifyNanos) {
    public double accuracy() {
      return n == 0 ? 0.0 : (double) correct / n;
    }

    /** One line per dataset and a total, e.g. {@code gsm8k: 12/20 = 0.6000}. */
    public String describe() {
      StringBuilder b = new StringBuilder();
      perDataset.forEach((k, v) -> b.append(String.format(java.util.Locale.ROOT, "%s: %d/%d = %.4f%n",
          k, v[0], v[1], v[1] == 0 ? 0.0 : (double) v[0] / v[1])));
      b.append(String.format(java.util.Locale.ROOT, "total: n=%d correct=%d accuracy=%.4f%n", n, correct, accuracy()));
      b.append(String.format(java.util.Locale.ROOT, "verifier time: %.1f ms CPU (%.0f checks/s)",
          verifyNanos / 1e6, verifyNanos == 0 ? 0.0 : n / (verifyNanos / 1e9)));
      return b.toString();
    }
  }

  private VerifyJob() {}

  /**
   * Runs the job.
   *
   * @throws IllegalArgumentException naming the file, line and field of the first bad line
   */
  public static Summary run(Config config, Verifiers registry) throws IOException {
    Verifier fixed = config.auto() ? null : registry.get(config.task());
    Path out = config.out().toAbsolutePath();
    Files.createDirectories(out.getParent());
    Path tmp = Files.createTempFile(out.getParent(), out.getFileName().toString(), ".tmp");
    int n = 0;
    int correct = 0;
    long nanos = 0;
    var threads = java.lang.management.ManagementFactory.getThreadMXBean();
    Map<String, int[]> per = new TreeMap<>();
    try (JsonlReader<JsonNode> r = JsonlReader.openObjects(config.in(), OnError.FAIL, RejectSink.NONE);
        BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
      while (r.hasNext()) {
        ObjectNode row = (ObjectNode) r.next(); // the reader accepts only JSON objects
        String where = config.in() + ":" + r.lineNumber();
        String prediction = prediction(row, where);
        JsonNode truth = row.get("ground_truth");
        if (truth == null || truth.isNull()) {
          throw new IllegalArgumentException(where + ": missing field \"ground_truth\"");
        }
        String dataset;
        Verifier v;
        if (fixed != null) {
          dataset = config.task().toLowerCase(java.util.Locale.ROOT);
          v = fixed;
        } else {
          dataset = text(row, "dataset", where, true);
          if (!registry.has(dataset)) {
            throw new IllegalArgumentException(where + ": field \"dataset\": no verifier for \"" + dataset
                + "\" (known: " + String.join(", ", registry.names()) + ")");
          }
          v = registry.get(dataset);
          dataset = dataset.toLowerCase(java.util.Locale.ROOT);
        }
        VerificationResult res;
        String prompt = prompt(row, where);
        long t0 = threads.getCurrentThreadCpuTime();
        try {
          res = v.verify(prediction, truth, prompt);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(where + ": field \"ground_truth\": " + e.getMessage(), e);
        }
        nanos += threads.getCurrentThreadCpuTime() - t0;
        row.put("score", res.score());
        ObjectNode details = row.putObject("details");
        details.put("extracted", res.extracted());
        details.setAll((ObjectNode) (res.details().isObject() ? res.details() : JSON.createObjectNode()));
        w.write(JSON.writeValueAsString(row));
        w.write('\n');
        n++;
        correct += res.score();
        int[] c = per.computeIfAbsent(dataset, k -> new int[2]);
        c[0] += res.score();
        c[1]++;
      }
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    FileOps.replace(tmp, out);
    return new Summary(n, correct, per, nanos);
  }

  private static String text(ObjectNode row, String field, String where, boolean required) {
    JsonNode n = row.get(field);
    if (n == null || n.isNull()) {
      if (required) {
        throw new IllegalArgumentException(where + ": missing field \"" + field + "\"");
      }
      return null;
    }
    if (!n.isTextual()) {
      throw new IllegalArgumentException(where + ": field \"" + field + "\" must be a string, got " + n.getNodeType());
    }
    return n.asText();
  }

  /** {@code prediction}, else the content of a final assistant turn in {@code messages}. */
  private static String prediction(ObjectNode row, String where) {
    if (row.get("prediction") == null) {
      JsonNode msgs = row.get("messages");
      if (msgs != null && msgs.isArray() && !msgs.isEmpty()) {
        JsonNode last = msgs.get(msgs.size() - 1);
        if ("assistant".equals(last.path("role").asText()) && last.path("content").isTextual()) {
          return last.get("content").asText();
        }
      }
    }
    return text(row, "prediction", where, true);
  }

  /** {@code prompt}, else the last user turn of {@code messages}, else null. */
  private static String prompt(ObjectNode row, String where) {
    String p = text(row, "prompt", where, false);
    if (p != null) {
      return p;
    }
    JsonNode msgs = row.get("messages");
    if (msgs != null && msgs.isArray()) {
      for (int i = msgs.size() - 1; i >= 0; i--) {
        JsonNode m = msgs.get(i);
        if ("user".equals(m.path("role").asText()) && m.path("content").isTextual()) {
          return m.get("content").asText();
        }
      }
    }
    return null;
  }
}
