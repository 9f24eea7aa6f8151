package dev.tulu4j.cli;

import dev.tulu4j.verify.MathVerifier;
import dev.tulu4j.verify.VerifierRules;
import dev.tulu4j.verify.VerifyJob;
import dev.tulu4j.verify.Verifiers;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tulu4j verify}: scores predictions with the GSM8K / MATH / IFEval verifiers. */
@Command(name = "verify", mixinStandardHelpOptions = true,
    description = "Score a JSONL of predictions against ground truth (GSM8K, MATH, IFEval verifiers).")
final class VerifyCommand implements Callable<Integer> {
  @Option(names = "--in", required = true, description = "Input JSONL: prediction, ground_truth, [dataset], [prompt]")
  Path in;

  @Option(names = "--out", required = true, description = "Output JSONL: each input line plus score and details")
  Path out;

  @Option(names = "--task", defaultValue = "auto",
      description = "gsm8k | math | ifeval | auto (each line's \"dataset\"), default ${DEFAULT-VALUE}")
  String task;

  @Option(names = "--math-mode", defaultValue = "flex", description = "flex | strict, default ${DEFAULT-VALUE}")
  String mathMode;

  @Option(names = "--rules", defaultValue = "tulu4j",
      description = "tulu4j | open-instruct (GSM8K and MATH scored exactly as open-instruct's Tülu 3 reward "
          + "functions, quirks included; docs/VERIFIERS.md), default ${DEFAULT-VALUE}")
  String rules;

  @Option(names = "--math-timeout-ms", defaultValue = "5000",
      description = "Per-item limit for MATH equivalence checks, default ${DEFAULT-VALUE}")
  long mathTimeoutMs;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    MathVerifier.Mode mode = switch (mathMode.toLowerCase(Locale.ROOT)) {
      case "flex" -> MathVerifier.Mode.FLEX;
      case "strict" -> MathVerifier.Mode.STRICT;
      default -> throw new IllegalArgumentException("--math-mode must be flex or strict, got " + mathMode);
    };
    Verifiers registry = Verifiers.standard(VerifierRules.parse(rules), mode, mathTimeoutMs);
    VerifyJob.Summary s = VerifyJob.run(new VerifyJob.Config(in, out, task), registry);
    spec.commandLine().getOut().println(s.describe());
    spec.commandLine().getOut().println("wrote " + out);
    spec.commandLine().getOut().flush();
    return 0;
  }
}
