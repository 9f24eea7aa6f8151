package dev.tulu4j.eval;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A tab-separated file with a header row (as {@code akariasai/PopQA} ships {@code test.tsv}), read the
 * way pandas' {@code read_csv(sep="\t")} reads it: a field that starts with a double quote is quoted
 * ({@code ""} is a literal quote, and tabs and newlines inside are data); every value is kept as a
 * string, under its header's name.
 */
final class Tsv {
  private Tsv() {}

  static List<HfSplit.Row> read(Path file, int limit) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    List<List<String>> records = parse(text);
    if (records.isEmpty()) throw new IllegalArgumentException(file + ": empty TSV file (a header row is needed)");
    List<String> header = records.get(0);
    List<HfSplit.Row> rows = new ArrayList<>();
    for (int r = 1; r < records.size() && (limit <= 0 || rows.size() < limit); r++) {
      List<String> rec = records.get(r);
      if (rec.size() == 1 && rec.get(0).isEmpty()) continue;
      if (rec.size() != header.size())
        throw new IllegalArgumentException(file + ":" + (r + 1) + ": " + rec.size() + " fields, the header has " + header.size());
      ObjectNode o = JsonNodeFactory.instance.objectNode();
      for (int i = 0; i < header.size(); i++) o.put(header.get(i), rec.get(i));
      rows.add(new HfSplit.Row(o, file + ":" + (r + 1)));
    }
    return rows;
  }

  /** Splits into records of fields, honouring double-quoted fields. */
  static List<List<String>> parse(String text) {
    List<List<String>> out = new ArrayList<>();
    List<String> rec = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    int i = 0;
    boolean quoted = false;
    boolean fieldStart = true;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
          field.append('"');
          i += 2;
          continue;
        }
        if (c == '"') quoted = false;
        else field.append(c);
        i++;
        continue;
      }
      if (c == '"' && fieldStart) {
        quoted = true;
        fieldStart = false;
      } else if (c == '\t') {
        rec.add(field.toString());
        field.setLength(0);
        fieldStart = true;
      } else if (c == '\n' || c == '\r') {
        if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') i++;
        rec.add(field.toString());
        out.add(rec);
        rec = new ArrayList<>();
        field.setLength(0);
        fieldStart = true;
      } else {
        field.append(c);
        fieldStart = false;
      }
      i++;
    }
    if (field.length() > 0 || !rec.isEmpty()) {
      rec.add(field.toString());
      out.add(rec);
    }
    return out;
  }
}
