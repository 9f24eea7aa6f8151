package dev.tulu4j.cli;

import dev.tulu4j.data.synth.SynthConfig;
import dev.tulu4j.data.synth.SynthWriter;
import dev.tulu4j.data.synth.SyntheticWorld;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tulu4j data synth}: the synthetic world of the tiny recipe. */
@Command(name = "synth", mixinStandardHelpOptions = true,
    description = "Generate the tiny recipe's synthetic world: corpus.txt, sft/preference/rlvr train files, test sets.")
final class DataSynthCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--out", required = true, description = "Output folder.")
  Path out;

  @Option(names = "--seed", defaultValue = "1", description = "Seed (default ${DEFAULT-VALUE}); output is a function of it.")
  long seed;

  @Option(names = "--n-train", defaultValue = "2000", description = "Arithmetic training problems (default ${DEFAULT-VALUE}).")
  int nTrain;

  @Option(names = "--n-test", defaultValue = "200", description = "Held-out arithmetic problems (default ${DEFAULT-VALUE}).")
  int nTest;

  @Option(names = "--n-train-if", defaultValue = "1000", description = "Instruction-following training prompts (default ${DEFAULT-VALUE}).")
  int nTrainIf;

  @Option(names = "--n-test-if", defaultValue = "100", description = "Held-out instruction-following prompts (default ${DEFAULT-VALUE}).")
  int nTestIf;

  @Option(names = "--countries", defaultValue = "30", description = "Countries in the knowledge base (default ${DEFAULT-VALUE}).")
  int countries;

  @Option(names = "--people", defaultValue = "120", description = "People in the knowledge base (default ${DEFAULT-VALUE}).")
  int people;

  @Option(names = "--test-percent", defaultValue = "10", description = "Share of split keys held out (default ${DEFAULT-VALUE}).")
  int testPercent;

  @Option(names = "--corpus-mb", defaultValue = "3", description = "Pretraining corpus size in MB (default ${DEFAULT-VALUE}).")
  double corpusMb;

  @Option(names = "--corpus-math-share", defaultValue = "" + SynthConfig.DEFAULT_CORPUS_MATH_SHARE,
      description = "Share of corpus paragraphs that are arithmetic stories; facts and instructions share the rest 5:2 (default ${DEFAULT-VALUE}).")
  double corpusMathShare;

  @Override
  public Integer call() {
    SynthConfig cfg = new SynthConfig(seed, countries, people, nTrain, nTest, nTrainIf, nTestIf, testPercent,
        (long) (corpusMb * 1_000_000), corpusMathShare);
    var m = SynthWriter.write(new SyntheticWorld(cfg).generate(), cfg, out);
    spec.commandLine().getOut().println("wrote " + out + ": " + m.get("counts"));
    spec.commandLine().getOut().flush();
    return 0;
  }
}
