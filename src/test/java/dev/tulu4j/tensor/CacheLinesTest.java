package dev.tulu4j.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/**
 * {@link CacheLines#lead} must name the element that starts a 64-byte line. The test JVM runs with
 * native access (as the launcher does), so the address is known; it is checked against the JVM's
 * own layout facts: consecutive elements 4 bytes apart, and the data of a humongous array (a region
 * start plus the 16-byte array header) 16 bytes past a line, so its lead is 12.
 */
class CacheLinesTest {

  @Test
  void addressesAreKnownAndElementsFourBytesApart() {
    assertThat(CacheLines.known()).isTrue();
    float[] a = new float[1000];
    long p = CacheLines.address(a);
    assertThat(p).isPositive();
    assertThat(p % 4).isZero();
    assertThat(MemorySegment.ofArray(a).address()).isZero(); // a heap segment does not give it away
    int lead = CacheLines.lead(a);
    assertThat(lead).isBetween(0, CacheLines.FLOATS - 1);
    assertThat((CacheLines.address(a) + 4L * lead) % 64).isZero();
  }

  @Test
  void aHumongousArrayStartsSixteenBytesPastALine() {
    float[] big = new float[64 << 20 >> 2]; // 64 MiB: above half of any G1 region, so region-aligned
    assertThat(CacheLines.address(big) % 64).isEqualTo(16);
    assertThat(CacheLines.lead(big)).isEqualTo(12);
  }

  @Test
  void leadIsTheDistanceToTheNextLine() {
    // many small arrays land at all of a line's 8-byte-aligned offsets; each lead must match its address
    boolean[] seen = new boolean[CacheLines.FLOATS];
    for (int i = 0; i < 2000; i++) {
      float[] a = new float[1 + i % 7];
      long p = CacheLines.address(a);
      int lead = CacheLines.lead(a);
      assertThat((p + 4L * lead) % 64).as("address %d lead %d", p, lead).isZero();
      seen[lead] = true;
    }
    int distinct = 0;
    for (boolean s : seen) distinct += s ? 1 : 0;
    assertThat(distinct).as("distinct leads over 2000 small arrays").isGreaterThanOrEqualTo(4);
  }
}
