package dev.tulu4j.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Streams one JSONL file record by record (constant memory). Every line must be one JSON object
 * that the {@link DataFormat} accepts; blank lines are ignored. Errors name the file, the 1-based
 * line and the field. A last line without its newline that is not valid JSON is reported as a
 * truncated file. A file with no record at all, and bytes that are not UTF-8, are errors too (under
 * SKIP as well: there is no row to skip to). A BOM and CRLF line endings are accepted. Under {@link OnError#SKIP} bad lines go to the {@link RejectSink} and are counted;
 * every valid line is still returned.
 *
 * <p>A file whose name ends in {@code .parquet} is read as Parquet instead ({@link ParquetRows}): each
 * row becomes the JSON object its JSONL line would be, and the 1-based row number plays the role of
 * the line number. A truncated or corrupt Parquet file always fails (even under SKIP), because the
 * rows after the damage cannot be located.
 */
public final class JsonlReader<T> implements Iterator<T>, AutoCloseable {

  /** Counts of one read: lines holding a record, records accepted, records rejected. */
  public record Stats(long records, long accepted, long rejected) {}

  private final Path file;
  private final BufferedReader in; // null for Parquet
  private final ParquetRows parquet; // null for JSONL
  private final Function<JsonNode, T> parser;
  private final OnError onError;
  private final RejectSink rejects;
  private final StringBuilder buf = new StringBuilder(1024);
  private final char[] chunk = new char[1 << 16];
  private int chunkPos;
  private int chunkLen;
  private long lineNo;
  private long records;
  private long accepted;
  private long rejected;
  private boolean allowEmpty;
  private T next;
  private String nextRaw;
  private String lastRaw;
  private boolean done;

  private JsonlReader(Path file, Function<JsonNode, T> parser, OnError onError, RejectSink rejects) {
    this.file = file;
    this.parser = parser;
    this.onError = onError;
    this.rejects = rejects;
    if (ParquetRows.isParquet(file)) {
      this.in = null;
      this.parquet = new ParquetRows(file);
      return;
    }
    this.parquet = null;
    try {
      this.in = Files.newBufferedReader(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open " + file + ": " + e.getMessage(), e);
    }
  }

  /** Opens a streaming reader of records in {@code format}. */
  public static <T> JsonlReader<T> open(Path file, DataFormat<T> format, OnError onError, RejectSink rejects) {
    return new JsonlReader<>(file, format::parse, onError, rejects);
  }

  /** Opens a streaming reader of raw JSON objects (format-agnostic tools: mix, stats). */
  public static JsonlReader<JsonNode> openObjects(Path file, OnError onError, RejectSink rejects) {
    return new JsonlReader<>(file, n -> n, onError, rejects);
  }

  /** Reads every record into {@code sink}; returns the counts. */
  public static <T> Stats read(
      Path file, DataFormat<T> format, OnError onError, RejectSink rejects, Consumer<? super T> sink) {
    try (JsonlReader<T> r = open(file, format, onError, rejects)) {
      r.forEachRemaining(sink);
      return r.stats();
    }
  }

  /** Reads a whole (small) file, failing on the first bad record. */
  public static <T> List<T> readAll(Path file, DataFormat<T> format) {
    List<T> out = new ArrayList<>();
    read(file, format, OnError.FAIL, RejectSink.NONE, out::add);
    return out;
  }

  /**
   * Lets a file with no record read as empty instead of failing: for loaders over several files
   * that check the total themselves (a pipeline-built file may rightly be empty beside others).
   */
  public JsonlReader<T> allowEmpty() {
    this.allowEmpty = true;
    return this;
  }

  public Stats stats() {
    return new Stats(records, accepted, rejected);
  }

  /** 1-based number of the line the last returned record came from. */
  public long lineNumber() {
    return lineNo;
  }

  public Path file() {
    return file;
  }

  /** The raw text of the last returned record (its JSONL line, or its Parquet row as JSON), for a rejects file. */
  public String lastRaw() {
    return lastRaw;
  }

  @Override
  public boolean hasNext() {
    while (next == null && !done) {
      advance();
    }
    return next != null;
  }

  @Override
  public T next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    T t = next;
    next = null;
    lastRaw = nextRaw;
    return t;
  }

  private void advance() {
    if (parquet != null) {
      advanceParquet();
      return;
    }
    boolean terminated;
    buf.setLength(0);
    try {
      terminated = false;
      boolean any = false;
      outer:
      while (true) {
        if (chunkPos == chunkLen) {
          chunkLen = in.read(chunk, 0, chunk.length);
          chunkPos = 0;
          if (chunkLen <= 0) {
            chunkLen = 0;
            break;
          }
        }
        any = true;
        for (int i = chunkPos; i < chunkLen; i++) {
          if (chunk[i] == '\n') {
            buf.append(chunk, chunkPos, i - chunkPos);
            chunkPos = i + 1;
            terminated = true;
            break outer;
          }
        }
        buf.append(chunk, chunkPos, chunkLen - chunkPos);
        chunkPos = chunkLen;
      }
      if (!any && buf.isEmpty()) {
        done = true;
        if (records == 0 && !allowEmpty)
          throw new DataFormatException(file, lineNo, "", "no records: the file is empty or holds only blank lines");
        return;
      }
    } catch (CharacterCodingException e) {
      long bad = Utf8Lines.firstInvalidLine(file);
      throw new DataFormatException(file, bad > 0 ? bad : lineNo + 1, "", "not valid UTF-8 (re-encode the file as UTF-8)");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + " at line " + (lineNo + 1) + ": " + e.getMessage(), e);
    }
    lineNo++;
    int len = buf.length();
    if (len > 0 && buf.charAt(len - 1) == '\r') {
      buf.setLength(len - 1);
    }
    if (lineNo == 1 && !buf.isEmpty() && buf.charAt(0) == '\uFEFF') {
      buf.deleteCharAt(0); // UTF-8 byte order mark
    }
    String line = buf.toString();
    if (line.isBlank()) {
      return;
    }
    records++;
    try {
      next = parseLine(line, terminated);
      nextRaw = line;
      accepted++;
    } catch (DataFormatException e) {
      if (onError == OnError.FAIL) {
        throw e;
      }
      rejected++;
      rejects.reject(e, line);
    }
  }

  private void advanceParquet() {
    JsonNode row = parquet.next();
    if (row == null) {
      done = true;
      if (records == 0 && !allowEmpty) throw new DataFormatException(file, 0, "", "no records: the Parquet file has no rows");
      return;
    }
    lineNo = parquet.row();
    records++;
    try {
      next = validate(row);
      nextRaw = row.toString();
      accepted++;
    } catch (DataFormatException e) {
      if (onError == OnError.FAIL) {
        throw e;
      }
      rejected++;
      rejects.reject(e, row.toString());
    }
  }

  private T parseLine(String line, boolean terminated) {
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(line);
    } catch (JsonProcessingException e) {
      String why = terminated
          ? "invalid JSON: " + e.getOriginalMessage()
          : "truncated last line (no newline, invalid JSON: " + e.getOriginalMessage() + ")";
      throw new DataFormatException(file, lineNo, "", why);
    }
    if (root == null || !root.isObject()) {
      throw new DataFormatException(file, lineNo, "", "each line must be a JSON object, got "
          + (root == null ? "nothing" : DataFormat.kind(root)));
    }
    return validate(root);
  }

  private T validate(JsonNode root) {
    try {
      return parser.apply(root);
    } catch (FieldError e) {
      throw new DataFormatException(file, lineNo, e.field(), e.getMessage());
    }
  }

  @Override
  public void close() {
    if (parquet != null) {
      parquet.close();
      return;
    }
    try {
      in.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
