package dev.tulu4j.train;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.LongSupplier;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of a long loop (optimizer steps, generated responses) on stderr, in the {@link Style}
 * resolved once per process: a redrawn bar with rate and ETA when stderr is an interactive
 * terminal, otherwise one plain line every {@link #LINE_INTERVAL_NANOS 5 s} and one at the end, so
 * a log file or CI output gets readable lines instead of carriage-return redraws.
 */
public final class Progress implements AutoCloseable {
  /** How progress is shown. */
  public enum Style {
    /** A redrawn bar ({@code \r}); for a terminal. */
    BAR,
    /** A plain line every 5 s and at the end; for logs and pipes. */
    LINES,
    /** Nothing. */
    OFF;

    /** {@link #BAR} when stderr is a terminal, else {@link #LINES}. */
    public static Style detect() {
      return stderrIsTerminal() ? BAR : LINES;
    }
  }

  /** Time between two plain progress lines: 5 s. */
  static final long LINE_INTERVAL_NANOS = 5_000_000_000L;

  private static volatile Style resolved;

  private final ProgressBar bar;
  private final Lines lines;

  /** The "train" progress on stderr when {@code enabled}. */
  Progress(boolean enabled, long start, long total) {
    this("train", enabled, start, total);
  }

  /** Progress named {@code task} (e.g. "rlvr"), counted in steps, on stderr when {@code enabled}. */
  public Progress(String task, boolean enabled, long start, long total) {
    this(task, "steps", enabled, start, total);
  }

  /** Progress named {@code task}, counted in {@code unit} (e.g. "responses"), on stderr when {@code enabled}. */
  public Progress(String task, String unit, boolean enabled, long start, long total) {
    this(task, unit, enabled ? style() : Style.OFF, System.err, start, total, System::nanoTime);
  }

  /** A bar printed to {@code out}, or none when {@code out} is null. */
  Progress(PrintStream out, long start, long total) {
    this("train", "steps", out == null ? Style.OFF : Style.BAR, out, start, total, System::nanoTime);
  }

  /** Progress in an explicit style on {@code out}, with {@code clock} (nanoseconds) timing the plain lines. */
  Progress(String task, String unit, Style style, PrintStream out, long start, long total, LongSupplier clock) {
    this.bar = style == Style.BAR ? build(task, unit, start, total, out) : null;
    this.lines = style == Style.LINES ? new Lines(task, unit, out, start, total, clock) : null;
  }

  /**
   * Progress on {@code out}: in the process-wide {@link #style()} when {@code out} is stderr, as
   * plain lines on any other stream (a log file is never a terminal).
   */
  public static Progress to(PrintStream out, String task, String unit, long start, long total) {
    Style s = out == System.err ? style() : Style.LINES;
    return new Progress(task, unit, s, out, start, total, System::nanoTime);
  }

  /**
   * Fixes the style for the rest of the process; the CLI calls this once from its
   * {@code --progress} option. Without it, the first progress resolves {@link Style#detect()}.
   */
  public static void resolve(Style style) {
    resolved = style;
  }

  /** The process-wide style: the one {@link #resolve resolved}, else detected once. */
  public static Style style() {
    Style s = resolved;
    if (s == null) resolved = s = Style.detect();
    return s;
  }

  /**
   * Whether file descriptor 2 is a terminal: on Linux, whether /proc/self/fd/2 links to a tty
   * device. Elsewhere it falls back to {@link java.io.Console#isTerminal()}, which looks at stdin
   * and stdout only (so `tulu4j … 2&gt;log` on a terminal would count as one there).
   */
  static boolean stderrIsTerminal() {
    Path fd2 = Path.of("/proc/self/fd/2");
    try {
      if (Files.isSymbolicLink(fd2)) {
        String target = Files.readSymbolicLink(fd2).toString();
        return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
      }
    } catch (java.io.IOException | SecurityException e) {
      // fall through to the Console check
    }
    var c = System.console();
    return c != null && c.isTerminal();
  }

  private static ProgressBar build(String task, String unit, long start, long total, PrintStream err) {
    return new ProgressBarBuilder()
        .setTaskName(task)
        .setInitialMax(total)
        .startsFrom(start, java.time.Duration.ZERO)
        .setStyle(ProgressBarStyle.ASCII)
        .setConsumer(new ConsoleProgressBarConsumer(err))
        .setUnit(" " + unit, 1)
        .showSpeed()
        .setUpdateIntervalMillis(500)
        .build();
  }

  void update(long step, double loss, double lr) {
    update(step, String.format(" loss %.4f lr %.2e", loss, lr));
  }

  /** Moves the progress to {@code step} with {@code extra} shown after the rate (e.g. " reward 3.1 acc 0.3"). */
  public void update(long step, String extra) {
    if (bar != null) {
      bar.stepTo(step);
      bar.setExtraMessage(extra);
    }
    if (lines != null) lines.update(step, extra);
  }

  @Override
  public void close() {
    if (bar != null) bar.close();
    if (lines != null) lines.finish();
  }

  /** The plain-line form: {@code [task] 120/1920 steps (6%), 12.3 steps/s, ETA 2m26s, loss 1.2345 lr 3.00e-04}. */
  private static final class Lines {
    private final String task, unit;
    private final PrintStream out;
    private final long start, total;
    private final LongSupplier clock;
    private final long t0;
    private long lastPrint;
    private long step;
    private long printedStep;
    private boolean printed;
    private String extra = "";

    Lines(String task, String unit, PrintStream out, long start, long total, LongSupplier clock) {
      this.task = task;
      this.unit = unit;
      this.out = out;
      this.start = this.step = this.printedStep = start;
      this.total = total;
      this.clock = clock;
      this.t0 = this.lastPrint = clock.getAsLong();
    }

    void update(long step, String extra) {
      this.step = step;
      this.extra = extra == null ? "" : extra;
      long now = clock.getAsLong();
      if (now - lastPrint >= LINE_INTERVAL_NANOS) {
        print(now);
        lastPrint = now;
      }
    }

    /** The closing line, unless the last line already showed the final count. */
    void finish() {
      if (!printed || step != printedStep) print(clock.getAsLong());
    }

    private void print(long now) {
      printed = true;
      printedStep = step;
      double secs = (now - t0) / 1e9;
      double rate = secs > 0 ? (step - start) / secs : 0;
      StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "[%s] %d/%d %s", task, step, total, unit));
      if (total > 0) s.append(String.format(Locale.ROOT, " (%d%%)", Math.round(100.0 * step / total)));
      s.append(String.format(Locale.ROOT, ", %.1f %s/s", rate, unit));
      if (rate > 0 && step < total) s.append(", ETA ").append(duration((total - step) / rate));
      s.append(", ").append(duration(secs)).append(" elapsed");
      String e = extra.strip();
      if (!e.isEmpty()) s.append(", ").append(e);
      out.println(s);
      out.flush();
    }

    private static String duration(double secs) {
      long s = Math.round(secs);
      if (s < 60) return s + "s";
      if (s < 3600) return s / 60 + "m" + String.format(Locale.ROOT, "%02d", s % 60) + "s";
      return s / 3600 + "h" + String.format(Locale.ROOT, "%02d", s / 60 % 60) + "m";
    }
  }
}
