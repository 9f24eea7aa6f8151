package dev.tulu4j.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /proc/cpuinfo parsing and the microarchitecture / peak table, on excerpts of real machines' files. */
class CpuInfoTest {

  private static List<String> cpuinfo(String vendor, String name, int family, int model, String flags) {
    return List.of("processor\t: 0", "vendor_id\t: " + vendor, "cpu family\t: " + family, "model\t\t: " + model,
        "model name\t: " + name, "flags\t\t: fpu sse2 " + flags + " xsave", "", "processor\t: 1",
        "vendor_id\t: SomethingElse", "cpu family\t: 99", "");
  }

  @Test
  void zen5IsFamily26WithTheFullWidthPeak() {
    CpuInfo c = CpuInfo.parse(cpuinfo("AuthenticAMD", "AMD EPYC 9R45", 26, 2, "avx2 fma avx512f avx512bw"), 512);
    assertThat(c.modelName()).isEqualTo("AMD EPYC 9R45");
    assertThat(c.family()).isEqualTo(26);
    assertThat(c.model()).isEqualTo(2);
    assertThat(c.microarchitecture()).isEqualTo("Zen 5");
    assertThat(c.assumedPeak(2).gflops()).isEqualTo(430);
    assertThat(c.assumedPeak(2).source()).startsWith("Zen 5 measured");
    assertThat(c.describe()).isEqualTo("AMD EPYC 9R45 (AuthenticAMD family 26 model 2 = Zen 5, AVX-512, 512-bit vectors)");
  }

  /** Family 25 is Zen 3 or Zen 4: AVX-512 tells them apart (Genoa 25/17 has it, Milan 25/1 has not). */
  @Test
  void family25IsZen4WithAvx512AndZen3Without() {
    CpuInfo genoa = CpuInfo.parse(cpuinfo("AuthenticAMD", "AMD EPYC 9R14", 25, 17, "avx2 fma avx512f"), 512);
    assertThat(genoa.microarchitecture()).isEqualTo("Zen 4");
    assertThat(genoa.assumedPeak(2).gflops()).isEqualTo(230);
    CpuInfo milan = CpuInfo.parse(cpuinfo("AuthenticAMD", "AMD EPYC", 25, 1, "avx2 fma"), 256);
    assertThat(milan.microarchitecture()).isEqualTo("Zen 3");
    assertThat(milan.peakGflopsPerCore()).isEmpty();
    assertThat(milan.assumedPeak(2).gflops()).isEqualTo(430);
    assertThat(milan.assumedPeak(2).source()).startsWith("ASSUMED");
  }

  @Test
  void otherVendorsAndMissingFilesHaveNoMicroarchitecture(@TempDir Path dir) throws Exception {
    CpuInfo intel = CpuInfo.parse(cpuinfo("GenuineIntel", "Intel(R) Xeon(R) Platinum 8488C", 6, 143, "avx512f"), 512);
    assertThat(intel.microarchitecture()).isNull();
    assertThat(intel.avx512()).isTrue();
    assertThat(intel.describe()).contains("GenuineIntel family 6 model 143, AVX-512");
    CpuInfo none = CpuInfo.read(dir.resolve("missing"));
    assertThat(none.modelName()).isEqualTo("unknown");
    assertThat(none.family()).isEqualTo(-1);
    Path odd = Files.writeString(dir.resolve("cpuinfo"), "cpu family : x\nmodel name : Odd CPU\n");
    assertThat(CpuInfo.read(odd).family()).isEqualTo(-1);
    assertThat(CpuInfo.read(odd).modelName()).isEqualTo("Odd CPU");
  }

  /** Whatever this machine is, its detected fields are those of /proc/cpuinfo's first processor. */
  @Test
  void detectReadsThisMachine() throws Exception {
    Path proc = Path.of("/proc/cpuinfo");
    if (!Files.isReadable(proc)) return;
    CpuInfo c = CpuInfo.detect();
    String first = Files.readAllLines(proc).stream().filter(l -> l.startsWith("model name")).findFirst().orElseThrow();
    assertThat(c.modelName()).isEqualTo(first.substring(first.indexOf(':') + 1).trim());
    assertThat(c.family()).isPositive();
  }
}
