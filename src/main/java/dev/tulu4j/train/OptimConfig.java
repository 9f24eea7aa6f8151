package dev.tulu4j.train;

import dev.tulu4j.config.Doc;
import java.util.List;

/**
 * Optimizer, learning-rate schedule and clipping. Defaults are the Tülu 3 8B SFT values
 * (Tülu 3 Table 8 / open-instruct {@code tulu3_8b_sft.yaml}) where the paper sets them.
 */
public record OptimConfig(
    @Doc(value = "Peak learning rate (Tülu 3 8B SFT: 5e-6; 8B DPO: 5e-7; 8B RLVR: 3e-7); 0 leaves the weights untouched.",
        def = "5e-6")
        double lr,
    @Doc(value = "Learning-rate schedule after warmup: linear decay to 0 (Tülu 3), cosine, or constant.",
        def = "linear")
        LrSchedule.Kind schedule,
    @Doc(value = "Fraction of the total optimizer steps used for linear warmup from 0; "
        + "warmup steps = floor(total × ratio) as in open-instruct.", def = "0.03")
        double warmupRatio,
    @Doc(value = "Decoupled AdamW weight decay (Tülu 3 SFT/DPO: 0).", def = "0.0")
        double weightDecay,
    @Doc(value = "AdamW (beta1, beta2).", def = "[0.9, 0.999]")
        List<Double> betas,
    @Doc(value = "AdamW epsilon, added to sqrt(v̂).", def = "1e-8")
        double eps,
    @Doc(value = "Clip the global L2 norm of the gradient to this; <= 0 disables clipping "
        + "(the norm is still logged). open-instruct default: off.", def = "-1")
        double maxGradNorm,
    @Doc(value = "Substrings of parameter names excluded from weight decay, on top of each "
        + "parameter's own decay flag (the model marks norms, biases and embeddings; see DecayRule).", def = "[]")
        List<String> noDecay) {

  public OptimConfig {
    if (!(lr >= 0) || !Double.isFinite(lr)) throw new IllegalArgumentException("optim.lr must be >= 0, got " + lr);
    if (schedule == null) throw new IllegalArgumentException("optim.schedule is required");
    if (!(warmupRatio >= 0 && warmupRatio <= 1))
      throw new IllegalArgumentException("optim.warmup_ratio must be in [0, 1], got " + warmupRatio);
    if (!(weightDecay >= 0)) throw new IllegalArgumentException("optim.weight_decay must be >= 0, got " + weightDecay);
    if (betas == null || betas.size() != 2)
      throw new IllegalArgumentException("optim.betas must be two numbers [beta1, beta2], got " + betas);
    for (double b : betas)
      if (!(b >= 0 && b < 1)) throw new IllegalArgumentException("optim.betas must be in [0, 1), got " + betas);
    if (!(eps > 0)) throw new IllegalArgumentException("optim.eps must be > 0, got " + eps);
    if (Double.isNaN(maxGradNorm)) throw new IllegalArgumentException("optim.max_grad_norm is NaN");
    betas = List.copyOf(betas);
    noDecay = noDecay == null ? List.of() : List.copyOf(noDecay);
  }

  public double beta1() {
    return betas.get(0);
  }

  public double beta2() {
    return betas.get(1);
  }
}
