package dev.tulu4j.io;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes JSON byte-for-byte as Python's {@code json.dumps(obj, indent=2, sort_keys=True)} does, the
 * form Hugging Face uses for config.json, generation_config.json and the shard index
 * ({@code PretrainedConfig.to_json_string}, {@code GenerationConfig.to_json_string}).
 *
 * <p>Rules reproduced: two-space indent; items separated by a comma and a newline; {@code ": "}
 * after keys; keys sorted by code point; empty containers as {@code []} and {@code {}}; characters
 * outside printable ASCII escaped as {@code \\u} plus four hex digits ({@code ensure_ascii=True}); floats in
 * Python's {@code repr} form: the shortest digits that round-trip, written positionally with a
 * trailing {@code .0} when integral (e.g. {@code 500000.0}), or in scientific form with a signed
 * exponent of at least two digits when the value is below 1e-4 or at least 1e16 (e.g. {@code 1e-05}).
 */
public final class PythonJson {
  private PythonJson() {}

  /** The JSON text of {@code node}, without a trailing newline. */
  public static String dumps(JsonNode node) {
    StringBuilder sb = new StringBuilder();
    write(node, sb, 0);
    return sb.toString();
  }

  private static void write(JsonNode n, StringBuilder sb, int indent) {
    if (n == null || n.isNull()) sb.append("null");
    else if (n.isBoolean()) sb.append(n.booleanValue() ? "true" : "false");
    else if (n.isIntegralNumber()) sb.append(n.bigIntegerValue());
    else if (n.isNumber()) sb.append(floatRepr(n.doubleValue()));
    else if (n.isTextual()) string(n.textValue(), sb);
    else if (n.isArray()) {
      if (n.isEmpty()) {
        sb.append("[]");
        return;
      }
      sb.append('[');
      for (int i = 0; i < n.size(); i++) {
        sb.append(i == 0 ? "\n" : ",\n").append(" ".repeat(indent + 2));
        write(n.get(i), sb, indent + 2);
      }
      sb.append('\n').append(" ".repeat(indent)).append(']');
    } else if (n.isObject()) {
      if (n.isEmpty()) {
        sb.append("{}");
        return;
      }
      List<Map.Entry<String, JsonNode>> entries = new ArrayList<>(n.properties());
      entries.sort(Map.Entry.comparingByKey(PythonJson::compareCodePoints));
      sb.append('{');
      for (int i = 0; i < entries.size(); i++) {
        sb.append(i == 0 ? "\n" : ",\n").append(" ".repeat(indent + 2));
        string(entries.get(i).getKey(), sb);
        sb.append(": ");
        write(entries.get(i).getValue(), sb, indent + 2);
      }
      sb.append('\n').append(" ".repeat(indent)).append('}');
    } else throw new IllegalArgumentException("cannot write JSON node " + n.getNodeType());
  }

  /** Python sorts str keys by code point; Java's String.compareTo is by UTF-16 unit. */
  private static int compareCodePoints(String a, String b) {
    return java.util.Arrays.compare(a.codePoints().toArray(), b.codePoints().toArray());
  }

  private static void string(String s, StringBuilder sb) {
    appendString(sb, s, true);
  }

  /**
   * Appends {@code s} as a JSON string the way Python's {@code json} module writes it: the short
   * escapes for quote, backslash, \n, \r, \t, \b, \f; other control characters as
   * {@code \\u} plus four hex digits; with {@code ensureAscii} also everything outside printable ASCII (DEL and
   * above), per UTF-16 unit, so astral characters become surrogate pairs as in Python.
   */
  public static void appendString(StringBuilder sb, String s, boolean ensureAscii) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> {
          if (c < 0x20 || (ensureAscii && c > 0x7e)) sb.append(String.format("\\u%04x", (int) c));
          else sb.append(c);
        }
      }
    }
    sb.append('"');
  }

  /** Python's {@code repr(float)}; NaN and infinities are not valid JSON and are refused. */
  static String floatRepr(double d) {
    if (Double.isNaN(d) || Double.isInfinite(d))
      throw new IllegalArgumentException("cannot write " + d + " as JSON");
    if (d == 0) return (1 / d < 0) ? "-0.0" : "0.0";
    // Double.toString gives the shortest digits that round-trip (JDK 19+), as Python's repr does.
    BigDecimal bd = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
    String digits = bd.unscaledValue().toString();
    int decpt = digits.length() - bd.scale(); // value = 0.digits × 10^decpt
    if (digits.length() == 2) {
      // Java always prints two significant digits (4.9E-324); Python prints one when one digit
      // already round-trips (5e-324). Try the two one-digit neighbours, nearest first.
      BigDecimal exact = new BigDecimal(Math.abs(d));
      int lo = digits.charAt(0) - '0';
      BigDecimal down = new BigDecimal(java.math.BigInteger.valueOf(lo), 1 - decpt);
      BigDecimal up = new BigDecimal(java.math.BigInteger.valueOf(lo + 1), 1 - decpt);
      boolean upFirst = up.subtract(exact).abs().compareTo(exact.subtract(down).abs()) < 0;
      for (BigDecimal c : upFirst ? new BigDecimal[] {up, down} : new BigDecimal[] {down, up}) {
        if (c.signum() > 0 && c.doubleValue() == Math.abs(d)) {
          BigDecimal s = c.stripTrailingZeros();
          digits = s.unscaledValue().toString();
          decpt = digits.length() - s.scale();
          break;
        }
      }
    }
    StringBuilder sb = new StringBuilder(d < 0 ? "-" : "");
    if (decpt <= -4 || decpt > 16) {
      sb.append(digits.charAt(0));
      if (digits.length() > 1) sb.append('.').append(digits, 1, digits.length());
      int exp = decpt - 1;
      sb.append('e').append(exp < 0 ? '-' : '+');
      String e = Integer.toString(Math.abs(exp));
      sb.append(e.length() < 2 ? "0" + e : e);
    } else if (decpt <= 0) {
      sb.append("0.").append("0".repeat(-decpt)).append(digits);
    } else if (decpt < digits.length()) {
      sb.append(digits, 0, decpt).append('.').append(digits, decpt, digits.length());
    } else {
      sb.append(digits).append("0".repeat(decpt - digits.length())).append(".0");
    }
    return sb.toString();
  }
}
