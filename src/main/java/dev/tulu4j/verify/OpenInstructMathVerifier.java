package dev.tulu4j.verify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tulu4j.verify.math.MathAnswers;
import dev.tulu4j.verify.math.MathNormalizer;
import dev.tulu4j.verify.math.SympyEquivalence;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * MATH exactly as open-instruct rewarded it for Tülu 3: {@code verify_math_sample} (flex) and
 * {@code verify_strict_math_sample} (strict) of {@code open_instruct/ground_truth_utils.py}, with
 * {@code last_boxed_only_string}, {@code remove_boxed}, {@code get_unnormalized_answer},
 * {@code normalize_final_answer}, {@code is_equiv} and {@code hendrycks_is_equiv} of
 * {@code open_instruct/math_utils.py}, all at commit {@code 9c2d44bec} (2024-11-20; unchanged until
 * 2025-02-01).
 *
 * <p>Flex candidates, in order: the raw content of the last {@code \boxed{…}} (not normalised, so
 * {@code \boxed{$9$}} yields {@code $9$}, which sympy cannot lex and {@code strip_string} keeps: wrong
 * for 9; a lone {@code \fbox{}} fails {@code remove_boxed}'s assertion and yields nothing); the
 * normalised Minerva sentence answer; only when both are missing, the normalised text between the
 * last two {@code $}; only when still nothing, the normalised whole output. Strict: the Minerva answer,
 * else the normalised whole output. A candidate matches when {@code is_equiv} (sympy, emulated by
 * {@link SympyEquivalence}) or {@code hendrycks_is_equiv} ({@code strip_string} equality, raw equality
 * where {@code strip_string} raises) holds against the ground truth <em>as given</em> (never
 * normalised or reduced to its box).
 */
public final class OpenInstructMathVerifier implements Verifier {
  private static final String INVALID = "[invalidanswer]";

  private final MathVerifier.Mode mode;
  private final long timeoutMillis;

  public OpenInstructMathVerifier(MathVerifier.Mode mode, long timeoutMillis) {
    this.mode = Objects.requireNonNull(mode, "mode");
    if (timeoutMillis <= 0) {
      throw new IllegalArgumentException("timeoutMillis must be > 0, got " + timeoutMillis);
    }
    this.timeoutMillis = timeoutMillis;
  }

  @Override
  public VerificationResult verify(String prediction, JsonNode groundTruth, String prompt) {
    List<String> golds = OpenInstructText.groundTruths(groundTruth);
    List<String> answers = candidates(prediction, mode);
    ObjectNode details = JsonNodeFactory.instance.objectNode();
    details.put("rules", "open-instruct");
    details.put("mode", mode == MathVerifier.Mode.FLEX ? "flex" : "strict");
    ArrayNode cands = details.putArray("candidates");
    answers.forEach(cands::add);
    for (String g : golds) {
      for (String a : answers) {
        String how = SympyEquivalence.isEquiv(a, g, timeoutMillis) ? "is_equiv"
            : hendrycksIsEquiv(a, g) ? "hendrycks_is_equiv" : null;
        if (how != null) {
          details.put("gold", g);
          details.put("matched_by", how);
          return new VerificationResult(true, a, details);
        }
      }
    }
    details.put("gold", golds.getFirst());
    return new VerificationResult(false, answers.getFirst(), details);
  }

  /** The answers {@code verify_math_sample} / {@code verify_strict_math_sample} compare, in order. */
  public static List<String> candidates(String prediction, MathVerifier.Mode mode) {
    String raw = OpenInstructText.afterAssistant(prediction);
    List<String> all = new ArrayList<>();
    if (mode == MathVerifier.Mode.FLEX) {
      String boxed = lastBoxedRemoved(raw);
      if (boxed != null) {
        all.add(boxed);
      }
    }
    String group = MathAnswers.minervaGroup(raw);
    String minerva = MathNormalizer.normalizeFinalAnswer(group == null ? INVALID : OpenInstructText.strip(group));
    if (!minerva.equals(INVALID)) {
      all.add(minerva);
    }
    if (mode == MathVerifier.Mode.FLEX && all.isEmpty()) {
      String dollar = MathAnswers.lastDollar(raw);
      if (dollar != null) {
        all.add(MathNormalizer.normalizeFinalAnswer(dollar));
      }
    }
    if (all.isEmpty()) {
      all.add(MathNormalizer.normalizeFinalAnswer(raw));
    }
    return all;
  }

  /**
   * {@code remove_boxed(last_boxed_only_string(s))}, null where the first returns None or the second's
   * assertion fails: {@code "\boxed "} anywhere wins (the text after its last occurrence up to the next
   * {@code $}); else the last {@code \boxed} with balanced braces, which must read {@code \boxed{…}};
   * a {@code \fbox} (used only when there is no {@code \boxed}) always fails the assertion.
   */
  static String lastBoxedRemoved(String s) {
    if (!s.contains("\\boxed")) {
      return null;
    }
    return MathAnswers.lastBoxed(s);
  }

  /** {@code hendrycks_is_equiv}: {@code strip_string} equality, or raw equality where it raises. */
  static boolean hendrycksIsEquiv(String a, String b) {
    String x = MathNormalizer.stripString(a);
    String y = MathNormalizer.stripString(b);
    return x != null && y != null ? x.equals(y) : a.equals(b);
  }
}
