package dev.tulu4j.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.tensor.Parallel;
import org.junit.jupiter.api.Test;

/**
 * The bandwidth floor's read (from the array's first cache-line boundary on) ({@link EngineBench#readBandwidth}, four streams per thread) must read
 * every element exactly once, or the floor it prints would be wrong: small integers whose sums are
 * exact in float, lengths with and without a tail after the four streams, 1 to 3 threads, and one
 * marked element at a time near the stream and thread boundaries.
 */
class ReadFloorSumTest {

  @Test
  void sumsEveryElementOnce() {
    for (int threads = 1; threads <= 3; threads++) {
      try (Parallel pool = Parallel.create(threads)) {
        for (int from : new int[] {0, 3, 12, 15}) {
          for (int n : new int[] {0, 1, 63, 64, 65, 200, 4096, 30_011}) {
            float[] a = new float[from + n + 5];
            long want = 0;
            for (int i = 0; i < a.length; i++) {
              a[i] = i % 509;
              if (i >= from && i < from + n) want += i % 509;
            }
            assertThat(EngineBench.readSum(pool, a, from, n)).as("from=%d n=%d threads=%d", from, n, threads)
                .isEqualTo((float) want);
          }
          int n = 10_007;
          float[] a = new float[from + n + 1];
          a[from + n] = 100f; // just past the range: never read
          if (from > 0) a[from - 1] = 100f; // just before it
          for (int mark = 0; mark < n; mark += 37) {
            a[from + mark] = 1f;
            assertThat(EngineBench.readSum(pool, a, from, n)).as("from %d mark %d threads=%d", from, mark, threads).isEqualTo(1f);
            a[from + mark] = 0f;
          }
        }
      }
    }
  }
}
