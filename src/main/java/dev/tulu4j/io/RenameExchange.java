package dev.tulu4j.io;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Linux {@code renameat2(..., RENAME_EXCHANGE)} through the FFM API: swaps two paths in one atomic
 * step (rename(2) man page, since Linux 3.15, glibc 2.28). {@link AtomicFolder} uses it to replace a
 * folder without the instant between "old moved aside" and "new moved in" where the target name
 * does not exist. Where it is unavailable (another OS, an old libc, a filesystem that refuses the
 * flag) {@link #exchange} returns false and the caller falls back to two renames.
 */
final class RenameExchange {
  private static final int AT_FDCWD = -100;
  private static final int RENAME_EXCHANGE = 2;
  private static final MethodHandle RENAMEAT2 = lookup();

  private RenameExchange() {}

  private static MethodHandle lookup() {
    try {
      if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) return null;
      Linker linker = Linker.nativeLinker();
      return linker.defaultLookup().find("renameat2")
          .map(addr -> linker.downcallHandle(addr, FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT)))
          .orElse(null);
    } catch (Throwable e) { // no native access, no such symbol: fall back
      return null;
    }
  }

  /** Whether {@link #exchange} can work on this system. */
  static boolean available() {
    return RENAMEAT2 != null;
  }

  /**
   * Atomically swaps {@code a} and {@code b} (both must exist, on the same filesystem).
   *
   * @return true when swapped; false when the call is unavailable or failed (nothing changed)
   */
  static boolean exchange(Path a, Path b) {
    if (RENAMEAT2 == null) return false;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment pa = arena.allocateFrom(a.toAbsolutePath().toString());
      MemorySegment pb = arena.allocateFrom(b.toAbsolutePath().toString());
      int rc = (int) RENAMEAT2.invokeExact(AT_FDCWD, pa, AT_FDCWD, pb, RENAME_EXCHANGE);
      return rc == 0;
    } catch (Throwable e) {
      return false;
    }
  }
}
