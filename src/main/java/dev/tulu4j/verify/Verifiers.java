package dev.tulu4j.verify;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The verifier registry: one explicit map from dataset name to {@link Verifier}, looked up
 * case-insensitively so the {@code dataset} values of open-instruct RLVR rows ({@code "gsm8k"},
 * {@code "MATH"}, {@code "ifeval"}) select their verifier. No reflection, no class-path scanning.
 */
public final class Verifiers {
  private final Map<String, Verifier> byName;

  /** A registry of exactly the given entries; names are lower-cased and must be unique. */
  public Verifiers(Map<String, Verifier> entries) {
    Objects.requireNonNull(entries, "entries");
    Map<String, Verifier> m = new LinkedHashMap<>();
    entries.forEach((name, v) -> {
      Objects.requireNonNull(v, "verifier for " + name);
      if (m.put(key(name), v) != null) {
        throw new IllegalArgumentException("verifier registered twice: " + name);
      }
    });
    this.byName = Map.copyOf(m);
  }

  /** GSM8K and MATH (flex scoring), the verifiers of this package. */
  public static Verifiers standard() {
    return standard(MathVerifier.Mode.FLEX);
  }

  /** GSM8K and MATH with the given MATH scoring mode. */
  public static Verifiers standard(MathVerifier.Mode mathMode) {
    return standard(mathMode, MathVerifier.DEFAULT_TIMEOUT_MILLIS);
  }

  /** GSM8K and MATH with the given MATH scoring mode and per-item time limit. */
  public static Verifiers standard(MathVerifier.Mode mathMode, long mathTimeoutMillis) {
    return VerifierRules.TULU4J.registry(mathMode, mathTimeoutMillis);
  }

  /** GSM8K, MATH and IFEval under the given rule set (tulu4j's, or open-instruct's as released for Tülu 3). */
  public static Verifiers standard(VerifierRules rules, MathVerifier.Mode mathMode, long mathTimeoutMillis) {
    return rules.registry(mathMode, mathTimeoutMillis);
  }

  /** This registry plus one more entry (e.g. {@code ifeval}). */
  public Verifiers with(String name, Verifier verifier) {
    Map<String, Verifier> m = new LinkedHashMap<>(byName);
    if (m.containsKey(key(name))) {
      throw new IllegalArgumentException("verifier registered twice: " + name);
    }
    m.put(key(name), Objects.requireNonNull(verifier, "verifier"));
    return new Verifiers(m);
  }

  /**
   * The verifier for a dataset name (case-insensitive).
   *
   * @throws IllegalArgumentException naming the known datasets when there is none
   */
  public Verifier get(String dataset) {
    Verifier v = dataset == null ? null : byName.get(key(dataset));
    if (v == null) {
      throw new IllegalArgumentException(
          "no verifier for dataset \"" + dataset + "\" (known: " + String.join(", ", names()) + ")");
    }
    return v;
  }

  public boolean has(String dataset) {
    return dataset != null && byName.containsKey(key(dataset));
  }

  public Set<String> names() {
    return new java.util.TreeSet<>(byName.keySet());
  }

  private static String key(String name) {
    return Objects.requireNonNull(name, "name").trim().toLowerCase(Locale.ROOT);
  }
}
