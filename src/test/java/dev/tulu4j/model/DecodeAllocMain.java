package dev.tulu4j.model;

import dev.tulu4j.runtime.EngineBench;
import dev.tulu4j.tensor.GemmBackend;
import dev.tulu4j.tensor.KernelConfig;
import dev.tulu4j.tensor.Kernels;
import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * Manual measurement (a main, not a test): bytes the JVM's threads allocate per batch-1 decode step
 * once warm ({@code com.sun.management.ThreadMXBean#getTotalThreadAllocatedBytes} around 63
 * {@code LlamaModel.decode} calls after a prompt pass, the bench's workload). Arguments: {@code tiny|135m threads rounds}.
 */
public final class DecodeAllocMain {
  private DecodeAllocMain() {}

  public static void main(String[] args) throws Exception {
    LlamaConfig c = args[0].equals("tiny") ? LlamaConfig.tiny() : LlamaConfig.smollm2_135m();
    int threads = Integer.parseInt(args[1]), rounds = Integer.parseInt(args[2]);
    var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    try (Kernels k = Kernels.create(new KernelConfig(GemmBackend.parse("vector"), threads))) {
      LlamaModel m = LlamaModel.random(c, 0, k.gemm(), k.parallel());
      EngineBench.decode(m, 1, 64, 64, 1, 3, 0); // warm-up (C2), as the bench does
      KvCache cache = m.newCache(1, 128);
      int[] prompt = new java.util.SplittableRandom(4).ints(64, 0, c.vocabSize()).toArray();
      int[] next = new int[1];
      for (int r = 0; r < rounds; r++) {
        cache.reset();
        DecodeProfileMain.argmax(m.prefill(cache, new int[][] {prompt}), c.vocabSize(), next);
        long a0 = mx.getTotalThreadAllocatedBytes();
        for (int s = 1; s < 64; s++) DecodeProfileMain.argmax(m.decode(cache, next), c.vocabSize(), next);
        long a1 = mx.getTotalThreadAllocatedBytes();
        System.out.printf(Locale.ROOT, "round %d: %.2f KB allocated per step (63 steps; the returned logits are %.2f KB)%n", r,
            (a1 - a0) / 1e3 / 63, c.vocabSize() * 4 / 1e3);
      }
    }
  }
}
