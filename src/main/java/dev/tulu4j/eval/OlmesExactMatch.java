package dev.tulu4j.eval;

import java.util.Locale;

/**
 * OLMES' {@code exact_match_hf_evaluate} ({@code oe_eval/dependencies/hf_evaluate/exact_match.py}, ported
 * from Hugging Face {@code evaluate}) for one prediction: optionally lower-case both strings, optionally
 * delete every ASCII punctuation character ({@code string.punctuation}) from both, then compare.
 */
public final class OlmesExactMatch {
  private static final String PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

  private OlmesExactMatch() {}

  /** Case is always ignored (every Tülu 3 task sets {@code ignore_case=True}); punctuation when asked. */
  public static boolean matches(String prediction, String reference, boolean ignorePunctuation) {
    String p = prediction.toLowerCase(Locale.ROOT);
    String r = reference.toLowerCase(Locale.ROOT);
    if (ignorePunctuation) {
      p = stripPunctuation(p);
      r = stripPunctuation(r);
    }
    return p.equals(r);
  }

  static String stripPunctuation(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      if (PUNCTUATION.indexOf(s.charAt(i)) < 0) b.append(s.charAt(i));
    }
    return b.toString();
  }
}
