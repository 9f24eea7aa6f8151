package dev.tulu4j.model;

import dev.tulu4j.runtime.EngineBench;
import dev.tulu4j.tensor.GemmBackend;
import dev.tulu4j.tensor.KernelConfig;
import dev.tulu4j.tensor.Kernels;
import java.util.Arrays;
import java.util.Locale;

/**
 * Manual measurement (a main, not a test): batch-1 decode with one owned part per thread and phase
 * ({@link DecodeStep#b1Owned}) and with session 13's four chunks per thread, alternating in one JVM
 * over the same weights and buffers, as {@code bench decode} times it; medians of the process CPU
 * time per step and of tok/s. Arguments: {@code tiny|135m threads rounds [reps of 63 steps, 3] [touch]}
 * ({@code touch}: owned parts in both, the waiting threads' read-ahead on and off).
 */
public final class DecodeB1OwnedAbMain {
  private DecodeB1OwnedAbMain() {}

  public static void main(String[] args) throws Exception {
    LlamaConfig c = args[0].equals("tiny") ? LlamaConfig.tiny() : LlamaConfig.smollm2_135m();
    int threads = Integer.parseInt(args[1]), rounds = Integer.parseInt(args[2]);
    int reps = args.length > 3 ? Integer.parseInt(args[3]) : 3;
    boolean touch = args.length > 4 && args[4].equals("touch"); // A/B the read-ahead instead (owned parts in both)
    double[][] cpu = new double[2][rounds], tps = new double[2][rounds];
    try (Kernels k = Kernels.create(new KernelConfig(GemmBackend.parse("vector"), threads))) {
      LlamaModel m = LlamaModel.random(c, 0, k.gemm(), k.parallel());
      for (int r = 0; r < rounds; r++) {
        for (int on = 0; on < 2; on++) {
          boolean owned = ((r + on) & 1) == 0; // alternate which goes first
          if (touch) DecodeStep.b1TouchAhead = owned;
          else DecodeStep.b1Owned = owned;
          var d = EngineBench.decode(m, 1, 64, 64, 1, reps, 0);
          cpu[owned ? 1 : 0][r] = d.cpuMsPerStep();
          tps[owned ? 1 : 0][r] = d.tokensPerSecond();
        }
      }
    } finally {
      DecodeStep.b1Owned = true;
      DecodeStep.b1TouchAhead = true;
    }
    for (int a = 0; a < 2; a++) {
      System.out.printf(Locale.ROOT, "%s: cpu-ms/step %s, tok/s %s; medians %.3f cpu-ms/step, %.1f tok/s%n",
          a == 1 ? (touch ? "read ahead" : "owned parts") : (touch ? "no read-ahead" : "four chunks per thread"), Arrays.toString(cpu[a]), Arrays.toString(tps[a]), median(cpu[a]), median(tps[a]));
    }
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
