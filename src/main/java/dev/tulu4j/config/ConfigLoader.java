package dev.tulu4j.config;

import dev.tulu4j.config.YamlTree.Entry;
import dev.tulu4j.config.YamlTree.ListNode;
import dev.tulu4j.config.YamlTree.MapNode;
import dev.tulu4j.config.YamlTree.Node;
import dev.tulu4j.config.YamlTree.Scalar;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Loads a YAML file plus {@code key=value} overrides into an immutable config record.
 *
 * <ul>
 *   <li>Keys are the record components in snake_case ({@code warmupRatio} → {@code warmup_ratio});
 *       nested records are nested mappings, reached from the CLI with dotted keys
 *       ({@code optim.lr=1e-5}).
 *   <li>Unknown keys are errors naming the file, line and key, with the nearest known key.
 *   <li>Values are read by the target type: {@code String}, {@code int}, {@code long},
 *       {@code double}, {@code float}, {@code boolean}, enums (case-insensitive, {@code -} or
 *       {@code _}), {@link Path}, {@code List<T>} (YAML list, flow {@code [a, b]} or {@code a,b}),
 *       {@code Map<String, T>} (a mapping with free keys in file order, e.g. a dataset mixer;
 *       override one entry with {@code mixer.name=0.5}), nested records.
 *   <li>Absent keys take the {@link Doc#def()} default; the record's compact constructor validates
 *       the result and its message is reported with the section's location.
 * </ul>
 */
public final class ConfigLoader {
  private ConfigLoader() {}

  /** Loads {@code yaml} (may be null: defaults only), applies {@code overrides} in order, binds. */
  public static <R extends Record> R load(Path yaml, List<String> overrides, Class<R> recordType) {
    MapNode root = yaml == null ? MapNode.empty("defaults") : YamlTree.parseFile(yaml);
    for (String o : overrides) applyOverride(root, o);
    return recordType.cast(bind(root, recordType, ""));
  }

  /** Binds only overrides onto defaults (no file). */
  public static <R extends Record> R fromOverrides(List<String> overrides, Class<R> recordType) {
    return load(null, overrides, recordType);
  }

  /** {@code warmupRatio} → {@code warmup_ratio}. */
  public static String keyOf(String componentName) {
    StringBuilder b = new StringBuilder();
    for (char c : componentName.toCharArray()) {
      if (Character.isUpperCase(c)) b.append('_').append(Character.toLowerCase(c));
      else b.append(c);
    }
    return b.toString();
  }

  // ---------------------------------------------------------------- overrides

  private static void applyOverride(MapNode root, String override) {
    int eq = override.indexOf('=');
    String where = "override '" + override + "'";
    if (eq <= 0) throw new ConfigException(where + ": expected key=value (e.g. optim.lr=1e-5)");
    String[] path = override.substring(0, eq).strip().split("\\.", -1);
    for (String seg : path)
      if (seg.isEmpty()) throw new ConfigException(where + ": empty segment in dotted key");
    Node value = YamlTree.parseValue(override.substring(eq + 1), where);
    MapNode cur = root;
    for (int i = 0; i < path.length - 1; i++) {
      Entry e = cur.entries().get(path[i]);
      if (e == null) {
        MapNode child = MapNode.empty(where);
        cur.entries().put(path[i], new Entry(child, where));
        cur = child;
      } else if (e.value() instanceof MapNode m) {
        cur = m;
      } else {
        throw new ConfigException(where + ": '" + String.join(".", Arrays.copyOf(path, i + 1))
            + "' is not a section (set at " + e.keyWhere() + ")");
      }
    }
    cur.entries().put(path[path.length - 1], new Entry(value, where));
  }

  // ---------------------------------------------------------------- binding

  static Object bind(Node node, Type type, String key) {
    Class<?> raw = rawClass(type);
    if (raw.isRecord()) return bindRecord(node, raw, key);
    if (raw == List.class) return bindList(node, type, key);
    if (raw == Map.class) return bindMap(node, type, key);
    if (!(node instanceof Scalar s))
      throw typeError(node.where(), key, describe(type), node instanceof MapNode ? "a mapping" : "a list");
    return scalar(s, raw, key);
  }

  private static Object bindRecord(Node node, Class<?> type, String prefix) {
    if (node instanceof Scalar s && s.text() == null) node = MapNode.empty(s.where());
    if (!(node instanceof MapNode map))
      throw typeError(node.where(), prefix, "a section (mapping) of " + type.getSimpleName(), "a value");
    RecordComponent[] comps = type.getRecordComponents();
    List<String> known = Arrays.stream(comps).map(c -> keyOf(c.getName())).toList();
    for (var e : map.entries().entrySet()) {
      if (!known.contains(e.getKey())) {
        String full = join(prefix, e.getKey());
        throw new ConfigException(e.getValue().keyWhere() + ": unknown key '" + full + "'"
            + Suggest.hint(e.getKey(), known, prefix));
      }
    }
    Object[] args = new Object[comps.length];
    Class<?>[] types = new Class<?>[comps.length];
    for (int i = 0; i < comps.length; i++) {
      RecordComponent c = comps[i];
      String k = known.get(i);
      String full = join(prefix, k);
      types[i] = c.getType();
      Entry e = map.entries().get(k);
      Doc sectionDoc = c.getAnnotation(Doc.class);
      Node value;
      if (c.getType().isRecord() && sectionDoc != null && !Doc.REQUIRED.equals(sectionDoc.def())) {
        // this parent's defaults for the section, under whatever keys the input gives
        Node given = e != null ? e.value() : MapNode.empty(map.where());
        value = overlay(YamlTree.parseValue(sectionDoc.def(), "default of '" + full + "'"), given);
      } else if (e != null) {
        value = e.value();
      } else if (c.getType().isRecord()) {
        value = MapNode.empty(map.where());
      } else {
        Doc doc = sectionDoc;
        if (doc == null || Doc.REQUIRED.equals(doc.def()))
          throw new ConfigException(map.where() + ": missing required key '" + full + "'");
        value = YamlTree.parseValue(doc.def(), "default of '" + full + "'");
      }
      args[i] = bind(value, c.getGenericType(), full);
    }
    try {
      Constructor<?> ctor = type.getDeclaredConstructor(types);
      ctor.setAccessible(true);
      return ctor.newInstance(args);
    } catch (InvocationTargetException ite) {
      Throwable cause = ite.getCause();
      if (cause instanceof ConfigException ce) throw ce;
      String section = prefix.isEmpty() ? "" : " (section '" + prefix + "')";
      throw new ConfigException(map.where() + section + ": " + cause.getMessage(), cause);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot construct config record " + type.getName(), e);
    }
  }

  /**
   * {@code given} laid over {@code base}: mappings merge key by key (recursively), anything else in
   * {@code given} replaces the base value. Used for a section's parent-specific defaults.
   */
  static Node overlay(Node base, Node given) {
    if (!(base instanceof MapNode b) || !(given instanceof MapNode g)) {
      return given instanceof Scalar s && s.text() == null && base instanceof MapNode ? base : given;
    }
    MapNode out = new MapNode(new LinkedHashMap<>(b.entries()), g.where());
    g.entries().forEach((k, e) -> {
      Entry old = out.entries().get(k);
      out.entries().put(k, old == null ? e : new Entry(overlay(old.value(), e.value()), e.keyWhere()));
    });
    return out;
  }

  private static List<Object> bindList(Node node, Type type, String key) {
    Type elem = type instanceof ParameterizedType pt ? pt.getActualTypeArguments()[0] : String.class;
    List<Node> items;
    switch (node) {
      case ListNode l -> items = l.items();
      case Scalar s when s.text() == null -> { return null; }
      case Scalar s -> {
        items = new ArrayList<>();
        if (!s.text().isBlank())
          for (String part : s.text().split(",", -1)) items.add(new Scalar(part.strip(), s.where()));
      }
      case MapNode m -> throw typeError(m.where(), key, describe(type), "a mapping");
    }
    List<Object> out = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) out.add(bind(items.get(i), elem, key + "[" + i + "]"));
    return List.copyOf(out);
  }

  private static Map<String, Object> bindMap(Node node, Type type, String key) {
    Type[] kv = type instanceof ParameterizedType pt ? pt.getActualTypeArguments() : new Type[] {String.class, String.class};
    if (kv[0] != String.class) throw new IllegalStateException("config maps need String keys (key " + key + ")");
    if (node instanceof Scalar s && s.text() == null) return null;
    if (!(node instanceof MapNode m))
      throw typeError(node.where(), key, describe(type), node instanceof ListNode ? "a list" : "a value");
    Map<String, Object> out = new LinkedHashMap<>();
    m.entries().forEach((k, e) -> out.put(k, bind(e.value(), kv[1], key + "." + k)));
    return Collections.unmodifiableMap(out);
  }

  private static Object scalar(Scalar s, Class<?> t, String key) {
    String text = s.text();
    if (text == null) {
      if (t.isPrimitive()) throw typeError(s.where(), key, describe(t), "null");
      return null;
    }
    try {
      if (t == String.class) return text;
      if (t == int.class || t == Integer.class) return Integer.parseInt(text.replace("_", ""));
      if (t == long.class || t == Long.class) return Long.parseLong(text.replace("_", ""));
      if (t == double.class || t == Double.class) return parseDouble(text);
      if (t == float.class || t == Float.class) return (float) parseDouble(text);
      if (t == boolean.class || t == Boolean.class) {
        String l = text.toLowerCase(Locale.ROOT);
        if (l.equals("true")) return true;
        if (l.equals("false")) return false;
        throw new NumberFormatException();
      }
      if (t == Path.class) return Path.of(text);
      if (t.isEnum()) {
        String norm = text.replace('-', '_');
        for (Object c : t.getEnumConstants())
          if (((Enum<?>) c).name().equalsIgnoreCase(norm)) return c;
        throw new NumberFormatException();
      }
    } catch (NumberFormatException e) {
      throw typeError(s.where(), key, describe(t), "'" + text + "'");
    }
    throw new IllegalStateException("config type not supported: " + t.getName() + " (key " + key + ")");
  }

  private static double parseDouble(String text) {
    String l = text.toLowerCase(Locale.ROOT);
    if (l.equals(".inf") || l.equals("inf")) return Double.POSITIVE_INFINITY;
    if (l.equals("-.inf") || l.equals("-inf")) return Double.NEGATIVE_INFINITY;
    if (l.contains("nan") || l.contains("infinity") || l.endsWith("d") || l.endsWith("f"))
      throw new NumberFormatException(); // Java's parser accepts these, YAML users don't mean them
    return Double.parseDouble(text.replace("_", ""));
  }

  private static ConfigException typeError(String where, String key, String expected, String got) {
    return new ConfigException(where + ": " + key + ": expected " + expected + ", got " + got);
  }

  /** Human name of a config type, used in errors and in {@link ConfigDoc}. */
  static String describe(Type type) {
    Class<?> t = rawClass(type);
    if (t == String.class) return "string";
    if (t == int.class || t == Integer.class || t == long.class || t == Long.class) return "integer";
    if (t == double.class || t == Double.class || t == float.class || t == Float.class) return "number";
    if (t == boolean.class || t == Boolean.class) return "boolean (true/false)";
    if (t == Path.class) return "path";
    if (t.isEnum())
      return "one of " + Arrays.stream(t.getEnumConstants())
          .map(c -> ((Enum<?>) c).name().toLowerCase(Locale.ROOT)).collect(Collectors.joining("|"));
    if (t == List.class) {
      Type elem = type instanceof ParameterizedType pt ? pt.getActualTypeArguments()[0] : String.class;
      return "list of " + describe(elem);
    }
    if (t == Map.class) {
      Type v = type instanceof ParameterizedType pt ? pt.getActualTypeArguments()[1] : String.class;
      return "map of string to " + describe(v);
    }
    if (t.isRecord()) return "section " + t.getSimpleName();
    return t.getSimpleName();
  }

  static Class<?> rawClass(Type type) {
    if (type instanceof Class<?> c) return c;
    if (type instanceof ParameterizedType pt) return (Class<?>) pt.getRawType();
    throw new IllegalStateException("config type not supported: " + type);
  }

  private static String join(String prefix, String key) {
    return prefix.isEmpty() ? key : prefix + "." + key;
  }
}
