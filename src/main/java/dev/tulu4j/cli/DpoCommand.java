package dev.tulu4j.cli;

import dev.tulu4j.config.ConfigArgs;
import dev.tulu4j.recipe.DpoConfig;
import dev.tulu4j.recipe.DpoRecipe;
import dev.tulu4j.recipe.RunResult;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code tulu4j dpo [CONFIG.yaml] [key=value ...]}: preference tuning (DPO and variants). */
@Command(name = "dpo", mixinStandardHelpOptions = true,
    description = "Preference-tune a model with DPO (default: Tülu 3 length-normalised DPO, beta 5).")
public final class DpoCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  @Mixin ConfigArgs config;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Optional<DpoConfig> cfg = config.load(DpoConfig.class, out);
    if (cfg.isEmpty()) return 0;
    RunResult r = DpoRecipe.run(cfg.get(), System.err);
    out.printf("dpo: %d steps on %d pairs, last loss %.4f, model %s%n", r.train().steps(), (long) r.number("pairs"),
        r.train().lastLoss(), r.finalModel());
    out.flush();
    return 0;
  }
}
