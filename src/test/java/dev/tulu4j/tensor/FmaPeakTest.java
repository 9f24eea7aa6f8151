package dev.tulu4j.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

class FmaPeakTest {

  @Test
  void loopCountsTwoFlopsPerLanePerChainPerStep() {
    int lanes = FloatVector.SPECIES_PREFERRED.length();
    assertThat(FmaPeak.loop(10)).isEqualTo(2L * lanes * 16 * 10);
    // the 16 chains each computed 10 FMAs of 1.0000001 * 0.9999999 from zero: the lane sum is about 160
    assertThat((double) FmaPeak.sink).isCloseTo(160.0, org.assertj.core.data.Offset.offset(1e-3));
  }

  @Test
  void measuresEveryThreadAndSumsThem() {
    FmaPeak.Result r = FmaPeak.measure(2, 2, 5);
    assertThat(r.threads()).isEqualTo(2);
    assertThat(r.perThreadMin()).isPositive();
    assertThat(r.perThreadMax()).isGreaterThanOrEqualTo(r.perThreadMin());
    assertThat(r.gflops()).isBetween(2 * r.perThreadMin() - 1e-9, 2 * r.perThreadMax() + 1e-9);
    assertThat(r.describe()).startsWith("FMA loop now: ").contains("on 2 threads");
  }

  @Test
  void refusesNonsense() {
    assertThatThrownBy(() -> FmaPeak.measure(0, 1, 1)).isInstanceOf(IllegalArgumentException.class);
  }
}
