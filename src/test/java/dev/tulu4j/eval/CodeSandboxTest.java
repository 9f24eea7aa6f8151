package dev.tulu4j.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Needs a {@code python3} on the PATH (the sandbox's only dependency). */
class CodeSandboxTest {
  static CodeSandbox box;
  static boolean unshare;

  @BeforeAll
  static void python() throws Exception {
    boolean hasPython;
    try {
      hasPython = new ProcessBuilder("python3", "-c", "pass").start().waitFor() == 0;
    } catch (java.io.IOException e) {
      hasPython = false;
    }
    assumeTrue(hasPython, "python3 is not installed");
    unshare = CodeSandbox.probeUnshare();
    box = new CodeSandbox("python3", unshare, 1.0, 256L << 20);
  }

  @Test
  void passAndFail() {
    assertThat(box.run("def f(x):\n    return x + 1\nassert f(1) == 2\nprint('noise')")).isEqualTo(CodeSandbox.Outcome.PASSED);
    assertThat(box.run("assert 1 == 2")).isEqualTo(CodeSandbox.Outcome.FAILED);
    assertThat(box.run("def f(:\n")).isEqualTo(CodeSandbox.Outcome.FAILED); // does not compile
    // any BaseException fails the program, a clean SystemExit included (as OLMES' unsafe_execute)
    assertThat(box.run("import sys\nsys.exit(0)")).isEqualTo(CodeSandbox.Outcome.FAILED);
  }

  @Test
  void timeLimit() {
    long t0 = System.nanoTime();
    assertThat(box.run("while True:\n    pass")).isIn(CodeSandbox.Outcome.TIMED_OUT, CodeSandbox.Outcome.FAILED);
    assertThat((System.nanoTime() - t0) / 1e9).isLessThan(10);
  }

  @Test
  void memoryLimit() {
    // 2 GiB against a 256 MiB address-space limit: MemoryError
    assertThat(box.run("x = bytearray(2 * 1024 ** 3)\nx[-1] = 1")).isEqualTo(CodeSandbox.Outcome.FAILED);
  }

  @Test
  void noNetwork() {
    assertThat(box.run("import socket\nsocket.create_connection(('127.0.0.1', 9), timeout=1)")).isEqualTo(CodeSandbox.Outcome.FAILED);
    assertThat(box.run("import socket\ns = socket.socket()")).isEqualTo(CodeSandbox.Outcome.FAILED);
    if (unshare) {
      // the C module bypasses the Python-level block; the empty network namespace still refuses
      assertThat(box.run("import _socket\ns = _socket.socket()\ns.settimeout(1)\ns.connect(('1.1.1.1', 53))"))
          .isEqualTo(CodeSandbox.Outcome.FAILED);
    }
  }
}
