package dev.tulu4j.tokenizer;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Python's {@code json.dumps} output format, for the {@code tojson} filter as transformers defines it
 * ({@code json.dumps(x, ensure_ascii=False, indent=indent, separators=separators, sort_keys=sort_keys)}):
 * {@code ", "} / {@code ": "} separators without indent, {@code ","} + newline with it. Jinjava's own
 * tojson writes compact JSON, which would change tool-calling prompts.
 */
final class PyJson {
  private PyJson() {}

  static String dumps(Object value, Integer indent, boolean sortKeys, boolean ensureAscii) {
    StringBuilder sb = new StringBuilder();
    write(sb, value, indent, sortKeys, ensureAscii, 0);
    return sb.toString();
  }

  private static void write(StringBuilder sb, Object v, Integer indent, boolean sort, boolean ascii, int depth) {
    if (v == null) {
      sb.append("null");
    } else if (v instanceof Boolean b) {
      sb.append(b ? "true" : "false");
    } else if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      sb.append(Double.isNaN(d) ? "NaN" : Double.isInfinite(d) ? (d > 0 ? "Infinity" : "-Infinity") : Double.toString(d));
    } else if (v instanceof Number n) {
      sb.append(n.toString());
    } else if (v instanceof Map<?, ?> m) {
      Map<?, ?> map = sort ? new TreeMap<>(m) : m;
      if (map.isEmpty()) {
        sb.append("{}");
        return;
      }
      sb.append('{');
      boolean first = true;
      for (var e : map.entrySet()) {
        if (!first) sb.append(indent == null ? ", " : ",");
        first = false;
        newline(sb, indent, depth + 1);
        string(sb, String.valueOf(e.getKey()), ascii);
        sb.append(": ");
        write(sb, e.getValue(), indent, sort, ascii, depth + 1);
      }
      newline(sb, indent, depth);
      sb.append('}');
    } else if (v instanceof Iterable<?> || v.getClass().isArray()) {
      List<Object> items = new ArrayList<>();
      if (v instanceof Iterable<?> it) {
        it.forEach(items::add);
      } else {
        for (int i = 0; i < Array.getLength(v); i++) items.add(Array.get(v, i));
      }
      if (items.isEmpty()) {
        sb.append("[]");
        return;
      }
      sb.append('[');
      for (int i = 0; i < items.size(); i++) {
        if (i > 0) sb.append(indent == null ? ", " : ",");
        newline(sb, indent, depth + 1);
        write(sb, items.get(i), indent, sort, ascii, depth + 1);
      }
      newline(sb, indent, depth);
      sb.append(']');
    } else {
      string(sb, v.toString(), ascii);
    }
  }

  private static void newline(StringBuilder sb, Integer indent, int depth) {
    if (indent != null) {
      sb.append('\n').append(" ".repeat(indent * depth));
    }
  }

  private static void string(StringBuilder sb, String s, boolean ascii) {
    dev.tulu4j.io.PythonJson.appendString(sb, s, ascii);
  }

  /** The {@code tojson} filter: {@code x | tojson}, {@code x | tojson(indent=4)}, {@code sort_keys}, {@code ensure_ascii}. */
  static final class ToJsonFilter implements Filter {
    @Override
    public String getName() {
      return "tojson";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
      Integer indent = args.length > 0 && args[0] != null ? Integer.valueOf(args[0].trim()) : null;
      return dumps(var, indent, false, false);
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
      Object indent = kwargs.containsKey("indent") ? kwargs.get("indent") : args.length > 0 ? args[0] : null;
      return dumps(
          var,
          indent == null ? null : Integer.valueOf(indent.toString().trim()),
          Boolean.TRUE.equals(kwargs.get("sort_keys")),
          Boolean.TRUE.equals(kwargs.get("ensure_ascii")));
    }
  }
}
