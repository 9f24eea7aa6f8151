package dev.tulu4j.cli;

import dev.tulu4j.data.persona.PersonaConfig;
import dev.tulu4j.data.persona.PersonaSynthesis;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tulu4j data personas --config FILE}: persona-driven prompt synthesis via an OpenAI-compatible API. */
@Command(name = "personas", mixinStandardHelpOptions = true,
    description = "Generate prompts from personas (math, precise_if, code, general) with an OpenAI-compatible chat API, "
        + "and with responses: true whole examples (responses checked as Tülu 3 did where a check applies); resumable.")
final class DataPersonasCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--config", required = true, description = "Persona synthesis config (YAML or JSON).")
  Path config;

  @Option(names = "--allow-code-execution", description = "With responses: true, run each code solution against its "
      + "generated tests in a separate python3 process with time, memory and network limits (as tulu4j eval). Also "
      + "allow_code_execution: true in the config.")
  boolean allowCodeExecution;

  @Option(names = "--python", defaultValue = "python3", description = "Interpreter for code execution.")
  String python;

  @Override
  public Integer call() {
    PersonaConfig cfg = PersonaConfig.load(config);
    String key = null;
    if (cfg.apiKeyEnv() != null) {
      key = System.getenv(cfg.apiKeyEnv());
      if (key == null || key.isBlank()) {
        throw new IllegalArgumentException("environment variable " + cfg.apiKeyEnv() + " (api_key_env in " + config + ") is not set");
      }
    }
    PersonaSynthesis.Result r = PersonaSynthesis.run(cfg, key,
        cfg.responses() ? checks(allowCodeExecution || cfg.allowCodeExecution(), python) : null);
    PrintWriter w = spec.commandLine().getOut();
    w.println("wrote " + r.written() + (cfg.responses() ? " examples to " : " prompts to ") + cfg.out() + " (" + r.skipped() + " already done, "
        + r.retries() + " retries, " + r.failures().size() + " failed)");
    w.flush();
    if (!r.failures().isEmpty()) {
      var first = r.failures().entrySet().iterator().next();
      throw new IllegalStateException(r.failures().size() + " personas failed (first: " + first.getKey() + ": "
          + first.getValue() + "); run again to resume");
    }
    return 0;
  }

  /** The response checks: IFEval constraints, the last boxed answer, and (when allowed) the code sandbox. */
  static dev.tulu4j.data.persona.PersonaResponses.Checks checks(boolean allowCode, String python) {
    var ifeval = new dev.tulu4j.verify.IfEvalVerifier();
    var box = allowCode ? new dev.tulu4j.eval.CodeSandbox(python, dev.tulu4j.eval.CodeSandbox.probeUnshare(), 10, 1L << 30) : null;
    if (box != null) System.err.println("personas: code solutions run with " + box.networkIsolation());
    return new dev.tulu4j.data.persona.PersonaResponses.Checks() {
      @Override
      public boolean followsConstraints(String response, com.fasterxml.jackson.databind.JsonNode gt, String prompt) {
        return ifeval.verify(response, gt, prompt).correct();
      }

      @Override
      public String finalAnswer(String solution) {
        String boxed = dev.tulu4j.verify.math.MathAnswers.lastBoxed(solution);
        return boxed == null ? null : dev.tulu4j.verify.math.MathNormalizer.normalizeFinalAnswer(boxed);
      }

      @Override
      public Boolean passes(String program) {
        return box == null ? null : box.run(program) == dev.tulu4j.eval.CodeSandbox.Outcome.PASSED;
      }
    };
  }
}
