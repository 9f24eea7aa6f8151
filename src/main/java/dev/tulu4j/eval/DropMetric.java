package dev.tulu4j.eval;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The DROP metric (Dua et al. 2019), exactly as OLMES computes it in
 * {@code oe_eval/dependencies/drop/process_results.py} (itself AllenNLP's {@code drop_eval.py}):
 *
 * <ol>
 *   <li>An answer is a list of spans. Each span is normalised token by token: split on single
 *       spaces and hyphens, lower-case, strip punctuation unless the token is a Python float,
 *       rewrite a float token as {@code str(float(token))} ({@code "1,000"} → {@code "1000.0"}),
 *       blank the articles a/an/the, collapse whitespace; empty tokens are dropped.
 *   <li>Exact match: the sets of normalised spans are equal and the span counts agree.
 *   <li>F1: each span becomes a bag (set) of words; the bag F1 of a (gold, predicted) pair counts
 *       only if the gold bag has no number or shares one with the prediction; spans are aligned
 *       one-to-one to maximise the total (the Hungarian assignment of {@code linear_sum_assignment});
 *       the answer F1 is the mean over {@code max(#gold, #predicted)} slots, rounded to 2 decimals.
 *   <li>An item scores the maximum over its gold answers, skipping gold answers whose first span is
 *       blank.
 * </ol>
 */
public final class DropMetric {
  private static final Pattern ARTICLES = Pattern.compile("\\b(a|an|the)\\b", Pattern.UNICODE_CHARACTER_CLASS);
  private static final String PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

  private DropMetric() {}

  /** Exact match and F1 of one prediction against one answer. */
  public record Score(double exactMatch, double f1) {}

  /**
   * OLMES' {@code process_results(doc, [prediction])}: the maximum exact match and F1 over the gold
   * answers (each a tuple of spans) whose first span is not blank.
   */
  public static Score score(List<String> predictionSpans, List<List<String>> goldAnswers) {
    double em = 0;
    double f1 = 0;
    for (List<String> gold : goldAnswers) {
      Score s = metrics(predictionSpans, gold);
      if (!gold.isEmpty() && !PyFloat.stripPy(gold.get(0)).isEmpty()) {
        em = Math.max(em, s.exactMatch());
        f1 = Math.max(f1, s.f1());
      }
    }
    return new Score(em, f1);
  }

  /** {@code get_metrics(predicted, gold)}: exact match and rounded F1 for one gold answer. */
  public static Score metrics(List<String> predicted, List<String> gold) {
    List<String> predSpans = new ArrayList<>();
    List<Set<String>> predBags = new ArrayList<>();
    toBags(predicted, predSpans, predBags);
    List<String> goldSpans = new ArrayList<>();
    List<Set<String>> goldBags = new ArrayList<>();
    toBags(gold, goldSpans, goldBags);
    boolean em = new HashSet<>(predSpans).equals(new HashSet<>(goldSpans)) && predSpans.size() == goldSpans.size();
    double[] perBag = alignBags(predBags, goldBags);
    double sum = 0;
    for (double v : perBag) sum += v;
    double mean = sum / perBag.length;
    double rounded = Double.isNaN(mean) ? mean : new BigDecimal(mean).setScale(2, RoundingMode.HALF_EVEN).doubleValue();
    return new Score(em ? 1 : 0, rounded);
  }

  private static void toBags(List<String> spans, List<String> normalized, List<Set<String>> bags) {
    for (String raw : spans) {
      String n = normalize(raw);
      normalized.add(n);
      bags.add(new LinkedHashSet<>(Arrays.asList(splitWhitespace(n))));
    }
  }

  /**
   * {@code _align_bags}: per gold slot, the F1 of the predicted bag the optimal one-to-one alignment
   * gives it (0 if none); the array has {@code max(#gold, #predicted)} entries.
   */
  static double[] alignBags(List<Set<String>> predicted, List<Set<String>> gold) {
    int g = gold.size();
    int p = predicted.size();
    double[][] scores = new double[g][p];
    for (int i = 0; i < g; i++) {
      for (int j = 0; j < p; j++) {
        if (matchNumbersIfPresent(gold.get(i), predicted.get(j))) scores[i][j] = bagF1(predicted.get(j), gold.get(i));
      }
    }
    int[] assign = Assignment.maximize(scores);
    double[] out = new double[Math.max(g, p)];
    for (int i = 0; i < g; i++) {
      if (assign[i] >= 0) out[i] = Math.max(out[i], scores[i][assign[i]]);
    }
    return out;
  }

  /** {@code _compute_f1} of two bags; an empty bag has precision (or recall) 1. */
  static double bagF1(Set<String> predicted, Set<String> gold) {
    int inter = 0;
    for (String w : gold) if (predicted.contains(w)) inter++;
    double precision = predicted.isEmpty() ? 1.0 : inter / (double) predicted.size();
    double recall = gold.isEmpty() ? 1.0 : inter / (double) gold.size();
    return precision == 0.0 && recall == 0.0 ? 0.0 : (2 * precision * recall) / (precision + recall);
  }

  /** {@code _match_numbers_if_present}: true when the gold bag has no number or shares one with the prediction. */
  static boolean matchNumbersIfPresent(Set<String> gold, Set<String> predicted) {
    Set<String> goldNumbers = new HashSet<>();
    for (String w : gold) if (PyFloat.isNumber(w)) goldNumbers.add(w);
    if (goldNumbers.isEmpty()) return true;
    for (String w : predicted) if (PyFloat.isNumber(w) && goldNumbers.contains(w)) return true;
    return false;
  }

  /** {@code _normalize} of one span. */
  public static String normalize(String answer) {
    List<String> tokens = new ArrayList<>();
    for (String token : answer.split("[ \\-]", -1)) {
      String t = token.toLowerCase(Locale.ROOT);
      if (!PyFloat.isNumber(t)) t = removePunctuation(t);
      Double f = PyFloat.parse(t);
      if (f != null) t = PyFloat.repr(f);
      t = ARTICLES.matcher(t).replaceAll(" ");
      t = String.join(" ", splitWhitespace(t));
      if (!PyFloat.stripPy(t).isEmpty()) tokens.add(t);
    }
    return PyFloat.stripPy(String.join(" ", tokens));
  }

  private static String removePunctuation(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (PUNCTUATION.indexOf(c) < 0) b.append(c);
    }
    return b.toString();
  }

  /** Python's {@code str.split()} with no argument: runs of Unicode whitespace separate, no empty parts. */
  static String[] splitWhitespace(String s) {
    List<String> parts = new ArrayList<>();
    int i = 0;
    while (i < s.length()) {
      while (i < s.length() && PyFloat.isPySpace(s.charAt(i))) i++;
      int start = i;
      while (i < s.length() && !PyFloat.isPySpace(s.charAt(i))) i++;
      if (i > start) parts.add(s.substring(start, i));
    }
    return parts.toArray(new String[0]);
  }
}
