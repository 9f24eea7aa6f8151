package dev.tulu4j.recipe;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tulu4j.checkpoint.HfCheckpoint;
import dev.tulu4j.config.ConfigLoader;
import dev.tulu4j.io.Tensor;
import dev.tulu4j.tokenizer.BpeTrainer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Fixtures of the recipe tests: a 300-id BPE tokenizer, 24 short conversations (one whose answer
 * lies beyond the row length, one with a truncated answer), a small corpus, and a micro model
 * (V300 C32 F64 L2 H4) so every step takes milliseconds.
 */
final class MicroRun {
  static final List<String> MICRO = List.of("model.from=tiny", "model.vocab=300", "model.hidden=32",
      "model.intermediate=64", "model.layers=2", "model.heads=4", "model.max_positions=128", "gemm=vector",
      "save_dtype=f32", "train.progress=false", "train.threads=1");

  private MicroRun() {}

  /** Writes tokenizer/, sft.jsonl and corpus.txt into {@code dir}. */
  static void writeInputs(Path dir) throws IOException {
    ObjectMapper json = new ObjectMapper();
    List<String> lines = new ArrayList<>();
    List<String> docs = new ArrayList<>();
    String[] names = {"Ada", "Bo", "Cy", "Di", "Ed", "Flo"};
    for (int i = 0; i < 24; i++) {
      int a = i % 7 + 1;
      int b = i % 5 + 2;
      String q = names[i % names.length] + " has " + a + " apples and gets " + b + " more. How many now?";
      String ans = names[i % names.length] + " has " + a + " + " + b + " = " + (a + b) + " apples.\n#### " + (a + b);
      ObjectNode row = json.createObjectNode();
      var msgs = row.putArray("messages");
      if (i % 4 == 0) msgs.addObject().put("role", "system").put("content", "Answer briefly.");
      // i=5: the prompt alone exceeds the row length, so no assistant token survives: dropped
      msgs.addObject().put("role", "user").put("content", i == 5 ? (q + " ").repeat(20) : q);
      // i=9: the answer is cut by the truncation but some of it is trained: kept, counted as truncated
      msgs.addObject().put("role", "assistant").put("content", i == 9 ? (ans + " ").repeat(10) : ans);
      lines.add(json.writeValueAsString(row));
      docs.add(q + "\n" + ans);
    }
    Files.createDirectories(dir);
    Files.write(dir.resolve("sft.jsonl"), lines);
    Files.writeString(dir.resolve("corpus.txt"), String.join("\n\n", docs) + "\n");
    BpeTrainer.train(docs, new BpeTrainer.Config(300, 2)).write(dir.resolve("tokenizer"));
  }

  /** A micro SFT config over the fixtures in {@code in}, writing to {@code out}. */
  static SftConfig sft(Path in, Path out, String... overrides) {
    List<String> o = new ArrayList<>(MICRO);
    o.addAll(List.of("tokenizer=" + in.resolve("tokenizer"), "data=" + in.resolve("sft.jsonl"),
        "max_seq_length=64", "train.optim.lr=1e-2", "train.optim.warmup_ratio=0", "train.epochs=1",
        "train.micro_batch=4", "train.seed=3", "train.out_dir=" + out));
    o.addAll(Arrays.asList(overrides));
    return ConfigLoader.fromOverrides(o, SftConfig.class);
  }

  /** A micro pretrain config over {@code in}/corpus.txt with the fixtures' tokenizer. */
  static PretrainConfig pretrain(Path in, Path out, String... overrides) {
    List<String> o = new ArrayList<>(MICRO);
    o.addAll(List.of("corpus=" + in.resolve("corpus.txt"), "max_seq_length=64", "train.optim.lr=1e-2",
        "train.optim.warmup_ratio=0", "train.max_steps=4", "train.micro_batch=2", "train.out_dir=" + out));
    o.addAll(Arrays.asList(overrides));
    return ConfigLoader.fromOverrides(o, PretrainConfig.class);
  }

  /** The weights of a checkpoint folder (saved as f32, so exact). */
  static Map<String, Tensor> weights(Path dir) {
    return HfCheckpoint.load(dir).tensors();
  }

  /** SHA-256 over the names and exact float bits of every tensor. */
  static String hash(Map<String, Tensor> tensors) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    for (var e : tensors.entrySet()) {
      md.update(e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      ByteBuffer b = ByteBuffer.allocate(e.getValue().data().length * 4).order(ByteOrder.LITTLE_ENDIAN);
      b.asFloatBuffer().put(e.getValue().data());
      md.update(b);
    }
    return HexFormat.of().formatHex(md.digest());
  }

  /** Largest |a − b| over all tensors. */
  static double maxDiff(Map<String, Tensor> a, Map<String, Tensor> b) {
    double m = 0;
    for (var e : a.entrySet()) {
      float[] x = e.getValue().data();
      float[] y = b.get(e.getKey()).data();
      for (int i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
    }
    return m;
  }
}
