package dev.tulu4j.cli;

import dev.tulu4j.train.Progress;
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
      LoraCommand.class,
    })
public final class Main implements Runnable {

  @Option(names = "--debug", description = "Print stack traces on errors.", scope = CommandLine.ScopeType.INHERIT)
  boolean debug;

  @Option(names = "--progress", paramLabel = "auto|bar|lines|off", scope = CommandLine.ScopeType.INHERIT,
      description = "Progress on stderr: a redrawn bar, a plain line every 5 s, or none; auto (default) "
          + "draws the bar only when stderr is a terminal.")
  String progress;

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
    cli.setExecutionStrategy(parsed -> {
      Progress.resolve(progressStyle(parsed));
      return new CommandLine.RunLast().execute(parsed);
    });
    return cli.execute(args);
  }

  /** The {@code --progress} given on any (sub)command of the parsed line, else the detected style. */
  static Progress.Style progressStyle(CommandLine.ParseResult parsed) {
    String v = null;
    for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand())
      if (p.hasMatchedOption("--progress")) v = p.matchedOptionValue("--progress", null);
    if (v == null || v.equalsIgnoreCase("auto")) return Progress.Style.detect();
    return switch (v.toLowerCase(java.util.Locale.ROOT)) {
      case "bar" -> Progress.Style.BAR;
      case "lines" -> Progress.Style.LINES;
      case "off" -> Progress.Style.OFF;
      default -> throw new CommandLine.ParameterException(parsed.commandSpec().commandLine(),
          "--progress: expected auto, bar, lines or off, got '" + v + "'");
    };
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
