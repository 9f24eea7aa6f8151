package dev.tulu4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tulu4j.data.DataFiles;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * One split of a Hugging Face dataset as its repository ships it, read from a local folder: the
 * rows of {@code <split>.parquet}, {@code <split>.jsonl}, {@code <split>.tsv} (a header row, then
 * tab-separated values, all read as strings; see {@link Tsv}), or the Parquet shards
 * {@code <split>-NNNNN-of-NNNNN.parquet} (also under {@code data/}), in shard order. Parquet rows become
 * the JSON objects a {@code datasets} {@code to_json} export of the same split would hold
 * ({@link DataFiles#openJsonLines}), so one loader serves both. Nothing is downloaded.
 */
public final class HfSplit {
  private static final ObjectMapper JSON = new ObjectMapper();

  private HfSplit() {}

  /** The files holding {@code split} in {@code dir}, or an error naming what was looked for. */
  public static List<Path> files(Path dir, String split) {
    if (!Files.isDirectory(dir)) throw new IllegalArgumentException("dataset folder missing: " + dir);
    for (String single : List.of(split + ".parquet", split + ".jsonl", split + ".tsv")) {
      if (Files.isRegularFile(dir.resolve(single))) return List.of(dir.resolve(single));
    }
    for (Path d : List.of(dir, dir.resolve("data"))) {
      if (!Files.isDirectory(d)) continue;
      try (Stream<Path> s = Files.list(d)) {
        List<Path> shards = s.filter(p -> p.getFileName().toString().startsWith(split + "-")
            && p.getFileName().toString().endsWith(".parquet")).sorted().toList();
        if (!shards.isEmpty()) return shards;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot list " + d, e);
      }
    }
    throw new IllegalArgumentException("no '" + split + "' split in " + dir + " (looked for " + split + ".parquet, "
        + split + ".jsonl and " + split + "-*.parquet, also under data/)");
  }

  /** A row and where it came from ({@code file:row}, 1-based), for error messages. */
  public record Row(JsonNode json, String where) {}

  /** Up to {@code limit} rows of the split (≤ 0: all), in file order. */
  public static List<Row> read(Path dir, String split, int limit) {
    List<Row> rows = new ArrayList<>();
    for (Path f : files(dir, split)) {
      if (f.getFileName().toString().endsWith(".tsv")) {
        rows.addAll(Tsv.read(f, limit <= 0 ? 0 : limit - rows.size()));
        continue;
      }
      try (BufferedReader r = new BufferedReader(new InputStreamReader(DataFiles.openJsonLines(f), StandardCharsets.UTF_8))) {
        String s;
        int line = 0;
        while ((s = r.readLine()) != null) {
          if (limit > 0 && rows.size() >= limit) return rows;
          line++;
          if (s.isBlank()) continue;
          try {
            rows.add(new Row(JSON.readTree(s), f + ":" + line));
          } catch (IOException e) {
            throw new IllegalArgumentException(f + ":" + line + ": not valid JSON: "
                + e.getMessage().lines().findFirst().orElse(""));
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + f, e);
      }
    }
    return rows;
  }

  /** A required string field. */
  public static String text(Row row, String field) {
    JsonNode v = row.json().get(field);
    if (v == null || !v.isTextual()) throw new IllegalArgumentException(row.where() + ": field '" + field + "' is missing or not a string");
    return v.asText();
  }

  /** A required field of any JSON type. */
  public static JsonNode field(Row row, String field) {
    JsonNode v = row.json().get(field);
    if (v == null || v.isNull()) throw new IllegalArgumentException(row.where() + ": field '" + field + "' is missing");
    return v;
  }
}
