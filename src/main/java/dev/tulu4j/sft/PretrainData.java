package dev.tulu4j.sft;

import dev.tulu4j.io.FileOps;
import dev.tulu4j.tokenizer.Tokenizer;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * A plain-text corpus prepared for causal-LM pretraining.
 *
 * <ol>
 *   <li>Documents are the blank-line-separated paragraphs of the text; each is tokenised as
 *       {@code BOS ids EOS}.
 *   <li>A document longer than the row length is cut into pieces of at most that length (each
 *       piece is trained on its own, without the preceding context).
 *   <li>Pieces are packed greedily in corpus order into rows of {@code length} tokens with the
 *       model's segment isolation: attention stays inside a document and positions restart at 0
 *       (the "packed with segment ids" choice, not contiguous chunks that let documents see each
 *       other). The rest of a row is padding.
 *   <li>Every token after the first of each piece is a target; one row is one training example,
 *       so {@code micro_batch} counts rows.
 * </ol>
 *
 * The token ids are cached in a file keyed by the SHA-256 of the corpus and of tokenizer.json, so
 * a resumed or repeated run does not tokenise again.
 *
 * @param pieces tokenised document pieces (labels = ids)
 * @param rows each row's piece indices
 * @param length row length T
 * @param documents documents in the corpus
 * @param tokens tokens over all documents
 */
public record PretrainData(List<Packer.Example> pieces, List<int[]> rows, int length, int documents, long tokens) {
  private static final int MAGIC = 0x54344A54; // "T4JT"

  public PretrainData {
    pieces = List.copyOf(pieces);
    rows = List.copyOf(rows);
  }

  /** Tokenises (or reads from {@code cacheFile}) and packs the corpus. */
  public static PretrainData prepare(Path corpus, Path tokenizerDir, Tokenizer tok, int length, Path cacheFile) {
    if (length < 2) throw new IllegalArgumentException("max_seq_length must be >= 2, got " + length);
    List<int[]> docs = tokenised(corpus, tokenizerDir, tok, cacheFile);
    List<Packer.Example> pieces = new ArrayList<>();
    long tokens = 0;
    for (int[] d : docs) {
      tokens += d.length;
      for (int at = 0; at < d.length; at += length) {
        int[] p = Arrays.copyOfRange(d, at, Math.min(d.length, at + length));
        if (p.length >= 2) pieces.add(new Packer.Example(p, p));
      }
    }
    if (pieces.isEmpty()) throw new IllegalArgumentException(corpus + ": no document with at least 2 tokens");
    return new PretrainData(pieces, Packer.planRows(pieces, length, true), length, docs.size(), tokens);
  }

  /** Rows at the given indices as one batch of {@code length}-token rows. */
  public Function<int[], PackedBatch> batcher(int padId) {
    return idx -> {
      List<int[]> sel = new ArrayList<>(idx.length);
      for (int i : idx) sel.add(rows.get(i));
      return Packer.build(pieces, sel, length, padId);
    };
  }

  /** Splits text into documents at blank lines; trims each and drops empty ones. */
  public static List<String> documents(String text) {
    List<String> out = new ArrayList<>();
    for (String d : text.replace("\r\n", "\n").split("\n[ \t]*\n"))
      if (!d.isBlank()) out.add(d.strip());
    return out;
  }

  private static List<int[]> tokenised(Path corpus, Path tokenizerDir, Tokenizer tok, Path cacheFile) {
    try {
      byte[] text = Files.readAllBytes(corpus);
      byte[] key = FileOps.sha256(text, Files.readAllBytes(tokenizerDir.resolve("tokenizer.json")));
      List<int[]> cached = readCache(cacheFile, key);
      if (cached != null) return cached;
      List<int[]> docs = new ArrayList<>();
      int bos = tok.bosId();
      int eos = tok.eosIds().isEmpty() ? -1 : tok.eosIds().getFirst();
      for (String d : documents(new String(text, StandardCharsets.UTF_8))) {
        int[] ids = tok.encode(d, false);
        int n = ids.length + (bos >= 0 ? 1 : 0) + (eos >= 0 ? 1 : 0);
        int[] all = new int[n];
        int at = 0;
        if (bos >= 0) all[at++] = bos;
        System.arraycopy(ids, 0, all, at, ids.length);
        if (eos >= 0) all[n - 1] = eos;
        docs.add(all);
      }
      writeCache(cacheFile, key, docs);
      return docs;
    } catch (IOException e) {
      throw new UncheckedIOException(corpus + ": " + e.getMessage(), e);
    }
  }

  private static List<int[]> readCache(Path file, byte[] key) throws IOException {
    if (!Files.isRegularFile(file)) return null;
    try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(file)))) {
      if (in.readInt() != MAGIC) return null;
      byte[] k = new byte[32];
      in.readFully(k);
      if (!Arrays.equals(k, key)) return null; // corpus or tokenizer changed: tokenise again
      int n = in.readInt();
      List<int[]> docs = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        int[] d = new int[in.readInt()];
        for (int j = 0; j < d.length; j++) d[j] = in.readInt();
        docs.add(d);
      }
      return docs;
    } catch (java.io.EOFException e) {
      return null; // a torn cache file is rebuilt
    }
  }

  private static void writeCache(Path file, byte[] key, List<int[]> docs) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Path tmp = FileOps.tmpSibling(file);
    try (DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(tmp)))) {
      out.writeInt(MAGIC);
      out.write(key);
      out.writeInt(docs.size());
      for (int[] d : docs) {
        out.writeInt(d.length);
        for (int v : d) out.writeInt(v);
      }
    }
    FileOps.replace(tmp, file);
  }
}
