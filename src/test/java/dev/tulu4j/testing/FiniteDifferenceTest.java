package dev.tulu4j.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** The shared gradient-check helper detects a wrong gradient, not only confirms a right one. */
class FiniteDifferenceTest {
  /** J(w) = Σ sin(w_i)·w_j-weighted terms: J = sin(w0)·w1 + w1³, dJ/dw0 = cos(w0)·w1, dJ/dw1 = sin(w0) + 3w1². */
  private static double j(double[] w) {
    return Math.sin(w[0]) * w[1] + w[1] * w[1] * w[1];
  }

  @Test
  void centralDifferenceMatchesAHandDerivedGradientAndRestoresTheWeight() {
    double[] w = {0.7, -1.3};
    double d0 = FiniteDifference.derivative(w, 0, 1e-4, () -> j(w));
    double d1 = FiniteDifference.derivative(w, 1, 1e-4, () -> j(w));
    assertThat(d0).isCloseTo(Math.cos(0.7) * -1.3, Offset.offset(1e-10));
    assertThat(d1).isCloseTo(Math.sin(0.7) + 3 * 1.3 * 1.3, Offset.offset(1e-10));
    assertThat(w).containsExactly(0.7, -1.3);
  }

  @Test
  void aWrongAnalyticGradientFailsTheCheck() {
    double[] w = {0.7, -1.3};
    double[] right = {Math.cos(0.7) * -1.3, Math.sin(0.7) + 3 * 1.3 * 1.3};
    double[] wrong = {right[0], right[1] * 1.001}; // a 0.1% error in one coordinate
    List<Integer> both = List.of(0, 1);
    var ok = new FiniteDifference.Worst().check("w", w, right, both, 1e-4, 1e-4, () -> j(w));
    var bad = new FiniteDifference.Worst().check("w", w, wrong, both, 1e-4, 1e-4, () -> j(w));
    assertThat(ok.error()).isLessThan(1e-9);
    assertThat(bad.error()).isGreaterThan(1e-4);
    assertThat(bad.at()).startsWith("w[1] analytic=");
  }

  @Test
  void theFloorTurnsNearZeroGradientsIntoAbsoluteErrors() {
    assertThat(FiniteDifference.relativeError(1e-9, 2e-9, 1e-4)).isCloseTo(1e-5, Offset.offset(1e-12));
    assertThat(FiniteDifference.relativeError(1.0, 1.01, 1e-4)).isCloseTo(0.01 / 1.01, Offset.offset(1e-12));
  }

  @Test
  void probesStartAtTheLargestEntryThenSample() {
    double[] g = {0.1, -3, 2};
    assertThat(FiniteDifference.probes(g, true, 2, new Random(1))).hasSize(3).first().isEqualTo(1);
    assertThat(FiniteDifference.probes(g, false, 4, new Random(1))).hasSize(4).allMatch(i -> i >= 0 && i < 3);
  }

  @Test
  void engineErrorIsRelativeToTheTensorsLargestGradient() {
    var e = FiniteDifference.againstReference(new double[] {2, -4}, new float[] {2.5f, -4});
    assertThat(e.maxErr()).isEqualTo(0.5);
    assertThat(e.maxRef()).isEqualTo(4);
    assertThat(e.ratio()).isEqualTo(0.125);
    assertThatThrownBy(() -> FiniteDifference.againstReference(new double[2], new float[3])).hasMessageContaining("lengths differ");
  }
}
