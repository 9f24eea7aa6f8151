package dev.tulu4j.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * {@code --gemm auto}'s choice follows the whole-step measurement. The two backends are stand-ins
 * that advance a fake clock by a fixed cost per large product (and compute with the Java kernels),
 * so the test is exact and untimed.
 */
class AutoGemmTest {
  /** A large product (routed): 128 × 128 × 256 = 8.4 MFLOP. */
  private static final int M = 128, N = 128, K = 256;

  /** A GEMM that costs {@code nanos} of the fake clock per call and counts its calls. */
  private static final class Costly implements Gemm {
    final Gemm real;
    final AtomicLong clock;
    final long nanos;
    int calls;

    Costly(Gemm real, AtomicLong clock, long nanos) {
      this.real = real;
      this.clock = clock;
      this.nanos = nanos;
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
        float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
      calls++;
      clock.addAndGet(nanos);
      real.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    @Override
    public String name() {
      return "costly";
    }
  }

  private record Setup(AutoGemm auto, Costly vector, Costly other, Runnable step) {}

  /** A "step" of three large products and one decode-sized one through the model's router. */
  private static Setup setup(Parallel p, AtomicLong clock, long vectorNanos, long otherNanos) {
    VectorGemm base = new VectorGemm(p);
    Costly v = new Costly(base, clock, vectorNanos);
    Costly o = new Costly(base, clock, otherNanos);
    AutoGemm auto = new AutoGemm(base, v, o, "fake/Slow", clock::get);
    float[] a = new float[M * K], b = new float[N * K], c = new float[M * N];
    for (int i = 0; i < a.length; i++) a[i] = i % 7 - 3;
    for (int i = 0; i < b.length; i++) b[i] = i % 5 - 2;
    VectorGemm g = auto.routed();
    Runnable step = () -> {
      for (int r = 0; r < 3; r++) g.sgemm(false, true, M, N, K, 1f, a, 0, K, b, 0, K, 0f, c, 0, N);
      g.sgemm(false, true, 1, N, K, 1f, a, 0, K, b, 0, K, 0f, c, 0, N); // decode-sized: never routed
    };
    return new Setup(auto, v, o, step);
  }

  @Test
  void aSlowerOtherBackendLeavesVector() {
    try (Parallel p = Parallel.create(1)) {
      AtomicLong clock = new AtomicLong();
      Setup s = setup(p, clock, 10_000_000L, 30_000_000L);
      AutoGemm.Measurement m = s.auto().measure("toy", s.step(), 1000);
      assertThat(m.choice()).isEqualTo("vector");
      assertThat(s.auto().choice()).isEqualTo("vector");
      assertThat(m.vectorSeconds()).isEqualTo(0.03);
      assertThat(m.otherSeconds()).isEqualTo(0.09);
      assertThat(m.rounds()).isEqualTo(AutoGemm.MAX_ROUNDS);
      assertThat(s.other().calls).as("warm-up and 3 timed steps, 3 large products each").isEqualTo(12);
      assertThat(m.line()).contains("vector 30.0 ms").contains("fake/Slow 90.0 ms per step")
          .contains(": vector (fake/Slow is 3.00x slower)");
      int before = s.other().calls;
      s.step().run();
      assertThat(s.other().calls).as("after the choice the large products run on vector").isEqualTo(before);
    }
  }

  @Test
  void aFasterOtherBackendIsChosenAndTakesOnlyTheLargeProducts() {
    try (Parallel p = Parallel.create(1)) {
      AtomicLong clock = new AtomicLong();
      Setup s = setup(p, clock, 30_000_000L, 10_000_000L);
      AutoGemm.Measurement m = s.auto().measure("toy", s.step(), 1000);
      assertThat(m.choice()).isEqualTo("fake/Slow");
      assertThat(m.line()).contains("3.00x faster");
      int v = s.vector().calls, o = s.other().calls;
      s.step().run();
      assertThat(s.vector().calls).isEqualTo(v);
      assertThat(s.other().calls).as("three large products; the decode-sized one stays on the Java kernels").isEqualTo(o + 3);
      assertThat(Gemms.id(s.auto().routed())).isEqualTo("vector+fake/Slow");
    }
  }

  @Test
  void withinTheMarginVectorIsKept() {
    try (Parallel p = Parallel.create(1)) {
      AtomicLong clock = new AtomicLong();
      Setup s = setup(p, clock, 10_500_000L, 10_000_000L); // 5% faster: not a clear margin
      AutoGemm.Measurement m = s.auto().measure("toy", s.step(), 1000);
      assertThat(m.choice()).isEqualTo("vector");
      assertThat(m.line()).endsWith("(fake/Slow is faster by 5.0%, not the 10% asked)");
      assertThat(Gemms.id(s.auto().routed())).isEqualTo("vector");
    }
  }

  @Test
  void aMeasurementBeyondTheBoundIsSkipped() {
    try (Parallel p = Parallel.create(1)) {
      AtomicLong clock = new AtomicLong();
      // a 3 s step, 10 steps in the run: 2% of 30 s < 5 s, and 4 steps (12 s) exceed 5 s
      Setup s = setup(p, clock, 1_000_000_000L, 1L);
      AutoGemm.Measurement m = s.auto().measure("toy", s.step(), 10);
      assertThat(m.choice()).isEqualTo("vector");
      assertThat(m.line()).contains("skipped");
      assertThat(s.other().calls).isZero();
      assertThat(s.vector().calls).isEqualTo(3);
    }
  }

  @Test
  void theBoundGrowsWithTheRunAndLimitsTheRounds() {
    try (Parallel p = Parallel.create(1)) {
      AtomicLong clock = new AtomicLong();
      // vector steps 3 s, other 1.5 s; 200 steps: bound = 2% of 600 s = 12 s; warm-ups 4.5 s + a round of 4.5 s = 9 s,
      // a second round would end at 13.5 s > 12 s
      Setup s = setup(p, clock, 1_000_000_000L, 500_000_000L);
      AutoGemm.Measurement m = s.auto().measure("toy", s.step(), 200);
      assertThat(m.boundSeconds()).isEqualTo(12.0);
      assertThat(m.rounds()).isEqualTo(1);
      assertThat(m.choice()).isEqualTo("fake/Slow");
    }
  }

  @Test
  void aRecordedChoiceIsReused() {
    try (Parallel p = Parallel.create(1)) {
      Setup s = setup(p, new AtomicLong(), 1, 1);
      assertThat(s.auto().use("fake/Slow")).isNull();
      assertThat(s.auto().choice()).isEqualTo("fake/Slow");
      assertThat(s.auto().use("openblas/Haswell")).contains("not available");
      assertThat(s.auto().choice()).isEqualTo("vector");
    }
  }
}
