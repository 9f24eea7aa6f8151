package dev.tulu4j.eval;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs untrusted, model-written Python in a separate {@code python3} process, one program per
 * process, each in its own empty temporary folder, with:
 *
 * <ul>
 *   <li>a wall-clock limit ({@code timeoutSeconds} + 1 s, as OLMES joins its worker; the process is
 *       killed past it) and a CPU-time
 *       limit ({@code RLIMIT_CPU}, the timeout rounded up plus one second);
 *   <li>a memory limit ({@code RLIMIT_AS}, default 1 GiB) and a file-size limit ({@code RLIMIT_FSIZE},
 *       16 MiB), set with {@code resource.setrlimit} before the program is compiled;
 *   <li>no network: the process runs under {@code unshare -rn} (a new user and network namespace with
 *       only a down loopback) when {@link #probeUnshare} finds that it works on this machine, and in
 *       every case {@code socket.socket}, {@code socket.create_connection} and {@code getaddrinfo} are
 *       replaced by functions that raise, so a program that reaches for the network fails.
 * </ul>
 *
 * A program passes when compiling and executing it raises nothing (any {@code BaseException},
 * {@code SystemExit} included, is a failure), as in OLMES' {@code unsafe_execute}
 * ({@code oe_eval/metrics/code_evals/code_execution_local.py}, from openai/human-eval); its output is
 * discarded. This limits accidents, it is not a security boundary against a hostile program: run
 * evaluations on a machine you can afford to lose, as human-eval's own warning says.
 */
public final class CodeSandbox {
  private static final String HARNESS = """
      import resource, socket, sys, io, os, contextlib
      mem = int(sys.argv[2]); cpu = int(sys.argv[3])
      resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
      resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
      resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 24, 1 << 24))
      def _no_network(*args, **kwargs):
          raise OSError("network access is disabled in the tulu4j code sandbox")
      socket.socket = _no_network
      socket.create_connection = _no_network
      socket.getaddrinfo = _no_network
      socket.socketpair = _no_network
      with open(sys.argv[1], encoding="utf-8") as f:
          src = f.read()
      ok = False
      try:
          code = compile(src, "program.py", "exec")
          with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
              exec(code, {"__name__": "__main__"})
          ok = True
      except BaseException:
          ok = False
      sys.stdout.flush()
      os._exit(0 if ok else 3)
      """;

  private final String python;
  private final List<String> prefix;
  private final double timeoutSeconds;
  private final long memoryBytes;

  /**
   * @param python the interpreter ({@code python3})
   * @param useUnshare run under {@code unshare -rn} (see {@link #probeUnshare})
   */
  public CodeSandbox(String python, boolean useUnshare, double timeoutSeconds, long memoryBytes) {
    if (!(timeoutSeconds > 0)) throw new IllegalArgumentException("timeout must be > 0 s");
    this.python = python;
    this.prefix = useUnshare ? List.of("unshare", "-rn") : List.of();
    this.timeoutSeconds = timeoutSeconds;
    this.memoryBytes = memoryBytes;
  }

  /** True when {@code unshare -rn true} runs here (user namespaces allowed). */
  public static boolean probeUnshare() {
    try {
      Process p = new ProcessBuilder("unshare", "-rn", "true").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** How the network is cut, for reports. */
  public String networkIsolation() {
    return prefix.isEmpty() ? "socket functions disabled in the interpreter" : "unshare -rn (no network namespace) + socket functions disabled";
  }

  /** The outcome of one program. */
  public enum Outcome { PASSED, FAILED, TIMED_OUT }

  /** Runs {@code program} and reports whether it passed. */
  public Outcome run(String program) {
    Path dir = null;
    try {
      dir = Files.createTempDirectory("tulu4j-code-");
      Path harness = dir.resolve("harness.py");
      Path prog = dir.resolve("program.py");
      Files.writeString(harness, HARNESS, StandardCharsets.UTF_8);
      Files.writeString(prog, program, StandardCharsets.UTF_8);
      List<String> cmd = new ArrayList<>(prefix);
      cmd.addAll(List.of(python, "-I", harness.toString(), prog.toString(), String.valueOf(memoryBytes),
          String.valueOf((long) Math.ceil(timeoutSeconds) + 1)));
      Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      p.getOutputStream().close();
      // OLMES waits timeout + 1 s for its worker (the interpreter's start-up is in our wall clock too)
      if (!p.waitFor((long) ((timeoutSeconds + 1) * 1000), TimeUnit.MILLISECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor();
        return Outcome.TIMED_OUT;
      }
      return p.exitValue() == 0 ? Outcome.PASSED : Outcome.FAILED;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + python + " for code execution: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Outcome.FAILED;
    } finally {
      if (dir != null) deleteTree(dir);
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    } catch (IOException e) {
      // a temp folder left behind is harmless
    }
  }
}
