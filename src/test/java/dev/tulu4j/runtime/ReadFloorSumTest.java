package dev.tulu4j.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.tensor.Parallel;
import org.junit.jupiter.api.Test;

/**
 * The bandwidth floor's read ({@link EngineBench#readBandwidth}, four streams per thread) must read
 * every element exactly once, or the floor it prints would be wrong: small integers whose sums are
 * exact in float, lengths with and without a tail after the four streams, 1 to 3 threads, and one
 * marked element at a time near the stream and thread boundaries.
 */
class ReadFloorSumTest {

  @Test
  void sumsEveryElementOnce() {
    for (int threads = 1; threads <= 3; threads++) {
      try (Parallel pool = Parallel.create(threads)) {
        for (int n : new int[] {0, 1, 63, 64, 65, 200, 4096, 30_011}) {
          float[] a = new float[n + 5];
          long want = 0;
          for (int i = 0; i < a.length; i++) {
            a[i] = i % 509;
            if (i < n) want += i % 509;
          }
          assertThat(EngineBench.readSum(pool, a, n)).as("n=%d threads=%d", n, threads).isEqualTo((float) want);
        }
        int n = 10_007;
        float[] a = new float[n];
        for (int mark = 0; mark < n; mark += 37) {
          a[mark] = 1f;
          assertThat(EngineBench.readSum(pool, a, n)).as("mark %d threads=%d", mark, threads).isEqualTo(1f);
          a[mark] = 0f;
        }
      }
    }
  }
}
