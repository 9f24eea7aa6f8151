package dev.tulu4j.config;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Documents one config key (a record component): its description, its default and whether it takes
 * part in the config hash. {@link ConfigLoader} reads {@link #def()} when the key is absent and
 * {@link ConfigDoc} prints all three for {@code --help-config} and the docs.
 *
 * <p>{@code def} is written the way a user would write it in an override ({@code "2e-5"},
 * {@code "linear"}, {@code "[0.9, 0.999]"} or {@code "0.9,0.999"}, {@code "null"}); it is parsed by
 * the component's type exactly like YAML input, so a broken default fails the first load in tests.
 * A nested record component needs no default: an absent section means "all defaults of that record".
 * On a nested record, {@code def} is a mapping of the keys whose defaults differ for this parent
 * (e.g. RLVR's {@code train} section: {@code "{max_steps: 100, optim: {lr: 3e-7}}"}); the section's
 * given keys are laid over it key by key, and the record's own defaults fill the rest.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface Doc {
  /** Sentinel for {@link #def()}: the key must be given. */
  String REQUIRED = "\u0000required";

  /** One-sentence description shown in {@code --help-config}. */
  String value();

  /** The default, as override text; {@link #REQUIRED} when there is none. */
  String def() default REQUIRED;

  /**
   * False for keys that cannot change the training trajectory (logging, checkpoint cadence,
   * output folder): they are left out of {@link ConfigYaml#hash} so a resumed run may change them.
   */
  boolean hashed() default true;
}
