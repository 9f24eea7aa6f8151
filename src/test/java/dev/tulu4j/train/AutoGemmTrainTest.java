package dev.tulu4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tulu4j.tensor.AutoGemm;
import dev.tulu4j.tensor.Gemm;
import dev.tulu4j.tensor.Parallel;
import dev.tulu4j.tensor.VectorGemm;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --gemm auto} at the train loop's start: whole forward+backward steps are timed on both
 * backends without changing the run, the choice follows the measurement, it is recorded in the
 * checkpoints, and a resume reuses it instead of measuring again.
 */
class AutoGemmTrainTest {
  static final int N = 8;
  @TempDir Path dir;

  static TrainConfig cfg(Path out, String... extra) {
    return TrainLoopTest.cfg(out, extra);
  }

  /**
   * The Java kernels, counting calls, after a pause of {@code pauseMillis} per call: with a pause it
   * is a stand-in slower backend, with 0 it passes calls straight on.
   */
  static final class Counting implements Gemm {
    final Gemm real;
    final long pauseMillis;
    final AtomicInteger calls = new AtomicInteger();

    Counting(Gemm real, long pauseMillis) {
      this.real = real;
      this.pauseMillis = pauseMillis;
    }

    static Counting slow(Gemm real) {
      return new Counting(real, 15);
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
        float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
      calls.incrementAndGet();
      if (pauseMillis > 0) {
        try {
          Thread.sleep(pauseMillis);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      real.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    @Override
    public String name() {
      return pauseMillis > 0 ? "slow" : "counting";
    }
  }

  static TrainResult train(TrainConfig c, GemmToy toy, Parallel p) throws IOException {
    return new TrainLoop(c, toy.params, toy.size(), toy, p).gemm(toy.gemm).run();
  }

  static Map<?, ?> machine(Path ckpt) throws IOException {
    return new ObjectMapper().readValue(ckpt.resolve(Checkpointer.STATE_DIR).resolve(Checkpointer.MACHINE_FILE).toFile(), Map.class);
  }

  @Test
  void aSlowerBackendIsMeasuredAndRejectedAndTheRunEqualsAVectorRun() throws IOException {
    try (Parallel p = Parallel.create(2)) {
      VectorGemm vector = new VectorGemm(p);
      GemmToy plain = new GemmToy(vector, N, 5);
      TrainResult a = train(cfg(dir.resolve("vector")), plain, p);

      Counting slow = Counting.slow(vector);
      AutoGemm auto = AutoGemm.of(vector, vector, slow, "slow/Fake");
      GemmToy measured = new GemmToy(auto.routed(), N, 5);
      TrainResult b = train(cfg(dir.resolve("auto")), measured, p);

      assertThat(slow.calls.get()).as("the slower backend ran timed steps").isPositive();
      assertThat(auto.choice()).isEqualTo("vector");
      assertThat(ToyRegression.hash(measured.params)).as("same bits as --gemm vector").isEqualTo(ToyRegression.hash(plain.params));
      assertThat(b.losses()).isEqualTo(a.losses());
      Map<?, ?> m = machine(b.lastCheckpoint());
      assertThat(m.get("gemmAutoChoice")).isEqualTo("vector");
      assertThat(m.get("gemmBackend")).isEqualTo("vector");
      assertThat(machine(a.lastCheckpoint()).get("gemmBackend")).isEqualTo("vector");
      assertThat(machine(a.lastCheckpoint()).containsKey("gemmAutoChoice")).isFalse();
    }
  }

  @Test
  void aFasterBackendIsChosenRecordedAndReusedOnResume() throws IOException {
    try (Parallel p = Parallel.create(2)) {
      VectorGemm vector = new VectorGemm(p);
      // the "vector" side is the slow one here, so the other backend wins the measurement
      Counting slowVector = Counting.slow(vector);
      Counting fast = new Counting(vector, 0);
      AutoGemm auto = AutoGemm.of(vector, slowVector, fast, "fast/Fake");
      GemmToy toy = new GemmToy(auto.routed(), N, 5);
      toy.crashAtStep = 6;
      assertThatThrownBy(() -> train(cfg(dir), toy, p)).hasMessageContaining("injected crash at step 7");
      assertThat(auto.choice()).isEqualTo("fast/Fake");
      Checkpointer.Found f = new Checkpointer(dir, 2).findLatest().orElseThrow();
      assertThat(f.state().step()).isEqualTo(4);
      assertThat(machine(f.dir()).get("gemmAutoChoice")).isEqualTo("fast/Fake");
      assertThat(machine(f.dir()).get("gemmBackend")).isEqualTo("vector+fast/Fake");

      // resume in a "new process": a fresh auto, on vector until told otherwise
      Counting slowVector2 = Counting.slow(vector);
      Counting fast2 = new Counting(vector, 0);
      AutoGemm auto2 = AutoGemm.of(vector, slowVector2, fast2, "fast/Fake");
      GemmToy resumed = new GemmToy(auto2.routed(), N, 5);
      TrainResult r = train(cfg(dir), resumed, p);
      assertThat(r.resumedFrom()).isEqualTo(4);
      assertThat(auto2.choice()).isEqualTo("fast/Fake");
      assertThat(slowVector2.calls.get()).as("no measurement on resume: the vector side never ran").isZero();
      assertThat(fast2.calls.get()).as("8 steps x 2 micro-batches x 2 examples x 2 products").isEqualTo(8 * 2 * 2 * 2);

      // a resume with another backend than the recorded one is told that bit-identity is not promised
      Checkpointer.Found last = new Checkpointer(dir, 2).findLatest().orElseThrow();
      assertThat(Checkpointer.machineNote(last, "vector")).get().asString()
          .contains("gemmBackend vector+fast/Fake -> vector").contains("not promised");
      assertThat(Checkpointer.machineNote(last, "vector+fast/Fake")).isEmpty();
    }
  }
}
