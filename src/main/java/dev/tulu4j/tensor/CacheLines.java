package dev.tulu4j.tensor;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Where a heap {@code float[]}'s elements sit against 64-byte cache lines. On the Zen 5 a 512-bit
 * load that straddles two lines costs about two loads: a vector sum over an L1-resident array runs
 * 2.0× faster, and over a 4 MB (L3) array 1.35× faster, when its vectors start on line boundaries
 * (docs/PERFORMANCE.md, "Cache-line alignment"). The JVM places array data 16 bytes after an
 * 8-byte-aligned object start, so whether a kernel's vectors straddle lines depends on where the
 * allocator put the array: different between JVM runs for arrays that are not humongous, and always
 * 16 bytes off for humongous ones (they start on a region boundary).
 *
 * <p>{@link #lead} asks for the element address itself: a <em>critical</em> downcall may be handed a
 * heap segment, and {@code memset(p, 0, 0)} writes nothing and returns {@code p}. The answer is only
 * a hint: the collector may move a young array afterwards (old and humongous arrays stay put), and a
 * moved array is merely slower, never wrong. Without native access the answer is 0 (as before).
 */
public final class CacheLines {
  /** Floats per 64-byte line. */
  public static final int FLOATS = 16;

  private static final MethodHandle MEMSET = memset();

  private CacheLines() {}

  private static MethodHandle memset() {
    try {
      Linker linker = Linker.nativeLinker();
      return linker.downcallHandle(linker.defaultLookup().find("memset").orElseThrow(),
          FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG),
          Linker.Option.critical(true));
    } catch (Throwable e) { // no native access, or no libc symbol: every array counts as aligned
      return null;
    }
  }

  /** Whether {@link #lead} can see addresses (false: it always answers 0). */
  public static boolean known() {
    return MEMSET != null;
  }

  /** The address of {@code a[0]} now, or -1 when it cannot be known. */
  static long address(float[] a) {
    if (MEMSET == null) return -1;
    try {
      return ((MemorySegment) MEMSET.invokeExact(MemorySegment.ofArray(a), 0, 0L)).address();
    } catch (Throwable e) {
      return -1;
    }
  }

  /**
   * How many leading elements of {@code a} to skip so that the next one starts a cache line
   * (0..15; 0 when the address cannot be known). An array that is to be used from that element on
   * needs {@code FLOATS - 1} spare elements.
   */
  public static int lead(float[] a) {
    long p = address(a);
    if (p < 0) return 0;
    return (int) (((64 - (p & 63)) & 63) >>> 2);
  }
}
