package dev.tulu4j.golden;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.model.Activations;
import dev.tulu4j.model.Batch;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.model.Parameter;
import dev.tulu4j.sft.CausalLmStep;
import dev.tulu4j.checkpoint.ModelFiles;
import dev.tulu4j.sft.PackedBatch;
import dev.tulu4j.tensor.GemmBackend;
import dev.tulu4j.tensor.KernelConfig;
import dev.tulu4j.tensor.Kernels;
import dev.tulu4j.train.LossReduction;
import dev.tulu4j.train.Rng;
import dev.tulu4j.train.StepStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Holds the engine to golden values that transformers itself computed (float64, from the same
 * float32 weights): {@code tools/golden/make_golden.py} builds each checkpoint with transformers'
 * own {@code LlamaForCausalLM}/{@code Qwen2ForCausalLM}, saves it with {@code save_pretrained}, and
 * writes the logits, the loss and every parameter's gradient for a two-row batch (one sequence with
 * a masked prompt; one row packing two sequences with restarting position ids).
 *
 * <p>The engine side takes the paths a user's run takes: the SFT recipe's checkpoint loader
 * ({@link ModelFiles#loadModel}), the model's logits, and the SFT training step
 * ({@link CausalLmStep}) for the loss and gradients. Gradients are matched by parameter name: the
 * engine names its parameters with the Hugging Face names of its own table, so
 * {@code grad.<name>} in the fixture is the gradient of the engine's parameter {@code <name>}.
 *
 * <p>Metric, for the logits and each gradient tensor: {@code max_i |engine_i − golden_i| / max_i
 * |golden_i|} (error relative to the tensor's largest golden magnitude), at most {@value #TOL}; the
 * loss: relative error at most {@value #TOL}.
 */
class TransformersGoldenTest {
  static final double TOL = 1e-4;
  /** The fixtures this test holds the engine to: one per family the engine models. */
  static final List<String> CASES = List.of("llama_gqa_llama3_untied", "qwen2_gqa_bias_tied", "qwen3_tied",
      "olmo2_untied", "mistral_sliding_window", "gemma2_softcap");

  static List<String> cases() {
    return CASES;
  }

  @ParameterizedTest
  @MethodSource("cases")
  void logitsLossAndEveryGradientMatchTransformers(String name) {
    GoldenFixture g = GoldenFixture.read(GoldenFixture.folder(name));
    PackedBatch pb = packedBatch(g);
    assertThat(pb.trainedTokens()).as("trained targets").isEqualTo(g.meta().get("trained_targets").intValue());
    try (Kernels k = Kernels.create(new KernelConfig(GemmBackend.VECTOR, 2))) {
      LlamaModel model = ModelFiles.loadModel(g.checkpoint(), k.gemm(), true);
      List<String> report = new ArrayList<>();
      List<String> failed = new ArrayList<>();

      Batch batch = new Batch(pb.rows(), pb.length(), pb.tokens(), null, pb.positions(), pb.segments());
      float[] logits = model.logits(batch, new Activations(model.config(), pb.rows() * pb.length()));
      compare("logits", logits, g.tensor("logits"), report, failed);

      // The loss through SFT's own step. Under MEAN reduction with one micro-batch the step
      // backpropagates lossScale(count) = 1/count times the summed token NLL: exactly the gradient
      // of transformers' mean cross-entropy (ForCausalLMLoss averages over targets != -100). The
      // step reports the unnormalised sum, so the mean loss is lossSum / count.
      model.zeroGrad();
      CausalLmStep step = new CausalLmStep(model, indices -> pb);
      StepStats s = step.forwardBackward(
          new dev.tulu4j.train.Batch(0, 0, 1, new int[] {0}, LossReduction.MEAN, new Rng(1)));
      assertThat(s.count()).as("tokens the step trained on").isEqualTo(pb.trainedTokens());
      double loss = s.lossSum() / s.count();
      double goldenLoss = g.tensor("loss").data()[0];
      double lossErr = Math.abs(loss - goldenLoss) / Math.abs(goldenLoss);
      report.add(String.format("%-48s rel err %.2e (engine %.9f, transformers %.9f)", "loss", lossErr, loss, goldenLoss));
      if (!(lossErr <= TOL)) failed.add("loss");

      Set<String> goldenGrads = g.tensors().keySet().stream().filter(n -> n.startsWith("grad."))
          .map(n -> n.substring(5)).collect(Collectors.toCollection(TreeSet::new));
      Set<String> engineParams = model.parameters().stream().map(Parameter::name)
          .collect(Collectors.toCollection(TreeSet::new));
      assertThat(engineParams).as("engine parameters vs transformers' named_parameters()").isEqualTo(goldenGrads);
      for (Parameter p : model.parameters()) compare("grad " + p.name(), p.grad(), g.tensor("grad." + p.name()), report, failed);

      assertThat(failed).as("%s: max |engine - golden| / max |golden| per tensor must be <= %s; failing: %s%n%s",
          name, TOL, failed, String.join("\n", report)).isEmpty();
    }
  }

  /** Every fixture marked as consumed by a Java test is in {@link #CASES}, so none is silently skipped. */
  @Test
  void everyConsumedFixtureIsTested() throws IOException {
    Path root = GoldenFixture.folder(CASES.get(0)).getParent();
    List<String> consumed;
    try (Stream<Path> dirs = Files.list(root)) {
      consumed = dirs.filter(d -> Files.isRegularFile(d.resolve("golden.json"))).map(GoldenFixture::read)
          .filter(f -> f.meta().path("consumed_by_java_test").asBoolean(false)) // absent: another test's fixture (peft-llama)
          .map(f -> f.dir().getFileName().toString()).sorted().toList();
    }
    assertThat(consumed).isEqualTo(CASES.stream().sorted().toList());
  }

  /**
   * transformers' inputs as the engine's packed batch. Targets: transformers' causal-LM loss shifts
   * the labels inside each row (the target of position t is labels[t+1]; the last position has
   * none). Segments: a new sequence starts where position_ids do not continue by +1, the rule of
   * transformers' {@code masking_utils.find_packed_sequence_indices}.
   */
  static PackedBatch packedBatch(GoldenFixture g) {
    int b = g.batch();
    int t = g.seqLen();
    int[] targets = new int[b * t];
    int[] segments = new int[b * t];
    int examples = 0;
    int trained = 0;
    for (int r = 0; r < b; r++) {
      int seg = -1;
      for (int j = 0; j < t; j++) {
        int i = r * t + j;
        targets[i] = j + 1 < t ? g.labels()[i + 1] : PackedBatch.IGNORE;
        if (targets[i] != PackedBatch.IGNORE) trained++;
        if (j == 0 || g.positions()[i] != g.positions()[i - 1] + 1) {
          seg++;
          examples++;
        }
        segments[i] = seg;
      }
    }
    return new PackedBatch(b, t, g.ids(), targets, g.positions(), segments, examples, trained);
  }

  /** Adds one report line; records {@code what} as failed when the relative error exceeds {@link #TOL}. */
  private static void compare(String what, float[] engine, GoldenFixture.Golden golden, List<String> report,
      List<String> failed) {
    double[] gd = golden.data();
    if (engine.length != gd.length) {
      report.add(what + ": engine has " + engine.length + " values, golden " + Arrays.toString(golden.shape()));
      failed.add(what);
      return;
    }
    double maxAbs = 0;
    double maxErr = 0;
    int worst = 0;
    for (int i = 0; i < gd.length; i++) {
      maxAbs = Math.max(maxAbs, Math.abs(gd[i]));
      double e = Math.abs(engine[i] - gd[i]);
      if (e > maxErr || Double.isNaN(e)) {
        maxErr = e;
        worst = i;
      }
    }
    assertThat(maxAbs).as("%s: the golden tensor is all zeros, the relative metric would be meaningless", what)
        .isGreaterThan(0);
    double rel = maxErr / maxAbs;
    report.add(String.format("%-48s rel err %.2e (max |golden| %.3e, worst at flat index %d of %s)", what, rel, maxAbs,
        worst, Arrays.toString(golden.shape())));
    if (!(rel <= TOL)) failed.add(what);
  }
}
