package dev.tulu4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every command's {@code --help} renders as written: picocli formats descriptions with
 * {@code String.format}, so a bare {@code %} ("0% = clean run") makes it print a warning and the raw
 * text instead (a literal percent is {@code %%}).
 */
class HelpTextTest {
  @Test
  void everyCommandsHelpFormatsWithoutAPicocliWarning() {
    List<CommandLine> all = new ArrayList<>();
    collect(new CommandLine(new Main()), all);
    assertThat(all).hasSizeGreaterThan(20);
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    List<String> broken = new ArrayList<>();
    try {
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      for (CommandLine c : all) {
        captured.reset();
        String usage = c.getUsageMessage(CommandLine.Help.Ansi.OFF);
        String warned = captured.toString(StandardCharsets.UTF_8);
        if (warned.contains("picocli WARN") || usage.contains("%n")) broken.add(c.getCommandSpec().qualifiedName());
      }
    } finally {
      System.setErr(err);
    }
    assertThat(broken).as("commands whose help text does not format").isEmpty();
  }

  private static void collect(CommandLine c, List<CommandLine> out) {
    out.add(c);
    for (CommandLine sub : c.getSubcommands().values()) {
      if (!out.contains(sub)) collect(sub, out);
    }
  }
}
