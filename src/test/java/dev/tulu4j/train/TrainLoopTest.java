package dev.tulu4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tulu4j.config.ConfigLoader;
import dev.tulu4j.model.Parameter;
import dev.tulu4j.tensor.TaskRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainLoopTest {
  static final int N = 40;
  @TempDir Path dir;

  static TrainConfig cfg(Path out, String... extra) {
    List<String> o = new ArrayList<>(List.of("optim.lr=0.05", "optim.warmup_ratio=0.2", "optim.weight_decay=0.01",
        "optim.max_grad_norm=5", "max_steps=12", "micro_batch=2", "grad_accum=2", "save_every=4", "keep_last=2",
        "progress=false", "out_dir=" + out));
    o.addAll(Arrays.asList(extra));
    return ConfigLoader.fromOverrides(o, TrainConfig.class);
  }

  static TrainResult train(TrainConfig c, ToyRegression toy) throws IOException {
    return new TrainLoop(c, toy.params, toy.size(), toy, TaskRunner.serial()).run();
  }

  /** Tülu 3 sum reduction: batch 8 × accumulation 1 equals batch 1 × accumulation 8, bit for bit. */
  @Test
  void sumReductionMakesAccumulationInvisible() throws IOException {
    ToyRegression a = new ToyRegression(N, 7);
    ToyRegression b = new ToyRegression(N, 7);
    TrainResult ra = train(cfg(dir.resolve("a"), "micro_batch=8", "grad_accum=1", "optim.max_grad_norm=0.5"), a);
    TrainResult rb = train(cfg(dir.resolve("b"), "micro_batch=1", "grad_accum=8", "optim.max_grad_norm=0.5"), b);
    assertThat(ToyRegression.hash(b.params)).isEqualTo(ToyRegression.hash(a.params));
    // the weights are bit-identical; the logged losses only differ in the order of a double sum
    for (int i = 0; i < ra.losses().size(); i++)
      assertThat(rb.losses().get(i)).isCloseTo(ra.losses().get(i), within(1e-12));
    assertThat(ra.totalTokens()).isEqualTo(rb.totalTokens()).isPositive();
  }

  /** Mean reduction weighs micro-batches, not tokens: with unequal lengths the two layouts differ. */
  @Test
  void meanReductionDependsOnMicroBatchLayout() throws IOException {
    ToyRegression a = new ToyRegression(N, 7);
    ToyRegression b = new ToyRegression(N, 7);
    train(cfg(dir.resolve("a"), "micro_batch=8", "grad_accum=1", "loss_reduction=mean"), a);
    train(cfg(dir.resolve("b"), "micro_batch=1", "grad_accum=8", "loss_reduction=mean"), b);
    assertThat(ToyRegression.hash(b.params)).isNotEqualTo(ToyRegression.hash(a.params));
  }

  /** The first logged loss is Σ½err² / trained tokens of the first effective batch at the initial weights. */
  @Test
  void firstLossIsTokenWeightedMeanOfTheFirstBatch() throws IOException {
    ToyRegression toy = new ToyRegression(N, 7);
    int[] first = new DataOrder(N, 42).next(4);
    double sum = 0;
    long count = 0;
    List<Parameter> init = ToyRegression.freshParams();
    for (int i : first)
      for (int j = 0; j < toy.y[i].length; j++) {
        double pred = init.get(1).data()[0];
        for (int d = 0; d < ToyRegression.D; d++) pred += init.get(0).data()[d] * toy.x[i][j][d];
        sum += 0.5 * (pred - toy.y[i][j]) * (pred - toy.y[i][j]);
        count++;
      }
    TrainResult r = train(cfg(dir), toy);
    assertThat(r.losses().getFirst()).isCloseTo(sum / count, within(1e-5));
  }

  @Test
  void lossDecreasesAndMetricsAreOneJsonLinePerStep() throws IOException {
    ToyRegression toy = new ToyRegression(N, 7);
    TrainResult r = train(cfg(dir, "max_steps=40", "optim.schedule=constant", "optim.warmup_ratio=0"), toy);
    assertThat(r.lastLoss()).isLessThan(r.losses().getFirst() / 10);
    List<String> lines = Files.readAllLines(dir.resolve("metrics.jsonl"));
    assertThat(lines).hasSize(40);
    JsonNode last = new ObjectMapper().readTree(lines.getLast());
    assertThat(last.get("step").asLong()).isEqualTo(40);
    for (String k : List.of("loss", "lr", "grad_norm", "tokens_per_s", "trained_tokens", "total_tokens", "elapsed_s", "examples"))
      assertThat(last.has(k)).as(k).isTrue();
    assertThat(last.get("examples").asDouble()).isEqualTo(2.0); // mean over micro-batches of 2 examples
    assertThat(last.get("loss").asDouble()).isEqualTo(r.lastLoss());
    assertThat(last.get("total_tokens").asLong()).isEqualTo(r.totalTokens());
  }

  @Test
  void keepsLastKCheckpointsAndWritesLatest() throws IOException {
    ToyRegression toy = new ToyRegression(N, 7);
    TrainResult r = train(cfg(dir, "max_steps=10", "save_every=2", "keep_last=2"), toy);
    try (var s = Files.list(dir)) {
      assertThat(s.map(p -> p.getFileName().toString()).sorted().toList())
          .containsExactly("latest", "metrics.jsonl", "step-000008", "step-000010");
    }
    assertThat(Files.readString(dir.resolve("latest")).strip()).isEqualTo("step-000010");
    assertThat(r.lastCheckpoint()).isEqualTo(dir.resolve("step-000010"));
    assertThat(dir.resolve("step-000010/trainer_state/state.json")).exists();
    assertThat(Files.readString(dir.resolve("step-000010/trainer_state/config.yaml"))).contains("lr: 0.05");
  }

  @Test
  void totalStepsFromEpochsCrossEpochBoundaries() {
    TrainConfig c = ConfigLoader.fromOverrides(List.of("epochs=3", "micro_batch=2", "grad_accum=2"), TrainConfig.class);
    assertThat(c.totalSteps(10)).isEqualTo(8); // ceil(3·10 / 4)
    assertThat(cfg(dir).totalSteps(10)).isEqualTo(12); // max_steps wins
  }

  @Test
  void nanLossStopsBeforeTheUpdateAndKeepsTheLastGoodCheckpoint() throws IOException {
    ToyRegression toy = new ToyRegression(N, 7);
    toy.nanAtStep = 6; // the 7th step
    String[] before = new String[1];
    TrainLoop loop = new TrainLoop(cfg(dir), toy.params, toy.size(), toy, TaskRunner.serial())
        .onStep(m -> before[0] = ToyRegression.hash(toy.params));
    assertThatThrownBy(loop::run).isInstanceOf(TrainingDivergedException.class)
        .hasMessageContaining("step 7: loss NaN").hasMessageContaining("step-000004");
    assertThat(ToyRegression.hash(toy.params)).isEqualTo(before[0]); // weights of step 6, untouched
    assertThat(new Checkpointer(dir, 2).findLatest().orElseThrow().state().step()).isEqualTo(4);
  }

  @Test
  void resumeRefusesAChangedConfigOrAnUnrequestedResume() throws IOException {
    train(cfg(dir, "max_steps=4"), new ToyRegression(N, 7));
    assertThatThrownBy(() -> train(cfg(dir, "max_steps=4", "optim.lr=0.01"), new ToyRegression(N, 7)))
        .hasMessageContaining("the run config changed").hasMessageContaining("'lr: 0.05' -> 'lr: 0.01'");
    assertThatThrownBy(() -> train(cfg(dir, "max_steps=4", "resume=false"), new ToyRegression(N, 7)))
        .hasMessageContaining("already holds checkpoint step-000004");
    // a finished run resumes to "nothing left to do"; cadence keys may change
    ToyRegression again = new ToyRegression(N, 7);
    TrainResult r = train(cfg(dir, "max_steps=4", "save_every=1", "keep_last=5"), again);
    assertThat(r.resumedFrom()).isEqualTo(4);
    assertThat(r.losses()).isEmpty();
  }

  /**
   * Regression pin: the first losses of the seeded toy run (data order, schedule, clipping, AdamW
   * and sum reduction together). Tolerance instead of bits: the gradient norm sums in vector lanes,
   * whose width differs between CPUs.
   */
  @Test
  void firstLossesOfTheSeededToyRunArePinned() throws IOException {
    TrainResult r = train(cfg(dir), new ToyRegression(N, 7));
    double[] pinned = {2.326930142513116, 1.9773302646273578, 2.3179161274683318, 0.8588881611597324,
        3.0367769583077004, 4.69480772683742};
    for (int i = 0; i < pinned.length; i++)
      assertThat(r.losses().get(i)).as("loss of step %d", i + 1).isCloseTo(pinned[i], within(1e-9 * pinned[i]));
  }
}
