package dev.tulu4j.decon;

import dev.tulu4j.data.DataFiles;
import dev.tulu4j.data.RejectsFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The whole decontamination step as a library call (the CLI and the pipeline use it): index the
 * eval sets, scan each training file, write {@code DIR/<train file name>} (the decontaminated copy)
 * (a Parquet file {@code x.parquet} is copied as JSONL {@code DIR/x.jsonl}) and {@code DIR/report.tsv}, {@code DIR/report.json}.
 */
public final class Decontamination {
  private Decontamination() {}

  /** Outcome: per-file results plus the index that produced them. */
  public record Outcome(List<FileResult> results, NgramIndex index) {}

  public static Outcome run(List<Path> trainFiles, List<EvalSet> evals, Path outDir, DeconConfig config) {
    return run(trainFiles, trainFiles.stream().map(DataFiles::jsonlName).toList(), evals, outDir, config);
  }

  /** As {@link #run(List, List, Path, DeconConfig)}, with the clean copy of {@code trainFiles[i]} named {@code cleanNames[i]}. */
  public static Outcome run(List<Path> trainFiles, List<String> cleanNames, List<EvalSet> evals, Path outDir, DeconConfig config) {
    if (trainFiles.isEmpty()) {
      throw new IllegalArgumentException("no training files given");
    }
    if (cleanNames.size() != trainFiles.size()) throw new IllegalArgumentException("one clean name per training file");
    Set<String> names = new HashSet<>();
    for (String n : cleanNames) {
      if (!names.add(n)) {
        throw new IllegalArgumentException("two training files would both be copied to " + n
            + "; their decontaminated copies would collide in " + outDir);
      }
    }
    NgramIndex index = new NgramIndex(evals, config.ngram());
    Decontaminator d = new Decontaminator(index, config);
    List<FileResult> results = new ArrayList<>();
    for (int i = 0; i < trainFiles.size(); i++) {
      Path train = trainFiles.get(i);
      Path clean = outDir.resolve(cleanNames.get(i)); // x.parquet -> x.jsonl
      if (clean.toAbsolutePath().normalize().equals(train.toAbsolutePath().normalize())) {
        throw new IllegalArgumentException("--out " + outDir + " would overwrite the input " + train);
      }
      try (RejectsFile rejects = RejectsFile.besides(clean)) {
        results.add(d.scan(train, clean, rejects));
      }
    }
    DeconReport.write(outDir, results, config, index);
    return new Outcome(results, index);
  }
}
