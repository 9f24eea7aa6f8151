package dev.tulu4j.dpo;

import dev.tulu4j.io.FileOps;
import dev.tulu4j.model.Activations;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.preference.EncodedPair;
import dev.tulu4j.preference.SequencePack;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Reference-model log-probabilities for DPO: computed once with the starting checkpoint (before any
 * update) and cached on disk under a content key, so a resumed or repeated run never recomputes
 * them. The key is the SHA-256 of everything that decides the cached numbers: the bytes of the
 * model's {@code config.json} and weight files, of the tokenizer files, of every data file, the
 * chat template source and the max length. The loss type is not part of it: the cache holds the raw
 * summed log-probs of each response, which no loss variant changes. Any change of a keyed input
 * gives another key, hence another file (stale files are simply never read).
 *
 * <p>File {@code <dir>/<key>.bin}: magic {@code T4JR}, version 1, pair count n, then n × (chosen,
 * rejected) float64 big-endian; written to a temporary file and renamed into place.
 */
public final class ReferenceLogps {
  private static final int MAGIC = 0x54344A52; // "T4JR"
  private static final int VERSION = 1;

  private ReferenceLogps() {}

  /** The cached or freshly computed log-probs and where they live. */
  public record Loaded(double[][] logps, boolean fromCache, Path file) {}

  /** Content key of the reference log-probs (see the class comment). */
  public static String key(Path modelDir, Path tokenizerDir, List<Path> dataFiles, String templateSource, int maxLength) {
    MessageDigest md = FileOps.sha256();
    update(md, "tulu4j reference log-probs v" + VERSION);
    update(md, "max_length=" + maxLength);
    update(md, "template=" + templateSource);
    for (Path f : modelFiles(modelDir)) update(md, "model/" + f.getFileName() + "=" + fileHash(f));
    for (String name : List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")) {
      Path f = tokenizerDir.resolve(name);
      if (Files.isRegularFile(f)) update(md, "tokenizer/" + name + "=" + fileHash(f));
    }
    for (Path f : dataFiles) update(md, "data=" + fileHash(f));
    return FileOps.hex(md.digest());
  }

  /** config.json and every safetensors file (and index) of the folder, by name. */
  static List<Path> modelFiles(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      List<Path> out = new ArrayList<>(s.filter(p -> {
        String n = p.getFileName().toString();
        return n.equals("config.json") || n.endsWith(".safetensors") || n.endsWith(".safetensors.index.json");
      }).sorted().toList());
      if (out.stream().noneMatch(p -> p.getFileName().toString().endsWith(".safetensors")))
        throw new IllegalArgumentException(dir + ": no safetensors weights to key the reference cache on");
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
    }
  }

  /** SHA-256 of a file's bytes, hex. */
  public static String fileHash(Path f) {
    try {
      return FileOps.sha256Hex(f);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + f + ": " + e.getMessage(), e);
    }
  }

  private static void update(MessageDigest md, String s) {
    md.update(s.getBytes(StandardCharsets.UTF_8));
    md.update((byte) '\n');
  }

  /**
   * Summed completion log-probs {chosen, rejected} of every pair under {@code model} (forward only),
   * {@code pairsPerForward} pairs packed per forward pass.
   */
  public static double[][] compute(LlamaModel model, List<EncodedPair> pairs, int pairsPerForward, int rowLength, int padId) {
    double[][] out = new double[pairs.size()][];
    Activations act = null;
    for (int from = 0; from < pairs.size(); from += pairsPerForward) {
      int to = Math.min(pairs.size(), from + pairsPerForward);
      int[] idx = new int[to - from];
      for (int i = 0; i < idx.length; i++) idx[i] = from + i;
      SequencePack pack = SequencePack.ofPairs(pairs, idx, rowLength, padId);
      if (act == null || act.capacity() < pack.batch().rows()) act = Activations.inference(model.config(), pack.batch().rows());
      double[] sums = pack.sums(model.forward(pack.batch(), act).logp());
      for (int i = 0; i < idx.length; i++) out[from + i] = new double[] {sums[2 * i], sums[2 * i + 1]};
    }
    return out;
  }

  /** Reads {@code dir/<key>.bin} if it holds {@code pairs} pairs; else computes, writes and returns. */
  public static Loaded loadOrCompute(Path dir, String key, int pairs, Supplier<double[][]> compute) {
    Path file = dir.resolve(key + ".bin");
    if (Files.isRegularFile(file)) {
      double[][] got = read(file);
      if (got.length == pairs) return new Loaded(got, true, file);
    }
    double[][] fresh = compute.get();
    if (fresh.length != pairs) throw new IllegalStateException("computed " + fresh.length + " pairs, expected " + pairs);
    write(file, fresh);
    return new Loaded(fresh, false, file);
  }

  static double[][] read(Path file) {
    try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(file)))) {
      if (in.readInt() != MAGIC || in.readInt() != VERSION) throw new IOException("not a tulu4j reference log-prob file");
      int n = in.readInt();
      double[][] out = new double[n][];
      for (int i = 0; i < n; i++) out[i] = new double[] {in.readDouble(), in.readDouble()};
      if (in.read() != -1) throw new IOException("trailing bytes");
      return out;
    } catch (IOException e) {
      return new double[0][]; // unreadable or partial: recompute
    }
  }

  static void write(Path file, double[][] logps) {
    try {
      Files.createDirectories(file.getParent());
      Path tmp = FileOps.tmpSibling(file);
      try (DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(tmp)))) {
        out.writeInt(MAGIC);
        out.writeInt(VERSION);
        out.writeInt(logps.length);
        for (double[] p : logps) {
          out.writeDouble(p[0]);
          out.writeDouble(p[1]);
        }
      }
      FileOps.replace(tmp, file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write reference cache " + file + ": " + e.getMessage(), e);
    }
  }
}
