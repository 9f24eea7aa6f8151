package dev.tulu4j.cli;

import dev.tulu4j.config.ConfigArgs;
import dev.tulu4j.recipe.RlvrRecipe;
import dev.tulu4j.rlvr.RlvrConfig;
import dev.tulu4j.recipe.RunResult;
import java.io.PrintStream;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code tulu4j rlvr [CONFIG.yaml] [key=value ...]}: GRPO or PPO with verifiable rewards. */
@Command(name = "rlvr", mixinStandardHelpOptions = true,
    description = "Reinforcement learning with verifiable rewards (algorithm: grpo | ppo).")
final class RlvrCommand implements Callable<Integer> {
  @Mixin ConfigArgs config;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Optional<RlvrConfig> cfg = config.load(RlvrConfig.class, spec.commandLine().getOut());
    if (cfg.isEmpty()) return 0;
    PrintStream log = System.err;
    RunResult r = RlvrRecipe.run(cfg.get(), log);
    spec.commandLine().getOut().printf("rlvr: %d steps; metrics in %s; last checkpoint %s%n", r.train().steps(),
        cfg.get().train().outDir().resolve("metrics.jsonl"), r.finalModel());
    spec.commandLine().getOut().flush();
    return 0;
  }
}
