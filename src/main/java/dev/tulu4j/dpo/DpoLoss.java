package dev.tulu4j.dpo;

/**
 * The preference losses of {@link DpoLossType} for one (chosen, rejected) pair, as a pure function
 * of summed completion log-probabilities. It also returns the derivatives of the loss with respect
 * to the policy's summed log-probabilities, which the trainer spreads over the completion tokens
 * (every token of a response receives the same upstream gradient, because log π(y) = Σ_t log π(y_t)).
 *
 * <p>Rewards follow open-instruct: the implicit reward is β times the (possibly length-normalised)
 * policy-minus-reference log-ratio; for SimPO, which has no reference, β times the average log-prob.
 */
public final class DpoLoss {
  private DpoLoss() {}

  /** Summed log-probabilities of one pair and the response lengths (number of completion tokens). */
  public record PairLogps(
      double policyChosen, double policyRejected, double refChosen, double refRejected,
      int chosenLength, int rejectedLength) {
    public PairLogps {
      if (chosenLength <= 0 || rejectedLength <= 0)
        throw new IllegalArgumentException("response lengths must be positive: " + chosenLength + ", " + rejectedLength);
    }
  }

  /**
   * The loss of one pair and what the trainer logs and backpropagates.
   *
   * @param loss the pair's loss (the trainer averages over pairs)
   * @param chosenReward implicit reward of the chosen response
   * @param rejectedReward implicit reward of the rejected response
   * @param dPolicyChosen ∂loss/∂(Σ log π(y_c))
   * @param dPolicyRejected ∂loss/∂(Σ log π(y_r))
   */
  public record DpoOutput(double loss, double chosenReward, double rejectedReward,
      double dPolicyChosen, double dPolicyRejected) {
    public double margin() {
      return chosenReward - rejectedReward;
    }

    /** 1 when the chosen response has the higher implicit reward (reward accuracy). */
    public double accuracy() {
      return chosenReward > rejectedReward ? 1 : 0;
    }
  }

  /**
   * @param beta the DPO temperature β (Tülu 3 uses 5 with {@code dpo_norm})
   * @param gammaBetaRatio SimPO's γ/β (ignored by the other variants)
   */
  public static DpoOutput compute(DpoLossType type, PairLogps p, double beta, double gammaBetaRatio) {
    return compute(type, p, beta, gammaBetaRatio, 0);
  }

  /**
   * The preference loss plus RPO's NLL term on the chosen response (Pang et al. 2024, "Iterative
   * Reasoning Preference Optimization"; TRL's {@code rpo_alpha}): {@code loss + α · (−Σ log π(y_c) /
   * |y_c|)}, the chosen response's mean per-token negative log-likelihood. It keeps probability on
   * the chosen responses, which plain DPO can push down together with the rejected ones. TRL averages
   * the NLL over all chosen tokens of the batch; here it is a per-pair mean, so the total does not
   * depend on how pairs are split into micro-batches. The rewards and accuracy are the preference
   * loss's; only {@code loss} and {@code dPolicyChosen} include the term.
   *
   * @param rpoAlpha α ≥ 0; 0 is plain DPO
   */
  public static DpoOutput compute(DpoLossType type, PairLogps p, double beta, double gammaBetaRatio, double rpoAlpha) {
    if (!(rpoAlpha >= 0)) throw new IllegalArgumentException("rpo_alpha must be >= 0, got " + rpoAlpha);
    DpoOutput o = preference(type, p, beta, gammaBetaRatio);
    if (rpoAlpha == 0) return o;
    double nll = -p.policyChosen() / p.chosenLength();
    return new DpoOutput(o.loss() + rpoAlpha * nll, o.chosenReward(), o.rejectedReward(),
        o.dPolicyChosen() - rpoAlpha / p.chosenLength(), o.dPolicyRejected());
  }

  private static DpoOutput preference(DpoLossType type, PairLogps p, double beta, double gammaBetaRatio) {
    if (!(beta > 0)) throw new IllegalArgumentException("beta must be > 0, got " + beta);
    // Length normalisation divides each summed log-prob by its response length.
    double sc = type.lengthNormalised() ? 1.0 / p.chosenLength() : 1.0;
    double sr = type.lengthNormalised() ? 1.0 / p.rejectedLength() : 1.0;
    double refC = type.needsReference() ? p.refChosen() : 0;
    double refR = type.needsReference() ? p.refRejected() : 0;
    double ratioC = (p.policyChosen() - refC) * sc; // (normalised) log-ratio of the chosen response
    double ratioR = (p.policyRejected() - refR) * sr;
    double h = ratioC - ratioR;
    double loss;
    double dh; // ∂loss/∂h
    switch (type) {
      case DPO, DPO_NORM -> {
        // loss = −log σ(β h) = softplus(−β h); ∂/∂h = −β σ(−β h)
        loss = softplus(-beta * h);
        dh = -beta * sigmoid(-beta * h);
      }
      case SIMPO -> {
        // loss = −log σ(β (h − γ/β))
        double z = beta * (h - gammaBetaRatio);
        loss = softplus(-z);
        dh = -beta * sigmoid(-z);
      }
      case IPO -> {
        // loss = (h − 1/(2β))²
        double d = h - 1.0 / (2 * beta);
        loss = d * d;
        dh = 2 * d;
      }
      default -> throw new AssertionError(type);
    }
    return new DpoOutput(loss, beta * ratioC, beta * ratioR, dh * sc, -dh * sr);
  }

  /** log(1 + e^x) without overflow. */
  static double softplus(double x) {
    return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
  }

  static double sigmoid(double x) {
    return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
  }
}
