package dev.tulu4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher's default heap (bin/heap.sh): 75% of RAM on transparent huge pages where offered, TULU4J_JAVA_OPTS replacing both. */
class LauncherHeapTest {
  @TempDir Path dir;

  private static String heapOpts(String meminfoArg) throws Exception {
    Process p = new ProcessBuilder("bash", "-c", ". bin/heap.sh && tulu4j_heap_opts " + meminfoArg)
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(p.waitFor()).as(out).isZero();
    return out;
  }

  @Test
  void seventyFivePercentOfMemTotal() throws Exception {
    Path meminfo = dir.resolve("meminfo");
    // 24 GiB = 25,165,824 kB → 18,874,368 kB = 18,432 MiB
    Files.writeString(meminfo, "MemFree:         1000 kB\nMemTotal:       25165824 kB\nMemAvailable:  99 kB\n");
    assertThat(heapOpts(meminfo.toString())).isEqualTo("-Xmx18432m");
  }

  @Test
  void withoutMeminfoOrSysctlTheJvmTakes75PercentItself() throws Exception {
    // on Linux `sysctl hw.memsize` has no such key, so the last fallback answers
    if (!System.getProperty("os.name").toLowerCase().contains("linux")) return;
    assertThat(heapOpts(dir.resolve("missing").toString())).isEqualTo("-XX:MaxRAMPercentage=75");
    Files.writeString(dir.resolve("garbage"), "MemTotal: lots\n");
    assertThat(heapOpts(dir.resolve("garbage").toString())).isEqualTo("-XX:MaxRAMPercentage=75");
  }

  private static String thpOpts(Path enabled) throws Exception {
    Process p = new ProcessBuilder("bash", "-c", ". bin/heap.sh && tulu4j_thp_opts " + enabled).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(p.waitFor()).as(out).isZero();
    return out;
  }

  /** Huge pages only when the kernel hands them to a process that asks (madvise) or to all (always). */
  @Test
  void transparentHugePagesOnlyWhereTheKernelOffersThem() throws Exception {
    Path f = dir.resolve("enabled");
    Files.writeString(f, "always [madvise] never\n");
    assertThat(thpOpts(f)).isEqualTo("-XX:+UseTransparentHugePages");
    Files.writeString(f, "[always] madvise never\n");
    assertThat(thpOpts(f)).isEqualTo("-XX:+UseTransparentHugePages");
    Files.writeString(f, "always madvise [never]\n");
    assertThat(thpOpts(f)).isEmpty();
    assertThat(thpOpts(dir.resolve("missing"))).isEmpty(); // macOS, or a kernel without THP
  }

  @Test
  void theLauncherUsesItUnlessTulu4jJavaOptsIsSet() throws IOException {
    String launcher = Files.readString(Path.of("tulu4j"));
    assertThat(launcher).contains(". \"$here/bin/heap.sh\"").contains("opts=${TULU4J_JAVA_OPTS:-$(tulu4j_heap_opts) $(tulu4j_thp_opts)}")
        .doesNotContain("-Xmx8g");
  }
}
