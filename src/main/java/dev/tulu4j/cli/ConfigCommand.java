package dev.tulu4j.cli;

import dev.tulu4j.config.ConfigDoc;
import dev.tulu4j.config.ConfigException;
import dev.tulu4j.config.ConfigLoader;
import dev.tulu4j.config.ConfigYaml;
import dev.tulu4j.train.TrainConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tulu4j config SECTION}: prints every key of a config record with type, default and
 * description ({@code --help-config}); with {@code --check FILE} and/or {@code key=value}
 * overrides it loads them, reports the first error, or prints the resolved YAML and its hash.
 */
@Command(name = "config", mixinStandardHelpOptions = true,
    description = "Document or check a config: every key with type, default and description.")
public final class ConfigCommand implements Callable<Integer> {
  /** Config sections by name; recipes add theirs here (or pass a record's class name). */
  static final Map<String, Class<? extends Record>> SECTIONS = Map.of("train", TrainConfig.class);

  @Parameters(index = "0", description = "Config section (${COMPLETION-CANDIDATES}) or a record class name.",
      completionCandidates = Names.class)
  String section;

  @Parameters(index = "1..*", arity = "0..*", description = "key=value overrides (dotted keys: optim.lr=1e-5).")
  List<String> overrides = new ArrayList<>();

  @Option(names = "--check", description = "Load this YAML (plus overrides) and print the resolved config.")
  Path check;

  @Option(names = "--markdown", description = "Print the key table as Markdown.")
  boolean markdown;

  @Spec CommandSpec spec;

  static final class Names extends ArrayList<String> {
    Names() {
      super(SECTIONS.keySet().stream().sorted().toList());
    }
  }

  @Override
  public Integer call() {
    Class<? extends Record> type = resolve(section);
    var out = spec.commandLine().getOut();
    if (check != null || !overrides.isEmpty()) {
      Record r = ConfigLoader.load(check, overrides, type);
      out.print(ConfigYaml.render(r));
      out.println("# config_hash: " + ConfigYaml.hash(r));
    } else {
      out.print(markdown ? ConfigDoc.markdown(type) : ConfigDoc.text(type));
    }
    out.flush();
    return 0;
  }

  static Class<? extends Record> resolve(String name) {
    Class<? extends Record> known = SECTIONS.get(name);
    if (known != null) return known;
    try {
      Class<?> c = Class.forName(name);
      if (c.isRecord()) return c.asSubclass(Record.class);
    } catch (ClassNotFoundException e) {
      // fall through
    }
    throw new ConfigException("unknown config section '" + name + "'; known: "
        + String.join(", ", SECTIONS.keySet().stream().sorted().toList()) + " (or a record class name)");
  }
}
