package dev.tulu4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tulu4j.data.Message;
import dev.tulu4j.io.FileOps;
import dev.tulu4j.data.JsonlReader;
import dev.tulu4j.data.OnError;
import dev.tulu4j.data.RejectSink;
import dev.tulu4j.runtime.ChatCodec;
import dev.tulu4j.runtime.ModelBundle;
import dev.tulu4j.runtime.Scorer;
import java.io.BufferedWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tulu4j score}: log-probs of completions under a checkpoint, batched in packed rows
 * ({@link Scorer}). Input lines are {@code {"prompt", "completion"}} (raw text) or {@code {"messages"}}
 * (the last assistant message is scored given the rest, through the chat template).
 */
@Command(name = "score", mixinStandardHelpOptions = true,
    description = "Score completions: per-token log-probs and their sum, JSONL in, JSONL out.")
public final class ScoreCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec
  CommandSpec spec;

  @Mixin
  ModelOptions model;

  @Option(names = "--in", required = true, description = "JSONL: {\"prompt\": str, \"completion\": str} or {\"messages\": [...]} per line.")
  Path in;

  @Option(names = "--out", required = true, description = "JSONL: each input line plus prompt_ids, completion_ids, logprobs, sum_logprob.")
  Path out;

  @Option(names = "--batch-tokens", defaultValue = "4096", description = "Tokens per forward pass (default: ${DEFAULT-VALUE}).")
  int batchTokens;

  @Override
  public Integer call() throws Exception {
    if (!Files.isRegularFile(in)) throw new IllegalArgumentException(in + ": no such file");
    try (ModelBundle bundle = model.load()) {
      ChatCodec codec = bundle.codec();
      int maxPos = bundle.config().maxPositions();
      List<ObjectNode> rows = new ArrayList<>();
      List<int[]> prompts = new ArrayList<>();
      List<int[]> completions = new ArrayList<>();
      try (JsonlReader<JsonNode> reader = JsonlReader.openObjects(in, OnError.FAIL, RejectSink.NONE)) {
        while (reader.hasNext()) {
          ObjectNode row = (ObjectNode) reader.next(); // the reader accepts only JSON objects
          String where = in + ":" + reader.lineNumber() + ": ";
          int[] p, c;
          try {
            if (row.has("messages")) {
              ChatCodec.Split s = codec.splitLastMessage(messages(row.get("messages")));
              p = s.promptIds();
              c = s.completionIds();
            } else {
              p = codec.encodeText(text(row, "prompt"));
              c = bundle.tokenizer().encode(text(row, "completion"), false);
            }
          } catch (RuntimeException e) {
            throw new IllegalArgumentException(where + e.getMessage(), e);
          }
          if (p.length == 0) throw new IllegalArgumentException(where + "field prompt: tokenises to no ids");
          if (p.length + c.length > maxPos)
            throw new IllegalArgumentException(where + (p.length + c.length) + " tokens exceed max_position_embeddings " + maxPos);
          rows.add(row);
          prompts.add(p);
          completions.add(c);
        }
      }
      List<double[]> lps = new Scorer(bundle.model(), batchTokens).score(prompts, completions);
      Path abs = out.toAbsolutePath();
      Files.createDirectories(abs.getParent());
      Path tmp = Files.createTempFile(abs.getParent(), abs.getFileName() + ".", ".tmp");
      try {
        try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
          for (int i = 0; i < rows.size(); i++) {
            ObjectNode row = rows.get(i);
            var pa = row.putArray("prompt_ids");
            for (int id : prompts.get(i)) pa.add(id);
            var ca = row.putArray("completion_ids");
            for (int id : completions.get(i)) ca.add(id);
            var la = row.putArray("logprobs");
            double sum = 0;
            for (double v : lps.get(i)) {
              la.add(v);
              sum += v;
            }
            row.put("sum_logprob", sum);
            w.write(JSON.writeValueAsString(row));
            w.write('\n');
          }
        }
        FileOps.replace(tmp, abs);
      } finally {
        Files.deleteIfExists(tmp);
      }
      PrintWriter err = spec.commandLine().getErr();
      long tokens = completions.stream().mapToLong(a -> a.length).sum();
      err.println("score: " + rows.size() + " rows, " + tokens + " completion tokens scored, written to " + out);
      err.flush();
    }
    return 0;
  }

  private static String text(JsonNode row, String field) {
    JsonNode v = row.get(field);
    if (v == null) throw new IllegalArgumentException("field " + field + ": missing (need prompt and completion, or messages)");
    if (!v.isTextual()) throw new IllegalArgumentException("field " + field + ": expected a string, got " + v);
    return v.asText();
  }

  private static List<Message> messages(JsonNode arr) {
    if (!arr.isArray()) throw new IllegalArgumentException("field messages: expected an array");
    List<Message> out = new ArrayList<>();
    for (int i = 0; i < arr.size(); i++) {
      JsonNode m = arr.get(i);
      JsonNode role = m.get("role"), content = m.get("content");
      if (role == null || !role.isTextual()) throw new IllegalArgumentException("field messages[" + i + "].role: expected a string");
      if (content == null || !content.isTextual())
        throw new IllegalArgumentException("field messages[" + i + "].content: expected a string");
      out.add(new Message(role.asText(), content.asText()));
    }
    if (out.isEmpty() || !out.getLast().role().equals("assistant"))
      throw new IllegalArgumentException("field messages: the last message must have role assistant (it is the one scored)");
    return out;
  }
}
