package dev.tulu4j.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.DoubleSupplier;

/**
 * The float64 finite-difference machinery shared by every gradient check (llm.c's test_gpt2
 * style): a 4-point central difference of an objective J(w) in one coordinate, the relative error
 * against an analytic gradient with a denominator floor, the choice of coordinates to probe, and
 * the fp32-engine-vs-float64 error relative to a tensor's largest gradient.
 *
 * <p>The stencil is the fourth-order central difference f'(x) ≈ (8(f(x+h) − f(x−h)) − (f(x+2h) −
 * f(x−2h))) / 12h (Abramowitz &amp; Stegun 25.3.6); its truncation error is O(h⁴), so with h = 1e-4
 * the residual is dominated by the cancellation error ε·|J|/h.
 */
public final class FiniteDifference {
  private FiniteDifference() {}

  /** dJ/dw[i] by the 4-point central difference with step {@code h}; w[i] is restored. */
  public static double derivative(double[] w, int i, double h, DoubleSupplier objective) {
    double w0 = w[i];
    try {
      w[i] = w0 + h;
      double jp1 = objective.getAsDouble();
      w[i] = w0 - h;
      double jm1 = objective.getAsDouble();
      w[i] = w0 + 2 * h;
      double jp2 = objective.getAsDouble();
      w[i] = w0 - 2 * h;
      double jm2 = objective.getAsDouble();
      return (8 * (jp1 - jm1) - (jp2 - jm2)) / (12 * h);
    } finally {
      w[i] = w0;
    }
  }

  /**
   * |numeric − analytic| / max(floor, |numeric|, |analytic|): relative where the gradient is large,
   * absolute (scaled by 1/floor) where it is below the floor, so stencil noise on near-zero
   * gradients does not count as an error.
   */
  public static double relativeError(double numeric, double analytic, double floor) {
    return Math.abs(numeric - analytic) / Math.max(floor, Math.max(Math.abs(numeric), Math.abs(analytic)));
  }

  /** Index of the entry with the largest magnitude (the first on ties). */
  public static int argmaxAbs(double[] a) {
    int best = 0;
    for (int i = 0; i < a.length; i++) if (Math.abs(a[i]) > Math.abs(a[best])) best = i;
    return best;
  }

  /**
   * The coordinates to probe: the largest-magnitude gradient entry (if {@code withArgmax}), then
   * {@code samples} indices drawn from {@code pick} (repeats allowed).
   */
  public static List<Integer> probes(double[] analytic, boolean withArgmax, int samples, Random pick) {
    List<Integer> idx = new ArrayList<>();
    if (withArgmax) idx.add(argmaxAbs(analytic));
    for (int s = 0; s < samples; s++) idx.add(pick.nextInt(analytic.length));
    return idx;
  }

  /** The worst relative error seen so far and where; {@link #at()} names tensor, index and both values. */
  public static final class Worst {
    private double error;
    private String at = "";

    public double error() {
      return error;
    }

    public String at() {
      return at;
    }

    /**
     * Probes {@code w} (the float64 copy of tensor {@code name}) at {@code indices}, comparing the
     * central difference of {@code objective} with {@code analytic}, and keeps the worst error.
     */
    public Worst check(String name, double[] w, double[] analytic, List<Integer> indices, double h, double floor,
        DoubleSupplier objective) {
      for (int i : indices) {
        double num = derivative(w, i, h, objective);
        double rel = relativeError(num, analytic[i], floor);
        if (rel > error) {
          error = rel;
          at = name + "[" + i + "] analytic=" + analytic[i] + " numeric=" + num;
        }
      }
      return this;
    }
  }

  /** max |got − want| and max |want| over a tensor; {@link #ratio()} is the error relative to the tensor's scale. */
  public record TensorError(double maxErr, double maxRef) {
    public double ratio() {
      return maxErr / maxRef;
    }
  }

  /** The fp32 gradient {@code got} against the float64 {@code want}, relative to the largest |want|. */
  public static TensorError againstReference(double[] want, float[] got) {
    if (want.length != got.length)
      throw new IllegalArgumentException("lengths differ: want " + want.length + ", got " + got.length);
    double maxRef = 0, maxErr = 0;
    for (int i = 0; i < want.length; i++) {
      maxRef = Math.max(maxRef, Math.abs(want[i]));
      maxErr = Math.max(maxErr, Math.abs(want[i] - got[i]));
    }
    return new TensorError(maxErr, maxRef);
  }
}
