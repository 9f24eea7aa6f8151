package dev.tulu4j.verify;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Which reward rules score GSM8K and MATH: tulu4j's own verifiers (the default: numeric comparison,
 * answer markers, {@code $…$} unwrapped) or open-instruct's functions exactly as released for Tülu 3
 * ({@code verify_gsm8k_sample}, {@code verify_math_sample}, {@code verify_strict_math_sample}), quirks
 * included. IFEval is scored the same way under both. docs/VERIFIERS.md lists every difference.
 */
public enum VerifierRules {
  /** {@link Gsm8kVerifier} and {@link MathVerifier}. */
  TULU4J,
  /** {@link OpenInstructGsm8kVerifier} and {@link OpenInstructMathVerifier}. */
  OPEN_INSTRUCT;

  /** The registry of this rule set: gsm8k, math (in {@code mathMode}) and ifeval. */
  public Verifiers registry(MathVerifier.Mode mathMode, long mathTimeoutMillis) {
    Map<String, Verifier> m = new LinkedHashMap<>();
    switch (this) {
      case TULU4J -> {
        m.put("gsm8k", new Gsm8kVerifier());
        m.put("math", new MathVerifier(mathMode, mathTimeoutMillis));
      }
      case OPEN_INSTRUCT -> {
        m.put("gsm8k", new OpenInstructGsm8kVerifier());
        m.put("math", new OpenInstructMathVerifier(mathMode, mathTimeoutMillis));
      }
    }
    m.put("ifeval", new IfEvalVerifier());
    return new Verifiers(m);
  }

  /** The registry with flex MATH scoring and the default time limit. */
  public Verifiers registry() {
    return registry(MathVerifier.Mode.FLEX, MathVerifier.DEFAULT_TIMEOUT_MILLIS);
  }

  /** The name used on the command line and in configs: {@code tulu4j} or {@code open-instruct}. */
  public String cliName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /**
   * Parses {@code tulu4j} or {@code open-instruct} (case-insensitive, {@code _} for {@code -} accepted).
   *
   * @throws IllegalArgumentException naming the accepted values
   */
  public static VerifierRules parse(String s) {
    for (VerifierRules r : values()) {
      if (r.cliName().equalsIgnoreCase(s == null ? "" : s.trim().replace('_', '-'))) {
        return r;
      }
    }
    throw new IllegalArgumentException("rules must be tulu4j or open-instruct, got " + s);
  }
}
