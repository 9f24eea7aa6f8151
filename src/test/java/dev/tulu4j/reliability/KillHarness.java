package dev.tulu4j.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tulu4j.checkpoint.HfCheckpoint;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code kill -9} test plumbing shared by every resume-after-kill test (issue 19 part 3): a main class
 * in a child JVM on this JVM's classpath, SIGKILLed when it prints a line, after a delay, or as soon as a
 * checkpoint save is under way (a {@code .tmp-step-*} folder is visible); the checks run on what the kill
 * left on disk (no half-written {@code step-*} folder, no temp folder left after a resume) and the
 * digests that compare a resumed run with an uninterrupted one file by file.
 *
 * <p>A child prints {@link #PAUSED} (see {@link #pause()}) to be killed at an exact point of its own choice.
 */
public final class KillHarness {
  /** The line a child prints (then sleeps) to be killed right there. */
  public static final String PAUSED = "PAUSED";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern STEP_DIR = Pattern.compile("step-\\d{6,}");
  /** metrics.jsonl keys that are wall-clock measurements (every one ends in {@code _s}). */
  private static final Pattern TIMING_KEY = Pattern.compile(".*_s");
  /** state.json's one wall-clock field: the seconds trained so far, carried across resumes. */
  private static final String STATE_TIMING = "elapsed_seconds";

  private KillHarness() {}

  /** A command to run in a child JVM: {@code mainClass args…} with {@code workDir} as its working directory. */
  public record Child(String mainClass, List<String> args, Path workDir, String heap) {
    public Child {
      args = List.copyOf(args);
    }

    public static Child of(Class<?> main, Path workDir, List<String> args) {
      return new Child(main.getName(), args, workDir, "512m");
    }

    public Child heap(String h) {
      return new Child(mainClass, args, workDir, h);
    }
  }

  /** When the parent kills the child. */
  public sealed interface Trigger {
    /** Never: the child runs to its end. */
    record None() implements Trigger {}

    /** When the child prints exactly {@code line}. */
    record OnLine(String line) implements Trigger {}

    /** {@code delay} after the child started. */
    record After(Duration delay) implements Trigger {}

    /**
     * {@code extra} after a {@code .tmp-step-*} folder (a save in progress) first appears under
     * {@code root}, letting the first {@code skip} new saves pass (so earlier checkpoints exist).
     */
    record InSave(Path root, Duration extra, int skip) implements Trigger {
      public InSave(Path root, Duration extra) {
        this(root, extra, 0);
      }
    }
  }

  /** What a child run did: its output lines, exit code, whether the kill happened, and wall time. */
  public record Outcome(List<String> lines, int exit, boolean killed, long millis) {
    /** The rest of the first line that starts with {@code prefix}. */
    public String line(String prefix) {
      return lines.stream().filter(l -> l.startsWith(prefix)).findFirst()
          .orElseThrow(() -> new AssertionError("no '" + prefix + "' line in child output " + lines))
          .substring(prefix.length());
    }
  }

  /** Runs {@code c} to its end; fails unless it exits 0. */
  public static Outcome runToEnd(Child c) throws IOException, InterruptedException {
    Outcome o = run(c, new Trigger.None());
    if (o.exit() != 0) throw new AssertionError("child exited " + o.exit() + ": " + tail(o.lines()));
    return o;
  }

  /** Runs {@code c} and SIGKILLs it at {@code t}; fails unless it was killed (exit 137). */
  public static Outcome kill(Child c, Trigger t) throws IOException, InterruptedException {
    Outcome o = run(c, t);
    if (!o.killed() || o.exit() != 137) throw new AssertionError("child not killed (exit " + o.exit() + "): " + tail(o.lines()));
    return o;
  }

  /**
   * Runs {@code c} until it ends or {@code t} fires, then SIGKILLs it ({@code destroyForcibly}: no
   * shutdown hooks, no finally blocks). The outcome says whether the kill came first: a child that
   * ended before its trigger exited with its own code.
   */
  public static Outcome run(Child c, Trigger t) throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector",
        "--enable-native-access=ALL-UNNAMED", "-Xmx" + c.heap(), "-Dai.djl.offline=true",
        "-cp", System.getProperty("java.class.path"), c.mainClass()));
    cmd.addAll(c.args());
    Files.createDirectories(c.workDir());
    long t0 = System.nanoTime();
    Process p = new ProcessBuilder(cmd).directory(c.workDir().toFile()).redirectErrorStream(true).start();
    List<String> lines = Collections.synchronizedList(new ArrayList<>());
    String wanted = t instanceof Trigger.OnLine(String l) ? l : null;
    boolean[] sawLine = {false};
    Thread reader = Thread.ofPlatform().daemon().start(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          lines.add(line);
          if (line.equals(wanted)) synchronized (sawLine) {
            sawLine[0] = true;
            sawLine.notifyAll();
          }
        }
      } catch (IOException e) {
        // the child was killed: its pipe closed
      }
    });
    boolean killed = false;
    try {
      killed = waitAndKill(p, t, sawLine, t0);
      if (!p.waitFor(10, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new AssertionError("child did not end in 10 minutes: " + tail(lines));
      }
    } finally {
      if (p.isAlive()) p.destroyForcibly();
    }
    reader.join(10_000);
    int exit = p.exitValue();
    return new Outcome(List.copyOf(lines), exit, killed && exit == 137, (System.nanoTime() - t0) / 1_000_000);
  }

  private static boolean waitAndKill(Process p, Trigger t, boolean[] sawLine, long t0) throws InterruptedException {
    switch (t) {
      case Trigger.None n -> {
        return false;
      }
      case Trigger.OnLine l -> {
        synchronized (sawLine) {
          while (!sawLine[0] && p.isAlive()) sawLine.wait(50);
        }
        if (!sawLine[0]) return false;
      }
      case Trigger.After a -> {
        long until = t0 + a.delay().toNanos();
        while (p.isAlive() && System.nanoTime() < until) Thread.sleep(Math.max(1, Math.min(20, (until - System.nanoTime()) / 1_000_000)));
        if (!p.isAlive()) return false;
      }
      case Trigger.InSave s -> {
        // leftovers of an earlier kill do not count until they are gone (the resume deletes them)
        java.util.Set<String> old = new java.util.HashSet<>(saves(s.root()));
        int seen = 0;
        while (p.isAlive()) {
          List<String> now = saves(s.root());
          old.retainAll(now);
          if (!old.containsAll(now)) {
            if (seen++ == s.skip()) break;
            old.addAll(now); // a save let pass
          }
          Thread.sleep(2);
        }
        if (!p.isAlive()) return false;
        if (!s.extra().isZero()) Thread.sleep(s.extra());
      }
    }
    p.destroyForcibly(); // SIGKILL on Linux
    return true;
  }

  /** Blocks the calling (child) process after printing {@link #PAUSED}, so the parent kills it right here. */
  public static void pause() {
    System.out.println(PAUSED);
    System.out.flush();
    try {
      Thread.sleep(120_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- what a kill left on disk ----

  /** The checkpoint saves under way below {@code root}: its {@code .tmp-step-*} folders, as paths relative to it. */
  public static List<String> saves(Path root) {
    List<String> out = new ArrayList<>();
    for (Path p : tempFolders(root))
      if (p.getFileName().toString().startsWith(".tmp-step-")) out.add(root.relativize(p).toString());
    return out;
  }

  /**
   * The checkpointer's {@code .tmp-*} folders under {@code root} (three levels deep: a run, a
   * pipeline's stage, PPO's {@code value/}): saves and deletes that were under way.
   */
  public static List<Path> tempFolders(Path root) {
    List<Path> out = new ArrayList<>();
    collect(root, 3, out, true);
    return out;
  }

  /** Every visible (not temp) {@code step-*} folder under {@code root}. */
  public static List<Path> stepFolders(Path root) {
    List<Path> out = new ArrayList<>();
    collect(root, 3, out, false);
    return out;
  }

  private static void collect(Path dir, int depth, List<Path> out, boolean temps) {
    List<Path> entries;
    try (Stream<Path> s = Files.list(dir)) {
      entries = s.sorted().toList();
    } catch (NoSuchFileException e) {
      return;
    } catch (IOException | UncheckedIOException e) {
      return; // the folder went away while the child worked in it
    }
    for (Path e : entries) {
      String name = e.getFileName().toString();
      if (name.startsWith(".tmp-")) {
        if (temps) out.add(e);
        continue; // nothing inside a temp folder is visible
      }
      if (!Files.isDirectory(e)) continue;
      if (STEP_DIR.matcher(name).matches()) {
        if (!temps) out.add(e);
      } else if (depth > 0) {
        collect(e, depth - 1, out, temps);
      }
    }
  }

  /**
   * Why the visible checkpoint folder {@code dir} is not complete, or empty when it is: its
   * {@code trainer_state/state.json} parses and the sizes it records are those of {@code params.bin}
   * and {@code optimizer.bin}, and the folder loads as a Hugging Face checkpoint (config, every tensor;
   * a sequence-classification folder through the reward model's loader) or, for a LoRA run, as a PEFT
   * adapter folder (its config and every tensor of adapter_model.safetensors).
   */
  public static Optional<String> incomplete(Path dir) {
    try {
      Path st = dir.resolve("trainer_state");
      JsonNode s = JSON.readTree(st.resolve("state.json").toFile());
      long params = Files.size(st.resolve("params.bin"));
      long opt = Files.size(st.resolve("optimizer.bin"));
      if (params != s.path("params_bytes").asLong(-1) || opt != s.path("optimizer_bytes").asLong(-1))
        return Optional.of(dir + ": params.bin/optimizer.bin sizes " + params + "/" + opt + " differ from state.json");
      for (String f : List.of("config.yaml", "config.hashed.yaml"))
        if (!Files.isRegularFile(st.resolve(f))) return Optional.of(dir + ": no trainer_state/" + f);
      if (dev.tulu4j.checkpoint.PeftAdapter.isAdapterFolder(dir)) {
        dev.tulu4j.checkpoint.PeftAdapter.readConfig(dir);
        try (var ad = dev.tulu4j.io.SafetensorsFile.open(dir.resolve(dev.tulu4j.checkpoint.PeftAdapter.WEIGHTS))) {
          if (ad.tensors().isEmpty()) return Optional.of(dir + ": no adapter tensors");
          for (String name : ad.tensors().keySet()) ad.load(name);
        }
      } else if (Files.readString(dir.resolve("config.json")).contains("ForSequenceClassification")) {
        // a reward or value model: the scalar-head loader reads the backbone and score.weight
        dev.tulu4j.reward.ScalarHeadModel.load(dir, 0, new dev.tulu4j.tensor.NaiveGemm(), false);
      } else if (HfCheckpoint.load(dir).tensors().isEmpty()) {
        return Optional.of(dir + ": no tensors");
      }
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.of(dir + ": " + e);
    }
  }

  /** The reasons of every half-written visible {@code step-*} folder under {@code root}. */
  public static List<String> halfWritten(Path root) {
    List<String> bad = new ArrayList<>();
    for (Path d : stepFolders(root)) incomplete(d).ifPresent(bad::add);
    return bad;
  }

  /**
   * SHA-256 of every file of every visible checkpoint folder under {@code root}, by path relative to
   * it; {@code state.json} is hashed without its one wall-clock field ({@code elapsed_seconds}).
   */
  public static Map<String, String> checkpointDigests(Path root) throws IOException {
    Map<String, String> out = new TreeMap<>();
    for (Path d : stepFolders(root)) {
      try (Stream<Path> s = Files.walk(d)) {
        for (Path f : s.filter(Files::isRegularFile).toList()) {
          byte[] bytes = Files.readAllBytes(f);
          if (f.getFileName().toString().equals("state.json")) {
            ObjectNode n = (ObjectNode) JSON.readTree(bytes);
            n.remove(STATE_TIMING);
            bytes = JSON.writeValueAsBytes(n);
          }
          out.put(root.relativize(f).toString(), sha256(bytes));
        }
      }
    }
    return out;
  }

  /**
   * Every {@code metrics.jsonl} under {@code root} (by relative path) as its lines without the wall-clock
   * fields: a resumed run must log the same steps with the same values as an uninterrupted one.
   */
  public static Map<String, List<String>> metrics(Path root) throws IOException {
    Map<String, List<String>> out = new TreeMap<>();
    List<Path> files;
    try (Stream<Path> s = Files.find(root, 4, (p, a) -> p.getFileName().toString().equals("metrics.jsonl"))) {
      files = s.toList();
    }
    for (Path f : files) {
      List<String> rows = new ArrayList<>();
      for (String l : Files.readAllLines(f)) {
        ObjectNode n = (ObjectNode) JSON.readTree(l);
        n.properties().removeIf(e -> TIMING_KEY.matcher(e.getKey()).matches());
        rows.add(n.toString());
      }
      out.put(root.relativize(f).toString(), rows);
    }
    return out;
  }

  static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String tail(List<String> lines) {
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
  }
}
