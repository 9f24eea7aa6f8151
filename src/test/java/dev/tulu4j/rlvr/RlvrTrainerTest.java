package dev.tulu4j.rlvr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tulu4j.config.ConfigLoader;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.model.Parameter;
import dev.tulu4j.train.ModelSaver;
import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RlvrTrainerTest {
  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

  @TempDir Path tmp;

  static RlvrConfig config(Path out, String... extra) {
    List<String> o = ToyTask.baseOverrides(out);
    o.addAll(List.of(extra));
    return ConfigLoader.fromOverrides(o, RlvrConfig.class);
  }

  static RlvrTrainer trainer(RlvrConfig cfg, LlamaModel policy, ValueModel value) {
    return new RlvrTrainer(cfg, policy, RlvrTrainer.frozenCopy(policy), value, ToyTask.prompts(),
        List.of(ToyTask.EOS), ToyTask.DECODER, ModelSaver.none(), QUIET);
  }

  private static double mean(List<Map<String, Double>> h, String key, int from, int to) {
    double s = 0;
    for (int i = from; i < to; i++) s += h.get(i).get(key);
    return s / (to - from);
  }

  @Test
  void grpoRaisesTheRewardOnAToyVerifiableTask() throws Exception {
    RlvrConfig cfg = config(tmp.resolve("run"), "algorithm=grpo", "train.max_steps=14", "train.optim.lr=2e-2", "train.optim.schedule=constant",
        "beta=0.01", "ppo_epochs=2", "minibatches=2");
    RlvrTrainer.Result r = trainer(cfg, ToyTask.model(3), null).run();
    var h = r.history();
    double first = mean(h, "accuracy", 0, 3);
    double last = mean(h, "accuracy", h.size() - 3, h.size());
    assertThat(last).as("accuracy first 3 steps %.3f, last 3 steps %.3f", first, last).isGreaterThan(first + 0.3);
    assertThat(last).isGreaterThan(0.6);
    assertThat(h.get(0)).containsKeys("reward", "kl1", "kl3", "entropy", "response_length", "clip_frac",
        "skipped_groups", "rollout_s", "train_s", "gen_tokens_per_s");
    assertThat(Files.readAllLines(tmp.resolve("run/metrics.jsonl"))).hasSize(14);
    assertThat(Files.readAllLines(tmp.resolve("run/samples.jsonl"))).hasSize(14 * 4);
  }

  @Test
  void mixedPromptSetsAlsoLogAccuracyPerDataset() throws Exception {
    RlvrConfig cfg = config(tmp.resolve("mixed"), "algorithm=grpo", "train.max_steps=3", "train.optim.lr=2e-2", "train.optim.schedule=constant");
    List<RlvrPrompt> ps = new java.util.ArrayList<>();
    List<RlvrPrompt> toy = ToyTask.prompts();
    for (int i = 0; i < toy.size(); i++) {
      RlvrPrompt p = toy.get(i);
      ps.add(new RlvrPrompt(p.ids(), p.promptText(), p.groundTruth(), i % 2 == 0 ? "even" : "odd", p.verifier()));
    }
    var h = new RlvrTrainer(cfg, ToyTask.model(3), RlvrTrainer.frozenCopy(ToyTask.model(3)), null, ps,
        List.of(ToyTask.EOS), ToyTask.DECODER, ModelSaver.none(), QUIET).run().history();
    boolean sawBoth = false;
    for (Map<String, Double> m : h) {
      assertThat(m.keySet().stream().filter(k -> k.startsWith("accuracy/")))
          .isSubsetOf("accuracy/even", "accuracy/odd").isNotEmpty();
      sawBoth |= m.containsKey("accuracy/even") && m.containsKey("accuracy/odd");
      for (String k : List.of("accuracy/even", "accuracy/odd"))
        if (m.containsKey(k)) assertThat(m.get(k)).isBetween(0.0, 1.0);
    }
    assertThat(sawBoth).as("some batch holds prompts of both datasets").isTrue();
    // a single-dataset prompt set logs only the overall accuracy
    var single = trainer(config(tmp.resolve("single"), "algorithm=grpo", "train.max_steps=1"), ToyTask.model(3), null).run().history();
    assertThat(single.get(0).keySet()).noneMatch(k -> k.startsWith("accuracy/"));
  }

  @Test
  void ppoRaisesTheRewardAndFitsTheValues() throws Exception {
    RlvrConfig cfg = config(tmp.resolve("ppo"), "algorithm=ppo", "train.max_steps=14", "train.optim.lr=2e-2", "train.optim.schedule=constant",
        "beta=0.01", "ppo_epochs=2", "minibatches=2", "samples_per_prompt=4", "prompts_per_batch=4", "train.micro_batch=4");
    PositionValueModel value = new PositionValueModel(3);
    var h = trainer(cfg, ToyTask.model(3), value).run().history();
    double first = mean(h, "accuracy", 0, 3);
    double last = mean(h, "accuracy", h.size() - 3, h.size());
    assertThat(last).as("accuracy first 3 steps %.3f, last 3 steps %.3f", first, last).isGreaterThan(first + 0.3);
    assertThat(h.get(0)).containsKeys("value_loss", "value_clip_frac").doesNotContainKey("skipped_groups");
    // V_0 learns the return of the first token: ≈ the final accuracy (score 1) minus the small KL penalty
    assertThat(value.table.data()[0]).as("V_0 after training (returns ≈ %.2f)", last).isBetween(0.5f, 1.2f);
    assertThat(tmp.resolve("ppo/value/step-000014/trainer_state/params.bin")).exists();
  }

  @Test
  void valueLrTrainsTheValueModelAtItsOwnRate() throws Exception {
    // lr 0 with value_lr > 0: the policy stays bit for bit, the value model still learns
    LlamaModel policy = ToyTask.model(3);
    List<float[]> before = new ArrayList<>();
    for (Parameter p : policy.parameters()) before.add(p.data().clone());
    PositionValueModel value = new PositionValueModel(3);
    float v0 = value.table.data()[0];
    RlvrConfig cfg = config(tmp.resolve("vlr"), "algorithm=ppo", "train.max_steps=4", "train.optim.lr=0", "value_lr=5e-2",
        "train.optim.schedule=constant", "samples_per_prompt=4", "prompts_per_batch=4", "train.micro_batch=4");
    trainer(cfg, policy, value).run();
    for (int i = 0; i < before.size(); i++)
      assertThat(policy.parameters().get(i).data()).as(policy.parameters().get(i).name()).isEqualTo(before.get(i));
    assertThat(value.table.data()[0]).as("V_0 moved from %f", v0).isNotEqualTo(v0);
    // and value_lr 0 with a positive policy lr freezes the value model instead
    PositionValueModel frozen = new PositionValueModel(3);
    float[] f0 = frozen.table.data().clone();
    trainer(config(tmp.resolve("vlr0"), "algorithm=ppo", "train.max_steps=2", "train.optim.lr=2e-2", "value_lr=0",
        "samples_per_prompt=4", "prompts_per_batch=4", "train.micro_batch=4"), ToyTask.model(3), frozen).run();
    assertThat(frozen.table.data()).isEqualTo(f0);
    assertThat(cfg.valueLearningRate()).isEqualTo(5e-2);
    assertThat(config(tmp.resolve("x"), "train.optim.lr=3e-5").valueLearningRate()).isEqualTo(3e-5);
  }

  @Test
  void valueWarmupStepsTrainOnlyTheValueModel() throws Exception {
    PositionValueModel value = new PositionValueModel(3);
    float v0 = value.table.data()[0];
    RlvrConfig cfg = config(tmp.resolve("vw"), "algorithm=ppo", "train.max_steps=4", "value_warmup_steps=2", "train.optim.lr=2e-2",
        "train.optim.schedule=constant", "samples_per_prompt=4", "prompts_per_batch=4", "train.micro_batch=4");
    var h = trainer(cfg, ToyTask.model(3), value).run().history();
    for (int s = 0; s < 2; s++) {
      assertThat(h.get(s).get("grad_norm")).as("warm-up step %d: no policy gradient", s + 1).isZero();
      assertThat(h.get(s).get("loss")).isZero();
      assertThat(h.get(s).get("kl1")).as("policy still equals the reference").isZero();
      assertThat(h.get(s).get("value_loss")).isPositive();
    }
    assertThat(h.get(2).get("grad_norm")).as("step 3 updates the policy").isPositive();
    assertThat(h.get(3).get("kl1")).as("and the policy has moved from the reference").isNotZero();
    assertThat(value.table.data()[0]).isNotEqualTo(v0);
    // linear schedule: the policy's lr is laid out over its own steps, so it starts at the peak when
    // the warm-up ends (1 update per step here: 2 policy updates, factors 1 and 1/2)
    var lin = trainer(config(tmp.resolve("vwl"), "algorithm=ppo", "train.max_steps=4", "value_warmup_steps=2", "train.optim.lr=2e-2",
        "train.optim.schedule=linear", "ppo_epochs=1", "minibatches=1", "samples_per_prompt=4", "prompts_per_batch=4", "train.micro_batch=4"),
        ToyTask.model(3), new PositionValueModel(3)).run().history();
    assertThat(lin.get(0).get("lr")).as("policy frozen").isZero();
    assertThat(lin.get(1).get("lr")).isZero();
    assertThat(lin.get(2).get("lr")).as("first policy step at the peak").isEqualTo(2e-2);
    assertThat(lin.get(3).get("lr")).isCloseTo(1e-2, within(1e-12));
    assertThatThrownBy(() -> config(tmp.resolve("bad"), "train.max_steps=4", "value_warmup_steps=4"))
        .hasStackTraceContaining("value_warmup_steps must be in 0..3");
  }

  @Test
  void zeroLearningRateWithLargeKlLeavesThePolicyBitwiseUnchanged() throws Exception {
    LlamaModel policy = ToyTask.model(5);
    List<float[]> before = new ArrayList<>();
    for (Parameter p : policy.parameters()) before.add(p.data().clone());
    RlvrConfig cfg = config(tmp.resolve("run"), "train.max_steps=3", "train.optim.lr=0", "beta=100", "ppo_epochs=2");
    var h = trainer(cfg, policy, null).run().history();
    for (int i = 0; i < before.size(); i++)
      assertThat(policy.parameters().get(i).data()).as(policy.parameters().get(i).name()).isEqualTo(before.get(i));
    for (var m : h) {
      assertThat(m.get("kl1")).isZero();
      assertThat(m.get("kl3")).isZero();
      assertThat(m.get("clip_frac")).isZero();
    }
  }

  @Test
  void rewardModelScoreIsAddedTimesTheMultiplier() throws Exception {
    RlvrConfig cfg = config(tmp.resolve("rm"), "train.max_steps=2", "train.optim.lr=0", "reward_model=unused", "reward_model_multiplier=2.0");
    SequenceScorer half = rs -> {
      double[] s = new double[rs.size()];
      java.util.Arrays.fill(s, 0.25);
      return s;
    };
    var h = trainer(cfg, ToyTask.model(5), null).withRewardModel(half).run().history();
    for (var m : h) {
      assertThat(m.get("rm_score")).isEqualTo(0.25);
      assertThat(m.get("reward")).isCloseTo(m.get("accuracy") + 0.5, org.assertj.core.data.Offset.offset(1e-12));
    }
  }

  @Test
  void responsesLongerThanTheModelsPositionsAreRefused() {
    RlvrConfig cfg = config(tmp.resolve("long"), "response_length=62");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> trainer(cfg, ToyTask.model(1), null))
        .hasMessageContaining("exceeds the model's max_position_embeddings 64");
  }

  /** The trainer's teacher-forced log-probs are those of the distribution the rollouts were sampled from. */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(doubles = {1.0, 0.7, 1.5})
  void samplerLogProbsAgreeWithTheForwardPass(double temperature) {
    LlamaModel policy = ToyTask.model(7);
    Rollouts ro = new Rollouts(policy, 4, 16, List.of(ToyTask.EOS), ToyTask.DECODER);
    var batch = ro.generate(ToyTask.prompts(), new Rollouts.Sampling(5, temperature, 6, 1.0, Double.NaN), 11);
    SequenceForward fwd = new SequenceForward(policy, 3, 16, temperature);
    double[][] lp = fwd.logProbs(policy, batch.rollouts());
    double maxErr = 0;
    int tokens = 0;
    for (int i = 0; i < lp.length; i++) {
      double[] s = batch.rollouts().get(i).samplerLogp();
      for (int t = 0; t < s.length; t++) {
        maxErr = Math.max(maxErr, Math.abs(s[t] - lp[i][t]));
        tokens++;
      }
    }
    assertThat(tokens).isGreaterThan(20);
    assertThat(maxErr).as("max |sampler − forward| over %d tokens", tokens).isLessThan(1e-4);
  }

  /**
   * Kill after step 2 of 3 (the step-3 checkpoint never completed), resume: the weights equal those
   * of the uninterrupted run bit for bit. A first run warms up the JIT: cold (interpreted) Vector API
   * reductions may round differently from compiled ones, a property of the engine, not of resume.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"grpo", "ppo"})
  void resumedRunEqualsUninterruptedRun(String algorithm) throws Exception {
    String[] o = {"train.max_steps=3", "train.optim.lr=1e-2", "train.save_every=1", "train.keep_last=5", "ppo_epochs=2", "minibatches=2",
        "algorithm=" + algorithm};
    boolean ppo = algorithm.equals("ppo");
    trainer(config(tmp.resolve("warm"), o), ToyTask.model(9), ppo ? new PositionValueModel(3) : null).run();
    LlamaModel a = ToyTask.model(9);
    PositionValueModel va = ppo ? new PositionValueModel(3) : null;
    trainer(config(tmp.resolve("a"), o), a, va).run();
    Path third = tmp.resolve("a/step-000003");
    try (var s = Files.walk(third)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
    }
    LlamaModel b = ToyTask.model(9);
    PositionValueModel vb = ppo ? new PositionValueModel(3) : null;
    var h = trainer(config(tmp.resolve("a"), o), b, vb).run().history();
    assertThat(h).hasSize(1);
    if (ppo) assertThat(vb.table.data()).isEqualTo(va.table.data());
    boolean changed = false;
    LlamaModel init = ToyTask.model(9);
    for (int i = 0; i < a.parameters().size(); i++) {
      assertThat(b.parameters().get(i).data()).as(a.parameters().get(i).name()).isEqualTo(a.parameters().get(i).data());
      changed |= !java.util.Arrays.equals(a.parameters().get(i).data(), init.parameters().get(i).data());
    }
    assertThat(changed).as("training changed the weights").isTrue();
  }
}
