package dev.tulu4j.dpo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tulu4j.dpo.DpoLoss.PairLogps;
import org.junit.jupiter.api.Test;

class DpoLossTest {
  // One pair used throughout: policy chosen −10, rejected −14; reference −11, −12; lengths 4 and 8.
  private static final PairLogps P = new PairLogps(-10, -14, -11, -12, 4, 8);

  @Test
  void sigmoidDpoMatchesHandDerivation() {
    // log-ratios: chosen −10 − (−11) = 1, rejected −14 − (−12) = −2; h = 3; β = 0.1 → βh = 0.3
    // loss = log(1 + e^−0.3) = 0.554355244468; rewards 0.1 and −0.2
    var out = DpoLoss.compute(DpoLossType.DPO, P, 0.1, 0);
    assertThat(out.loss()).isCloseTo(Math.log1p(Math.exp(-0.3)), within(1e-12));
    assertThat(out.loss()).isCloseTo(0.554355244468, within(1e-10));
    assertThat(out.chosenReward()).isCloseTo(0.1, within(1e-12));
    assertThat(out.rejectedReward()).isCloseTo(-0.2, within(1e-12));
    // ∂loss/∂π_c = −β σ(−0.3) = −0.1 · 0.425557483 = −0.0425557483
    assertThat(out.dPolicyChosen()).isCloseTo(-0.0425557483, within(1e-9));
    assertThat(out.dPolicyRejected()).isCloseTo(0.0425557483, within(1e-9));
    assertThat(out.accuracy()).isEqualTo(1);
  }

  @Test
  void rpoAddsAlphaTimesTheChosenMeanNllToLossAndChosenGradientOnly() {
    // dpo_norm as below (loss 0.0788897343, ∂/∂π_c −0.094822725, ∂/∂π_r 0.0474113625) plus
    // α = 0.5 times the chosen NLL per token: −(−10)/4 = 2.5 → +1.25; ∂/∂π_c gets −α/|y_c| = −0.125
    var out = DpoLoss.compute(DpoLossType.DPO_NORM, P, 5, 0, 0.5);
    assertThat(out.loss()).isCloseTo(0.0788897343 + 1.25, within(1e-9));
    assertThat(out.dPolicyChosen()).isCloseTo(-0.094822725 - 0.125, within(1e-8));
    assertThat(out.dPolicyRejected()).isCloseTo(0.0474113625, within(1e-8));
    assertThat(out.chosenReward()).isCloseTo(1.25, within(1e-12));
    assertThat(out.rejectedReward()).isCloseTo(-1.25, within(1e-12));
    assertThat(DpoLoss.compute(DpoLossType.DPO_NORM, P, 5, 0, 0)).isEqualTo(DpoLoss.compute(DpoLossType.DPO_NORM, P, 5, 0));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> DpoLoss.compute(DpoLossType.DPO, P, 5, 0, -1))
        .hasMessageContaining("rpo_alpha");
  }

  @Test
  void lengthNormalisedDpoIsTulu3Eq6() {
    // normalised log-ratios: 1/4 = 0.25 and −2/8 = −0.25; h = 0.5; β = 5 → βh = 2.5
    // loss = log(1 + e^−2.5) = 0.0788897343; rewards 5·0.25 = 1.25 and −1.25
    var out = DpoLoss.compute(DpoLossType.DPO_NORM, P, 5, 0);
    assertThat(out.loss()).isCloseTo(0.0788897343, within(1e-9));
    assertThat(out.chosenReward()).isCloseTo(1.25, within(1e-12));
    assertThat(out.rejectedReward()).isCloseTo(-1.25, within(1e-12));
    // ∂loss/∂π_c = −β σ(−2.5) / 4 = −5 · 0.0758581800 / 4 = −0.0948227250
    assertThat(out.dPolicyChosen()).isCloseTo(-0.094822725, within(1e-8));
    assertThat(out.dPolicyRejected()).isCloseTo(0.0474113625, within(1e-8));
  }

  @Test
  void simpoIgnoresTheReference() {
    // avg log-probs: −10/4 = −2.5, −14/8 = −1.75; h = −0.75; β = 2, γ/β = 0.5 → z = 2(−1.25) = −2.5
    // loss = log(1 + e^2.5) = 2.5788897343
    var out = DpoLoss.compute(DpoLossType.SIMPO, P, 2, 0.5);
    assertThat(out.loss()).isCloseTo(2.5788897343, within(1e-9));
    var other = DpoLoss.compute(DpoLossType.SIMPO, new PairLogps(-10, -14, 99, -99, 4, 8), 2, 0.5);
    assertThat(other.loss()).isEqualTo(out.loss());
    assertThat(DpoLossType.SIMPO.needsReference()).isFalse();
  }

  @Test
  void ipoIsSquaredDistanceToHalfInverseBeta() {
    // h = 0.25 − (−0.25) = 0.5 (length-normalised as TRL does); β = 0.5 → target 1; loss = 0.25
    var out = DpoLoss.compute(DpoLossType.IPO, P, 0.5, 0);
    assertThat(out.loss()).isCloseTo(0.25, within(1e-12));
    // ∂loss/∂h = 2(0.5 − 1) = −1; ∂h/∂π_c = 1/4
    assertThat(out.dPolicyChosen()).isCloseTo(-0.25, within(1e-12));
    assertThat(out.dPolicyRejected()).isCloseTo(0.125, within(1e-12));
  }

  @Test
  void derivativesMatchFiniteDifferences() {
    double eps = 1e-6;
    for (DpoLossType t : DpoLossType.values()) {
      var out = DpoLoss.compute(t, P, 0.7, 0.3);
      double up = DpoLoss.compute(t, new PairLogps(-10 + eps, -14, -11, -12, 4, 8), 0.7, 0.3).loss();
      double dn = DpoLoss.compute(t, new PairLogps(-10 - eps, -14, -11, -12, 4, 8), 0.7, 0.3).loss();
      assertThat(out.dPolicyChosen()).as(t.name()).isCloseTo((up - dn) / (2 * eps), within(1e-7));
      up = DpoLoss.compute(t, new PairLogps(-10, -14 + eps, -11, -12, 4, 8), 0.7, 0.3).loss();
      dn = DpoLoss.compute(t, new PairLogps(-10, -14 - eps, -11, -12, 4, 8), 0.7, 0.3).loss();
      assertThat(out.dPolicyRejected()).as(t.name()).isCloseTo((up - dn) / (2 * eps), within(1e-7));
    }
  }

  @Test
  void extremeMarginsDoNotOverflow() {
    var out = DpoLoss.compute(DpoLossType.DPO, new PairLogps(0, -1e6, 0, 0, 1, 1), 5, 0);
    assertThat(out.loss()).isFinite().isCloseTo(0, within(1e-12));
    var bad = DpoLoss.compute(DpoLossType.DPO, new PairLogps(-1e6, 0, 0, 0, 1, 1), 5, 0);
    assertThat(bad.loss()).isCloseTo(5e6, within(1e-3));
    assertThat(bad.dPolicyChosen()).isCloseTo(-5, within(1e-12));
  }

  @Test
  void parsesConfigSpellings() {
    assertThat(DpoLossType.parse("dpo_norm")).isEqualTo(DpoLossType.DPO_NORM);
    assertThat(DpoLossType.parse("SimPO")).isEqualTo(DpoLossType.SIMPO);
  }
}
