package dev.tulu4j.cli;

import dev.tulu4j.data.OnError;
import dev.tulu4j.decon.DeconConfig;
import dev.tulu4j.decon.Decontamination;
import dev.tulu4j.decon.EvalSet;
import dev.tulu4j.decon.EvalSets;
import dev.tulu4j.decon.FileResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tulu4j data decontaminate}: Tülu 3 n-gram decontamination of training files against evals. */
@Command(name = "decontaminate", mixinStandardHelpOptions = true,
    description = "Find training instances whose prompts overlap eval prompts (8-gram, >50%% of the eval's words),"
        + " report per training set x eval, and write decontaminated copies.")
final class DataDecontaminateCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--train", arity = "1..*", required = true, description = "Training JSONL or Parquet files (SFT, preference or RLVR); a Parquet file's copy is written as <name>.jsonl.")
  List<Path> train;

  @Option(names = "--eval", split = ",", required = true,
      description = "Eval sets: gsm8k, math, math500, ifeval (from the repo's data/); the Tülu 3 suite's mmlu, popqa, "
      + "truthfulqa, bbh, bbh_<task>, drop, humaneval, humanevalplus, alpaca_eval (from <data-dir>/<task> or --task-data, "
      + "as tulu4j eval reads them); or JSONL/Parquet paths.")
  List<String> evals;

  @Option(names = "--task-data", paramLabel = "TASK=DIR", description = "Dataset folder of one Tülu 3 suite set "
      + "(default: <data-dir>/<task>), as for tulu4j eval.")
  java.util.Map<String, Path> taskData = new java.util.LinkedHashMap<>();

  @Option(names = "--out", required = true, description = "Output folder: decontaminated copies, report.tsv, report.json.")
  Path out;

  @Option(names = "--ngram", defaultValue = "8", description = "Word n-gram size (default ${DEFAULT-VALUE}).")
  int ngram;

  @Option(names = "--threshold", defaultValue = "0.5",
      description = "Contaminated when shared n-grams cover more than this fraction of the eval prompt's words (default ${DEFAULT-VALUE}).")
  double threshold;

  @Option(names = "--flag-percent", defaultValue = "2",
      description = "Flag a training set when more than this %% of an eval is contaminated (default ${DEFAULT-VALUE}).")
  double flagPercent;

  @Option(names = "--threads", defaultValue = "1",
      description = "Worker threads (default ${DEFAULT-VALUE}: one core already scans ~80-200 MB/s).")
  int threads;

  @Option(names = "--data-dir", description = "Folder holding gsm8k/test.jsonl etc. (default: the install's data/).")
  Path dataDir;

  @Option(names = "--eval-field", description = "Prompt field of custom eval files (default: auto: messages, prompt, question, problem).")
  String evalField;

  @Option(names = "--on-error", defaultValue = "fail", description = "Malformed training lines: fail or skip (to <copy>.rejects.jsonl).")
  String onError;

  @Override
  public Integer call() {
    DeconConfig cfg = new DeconConfig(ngram, threshold, flagPercent, threads, OnError.parse(onError));
    Path dd = dataDir != null ? dataDir : EvalSets.findDataDir();
    List<EvalSet> sets = new ArrayList<>();
    java.util.Set<String> names = new java.util.HashSet<>();
    for (String e : evals) {
      EvalSet s = EvalSets.load(e.trim(), dd, taskData, evalField);
      if (!names.add(s.name())) {
        s = new EvalSet(e.trim(), s.instances()); // a file named like a built-in eval: report it by its path
        if (!names.add(s.name())) {
          throw new IllegalArgumentException("eval '" + e.trim() + "' is listed twice");
        }
      }
      sets.add(s);
    }
    var outcome = Decontamination.run(train, sets, out, cfg);
    PrintWriter w = spec.commandLine().getOut();
    w.printf(Locale.ROOT, "%-40s %-12s %8s %8s %8s %s%n", "train", "eval", "evals", "contam", "percent", "flagged");
    for (FileResult r : outcome.results()) {
      for (FileResult.PerEval p : r.perEval()) {
        w.printf(Locale.ROOT, "%-40s %-12s %8d %8d %7.2f%% %s%n", r.train().getFileName(), p.eval(),
            p.instances(), p.contaminated(), p.percent(), p.flagged() ? "FLAGGED" : "-");
      }
      w.printf(Locale.ROOT, "  %s: %d instances, %d removed, %d rejected -> %s (%.1f MB/s)%n", r.train(),
          r.instances(), r.removed(), r.rejected(), r.cleanOut(), r.megabytesPerSecond());
    }
    w.println("report: " + out.resolve("report.tsv") + ", " + out.resolve("report.json"));
    w.flush();
    return 0;
  }
}
