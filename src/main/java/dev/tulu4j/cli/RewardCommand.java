package dev.tulu4j.cli;

import dev.tulu4j.config.ConfigArgs;
import dev.tulu4j.recipe.RewardConfig;
import dev.tulu4j.recipe.RewardRecipe;
import dev.tulu4j.recipe.RunResult;
import dev.tulu4j.reward.RewardScoring;
import dev.tulu4j.reward.ScalarHeadModel;
import dev.tulu4j.tensor.GemmBackend;
import dev.tulu4j.tensor.KernelConfig;
import dev.tulu4j.tensor.Kernels;
import dev.tulu4j.tensor.Parallel;
import dev.tulu4j.tokenizer.ConversationEncoder;
import dev.tulu4j.tokenizer.TemplateChoice;
import dev.tulu4j.tokenizer.Tokenizer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code tulu4j reward train|score}: Bradley–Terry reward models. */
@Command(name = "reward", mixinStandardHelpOptions = true, description = "Train and apply scalar reward models.",
    subcommands = {RewardCommand.Train.class, RewardCommand.Score.class})
public final class RewardCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "train", mixinStandardHelpOptions = true,
      description = "Train a reward model (Bradley–Terry, -log sigmoid(r_chosen - r_rejected)); reports held-out pair accuracy.")
  static final class Train implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;
    @Mixin ConfigArgs config;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      Optional<RewardConfig> cfg = config.load(RewardConfig.class, out);
      if (cfg.isEmpty()) return 0;
      RunResult r = RewardRecipe.run(cfg.get(), System.err);
      out.printf("reward: %d steps on %d pairs, last loss %.4f, held-out accuracy %.4f -> %.4f (%d pairs), model %s%n",
          r.train().steps(), (long) r.number("train_pairs"), r.train().lastLoss(), r.number("eval_accuracy_before"),
          r.number("eval_accuracy_after"), (long) r.number("eval_pairs"), r.finalModel());
      out.flush();
      return 0;
    }
  }

  @Command(name = "score", mixinStandardHelpOptions = true,
      description = "Add the reward model's score to each JSONL line (messages, prompt + completion, or chosen + rejected).")
  static final class Score implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, description = "Reward model folder (LlamaForSequenceClassification).")
    Path model;

    @Option(names = "--in", required = true, description = "Input JSONL.")
    Path in;

    @Option(names = "--out", required = true, description = "Output JSONL (input lines plus reward fields).")
    Path out;

    @Option(names = "--template", defaultValue = "tulu", description = "Chat template: tulu or model (default ${DEFAULT-VALUE}).")
    String template;

    @Option(names = "--max-length", defaultValue = "2048", description = "Max tokens per conversation (default ${DEFAULT-VALUE}).")
    int maxLength;

    @Option(names = "--gemm", defaultValue = "vector", description = "GEMM backend: vector, openblas or auto (default ${DEFAULT-VALUE}).")
    String gemm;

    @Option(names = "--threads", defaultValue = "0", description = "Compute threads; 0 = all cores.")
    int threads;

    @Override
    public Integer call() {
      KernelConfig kc = new KernelConfig(GemmBackend.parse(gemm), threads > 0 ? threads : Parallel.defaultThreads());
      try (Kernels kernels = Kernels.create(kc);
          Tokenizer tok = Tokenizer.load(model)) {
        ScalarHeadModel rm = ScalarHeadModel.load(model, 0, kernels.gemm(), false);
        if (!rm.isClassificationCheckpoint())
          throw new IllegalArgumentException(model + " has no score.weight: not a reward model (train one with tulu4j reward train)");
        ConversationEncoder enc = new ConversationEncoder(tok, TemplateChoice.parse(template).resolve(tok), maxLength);
        RewardScoring.Result r = RewardScoring.score(rm, enc, in, out);
        PrintWriter w = spec.commandLine().getOut();
        w.printf("scored %d lines into %s (%d conversations truncated to %d tokens)%n", r.lines(), out, r.truncated(), maxLength);
        w.flush();
      }
      return 0;
    }
  }
}
