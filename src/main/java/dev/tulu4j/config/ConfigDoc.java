package dev.tulu4j.config;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;

/**
 * Lists every key of a config record (dotted, nested sections expanded) with its type, default and
 * {@link Doc} description: plain text for {@code --help-config}, Markdown for the docs.
 */
public final class ConfigDoc {
  private ConfigDoc() {}

  /** One documented key. {@code def} is "(required)" or "(section defaults)" where no text exists. */
  public record Row(String key, String type, String def, String description, boolean hashed) {}

  /** All keys of {@code type}, depth-first in record order. */
  public static List<Row> rows(Class<? extends Record> type) {
    List<Row> out = new ArrayList<>();
    collect(type, "", out, new HashMap<>());
    return out;
  }

  /**
   * @param sectionDefaults defaults that an enclosing record sets for keys of its sections
   *     ({@link Doc#def()} on a section), by dotted key; they replace the section record's own
   */
  private static void collect(Class<?> type, String prefix, List<Row> out, Map<String, String> sectionDefaults) {
    for (RecordComponent c : type.getRecordComponents()) {
      Doc doc = c.getAnnotation(Doc.class);
      String key = (prefix.isEmpty() ? "" : prefix + ".") + ConfigLoader.keyOf(c.getName());
      String desc = doc == null ? "" : doc.value();
      boolean hashed = doc == null || doc.hashed();
      Type t = c.getGenericType();
      if (c.getType().isRecord()) {
        out.add(new Row(key, "section", "", desc, hashed));
        if (doc != null && !Doc.REQUIRED.equals(doc.def()))
          flatten(YamlTree.parseValue(doc.def(), "default of '" + key + "'"), key, sectionDefaults);
        collect(c.getType(), key, out, sectionDefaults);
        continue;
      }
      if (t instanceof ParameterizedType pt && pt.getActualTypeArguments()[0] instanceof Class<?> e
          && e.isRecord()) {
        out.add(new Row(key + "[]", "list of sections", "[]", desc, hashed));
        collect(e, key + "[]", out, sectionDefaults);
        continue;
      }
      String def = sectionDefaults.containsKey(key) ? sectionDefaults.get(key)
          : doc == null || Doc.REQUIRED.equals(doc.def()) ? "(required)" : doc.def();
      out.add(new Row(key, ConfigLoader.describe(t), def, desc, hashed));
    }
  }

  /** The leaves of a section default as dotted key → override text ({@code [a, b]} for lists). */
  private static void flatten(YamlTree.Node n, String prefix, Map<String, String> out) {
    switch (n) {
      case YamlTree.MapNode m -> m.entries().forEach((k, e) -> flatten(e.value(), prefix + "." + k, out));
      case YamlTree.Scalar s -> out.putIfAbsent(prefix, s.text() == null ? "null" : s.text());
      case YamlTree.ListNode l -> out.putIfAbsent(prefix, "[" + String.join(", ", l.items().stream()
          .map(i -> i instanceof YamlTree.Scalar s ? String.valueOf(s.text()) : "...").toList()) + "]");
    }
  }

  /** Aligned plain text, one key per line, for {@code --help-config}. */
  public static String text(Class<? extends Record> type) {
    List<Row> rows = rows(type);
    int kw = rows.stream().mapToInt(r -> r.key().length()).max().orElse(3);
    int tw = rows.stream().mapToInt(r -> r.type().length()).max().orElse(4);
    int dw = rows.stream().mapToInt(r -> r.def().length()).max().orElse(7);
    StringBuilder b = new StringBuilder();
    for (Row r : rows)
      b.append(String.format("%-" + kw + "s  %-" + tw + "s  %-" + dw + "s  %s%n",
          r.key(), r.type(), r.def(), r.description()));
    return b.toString();
  }

  /**
   * A Markdown table (key, type, default, description); keys marked * are left out of the config
   * hash and may change on resume.
   */
  public static String markdown(Class<? extends Record> type) {
    StringBuilder b = new StringBuilder("| key | type | default | description |\n|---|---|---|---|\n");
    for (Row r : rows(type))
      b.append("| `").append(r.key()).append('`').append(r.hashed() ? "" : " *")
          .append(" | ").append(r.type().replace("|", "\\|"))
          .append(" | ").append(r.def().isEmpty() ? "" : "`" + r.def().replace("|", "\\|") + "`")
          .append(" | ").append(r.description().replace("|", "\\|")).append(" |\n");
    return b.toString();
  }
}
