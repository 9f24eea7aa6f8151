package dev.tulu4j.cli;

import dev.tulu4j.model.LayerWeights;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.runtime.EngineBench;
import dev.tulu4j.tensor.KernelConfig;
import dev.tulu4j.tensor.Kernels;
import dev.tulu4j.tensor.CacheLines;
import dev.tulu4j.tensor.GemmBackend;
import java.util.Locale;
import java.util.TreeMap;

/**
 * Manual measurement (a main, not a test): where this JVM put the decode weights against cache lines
 * ({@link CacheLines#lead} of every layer matrix and the LM head) and the batch-1 decode speed over
 * them, as {@code bench decode} times it (a few rounds in the same JVM). Arguments:
 * {@code shape threads rounds} (e.g. {@code tiny 1 3}).
 */
public final class DecodeB1LeadsMain {
  private DecodeB1LeadsMain() {}

  public static void main(String[] args) throws Exception {
    EngineBenchCommands.Shape s = EngineBenchCommands.Shape.of(args[0]);
    int threads = Integer.parseInt(args[1]), rounds = Integer.parseInt(args[2]);
    try (Kernels k = Kernels.create(new KernelConfig(GemmBackend.parse("vector"), threads))) {
      LlamaModel m = LlamaModel.random(s.config(), 0, k.gemm(), k.parallel());
      TreeMap<Integer, Integer> leads = new TreeMap<>();
      StringBuilder first = new StringBuilder();
      for (int l = 0; l < s.config().layers(); l++) {
        LayerWeights w = m.layer(l);
        for (var p : new dev.tulu4j.model.Parameter[] {w.q(), w.k(), w.v(), w.o(), w.gate(), w.up(), w.down()}) {
          int lead = CacheLines.lead(p.data());
          leads.merge(lead, 1, Integer::sum);
          if (l == 0) first.append(lead).append(' ');
        }
      }
      System.out.printf(Locale.ROOT, "%s: layer matrices by lead %s; layer 0 q k v o gate up down: %s; lm head %d%n", s.name(),
          leads, first.toString().trim(), CacheLines.lead(m.lmHead().data()));
      for (int r = 0; r < rounds; r++) {
        var d = EngineBench.decode(m, 1, 64, 64, 1, 3, 0);
        System.out.printf(Locale.ROOT, "  %.1f tok/s, %.3f cpu-ms/step%n", d.tokensPerSecond(), d.cpuMsPerStep());
      }
    }
  }
}
