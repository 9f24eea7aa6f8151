package dev.tulu4j.verify.math;

/**
 * Finds candidate answers in a MATH response, as open-instruct's {@code verify_math_sample} does
 * ({@code open_instruct/ground_truth_utils.py}, "flex" scoring after oe-eval): the last
 * {@code \boxed{…}} (braces matched by counting, not by regex; also {@code \boxed 5} and
 * {@code \fbox{…}}), the Minerva sentence {@code Final Answer: The final answer is X. I hope it is
 * correct.}, and the text between the last two {@code $}.
 */
public final class MathAnswers {
  private MathAnswers() {}

  private static final String MINERVA_START = "Final Answer: The final answer is";
  private static final String MINERVA_END = " I hope it is correct";

  /**
   * The content of the last {@code \boxed{…}} or (when there is none) {@code \fbox{…}}, after the
   * reference's {@code last_boxed_only_string} + {@code remove_boxed}: when the text has
   * {@code "\boxed "} the answer is what follows its last occurrence up to the next {@code $}.
   * Null when there is no box or its braces never close.
   */
  public static String lastBoxed(String s) {
    String spaced = "\\boxed ";
    int sp = s.lastIndexOf(spaced);
    if (sp >= 0) {
      String rest = s.substring(sp + spaced.length());
      int dollar = rest.indexOf('$');
      return dollar >= 0 ? rest.substring(0, dollar) : rest;
    }
    int idx = s.lastIndexOf("\\boxed");
    int open = "\\boxed".length();
    if (idx < 0) {
      idx = s.lastIndexOf("\\fbox");
      open = "\\fbox".length();
      if (idx < 0) {
        return null;
      }
    }
    int depth = 0;
    for (int i = idx; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '{') {
        depth++;
      } else if (c == '}') {
        depth--;
        if (depth == 0) {
          // remove_boxed: the box must be "\boxed{...}" exactly
          if (idx + open < s.length() && s.charAt(idx + open) == '{') {
            return s.substring(idx + open + 1, i);
          }
          return null;
        }
      }
    }
    return null;
  }

  /**
   * The X of Minerva's {@code Final Answer: The final answer is X. I hope it is correct.}, trimmed; or
   * null. Same result as the reference's {@code re.search(r"Final Answer: The final answer is(.*?). I
   * hope it is correct.", text + "I hope it is correct.")} (no DOTALL: one line), found by a linear scan:
   * if the first marker on a line has no ending, no later marker on that line has one.
   */
  public static String minervaRaw(String text) {
    String g = minervaGroup(text);
    return g == null ? null : g.strip();
  }

  /**
   * The reference regex's {@code match.group(1)} before {@code .strip()} (open-instruct strips with
   * Python's whitespace set, which differs from Java's for a few characters), or null.
   */
  public static String minervaGroup(String text) {
    String t = text + "I hope it is correct.";
    int p = t.indexOf(MINERVA_START);
    while (p >= 0) {
      int lineEnd = t.indexOf('\n', p);
      if (lineEnd < 0) {
        lineEnd = t.length();
      }
      int from = p + MINERVA_START.length();
      int h = t.indexOf(MINERVA_END, from + 1);
      if (h >= 0 && h + MINERVA_END.length() < lineEnd) {
        return t.substring(from, h - 1);
      }
      if (lineEnd == t.length()) {
        return null;
      }
      p = t.indexOf(MINERVA_START, lineEnd);
    }
    return null;
  }

  /** The text between the last two {@code $} signs, or null when there are fewer than two. */
  public static String lastDollar(String s) {
    int last = s.lastIndexOf('$');
    if (last <= 0) {
      return null;
    }
    int prev = s.lastIndexOf('$', last - 1);
    return prev < 0 ? null : s.substring(prev + 1, last);
  }
}
