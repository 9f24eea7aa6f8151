package dev.tulu4j.tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import jdk.incubator.vector.FloatVector;

/**
 * The CPU a benchmark ran on, read once from {@code /proc/cpuinfo} (first processor): benchmark
 * figures from a Zen 4 and a Zen 5 differ by 2× for the same code, so every report names its CPU.
 * Off Linux the fields are {@code "unknown"} / −1.
 *
 * <p>AMD family 26 (0x1A) is Zen 5. Family 25 (0x19) is Zen 3 or Zen 4; the flags tell them apart
 * (Zen 4 has AVX-512, Zen 3 has not), which also holds when a hypervisor reports an odd model number.
 *
 * @param vectorBits width of {@link FloatVector#SPECIES_PREFERRED}, the vectors the kernels use
 */
public record CpuInfo(String vendor, String modelName, int family, int model, boolean avx512, int vectorBits) {

  /**
   * Measured fp32 FMA peaks per core, GFLOP/s: a register-only Vector API FMA loop ({@link FmaPeak})
   * on 2 cores of a quiet machine gave ~430 on Zen 5 (full-width 512-bit FMAs; 215–219 per core,
   * 2026-12-06, not the 480 STACK.md's nominal figure implies) and ~230 on Zen 4 (512-bit FMAs split in
   * two halves) (docs/PERFORMANCE.md).
   */
  static final double ZEN5_PEAK_PER_CORE = 215;

  static final double ZEN4_PEAK_PER_CORE = 115;

  private static final class Holder {
    static final CpuInfo DETECTED = read(Path.of("/proc/cpuinfo"));
  }

  /** The CPU of this machine (read on first use). */
  public static CpuInfo detect() {
    return Holder.DETECTED;
  }

  static CpuInfo read(Path cpuinfo) {
    try {
      return parse(Files.readAllLines(cpuinfo), FloatVector.SPECIES_PREFERRED.vectorBitSize());
    } catch (IOException | RuntimeException e) {
      return new CpuInfo("unknown", "unknown", -1, -1, false, FloatVector.SPECIES_PREFERRED.vectorBitSize());
    }
  }

  /** The first processor's block of {@code /proc/cpuinfo} lines ({@code key : value}). */
  static CpuInfo parse(List<String> lines, int vectorBits) {
    Map<String, String> f = new LinkedHashMap<>();
    for (String line : lines) {
      if (line.isBlank() && !f.isEmpty()) break; // end of the first processor
      int colon = line.indexOf(':');
      if (colon < 0) continue;
      f.putIfAbsent(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
    }
    String flags = " " + f.getOrDefault("flags", "") + " ";
    return new CpuInfo(f.getOrDefault("vendor_id", "unknown"), f.getOrDefault("model name", "unknown"),
        integer(f.get("cpu family")), integer(f.get("model")), flags.contains(" avx512f "), vectorBits);
  }

  private static int integer(String s) {
    try {
      return s == null ? -1 : Integer.parseInt(s.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** "Zen 5", "Zen 4", "Zen 3", or null when not one of these. */
  public String microarchitecture() {
    if (!"AuthenticAMD".equals(vendor)) return null;
    if (family == 26) return "Zen 5";
    if (family == 25) return avx512 ? "Zen 4" : "Zen 3";
    return null;
  }

  /** The measured fp32 FMA peak per core of this microarchitecture, when the project has one. */
  public OptionalDouble peakGflopsPerCore() {
    String arch = microarchitecture();
    if ("Zen 5".equals(arch)) return OptionalDouble.of(ZEN5_PEAK_PER_CORE);
    if ("Zen 4".equals(arch)) return OptionalDouble.of(ZEN4_PEAK_PER_CORE);
    return OptionalDouble.empty();
  }

  /**
   * The MFU denominator for {@code threads} threads and where it comes from: the measured per-core
   * peak of this CPU, or (CPU not measured) the Zen 5 figure, which the report then says it assumed.
   */
  public Peak assumedPeak(int threads) {
    OptionalDouble known = peakGflopsPerCore();
    if (known.isPresent()) {
      return new Peak(known.getAsDouble() * threads, String.format(Locale.ROOT,
          "%s measured FMA loop, %.0f per core x %d", microarchitecture(), known.getAsDouble(), threads));
    }
    return new Peak(ZEN5_PEAK_PER_CORE * threads, String.format(Locale.ROOT,
        "ASSUMED: this CPU's peak is not measured, Zen 5 figure %.0f per core x %d; pass --peak", ZEN5_PEAK_PER_CORE, threads));
  }

  /** A peak in GFLOP/s and one line on where it comes from. */
  public record Peak(double gflops, String source) {}

  /** One line for a report: {@code AMD EPYC 9R45 (AuthenticAMD family 26 model 2 = Zen 5, AVX-512, 512-bit vectors)}. */
  public String describe() {
    String arch = microarchitecture();
    return String.format(Locale.ROOT, "%s (%s family %d model %d%s, %s, %d-bit vectors)", modelName, vendor, family,
        model, arch == null ? "" : " = " + arch, avx512 ? "AVX-512" : "no AVX-512", vectorBits);
  }

  /**
   * What the fp32 results of this machine's kernels depend on besides the inputs: the vector width
   * (lane sums, the GEMM's panels) and the GEMM micro-kernel with its depth blocking. The CPU is
   * named too: the project measured its kernels on Zen 4 and Zen 5 only, and a resume on another
   * CPU (another vector width, or a future per-CPU kernel) is not promised to be bit-identical.
   * Deterministic: checkpoints store it ({@code trainer_state/machine.json}).
   */
  public Map<String, Object> kernelSignature() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cpu", describe());
    m.put("family", family);
    m.put("model", model);
    m.put("microarchitecture", microarchitecture() == null ? "unknown" : microarchitecture());
    m.put("vectorBits", vectorBits);
    m.put("gemmKernel", VectorGemm.KERNEL);
    return m;
  }

  /** The fields for a JSON report. */
  public Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("modelName", modelName);
    m.put("vendor", vendor);
    m.put("family", family);
    m.put("model", model);
    m.put("microarchitecture", microarchitecture());
    m.put("avx512", avx512);
    m.put("vectorBits", vectorBits);
    return m;
  }
}
