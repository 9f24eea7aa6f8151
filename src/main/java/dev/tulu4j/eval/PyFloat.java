package dev.tulu4j.eval;

import java.math.BigDecimal;

/**
 * Python's {@code float(text)} and {@code str(float)} for the DROP metric, whose number handling
 * ({@code _is_number}, {@code _fix_number} in OLMES {@code oe_eval/dependencies/drop/process_results.py})
 * is exactly "does {@code float()} accept it" and "{@code str(float(text))}".
 *
 * <p>{@code float()} accepts, after stripping whitespace: an optional sign, then {@code inf},
 * {@code infinity} or {@code nan} (any case), or decimal digits (any Unicode decimal digit) with
 * optional single underscores between digits, an optional fraction and an optional exponent
 * ({@code 1_000}, {@code .5}, {@code 5.}, {@code 1e16} — but not {@code 0x10} or {@code 1,000}).
 * {@code str()} is the shortest round-tripping repr: fixed notation with a trailing {@code .0} when
 * the decimal exponent is in [-4, 16), else {@code d.ddde±XX} ({@code 1e+16}, {@code 1e-05}).
 */
public final class PyFloat {
  private PyFloat() {}

  /** {@code float(text)}, or null where Python raises {@code ValueError}. */
  public static Double parse(String text) {
    String s = stripPy(text);
    if (s.isEmpty()) return null;
    int i = 0;
    boolean neg = false;
    if (s.charAt(0) == '+' || s.charAt(0) == '-') {
      neg = s.charAt(0) == '-';
      i = 1;
    }
    String rest = s.substring(i).toLowerCase(java.util.Locale.ROOT);
    if (rest.equals("inf") || rest.equals("infinity")) return neg ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    if (rest.equals("nan")) return Double.NaN;
    StringBuilder ascii = new StringBuilder(neg ? "-" : "");
    int digitsBefore = 0;
    int digitsAfter = 0;
    int[] pos = {i};
    digitsBefore = digitPart(s, pos, ascii);
    if (digitsBefore < 0) return null;
    if (pos[0] < s.length() && s.charAt(pos[0]) == '.') {
      ascii.append('.');
      pos[0]++;
      digitsAfter = digitPart(s, pos, ascii);
      if (digitsAfter < 0) return null;
    }
    if (digitsBefore == 0 && digitsAfter == 0) return null;
    if (pos[0] < s.length() && (s.charAt(pos[0]) == 'e' || s.charAt(pos[0]) == 'E')) {
      ascii.append('e');
      pos[0]++;
      if (pos[0] < s.length() && (s.charAt(pos[0]) == '+' || s.charAt(pos[0]) == '-')) ascii.append(s.charAt(pos[0]++));
      int exp = digitPart(s, pos, ascii);
      if (exp <= 0) return null;
    }
    if (pos[0] != s.length()) return null;
    String a = ascii.toString();
    if (a.endsWith(".")) a = a + "0";
    if (a.startsWith(".") || a.startsWith("-.")) a = a.replace(".", "0.");
    return Double.parseDouble(a.replace(".e", ".0e"));
  }

  /** True when Python's {@code float(text)} succeeds. */
  public static boolean isNumber(String text) {
    return parse(text) != null;
  }

  /**
   * Reads {@code digit (_? digit)*} at {@code pos[0]} into {@code out} (as ASCII digits); returns the
   * digit count (0 when none), or -1 for a misplaced underscore.
   */
  private static int digitPart(String s, int[] pos, StringBuilder out) {
    int n = 0;
    int p = pos[0];
    while (p < s.length()) {
      int cp = s.codePointAt(p);
      if (Character.getType(cp) == Character.DECIMAL_DIGIT_NUMBER) {
        out.append((char) ('0' + Character.digit(cp, 10)));
        n++;
        p += Character.charCount(cp);
      } else if (cp == '_' && n > 0 && p + 1 < s.length()
          && Character.getType(s.codePointAt(p + 1)) == Character.DECIMAL_DIGIT_NUMBER) {
        p++;
      } else if (cp == '_') {
        return -1;
      } else {
        break;
      }
    }
    pos[0] = p;
    return n;
  }

  /** {@code str(x)} / {@code repr(x)} for a Python float. */
  public static String repr(double x) {
    if (Double.isNaN(x)) return "nan";
    if (Double.isInfinite(x)) return x > 0 ? "inf" : "-inf";
    if (x == 0) return (1 / x < 0) ? "-0.0" : "0.0";
    // the shortest decimal that reads back as x, the closest one at that length (Python's repr)
    BigDecimal exact = new BigDecimal(Math.abs(x));
    BigDecimal d = null;
    for (int p = 1; p <= 17 && d == null; p++) {
      BigDecimal c = exact.round(new java.math.MathContext(p, java.math.RoundingMode.HALF_EVEN));
      if (c.doubleValue() == Math.abs(x)) d = c.stripTrailingZeros();
    }
    String digits = d.unscaledValue().toString();
    int exp10 = digits.length() - 1 - d.scale(); // x = d.ddd × 10^exp10
    String sign = x < 0 ? "-" : "";
    if (exp10 >= -4 && exp10 < 16) {
      String plain = d.toPlainString();
      return sign + (plain.contains(".") ? plain : plain + ".0");
    }
    String mant = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
    String e = String.format("%02d", Math.abs(exp10));
    return sign + mant + "e" + (exp10 < 0 ? "-" : "+") + e;
  }

  /** Python's {@code str.strip()}: removes leading and trailing Unicode whitespace. */
  public static String stripPy(String s) {
    int a = 0;
    int b = s.length();
    while (a < b && isPySpace(s.charAt(a))) a++;
    while (b > a && isPySpace(s.charAt(b - 1))) b--;
    return s.substring(a, b);
  }

  /** Python's {@code str.isspace()} for one character. */
  public static boolean isPySpace(char c) {
    return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
  }
}
