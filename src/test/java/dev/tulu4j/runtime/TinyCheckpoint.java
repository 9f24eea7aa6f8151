package dev.tulu4j.runtime;

import dev.tulu4j.checkpoint.HfCheckpoint;
import dev.tulu4j.io.DType;
import dev.tulu4j.model.Activations;
import dev.tulu4j.model.Batch;
import dev.tulu4j.model.LlamaConfig;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.model.Parameter;
import dev.tulu4j.tensor.NaiveGemm;
import dev.tulu4j.tokenizer.BpeModel;
import dev.tulu4j.tokenizer.BpeTrainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * Test fixture: a real checkpoint folder written by the io package from a tiny random model, with a
 * byte-level BPE tokenizer trained on the repo's GSM8K questions (the tulu chat template included).
 */
public final class TinyCheckpoint {
  public static final int VOCAB = 512;

  private TinyCheckpoint() {}

  /** Trains the tokenizer once per folder: 512 ids (BOS 1, EOS 2, tulu role markers 3..5). */
  public static Path tokenizer(Path dir) {
    Path tok = dir.resolve("tokenizer");
    if (Files.isRegularFile(tok.resolve("tokenizer.json"))) return tok;
    try {
      Path repo = Path.of("data/gsm8k/test.jsonl");
      List<String> docs = Files.readAllLines(repo).subList(0, 300);
      BpeModel m = BpeTrainer.train(docs, new BpeTrainer.Config(VOCAB, 2));
      m.write(tok);
      return tok;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Llama (tied embeddings) or Qwen2 (q/k/v bias, untied head) in a tiny shape. */
  public static LlamaConfig config(boolean qwen) {
    return qwen
        ? new LlamaConfig(LlamaConfig.Architecture.QWEN2, VOCAB, 32, 64, 2, 4, 2, 8, 1e-6, 1e6, null, 256, false, true,
            1, List.of(2))
        : new LlamaConfig(LlamaConfig.Architecture.LLAMA, VOCAB, 32, 64, 2, 4, 2, 8, 1e-5, 1e4, null, 256, true, false,
            1, List.of(2));
  }

  /**
   * Writes a random model (weights scaled up so the next-token distribution is peaked, biases
   * random) to {@code dir/name} in {@code dtype}; {@code sharded} splits it into several files.
   */
  public static Path write(Path dir, String name, boolean qwen, DType dtype, boolean sharded) {
    LlamaConfig cfg = config(qwen);
    LlamaModel m = LlamaModel.random(cfg, 11, new NaiveGemm());
    Random rnd = new Random(5);
    for (Parameter p : m.parameters()) {
      float[] d = p.data();
      boolean bias = p.name().endsWith(".bias");
      for (int i = 0; i < d.length; i++) d[i] = bias ? (float) (0.5 * rnd.nextGaussian()) : d[i] * 8f;
      if (p.name().endsWith("norm.weight")) for (int i = 0; i < d.length; i++) d[i] = 1f + 0.1f * (float) rnd.nextGaussian();
    }
    Path out = dir.resolve(name);
    HfCheckpoint.save(out, cfg, m.toTensors(), dtype, sharded ? 20_000 : Long.MAX_VALUE / 4, tokenizer(dir));
    return out;
  }
  /** log softmax(logits[pos])[token] of one unpacked sequence: the reference for scoring, in double. */
  public static double[] fullForwardLogProbs(LlamaModel m, int[] p, int[] c) {
    int v = m.config().vocabSize();
    int[] seq = new int[p.length + c.length];
    System.arraycopy(p, 0, seq, 0, p.length);
    System.arraycopy(c, 0, seq, p.length, c.length);
    float[] lg = m.logits(new Batch(1, seq.length, seq, null, null, null), new Activations(m.config(), seq.length));
    double[] out = new double[c.length];
    for (int k = 0; k < c.length; k++) {
      int pos = p.length - 1 + k;
      double max = Double.NEGATIVE_INFINITY, s = 0;
      for (int j = 0; j < v; j++) max = Math.max(max, lg[pos * v + j]);
      for (int j = 0; j < v; j++) s += Math.exp(lg[pos * v + j] - max);
      out[k] = lg[pos * v + c[k]] - max - Math.log(s);
    }
    return out;
  }

}
