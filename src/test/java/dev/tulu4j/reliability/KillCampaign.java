package dev.tulu4j.reliability;

import dev.tulu4j.io.FileOps;
import dev.tulu4j.reliability.KillHarness.Child;
import dev.tulu4j.reliability.KillHarness.Outcome;
import dev.tulu4j.reliability.KillHarness.Trigger;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

/**
 * {@code kill -9} at random moments, then resume until done, for one stage: an uninterrupted child
 * run is the reference; then runs of the same command in a fresh folder are SIGKILLed, alternately as
 * soon as a checkpoint save is under way (plus a random 0–30 ms, to land in different phases of it)
 * and after a random delay up to the reference's wall time, and restarted in a fresh JVM; after one to
 * three kills (seeded) the run goes on to its end and its checkpoints and metrics must equal the
 * reference's, file by file. After every kill every visible {@code step-*} folder must be complete;
 * after every finished run no temp folder of the checkpointer may be left.
 */
final class KillCampaign {
  /** One stage's tally. {@code identical}: kills whose run then ended bit-identical to the reference. */
  record Row(String stage, int kills, int inSave, int sequences, int identical, int halfWritten, int runs,
      double seconds, List<String> problems) {}

  private final String stage;
  private final Path work;
  private final Function<Path, Child> child;
  private final Random rnd;
  private final int skipSaves;
  private final List<String> problems = new ArrayList<>();
  private final List<String> log = new ArrayList<>();
  private Map<String, String> refDigests;
  private Map<String, List<String>> refMetrics;
  private long refMillis;
  private int runs;
  private int inSave;
  private int halfWritten;
  private int sequences;
  private int identical;

  /** @param child the command, given the working directory it runs in (it writes {@code out/} there) */
  KillCampaign(String stage, Path work, Function<Path, Child> child, long seed) {
    this(stage, work, child, seed, 0);
  }

  /** @param skipSaves the in-save kills let this many saves of the run pass first (so it resumes from a checkpoint) */
  KillCampaign(String stage, Path work, Function<Path, Child> child, long seed, int skipSaves) {
    this.stage = stage;
    this.work = work;
    this.child = child;
    this.rnd = new Random(seed);
    this.skipSaves = skipSaves;
  }

  Row run(int kills) throws Exception {
    long t0 = System.nanoTime();
    Path refDir = work.resolve("reference");
    Outcome ref = KillHarness.runToEnd(child.apply(refDir));
    runs++;
    refMillis = ref.millis();
    refDigests = KillHarness.checkpointDigests(refDir.resolve("out"));
    refMetrics = KillHarness.metrics(refDir.resolve("out"));
    if (refDigests.isEmpty()) throw new AssertionError(stage + ": the reference run wrote no checkpoint");
    log.add(String.format("%s: reference %d ms, %d checkpoint files", stage, refMillis, refDigests.size()));

    int done = 0;
    while (done < kills && problems.isEmpty()) {
      if (runs > 6 * kills + 10) throw new AssertionError(stage + ": too many runs for " + kills + " kills\n" + String.join("\n", log));
      int k = sequence(done, Math.min(kills - done, 1 + rnd.nextInt(3)));
      done += k;
    }
    return new Row(stage, done, inSave, sequences, identical, halfWritten, runs, (System.nanoTime() - t0) / 1e9,
        List.copyOf(problems));
  }

  /**
   * Runs {@code kills} kills, adds the row to {@code tally}, prints the log and asserts: no problem,
   * every kill made, every kill's run ended bit-identical, no half-written folder seen.
   */
  Row runAndCheck(int kills, List<Row> tally) throws Exception {
    Row row = run(kills);
    synchronized (tally) {
      tally.add(row);
    }
    log.forEach(System.out::println);
    org.assertj.core.api.Assertions.assertThat(row.problems()).as("problems of %s", stage).isEmpty();
    org.assertj.core.api.Assertions.assertThat(row.kills()).isEqualTo(kills);
    org.assertj.core.api.Assertions.assertThat(row.identical()).isEqualTo(kills);
    org.assertj.core.api.Assertions.assertThat(row.halfWritten()).isZero();
    return row;
  }

  /** The tally as a markdown table, one row per stage. */
  static String table(List<Row> rows) {
    StringBuilder t = new StringBuilder();
    t.append("| stage | kills | inside a save | resumed bit-identical | half-written folders seen | child runs | seconds |\n");
    t.append("|---|---:|---:|---:|---:|---:|---:|\n");
    for (Row r : rows)
      t.append(String.format(java.util.Locale.ROOT, "| %s | %d | %d | %d/%d | %d | %d | %.0f |%n", r.stage(), r.kills(),
          r.inSave(), r.identical(), r.kills(), r.halfWritten(), r.runs(), r.seconds()));
    return t.toString();
  }

  List<String> log() {
    return log;
  }

  /** One run folder: up to {@code max} kills, then the run to its end and the comparison. Returns the kills made. */
  private int sequence(int before, int max) throws Exception {
    Path dir = work.resolve("run-" + sequences++);
    Path out = dir.resolve("out");
    int kills = 0;
    while (kills < max) {
      boolean save = (before + kills) % 2 == 0;
      Trigger t = save
          ? new Trigger.InSave(out, Duration.ofMillis(rnd.nextInt(31)), skipSaves)
          : new Trigger.After(Duration.ofMillis(rnd.nextLong(Math.max(1, refMillis))));
      Outcome o = KillHarness.run(child.apply(dir), t);
      runs++;
      if (!o.killed()) {
        if (o.exit() != 0) {
          problems.add(stage + ": a restarted run failed (exit " + o.exit() + "):\n" + KillHarness.tail(o.lines()));
          return kills;
        }
        log.add(String.format("%s run-%d: finished before the %s trigger", stage, sequences - 1, save ? "save" : "timed"));
        compare(out, kills);
        return kills;
      }
      kills++;
      List<String> saving = KillHarness.saves(out);
      if (!saving.isEmpty()) inSave++;
      List<String> bad = KillHarness.halfWritten(out);
      halfWritten += bad.size();
      bad.forEach(b -> problems.add(stage + ": half-written checkpoint after a kill: " + b));
      log.add(String.format("%s run-%d kill %d (%s): at %d ms, saves under way %s, checkpoints %s", stage, sequences - 1,
          before + kills, describe(t), o.millis(), saving, KillHarness.stepFolders(out).stream().map(out::relativize).toList()));
    }
    Outcome end = KillHarness.run(child.apply(dir), new Trigger.None());
    runs++;
    if (end.exit() != 0) {
      problems.add(stage + ": the resumed run failed (exit " + end.exit() + "):\n" + KillHarness.tail(end.lines()));
      return kills;
    }
    compare(out, kills);
    return kills;
  }

  /** Compares a finished run after {@code kills} kills with the reference (its folder is deleted when equal). */
  private void compare(Path out, int kills) throws IOException {
    Map<String, String> got = KillHarness.checkpointDigests(out);
    boolean same = true;
    if (!got.equals(refDigests)) {
      same = false;
      List<String> diff = new ArrayList<>();
      for (String f : refDigests.keySet()) if (!refDigests.get(f).equals(got.get(f))) diff.add(f);
      for (String f : got.keySet()) if (!refDigests.containsKey(f)) diff.add(f + " (extra)");
      problems.add(stage + ": resumed checkpoints differ from the uninterrupted run in " + diff);
    }
    if (!KillHarness.metrics(out).equals(refMetrics)) {
      same = false;
      problems.add(stage + ": resumed metrics.jsonl differ from the uninterrupted run's");
    }
    List<Path> left = KillHarness.tempFolders(out);
    if (!left.isEmpty()) {
      same = false;
      problems.add(stage + ": temp folders left after the run finished: " + left);
    }
    if (same) {
      identical += kills;
      FileOps.deleteTree(out.getParent());
    }
  }

  private static String describe(Trigger t) {
    return switch (t) {
      case Trigger.InSave s -> "in a save +" + s.extra().toMillis() + " ms";
      case Trigger.After a -> "after " + a.delay().toMillis() + " ms";
      default -> t.toString();
    };
  }
}
