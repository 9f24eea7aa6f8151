package dev.tulu4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue #3 / #6: every float kernel gives the same bits whatever the JIT tier. {@link TierProbeMain}
 * runs in two child JVMs on the same seeded inputs: one interpreter-only ({@code -Xint}, where the
 * Vector API runs its Java fallback), one C2-only ({@code -XX:-TieredCompilation -Xbatch}) that
 * computes everything once cold, then calls the kernels until C2 has compiled them (checked in its
 * {@code -XX:+PrintCompilation} log) and computes again. All three hashes of every kernel must agree.
 *
 * <p>This failed before the kernels used {@code VectorMath.sum} and {@code VectorExp}: C2's
 * {@code reduceLanes(ADD)} and {@code lanewise(EXP)} differ from the fallback in the last bits.
 */
@Tag("slow")
class JitTierDeterminismTest {
  private static final List<String> KERNELS = List.of("VectorMath.dotOneChain", "VectorMath.softmax", "SwiGlu", "Rope", "RmsNorm", "Gemm.fewRows",
      "Gemm.gemv", "GradOps.globalNorm", "LlamaModel.lossAndBackward");
  /** Methods that must have been C2-compiled before the hot phase, or the comparison proves nothing. */
  private static final List<String> MUST_COMPILE = List.of("dev.tulu4j.tensor.VectorMath::dotOneChain",
      "dev.tulu4j.tensor.VectorMath::expShiftSum", "dev.tulu4j.model.SwiGlu::forwardRange",
      "dev.tulu4j.model.SwiGlu::lambda$backward", "dev.tulu4j.tensor.FewRowsGemm::tile4x4", "dev.tulu4j.tensor.FewRowsGemm::tile1x4",
      "dev.tulu4j.tensor.Gemv::chunk", "dev.tulu4j.model.Rope::rotateRows", "dev.tulu4j.model.RmsNorm::scaleRow",
      "dev.tulu4j.model.RmsNorm::backwardRow",
      "dev.tulu4j.train.GradOps::globalNorm");

  @Test
  void interpreterAndC2GiveTheSameBitsForEveryKernel() throws Exception {
    List<String> interp = runChild(List.of("-Xint"), List.of());
    List<String> c2 = runChild(List.of("-XX:-TieredCompilation", "-Xbatch", "-XX:CompileThreshold=1000",
        "-XX:+PrintCompilation"), List.of("hot", "1500"));
    for (String m : MUST_COMPILE) {
      assertThat(c2).as("C2 compiled %s", m).anyMatch(l -> l.contains(m) && !l.contains("made not entrant"));
    }
    Map<String, String> cold = hashes(interp, "cold");
    Map<String, String> c2cold = hashes(c2, "cold");
    Map<String, String> c2hot = hashes(c2, "hot");
    assertThat(cold.keySet()).containsExactlyElementsOf(KERNELS);
    assertThat(c2cold).as("first call in the C2 JVM vs -Xint").isEqualTo(cold);
    assertThat(c2hot).as("after C2 compiled the kernels vs -Xint").isEqualTo(cold);
  }

  private static Map<String, String> hashes(List<String> out, String phase) {
    Map<String, String> h = new LinkedHashMap<>();
    for (String l : out) {
      String[] f = l.split(" ");
      if (f.length == 3 && f[0].equals(phase)) h.put(f[1], f[2]);
    }
    return h;
  }

  private static List<String> runChild(List<String> jvmFlags, List<String> args) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector", "-Xmx256m"));
    cmd.addAll(jvmFlags);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), TierProbeMain.class.getName()));
    cmd.addAll(args);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    List<String> seen = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) seen.add(line);
    } finally {
      if (!p.waitFor(120, TimeUnit.SECONDS)) p.destroyForcibly();
    }
    assertThat(p.exitValue()).as("child %s output %s", jvmFlags, seen.size() > 50 ? seen.subList(0, 50) : seen)
        .isZero();
    return seen;
  }
}
