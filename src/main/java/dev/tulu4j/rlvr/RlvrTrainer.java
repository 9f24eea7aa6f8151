package dev.tulu4j.rlvr;

import dev.tulu4j.client.OpenAiClient;
import dev.tulu4j.io.Tensor;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.rlvr.RlvrConfig.Algorithm;
import dev.tulu4j.train.ModelSaver;
import dev.tulu4j.train.StepMetrics;
import dev.tulu4j.train.TrainLoop;
import dev.tulu4j.train.TrainResult;
import dev.tulu4j.train.UpdateStep;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * RLVR training (Tülu 3 §6; GRPO as in Tülu 3.1) on the shared {@link TrainLoop}. Each loop step is
 * one rollout → update cycle ({@link RlvrStep}):
 *
 * <ol>
 *   <li>the loop hands the step {@code prompts_per_batch} prompts (its seeded data order);
 *   <li>rollout phase ({@link RolloutPhase}): {@code samples_per_prompt} responses each, verifier
 *       scores (plus the optional reward-model term, {@link RewardShaping}), the rollout-time ("old")
 *       and reference log-probs;
 *   <li>advantages over the whole batch: GRPO group-normalised ({@link Advantages#grpo}; groups
 *       without spread are left out), PPO GAE on −β·kl1 per token plus the score on the last token,
 *       whitened over the batch ({@link Advantages#ppo});
 *   <li>{@code ppo_epochs} passes over shuffled minibatches: a policy update ({@link PolicyUpdate})
 *       and, for PPO, a value update ({@link ValueUpdate}) per minibatch.
 * </ol>
 * The loop owns the rest: the AdamW of the policy and of the value model ({@code train.optim}),
 * checkpoints ({@code out_dir/step-N/}, the value model in {@code out_dir/value/step-N/}), resume,
 * metrics.jsonl and the progress bar; {@code samples.jsonl} is written here.
 */
public final class RlvrTrainer {
  private final RlvrConfig cfg;
  private final LlamaModel policy;
  private final ValueModel value;
  private final List<RlvrPrompt> prompts;
  private final Function<int[], String> decoder;
  private final ModelSaver saver;
  private final PrintStream log;
  private final Rollouts rollouts;
  private final RolloutPhase phase;
  private final SequenceForward fwd;
  private final List<Integer> eosIds;
  private final int maxLen;
  private EndpointGeneration endpoint;

  /**
   * What a run did: the loop's result and every step's metrics of this process (loss, lr,
   * grad_norm and the RLVR extras, as in metrics.jsonl).
   */
  public record Result(TrainResult train, List<Map<String, Double>> history) {}

  /**
   * @param reference frozen copy of the starting policy ({@link #frozenCopy})
   * @param value PPO's value model; null for GRPO
   * @param decoder response ids → text (also used to show prompts in samples.jsonl)
   * @param saver writes the policy as an HF folder into a checkpoint
   */
  public RlvrTrainer(RlvrConfig cfg, LlamaModel policy, LlamaModel reference, ValueModel value,
      List<RlvrPrompt> prompts, List<Integer> eosIds, Function<int[], String> decoder, ModelSaver saver,
      PrintStream log) {
    if (prompts.isEmpty()) throw new IllegalArgumentException("no RLVR prompts");
    if (cfg.algorithm() == Algorithm.PPO && value == null)
      throw new IllegalArgumentException("algorithm ppo needs a value model");
    this.cfg = cfg;
    this.policy = policy;
    this.value = cfg.algorithm() == Algorithm.PPO ? value : null;
    this.prompts = List.copyOf(prompts);
    this.decoder = decoder;
    this.saver = saver;
    this.log = log;
    this.eosIds = List.copyOf(eosIds);
    int maxPrompt = 0;
    for (RlvrPrompt p : prompts) maxPrompt = Math.max(maxPrompt, p.ids().length);
    this.maxLen = maxPrompt + cfg.responseLength();
    if (maxLen > policy.config().maxPositions())
      throw new IllegalArgumentException("the longest prompt (" + maxPrompt + " tokens) + response_length ("
          + cfg.responseLength() + ") exceeds the model's max_position_embeddings " + policy.config().maxPositions());
    this.rollouts = new Rollouts(policy, Math.min(cfg.rolloutSlots(), cfg.rolloutBatch()), maxLen, eosIds, decoder);
    this.fwd = new SequenceForward(policy, cfg.train().microBatch(), maxLen, cfg.temperature());
    this.phase = new RolloutPhase(cfg, policy, reference, rollouts, fwd);
  }

  /** Samples only ids below {@code n}: the tokenizer's vocabulary, when the model's is padded past it. */
  public RlvrTrainer limitVocab(int n) {
    rollouts.limitVocab(n);
    return this;
  }

  /**
   * Adds {@code reward_model_multiplier × rm(response)} to the score of every response that ended
   * with EOS (or of all, when the non-EOS penalty is off); see {@link RewardShaping}.
   */
  public RlvrTrainer withRewardModel(SequenceScorer rm) {
    phase.rewardModel(rm);
    return this;
  }

  /**
   * Generates the rollouts on the servers {@code client} reaches (the config's {@code rollouts}
   * section; docs/SCALE.md): before each batch the policy's weights are written by {@code syncSaver}
   * (the PEFT adapter for {@code sync: lora}, fp32 HF weights for {@code sync: full}) into the sync
   * folder and loaded on every server ({@link WeightSync}); each batch is checked against the trainer's
   * log-probs ({@link SyncCheck}).
   */
  public RlvrTrainer withEndpoint(OpenAiClient client, ModelSaver syncSaver) {
    if (!cfg.rollouts().enabled()) throw new IllegalStateException("rollouts.endpoints is empty");
    WeightSync sync = new WeightSync(client, cfg.rollouts().syncMode(cfg.lora().enabled()),
        cfg.rollouts().syncFolder(cfg.train().outDir()), syncSaver, log);
    EndpointRollouts source = new EndpointRollouts(client, sync::modelName, eosIds, decoder);
    // raw engine log-probs (vLLM's default, tulu4j serve) are of softmax(logits), i.e. temperature 1
    boolean raw = cfg.rollouts().engineLogprobs() == RolloutEndpointConfig.EngineLogprobs.RAW;
    boolean same = !raw || cfg.temperature() == 1.0;
    SequenceForward check = same ? fwd : new SequenceForward(policy, cfg.train().microBatch(), maxLen, 1.0);
    this.endpoint = new EndpointGeneration(policy, source, sync, cfg.rollouts().offPolicySteps() == 1, check, same);
    phase.endpoint(endpoint);
    return this;
  }

  /** A frozen (no gradients) deep copy of {@code m}: the reference policy. */
  public static LlamaModel frozenCopy(LlamaModel m) {
    Map<String, Tensor> copy = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : m.toTensors().entrySet())
      copy.put(e.getKey(), new Tensor(e.getValue().shape().clone(), e.getValue().data().clone()));
    return LlamaModel.fromTensors(m.config(), copy, m.gemm(), false);
  }

  /** Runs (or resumes) the configured number of steps. */
  public Result run() throws IOException {
    return run(loop -> {});
  }

  /** @param customize test hook: adjusts the loop (fault injection, listeners) before it runs */
  public Result run(Consumer<TrainLoop> customize) throws IOException {
    List<UpdateStep.Part> parts = new ArrayList<>();
    parts.add(new UpdateStep.Part("policy", policy.trainableParameters(), saver)); // the adapter's under LoRA
    if (value != null) parts.add(new UpdateStep.Part("value", value.parameters(), value::save));
    double beta = cfg.algorithm() == Algorithm.GRPO ? cfg.beta() : 0; // PPO's KL is in the reward
    PolicyUpdate policyUpdate = new PolicyUpdate(policy, fwd, beta, cfg.klEstimator(), cfg.clipEps(),
        cfg.train().optim().maxGradNorm());
    List<Map<String, Double>> history = new ArrayList<>();
    SampleLog[] samples = {null};
    RlvrStep step = new RlvrStep(cfg, parts, prompts, value, phase, policyUpdate, (s, rs, adv) -> {
      if (samples[0] == null) {
        // opened at this process's first step: lines of steps after the resumed checkpoint are dropped
        samples[0] = SampleLog.open(cfg.train().outDir().resolve("samples.jsonl"), s - 1, decoder);
        if (s > 1) log.printf("rlvr: resumed from the step-%06d checkpoint in %s%n", s - 1, cfg.train().outDir());
      }
      if (s % cfg.logEvery() == 0) samples[0].write(s, rs, adv, cfg.logSamples());
    });
    TrainLoop loop = new TrainLoop(cfg.train(), prompts.size(), step, policy.taskRunner())
        .runConfig(cfg)
        .gemm(policy.gemm())
        .onStep(m -> history.add(flat(m)))
        .progress("rlvr", m -> String.format(" reward %.3f acc %.3f", m.extras().get("reward"), m.extras().get("accuracy")));
    customize.accept(loop);
    TrainResult r;
    try {
      r = loop.run();
    } finally {
      if (samples[0] != null) samples[0].close();
      if (endpoint != null) endpoint.close();
    }
    return new Result(r, history);
  }

  /** A metrics line as one map: loss, lr, grad_norm, then the step's extras. */
  private static Map<String, Double> flat(StepMetrics m) {
    Map<String, Double> out = new LinkedHashMap<>();
    out.put("loss", m.loss());
    out.put("lr", m.lr());
    out.put("grad_norm", m.gradNorm());
    out.putAll(m.extras());
    return out;
  }
}
