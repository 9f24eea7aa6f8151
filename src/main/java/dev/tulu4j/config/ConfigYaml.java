package dev.tulu4j.config;

import dev.tulu4j.io.FileOps;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Locale;

/**
 * Renders a resolved config record as canonical YAML (every key, file order of the record, nested
 * sections indented, lists in flow style) that {@link ConfigLoader} reads back to an equal record.
 * Checkpoints store it, and its SHA-256 (over the {@link Doc#hashed()} keys only) guards resume.
 */
public final class ConfigYaml {
  private ConfigYaml() {}

  /** All keys. */
  public static String render(Record config) {
    StringBuilder b = new StringBuilder();
    write(b, config, "", false);
    return b.toString();
  }

  /** Only the keys that can change the training trajectory ({@link Doc#hashed()} true). */
  public static String renderHashed(Record config) {
    StringBuilder b = new StringBuilder();
    write(b, config, "", true);
    return b.toString();
  }

  /** SHA-256 (hex) of {@link #renderHashed}. */
  public static String hash(Record config) {
    return FileOps.sha256Hex(renderHashed(config));
  }

  private static void write(StringBuilder b, Record r, String indent, boolean hashedOnly) {
    for (RecordComponent c : r.getClass().getRecordComponents()) {
      Doc doc = c.getAnnotation(Doc.class);
      if (hashedOnly && doc != null && !doc.hashed()) continue;
      Object v;
      try {
        var acc = c.getAccessor();
        acc.setAccessible(true);
        v = acc.invoke(r);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
      String key = ConfigLoader.keyOf(c.getName());
      if (v instanceof Record nested) {
        b.append(indent).append(key).append(":\n");
        write(b, nested, indent + "  ", hashedOnly);
      } else if (v instanceof Map<?, ?> map) {
        b.append(indent).append(key).append(map.isEmpty() ? ": {}\n" : ":\n");
        map.forEach((k, x) -> b.append(indent).append("  ").append(quote(k.toString())).append(": ")
            .append(scalar(x)).append('\n'));
      } else {
        b.append(indent).append(key).append(": ").append(scalar(v)).append('\n');
      }
    }
  }

  private static String scalar(Object v) {
    return switch (v) {
      case null -> "null";
      case String s -> quote(s);
      case Path p -> quote(p.toString());
      case Enum<?> e -> e.name().toLowerCase(Locale.ROOT);
      case Double d -> d.isInfinite() ? (d > 0 ? ".inf" : "-.inf") : d.toString();
      case Float f -> f.isInfinite() ? (f > 0 ? ".inf" : "-.inf") : f.toString();
      case List<?> l -> {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < l.size(); i++) {
          if (i > 0) b.append(", ");
          if (l.get(i) instanceof Record)
            throw new IllegalStateException("lists of sections are not rendered");
          b.append(scalar(l.get(i)));
        }
        yield b.append(']').toString();
      }
      default -> v.toString();
    };
  }

  /** A double-quoted YAML string (JSON escaping is valid YAML). */
  private static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char ch : s.toCharArray()) {
      switch (ch) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\t' -> b.append("\\t");
        default -> {
          if (ch < 0x20) b.append(String.format("\\u%04x", (int) ch));
          else b.append(ch);
        }
      }
    }
    return b.append('"').toString();
  }
}
