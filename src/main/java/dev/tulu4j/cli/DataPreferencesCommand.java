package dev.tulu4j.cli;

import dev.tulu4j.config.ConfigLoader;
import dev.tulu4j.dpo.PreferenceBuildConfig;
import dev.tulu4j.dpo.PreferenceBuilder;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tulu4j data preferences --config FILE [key=value ...]}: build preference pairs (sample, judge, select). */
@Command(name = "preferences", mixinStandardHelpOptions = true,
    description = "Build Tülu preference pairs: sample K responses per prompt from local models or OpenAI-compatible "
        + "endpoints, rate them with a judge (verifier, llm: Tülu 3's four-aspect UltraFeedback judge, reward_model), "
        + "keep best vs a worse one. Endpoint requests are cached in OUT.requests/: a killed run re-sends nothing answered.")
final class DataPreferencesCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--config", required = true, description = "Preference-building config (YAML).")
  Path config;

  @Parameters(paramLabel = "KEY=VALUE", arity = "0..*", description = "Overrides, e.g. judge.retries=4.")
  List<String> overrides = List.of();

  @Override
  public Integer call() throws Exception {
    PreferenceBuildConfig cfg = ConfigLoader.load(config, overrides, PreferenceBuildConfig.class);
    PreferenceBuilder.Stats s = PreferenceBuilder.run(cfg, System.err);
    PrintWriter w = spec.commandLine().getOut();
    w.printf("wrote %d pairs to %s from %d prompts (%d responses; ties skipped %d, too few rated %d, judge failures %d, "
        + "unreadable aspect ratings %d, generation failures %d); stats in %s%n", s.pairs(), cfg.out(), s.prompts(),
        s.responses(), s.tiesSkipped(), s.tooFewRated(), s.judgeFailures(), s.missingRatings(), s.generationFailures(),
        PreferenceBuilder.statsFile(cfg.out()));
    w.flush();
    return 0;
  }
}
