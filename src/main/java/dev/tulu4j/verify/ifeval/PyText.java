package dev.tulu4j.verify.ifeval;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The few Python {@code str} and {@code re} semantics the IFEval reference relies on, written for
 * Java strings: Unicode whitespace as {@code str.isspace}, {@code strip}/{@code split()},
 * {@code isupper}/{@code islower}, and regexes compiled so that {@code \s \w \d \b} are Unicode
 * classes and only {@code \n} ends a line (as Python's {@code .} and {@code ^ $}).
 */
public final class PyText {
  private PyText() {}

  /** Python {@code str.isspace} for one code point (Zs, or bidi class WS/B/S). */
  static boolean isSpace(int cp) {
    return Character.isWhitespace(cp) || cp == 0x85 || cp == 0xA0 || cp == 0x2007 || cp == 0x202F;
  }

  /** Python {@code str.strip()}. */
  public static String strip(String s) {
    int b = 0;
    int e = s.length();
    while (b < e && isSpace(s.charAt(b))) {
      b++;
    }
    while (e > b && isSpace(s.charAt(e - 1))) {
      e--;
    }
    return s.substring(b, e);
  }

  /** Python {@code str.strip(chars)} for a set of BMP characters. */
  static String strip(String s, String chars) {
    int b = 0;
    int e = s.length();
    while (b < e && chars.indexOf(s.charAt(b)) >= 0) {
      b++;
    }
    while (e > b && chars.indexOf(s.charAt(e - 1)) >= 0) {
      e--;
    }
    return s.substring(b, e);
  }

  /** Python {@code str.lstrip(chars)}. */
  static String lstrip(String s, String chars) {
    int b = 0;
    while (b < s.length() && chars.indexOf(s.charAt(b)) >= 0) {
      b++;
    }
    return s.substring(b);
  }

  /** Python {@code str.split()} (runs of whitespace, no empty pieces). */
  static List<String> splitWhitespace(String s) {
    List<String> out = new ArrayList<>();
    int i = 0;
    int n = s.length();
    while (i < n) {
      while (i < n && isSpace(s.charAt(i))) {
        i++;
      }
      int start = i;
      while (i < n && !isSpace(s.charAt(i))) {
        i++;
      }
      if (i > start) {
        out.add(s.substring(start, i));
      }
    }
    return out;
  }

  /** Python {@code str.split(sep)} for a literal separator (keeps empty pieces). */
  static List<String> split(String s, String sep) {
    List<String> out = new ArrayList<>();
    int from = 0;
    int at;
    while ((at = s.indexOf(sep, from)) >= 0) {
      out.add(s.substring(from, at));
      from = at + sep.length();
    }
    out.add(s.substring(from));
    return out;
  }

  /** Python {@code str.lower()}. */
  static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }

  /** Python {@code str.isupper()}: at least one cased character and no lower/title-case one. */
  static boolean isUpper(String s) {
    boolean cased = false;
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      if (Character.isLowerCase(cp) || Character.isTitleCase(cp)) {
        return false;
      }
      if (Character.isUpperCase(cp)) {
        cased = true;
      }
    }
    return cased;
  }

  /** Python {@code str.islower()}: at least one cased character and no upper/title-case one. */
  static boolean isLower(String s) {
    boolean cased = false;
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      if (Character.isUpperCase(cp) || Character.isTitleCase(cp)) {
        return false;
      }
      if (Character.isLowerCase(cp)) {
        cased = true;
      }
    }
    return cased;
  }

  /** Python's {@code \w} for one code point: {@code str.isalnum()} or underscore. */
  static boolean isWordChar(int cp) {
    if (cp == '_' || Character.isLetter(cp)) {
      return true;
    }
    int t = Character.getType(cp);
    return t == Character.DECIMAL_DIGIT_NUMBER || t == Character.LETTER_NUMBER || t == Character.OTHER_NUMBER;
  }

  /** Compiles a Python {@code re} pattern (str pattern, default flags) with matching Java flags. */
  static Pattern compile(String regex) {
    return Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS | Pattern.UNIX_LINES);
  }

  /** As {@link #compile(String)} with {@code re.IGNORECASE}. */
  static Pattern compileIgnoreCase(String regex) {
    return Pattern.compile(
        regex,
        Pattern.UNICODE_CHARACTER_CLASS | Pattern.UNIX_LINES | Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
  }

  /** As {@link #compile(String)} with {@code re.MULTILINE}. */
  static Pattern compileMultiline(String regex) {
    return Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS | Pattern.UNIX_LINES | Pattern.MULTILINE);
  }

  /** {@code len(re.findall(p, s))}. */
  static int countMatches(Pattern p, String s) {
    var m = p.matcher(s);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  /** {@code re.findall(p, s)} for a pattern without groups. */
  static List<String> findAll(Pattern p, String s) {
    var m = p.matcher(s);
    List<String> out = new ArrayList<>();
    while (m.find()) {
      out.add(m.group());
    }
    return out;
  }
}
