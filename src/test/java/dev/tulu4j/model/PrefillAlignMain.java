package dev.tulu4j.model;

import dev.tulu4j.tensor.CacheLines;
import dev.tulu4j.tensor.GemmBackend;
import dev.tulu4j.tensor.KernelConfig;
import dev.tulu4j.tensor.Kernels;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Where tiny prefill's arrays sit against cache lines in this JVM, next to this JVM's prefill speed
 * (the {@code bench prefill --shape tiny --gemm vector} pass: {@link LlamaModel#logits}, B16 × T256).
 * Run it in several JVMs and compare, with the launcher's collector ({@code -XX:+UseParallelGC -Xmx…}: under G1
 * the arrays of 2 MiB and more are humongous and always 16 bytes past a line):
 * {@code java … PrefillAlignMain [threads] [reps] [rounds]}; {@code rounds > 0} also alternates passes with
 * the attention tiles on a line and 16 bytes past one ({@link BlockAttention#probeShift}) in this JVM.
 * docs/PERFORMANCE.md, "Session 13: tiny prefill/train and cache lines".
 */
public final class PrefillAlignMain {
  private PrefillAlignMain() {}

  public static void main(String[] args) {
    int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
    int reps = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    LlamaConfig c = LlamaConfig.tiny();
    int n = 16 * 256;
    try (Kernels k = Kernels.create(new KernelConfig(GemmBackend.VECTOR, threads))) {
      LlamaModel m = LlamaModel.random(c, 0, k.gemm(), k.parallel());
      int[] ids = new SplittableRandom(2).ints(n, 0, c.vocabSize()).toArray();
      Batch b = new Batch(16, 256, ids, null, null, null);
      Activations act = new Activations(c, n);
      var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
      double[] wall = new double[reps], cpu = new double[reps];
      float[] last = null;
      for (int i = -3; i < reps; i++) {
        long c0 = os.getProcessCpuTime(), t0 = System.nanoTime();
        last = m.logits(b, act);
        if (i >= 0) {
          wall[i] = (System.nanoTime() - t0) / 1e9;
          cpu[i] = (os.getProcessCpuTime() - c0) / 1e9;
        }
      }
      // the same JVM, the attention tiles on a line (shift 0) or 4 floats past one (16 bytes, as a humongous array), alternating
      int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 0;
      int[] shifts = {0, 4};
      double[][] ab = new double[2][rounds];
      for (int r = 0; r < rounds; r++) {
        for (int v = 0; v < 2; v++) {
          int which = (r % 2 == 0) ? v : 1 - v;
          BlockAttention.probeShift = shifts[which];
          long c0 = os.getProcessCpuTime();
          for (int i = 0; i < 3; i++) m.logits(b, act);
          ab[which][r] = (os.getProcessCpuTime() - c0) / 3e9;
        }
      }
      BlockAttention.probeShift = 0;
      if (rounds > 0) {
        double[] ratio = new double[rounds];
        for (int r = 0; r < rounds; r++) ratio[r] = ab[1][r] / ab[0][r];
        java.util.Arrays.sort(ab[0]);
        java.util.Arrays.sort(ab[1]);
        java.util.Arrays.sort(ratio);
        System.out.printf(Locale.ROOT, "A/B cpu/pass: tiles on a line %.4f, 16 bytes off %.4f (medians of %d rounds), per-round ratio median %.3f (%.3f..%.3f)%n",
            ab[0][rounds / 2], ab[1][rounds / 2], rounds, ratio[rounds / 2], ratio[0], ratio[rounds - 1]);
      }
      java.util.Arrays.sort(wall);
      java.util.Arrays.sort(cpu);
      StringBuilder sb = new StringBuilder();
      sb.append(String.format(Locale.ROOT, "tok/s %.0f cpu/pass %.3f |", n / wall[reps / 2], cpu[reps / 2]));
      TreeMap<String, Integer> hist = new TreeMap<>();
      for (Parameter p : m.parameters()) {
        if (p.data() == null) continue;
        int lead = CacheLines.lead(p.data());
        sb.append(' ').append(shortName(p.name())).append('=').append(lead);
        hist.merge("w" + lead, 1, Integer::sum);
      }
      sb.append(" | act res0/1=").append(CacheLines.lead(act.res[0])).append('/').append(CacheLines.lead(act.res[1]))
          .append(" ln1=").append(CacheLines.lead(act.ln1[0])).append(" k=").append(CacheLines.lead(act.k[0]))
          .append(" v=").append(CacheLines.lead(act.v[0])).append(" att=").append(CacheLines.lead(act.att[0]))
          .append(" resMid=").append(CacheLines.lead(act.resMid[0])).append(" ln2=").append(CacheLines.lead(act.ln2[0]))
          .append(" gate=").append(CacheLines.lead(act.gate[0])).append(" up=").append(CacheLines.lead(act.up[0]))
          .append(" h=").append(CacheLines.lead(act.h[0]));
      sb.append(" | rstd1=").append(CacheLines.lead(act.rstd1[0]))
          .append(" lse=").append(CacheLines.lead(act.lse[0]))
          .append(" rope=").append(CacheLines.lead(act.ropeCos)).append('/').append(CacheLines.lead(act.ropeSin))
          .append(" q=").append(CacheLines.lead(act.q[0]))
          .append(" res0=").append(CacheLines.lead(act.res[0]))
          .append(" lnf=").append(CacheLines.lead(act.lnf))
          .append(" headScratch=").append(CacheLines.lead(act.headScratch)).append("(").append(act.headScratch.length).append(")")
          .append(" logits=").append(CacheLines.lead(last));
      java.util.concurrent.ConcurrentSkipListMap<String, String> att = new java.util.concurrent.ConcurrentSkipListMap<>();
      m.parallel().forEach(64, t -> {
        float[][] sc = BlockAttention.scratchForProbe();
        att.put(Thread.currentThread().getName().replaceAll(".*-", "t"), "s=" + CacheLines.lead(sc[0]) + ",kt=" + CacheLines.lead(sc[2]));
        try { Thread.sleep(2); } catch (InterruptedException e) { Thread.currentThread().interrupt(); }
      });
      sb.append(" | attention scratch ").append(att);
      int cut = sb.indexOf(" embed_tokens");
      int bar = sb.indexOf(" | act");
      String weights = sb.substring(cut, bar);
      sb.delete(cut, bar);
      System.out.println(sb);
      System.out.println("weights" + weights);
      System.out.println("weight lead histogram " + hist);
    }
  }

  private static String shortName(String s) {
    return s.replace("model.layers.", "L").replace(".self_attn.", ".").replace(".mlp.", ".").replace("_proj.weight", "")
        .replace(".weight", "").replace("model.", "");
  }
}
