package dev.tulu4j.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class GemmsTest {

  @Test
  void explicitBackendsAreTakenAsAsked() {
    try (Parallel p = Parallel.create(2)) {
      assertThat(Gemms.select(GemmBackend.VECTOR, p).gemm()).isInstanceOf(VectorGemm.class);
      Gemms.Selection s = Gemms.select(GemmBackend.OPENBLAS, p);
      assertThat(s.gemm()).isInstanceOf(OpenBlasGemm.class);
      assertThat(s.reason()).startsWith("openblas (configured");
    }
  }

  @Test
  void autoStartsOnVectorAndWorksOnEitherChoice() {
    try (Kernels k = Kernels.create(new KernelConfig(GemmBackend.AUTO, 2))) {
      assertThat(k.gemmReason()).startsWith("auto (vector until a whole step is timed against openblas/");
      // always the vector GEMM (its decode paths and its pool for the model's loops), routing large products to auto
      assertThat(k.gemm()).isInstanceOf(VectorGemm.class);
      AutoGemm auto = Gemms.autoOf(k.gemm()).orElseThrow();
      assertThat(auto.choice()).isEqualTo("vector");
      assertThat(Gemms.id(k.gemm())).isEqualTo("vector");
      GemmCheck.check(k.gemm(), GemmCheck.plain(false, true, 37, 70, 45), 3);
      GemmCheck.check(k.gemm(), GemmCheck.plain(false, true, 200, 150, 300), 4);
      assertThat(auto.use(auto.otherId())).isNull();
      assertThat(Gemms.id(k.gemm())).isEqualTo("vector+" + auto.otherId());
      GemmCheck.check(k.gemm(), GemmCheck.plain(false, true, 200, 150, 300), 5);
      GemmCheck.check(k.gemm(), GemmCheck.plain(true, false, 200, 150, 300), 6);
    }
  }

  @Test
  void openBlasReportsItsKernelsAndBuild() {
    OpenBlasGemm g = OpenBlasGemm.load(1);
    assertThat(g.coreName()).isNotBlank().isNotEqualTo("unknown");
    assertThat(g.config()).startsWith("OpenBLAS ").contains(g.coreName());
    assertThat(g.id()).isEqualTo("openblas/" + g.coreName());
    assertThat(Gemms.id(g)).isEqualTo(g.id());
  }

  @Test
  void routingRuleKeepsDecodeAndSmallProductsOnVector() {
    assertThat(Gemms.routesToLarge(1, 49152, 576)).as("b1 LM head of SmolLM2").isFalse();
    assertThat(Gemms.routesToLarge(32, 1536, 576)).as("b32 MLP").isFalse();
    assertThat(Gemms.routesToLarge(64, 4096, 4096)).as("64 rows").isFalse();
    assertThat(Gemms.routesToLarge(4096, 1, 4096)).as("matrix-vector").isFalse();
    assertThat(Gemms.routesToLarge(100, 100, 100)).as("2 MFLOP").isFalse();
    assertThat(Gemms.routesToLarge(4096, 576, 64)).as("depth 64").isFalse();
    assertThat(Gemms.routesToLarge(65, 256, 256)).as("65 rows, 8.5 MFLOP").isTrue();
    assertThat(Gemms.routesToLarge(2048, 768, 256)).as("training forward").isTrue();
  }

  @Test
  void aRoutedVectorGemmSendsOnlyLargeProductsToTheOtherBackend() {
    int[] calls = new int[1];
    Gemm counting = new Gemm() {
      final NaiveGemm naive = new NaiveGemm();

      @Override
      public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff,
          int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        calls[0]++;
        naive.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
      }

      @Override
      public String name() {
        return "counting";
      }
    };
    try (Parallel p = Parallel.create(2)) {
      VectorGemm g = new VectorGemm(p).routingLargeTo(counting);
      assertThat(g.name()).isEqualTo("vector+counting");
      GemmCheck.check(g, GemmCheck.plain(false, true, 1, 300, 200), 1);
      GemmCheck.check(g, GemmCheck.plain(false, true, 32, 300, 200), 2);
      GemmCheck.check(g, GemmCheck.plain(true, false, 90, 90, 90), 3);
      assertThat(calls[0]).as("decode-sized and small products").isZero();
      GemmCheck.check(g, GemmCheck.plain(false, true, 130, 300, 200), 4);
      GemmCheck.check(g, GemmCheck.plain(true, true, 130, 300, 200), 5);
      assertThat(calls[0]).as("large products").isEqualTo(2);
    }
  }

  @Test
  void parsesBackendNames() {
    assertThat(GemmBackend.parse("OpenBLAS")).isEqualTo(GemmBackend.OPENBLAS);
    assertThat(GemmBackend.parse(" auto ")).isEqualTo(GemmBackend.AUTO);
    assertThatThrownBy(() -> GemmBackend.parse("mkl")).hasMessageContaining("'mkl'");
  }
}
