package dev.tulu4j.tensor;

/** Sets {@link InPlaceKernels#probeSixRowRemainder} from probes in other packages (test scope). */
public final class InPlaceProbe {
  private InPlaceProbe() {}

  public static void sixRowRemainder(boolean on) {
    InPlaceKernels.probeSixRowRemainder = on;
  }
}
