package dev.tulu4j.recipe;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tulu4j.checkpoint.HfCheckpoint;
import dev.tulu4j.io.DType;
import dev.tulu4j.model.LlamaConfig;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.tensor.NaiveGemm;
import dev.tulu4j.tokenizer.BpeTrainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A tiny tokenizer + random model checkpoint and preference data, for recipe tests. */
final class TinyRun {
  private TinyRun() {}

  static final ObjectMapper JSON = new ObjectMapper();

  /** Arithmetic questions: chosen = right sum, rejected = wrong sum. */
  static List<String[]> facts(int n, int offset) {
    List<String[]> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int a = 2 + (i + offset) % 7, b = 3 + (i + offset) % 5;
      out.add(new String[] {"What is " + a + " plus " + b + "?", "It is " + (a + b) + ".", "It is " + (a + b + 3) + "."});
    }
    return out;
  }

  /** Writes the tokenizer and a random model (V from the tokenizer, C 32, L 2) into {@code dir}. */
  static Path model(Path dir, long seed) throws IOException {
    List<String> corpus = new ArrayList<>();
    for (String[] f : facts(40, 0)) corpus.add(String.join(" ", f));
    Path m = dir.resolve("model");
    BpeTrainer.train(corpus, new BpeTrainer.Config(300, 2)).write(m);
    int v = JSON.readTree(m.resolve("tokenizer.json").toFile()).path("model").path("vocab").size()
        + BpeTrainer.ADDED_TOKENS.size();
    LlamaConfig c = new LlamaConfig(LlamaConfig.Architecture.LLAMA, Math.max(v, 300), 32, 64, 2, 4, 2, 8, 1e-5, 10000.0,
        null, 512, true, false, BpeTrainer.BOS_ID, List.of(BpeTrainer.EOS_ID));
    LlamaModel lm = LlamaModel.random(c, seed, new NaiveGemm());
    Path tmp = dir.resolve("ckpt-tmp");
    HfCheckpoint.save(tmp, c, lm.toTensors(), DType.F32, HfCheckpoint.DEFAULT_SHARD_BYTES, null);
    for (Path f : Files.list(tmp).toList()) Files.move(f, m.resolve(f.getFileName()));
    Files.delete(tmp);
    return m;
  }

  static ObjectNode msg(String role, String content) {
    return JSON.createObjectNode().put("role", role).put("content", content);
  }

  /** Tülu preference JSONL of the given facts. */
  static Path preferences(Path file, List<String[]> facts) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (String[] f : facts) {
      ObjectNode o = JSON.createObjectNode();
      ArrayNode c = o.putArray("chosen");
      c.add(msg("user", f[0]));
      c.add(msg("assistant", f[1]));
      ArrayNode r = o.putArray("rejected");
      r.add(msg("user", f[0]));
      r.add(msg("assistant", f[2]));
      sb.append(JSON.writeValueAsString(o)).append('\n');
    }
    Files.writeString(file, sb.toString());
    return file;
  }
}
