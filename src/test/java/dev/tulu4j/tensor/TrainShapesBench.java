package dev.tulu4j.tensor;

import java.util.Locale;

/**
 * Manual benchmark (a {@code main}, not a test): the GEMM shapes of the tiny model's B16×T256
 * training step (N = 4096 rows, C 256, F 768, V 2048 in head chunks of 2048 rows, attention tiles
 * of 64 queries × up to 256 keys × head dim 32), each with every {@link VectorGemm.AMode} (A packed into tiles, the
 * earlier design, or read in place), interleaved. Args: {@code threads [reps]}.
 */
public final class TrainShapesBench {
  private TrainShapesBench() {}

  public static void main(String[] args) {
    int threads = args.length > 0 ? Integer.parseInt(args[0]) : 1;
    int reps = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int[][] shapes = { // transA, transB, m, n, k
        {0, 1, 4096, 256, 256}, {0, 1, 4096, 768, 256}, {0, 1, 4096, 256, 768}, {0, 1, 2048, 2048, 256},
        {0, 0, 4096, 256, 256}, {0, 0, 4096, 256, 768}, {0, 0, 4096, 768, 256}, {0, 0, 2048, 256, 2048},
        {1, 0, 256, 256, 4096}, {1, 0, 768, 256, 4096}, {1, 0, 256, 768, 4096}, {1, 0, 2048, 256, 2048},
        {0, 1, 64, 256, 32}, {0, 0, 64, 32, 256}, {1, 0, 256, 32, 64}};
    try (Parallel par = Parallel.create(threads)) {
      VectorGemm.AMode[] modes = VectorGemm.AMode.values();
      VectorGemm[] gemms = new VectorGemm[modes.length];
      for (int i = 0; i < modes.length; i++) gemms[i] = new VectorGemm(par, VectorGemm.Blocking.defaults(), modes[i]);
      // the attention score tile S = Q·Kᵀ: the few-rows path (the old routing) against the packed kernel
      Gemm fewRows = new Gemm() {
        @Override
        public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff,
            int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
          FewRowsGemm.run(Parallel.serial(), transA, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        }

        @Override
        public String name() {
          return "fewrows";
        }
      };
      VectorGemm serial = new VectorGemm(Parallel.serial());
      for (int keys : new int[] {64, 256}) {
        for (Gemm g : new Gemm[] {fewRows, serial}) {
          GemmBench.Result r = GemmBench.run(g, 1, 64, keys, 32, false, true, 50, 0.3, 200);
          System.out.printf(Locale.ROOT, "NT %5dx%5dx%5d %-8s median %6.1f GF/s  %6.1f GF/cpu-s%n", 64, keys, 32,
              g.name(), r.medianGflops(), r.gflopsPerCpuSecond());
        }
      }
      for (int[] s : shapes) {
        for (int i = 0; i < gemms.length; i++) {
          VectorGemm g = gemms[i];
          if (i == 1 && s[0] == 0) continue; // ROWS_IN_PLACE is IN_PLACE for a non-transposed A
          GemmBench.Result r = GemmBench.run(g, threads, s[2], s[3], s[4], s[0] == 1, s[1] == 1, 3, 0.3, reps);
          System.out.printf(Locale.ROOT, "%s%s %5dx%5dx%5d %-13s median %6.1f GF/s  %6.1f GF/cpu-s  others %3.0f%%%n",
              s[0] == 1 ? "T" : "N", s[1] == 1 ? "T" : "N", s[2], s[3], s[4], modes[i],
              r.medianGflops(), r.gflopsPerCpuSecond(), 100 * r.othersCpuShare());
        }
      }
    }
  }
}
