package dev.tulu4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code tulu4j} command line. Each stage of the Tülu 3 recipe is one subcommand; configuration
 * enters here and flows down as validated records.
 */
@Command(
    name = "tulu4j",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "The Tülu 3 post-training recipe on the JVM.",
    subcommands = {
      PipelineCommand.class,
      TokenizeCommand.class,
      TrainTokenizerCommand.class,
      BenchCommand.class,
      VerifyCommand.class,
      EvalCommand.class,
      DataCommand.class,
      DpoCommand.class,
      RewardCommand.class,
      RlvrCommand.class,
      dev.tulu4j.cli.ConfigCommand.class,
      PretrainCommand.class,
      SftCommand.class,
      GenerateCommand.class,
      ScoreCommand.class,
      ServeCommand.class,
    })
public final class Main implements Runnable {

  @Option(names = "--debug", description = "Print stack traces on errors.", scope = CommandLine.ScopeType.INHERIT)
  boolean debug;

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs the CLI and returns its exit code (tests call this instead of {@link #main}). */
  public static int execute(String... args) {
    CommandLine cli = new CommandLine(new Main());
    cli.setExecutionExceptionHandler(new Errors());
    return cli.execute(args);
  }

  /** Prints the version from the jar manifest, or "dev" when run from classes. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"tulu4j " + (v == null ? "0.1.0-dev" : v)};
    }
  }
}
