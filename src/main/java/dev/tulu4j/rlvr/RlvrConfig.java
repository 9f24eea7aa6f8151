package dev.tulu4j.rlvr;

import dev.tulu4j.config.Doc;
import dev.tulu4j.data.OnError;
import dev.tulu4j.io.DType;
import dev.tulu4j.rlvr.PolicyLoss.KlEstimator;
import dev.tulu4j.tensor.GemmBackend;
import dev.tulu4j.train.LossReduction;
import dev.tulu4j.train.LoraSettings;
import dev.tulu4j.train.TrainConfig;
import dev.tulu4j.verify.VerifierRules;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One RLVR run (Tülu 3 §6; GRPO as in Tülu 3.1 / Shao et al. 2024). Defaults are the Tülu 3 8B
 * RLVR values of Tülu 3 Table 15 where the paper gives them (β 0.05, lr 3e-7, linear schedule, no
 * warmup, 4 PPO epochs, ε 0.2, γ 1, λ 0.95, value coefficient 0.1, grad norm 1.0, temperature 1.0,
 * response length 2048, verify reward 10, non-EOS penalty −10). Steps, seed, checkpoints and the
 * optimizer live in the nested {@link TrainConfig} {@code train}, as in every other stage; its
 * RLVR defaults (lr 3e-7, no warmup, clip 1.0, 100 steps) are set on the component.
 */
public record RlvrConfig(
    @Doc(value = "grpo (group-normalised advantages, no value model; Tülu 3.1) or ppo (value model + GAE; Tülu 3).",
        def = "grpo")
        Algorithm algorithm,
    @Doc(value = "Policy initialisation: a Hugging Face model folder (config.json, safetensors, tokenizer), or a "
        + "run folder whose 'latest' file names its newest checkpoint. The frozen reference policy is the same weights.")
        Path model,
    @Doc(value = "PPO value model initialisation: a reward-model folder with a scalar head (score.weight); "
        + "null = the policy's backbone with a fresh N(0, 0.02²) score head (HF init).", def = "null")
        Path valueModel,
    @Doc(value = "Optional reward model (HF sequence-classification folder with score.weight) whose score × "
        + "reward_model_multiplier is added to the verifier score; null = verifier only (Tülu 3's final recipe).",
        def = "null")
        Path rewardModel,
    @Doc(value = "Weight of the reward-model score (0 = off).", def = "0.0")
        double rewardModelMultiplier,
    @Doc(value = "RLVR prompts: JSONL rows {messages, ground_truth, dataset}.")
        Path trainFile,
    @Doc(value = "Prompt rows that cannot be used (bad JSON, wrong types, a dataset with no verifier, messages the chat "
        + "template cannot render): fail (stop, naming file, line and reason) or skip (write each with its reason to "
        + "data.rejects.jsonl in the output folder, and count it).", def = "fail", hashed = false)
        OnError onError,
    @Doc(value = "Keep only the train_file rows whose dataset is in this list (e.g. [ifeval]); empty = all rows. "
        + "Tülu 3 chose its RLVR prompts per skill; on a small model, prompts it never solves give all-zero "
        + "groups that GRPO skips.", def = "[]")
        List<String> datasets,
    @Doc(value = "Per-dataset weight of the prompts in the mix, as open-instruct's dataset_mixer_list fractions: the "
        + "prompts of dataset d appear floor(w) times per epoch, plus a seeded round(frac(w)·n) of them once more "
        + "(w < 1 subsamples); unlisted datasets weigh 1. E.g. {ifeval: 2} doubles the constraint prompts' share.",
        def = "{}")
        Map<String, Double> datasetWeights,
    @Doc(value = "Difficulty filter: before training, sample this many responses per prompt with the starting policy "
        + "(rollout temperature and length) and keep only prompts it sometimes but not always solves "
        + "(DifficultyFilter); 0 = off.", def = "0")
        int filterSamples,
    @Doc(value = "Difficulty filter: screen at most this many prompts (a seeded shuffle of the pool); 0 = all.",
        def = "0")
        int filterPool,
    @Doc(value = "Chat template: tulu (built-in) or model (tokenizer_config.json).", def = "tulu")
        String template,
    @Doc(value = "Prompts longer than this many tokens (after the chat template) are dropped (counted in the log).",
        def = "2048")
        int maxPromptLength,
    @Doc(value = "Maximum generated tokens per response (Tülu 3: 2048).", def = "2048")
        int responseLength,
    @Doc(value = "Sampling temperature of rollouts (Tülu 3: 1.0).", def = "1.0")
        double temperature,
    @Doc(value = "Unique prompts per rollout batch.", def = "8")
        int promptsPerBatch,
    @Doc(value = "Samples per prompt (GRPO group size). Rollout batch = prompts_per_batch × samples_per_prompt sequences.",
        def = "4")
        int samplesPerPrompt,
    @Doc(value = "Minibatches per rollout batch; each epoch takes one optimizer step per minibatch.", def = "1")
        int minibatches,
    @Doc(value = "Optimisation epochs K over each rollout batch (Tülu 3: 4).", def = "4")
        int ppoEpochs,
    @Doc(value = "KL coefficient β: GRPO adds β·KL to the per-token loss, PPO subtracts β·kl1 from every token's reward.",
        def = "0.05")
        double beta,
    @Doc(value = "GRPO's KL estimator in the loss: kl1, kl2 or kl3 (Tülu 3.1: kl3). PPO's reward always uses kl1.",
        def = "kl3")
        KlEstimator klEstimator,
    @Doc(value = "Clip range ε of the policy ratio.", def = "0.2")
        double clipEps,
    @Doc(value = "Reward when the verifier accepts the response (Tülu 3: 10).", def = "10.0")
        double verifyReward,
    @Doc(value = "Score that replaces the verifier score of a response that ended without EOS (Tülu 3: -10); 0 = off "
        + "unless non_stop_penalty is true.", def = "-10.0")
        double nonEosPenalty,
    @Doc(value = "Whether a response that ended without EOS scores non_eos_penalty instead of its verifier score "
        + "(open-instruct --non_stop_penalty, with --penalty_reward_value as non_eos_penalty); null = on when "
        + "non_eos_penalty is non-zero. Tülu 3.1's GRPO: true with non_eos_penalty 0.", def = "null")
        Boolean nonStopPenalty,
    // --- issue 21 part 3 (branch fid-rules): which reward rules score GSM8K and MATH ---
    @Doc(value = "Reward rules for GSM8K and MATH: tulu4j (numeric comparison, answer markers; docs/VERIFIERS.md) or "
        + "open-instruct (verify_gsm8k_sample / verify_math_sample exactly as Tülu 3 trained on, quirks included).",
        def = "tulu4j")
        VerifierRules verifierRules,
    @Doc(value = "PPO discount γ.", def = "1.0")
        double gamma,
    @Doc(value = "PPO GAE λ.", def = "0.95")
        double lambda,
    @Doc(value = "PPO value-loss coefficient (Tülu 3: 0.1).", def = "0.1")
        double vfCoef,
    @Doc(value = "PPO value clip range around the rollout-time values.", def = "0.2")
        double cliprangeValue,
    @Doc(value = "PPO: peak learning rate of the value model (null = train.optim.lr). A value model that lags behind the policy gives noisy advantages; OpenRLHF's critic lr is ~18x the actor's.", def = "null")
        Double valueLr,
    @Doc(value = "PPO: the first N steps train only the value model (rollouts, values and returns as usual; the policy and its optimizer state are untouched), so the advantages of the first policy updates do not come from an untrained critic (OpenRLHF: freezing_actor_steps). The policy's lr schedule starts after the warm-up (peak lr at its first update); the value model's spans the whole run.", def = "0")
        int valueWarmupSteps,
    @Doc(value = "Matrix-multiply backend: auto, vector or openblas (auto is vector here: an RLVR step updates its optimizers itself, so it is not timed).", def = "auto", hashed = false)
        GemmBackend gemm,
    @Doc(value = "dtype of the safetensors in checkpoints: bf16 (as transformers saves), f16 or f32 "
        + "(resume always uses the exact fp32 trainer_state).", def = "bf16", hashed = false)
        DType saveDtype,
    @Doc(value = "Sequences generated concurrently (KV-cache slots of the continuous batcher).", def = "16",
        hashed = false)
        int rolloutSlots,
    @Doc(value = "Write this many sample rollouts per logging interval to samples.jsonl.", def = "4", hashed = false)
        int logSamples,
    @Doc(value = "Logging interval for samples.jsonl, in steps.", def = "1", hashed = false)
        int logEvery,
    @Doc(value = "The shared training loop: train.max_steps rollout→update cycles (<= 0: train.epochs passes "
        + "over the prompts, prompts_per_batch per step), train.micro_batch sequences per forward/backward "
        + "call (memory only), train.seed (prompt order and samplers), threads, checkpoints (out_dir: "
        + "step-NNNNNN/, value/step-NNNNNN/ for PPO, metrics.jsonl, samples.jsonl) and train.optim (AdamW "
        + "of the policy and of the value model, lr schedule over the optimizer steps, gradient clipping). "
        + "grad_accum must stay 1 and loss_reduction sum: minibatches sets the updates per rollout batch.",
        def = "{max_steps: 100, micro_batch: 4, out_dir: runs/rlvr, "
            + "optim: {lr: 3e-7, warmup_ratio: 0.0, max_grad_norm: 1.0}}")
        TrainConfig train,
    @Doc("LoRA on the policy: r > 0 freezes its base weights and trains a PEFT-format adapter; the reference "
        + "policy is the base with the adapter off (no second copy). lora.dropout must be 0 (the PPO/GRPO ratio "
        + "compares log-probs of one function).")
        LoraSettings lora,
    @Doc("Where rollouts are generated: in process (the default) or on OpenAI-compatible servers (vLLM, SGLang, "
        + "tulu4j serve) that receive the policy's weights before each batch; docs/SCALE.md.")
        RolloutEndpointConfig rollouts) {

  /** The RL algorithm. */
  public enum Algorithm {
    /** Group Relative Policy Optimisation (Shao et al. 2024, DeepSeekMath §4.1; Tülu 3.1). */
    GRPO,
    /** PPO with a learned value function and GAE (Tülu 3 §6). */
    PPO
  }

  /** The value model's peak learning rate: {@code value_lr}, or the policy's {@code lr} when unset. */
  public double valueLearningRate() {
    return valueLr == null ? train.optim().lr() : valueLr;
  }

  public RlvrConfig {
    if (onError == null) throw new IllegalArgumentException("on_error must be fail or skip");
    datasets = datasets == null ? List.of() : List.copyOf(datasets);
    for (String d : datasets)
      if (d == null || d.isBlank()) throw new IllegalArgumentException("datasets must not contain blank names");
    datasetWeights = datasetWeights == null ? Map.of()
        : Collections.unmodifiableMap(new LinkedHashMap<>(datasetWeights));
    for (var e : datasetWeights.entrySet()) {
      if (e.getValue() == null || !(e.getValue() >= 0) || e.getValue().isInfinite())
        throw new IllegalArgumentException("dataset_weights." + e.getKey() + " must be a finite number >= 0, got " + e.getValue());
      if (!datasets.isEmpty() && !datasets.contains(e.getKey()))
        throw new IllegalArgumentException("dataset_weights names '" + e.getKey() + "', which datasets " + datasets + " leaves out");
    }
    if (algorithm == null) throw new IllegalArgumentException("algorithm is required (grpo or ppo)");
    if (verifierRules == null) throw new IllegalArgumentException("verifier_rules must be tulu4j or open-instruct");
    if (klEstimator == null) throw new IllegalArgumentException("kl_estimator is required");
    if (gemm == null || saveDtype == null) throw new IllegalArgumentException("gemm and save_dtype are required");
    if (train == null) throw new IllegalArgumentException("train section is required");
    if (lora == null) lora = new LoraSettings(0, 16, 0, null, false, null, null);
    if (lora.enabled() && lora.dropout() != 0)
      throw new IllegalArgumentException("lora.dropout must be 0 for rlvr (old and new log-probs must come from one "
          + "function), got " + lora.dropout());
    if (lora.enabled() && !lora.onlyCausalLmModules())
      throw new IllegalArgumentException("lora.modules_to_save: the RLVR policy is a causal LM: only lm_head and embed_tokens apply (no 'score' head), got "
          + lora.modulesToSave());
    if (rollouts == null) rollouts = RolloutEndpointConfig.inProcess();
    if (rollouts.enabled() && rollouts.syncMode(lora.enabled()) == RolloutEndpointConfig.SyncMode.LORA && !lora.enabled())
      throw new IllegalArgumentException("rollouts.sync: lora needs a LoRA policy (lora.r > 0); use sync: full");
    if (train.gradAccum() != 1)
      throw new IllegalArgumentException("train.grad_accum must be 1 for rlvr (minibatches sets the optimizer steps "
          + "per rollout batch), got " + train.gradAccum());
    if (train.lossReduction() != LossReduction.SUM)
      throw new IllegalArgumentException("train.loss_reduction does not apply to rlvr (the policy loss is a mean "
          + "over each sequence's tokens); leave it at sum");
    if (valueLr != null && !(valueLr >= 0)) throw new IllegalArgumentException("value_lr must be >= 0, got " + valueLr);
    if (template == null || template.isBlank()) throw new IllegalArgumentException("template must be tulu or model");
    positive("max_prompt_length", maxPromptLength);
    positive("response_length", responseLength);
    positive("prompts_per_batch", promptsPerBatch);
    positive("samples_per_prompt", samplesPerPrompt);
    positive("minibatches", minibatches);
    positive("ppo_epochs", ppoEpochs);
    if (valueWarmupSteps < 0 || (train.maxSteps() > 0 && valueWarmupSteps >= train.maxSteps()))
      throw new IllegalArgumentException("value_warmup_steps must be in 0.." + (train.maxSteps() - 1)
          + " (train.max_steps - 1), got " + valueWarmupSteps);
    positive("rollout_slots", rolloutSlots);
    positive("log_every", logEvery);
    if (filterSamples == 1 || filterSamples < 0)
      throw new IllegalArgumentException("filter_samples must be 0 (off) or >= 2, got " + filterSamples);
    if (filterPool < 0) throw new IllegalArgumentException("filter_pool must be >= 0, got " + filterPool);
    if (!(temperature > 0)) throw new IllegalArgumentException("temperature must be > 0, got " + temperature);
    if (promptsPerBatch * samplesPerPrompt % minibatches != 0)
      throw new IllegalArgumentException("minibatches (" + minibatches + ") must divide the rollout batch "
          + "prompts_per_batch × samples_per_prompt = " + promptsPerBatch * samplesPerPrompt);
    if (algorithm == Algorithm.GRPO && samplesPerPrompt < 2)
      throw new IllegalArgumentException("grpo needs samples_per_prompt >= 2 (a group), got " + samplesPerPrompt);
    nonNegative("beta", beta);
    nonNegative("verify_reward", verifyReward);
    nonNegative("vf_coef", vfCoef);
    if (!(clipEps > 0 && clipEps < 1)) throw new IllegalArgumentException("clip_eps must be in (0, 1), got " + clipEps);
    if (!(cliprangeValue > 0)) throw new IllegalArgumentException("cliprange_value must be > 0, got " + cliprangeValue);
    if (!(gamma >= 0 && gamma <= 1)) throw new IllegalArgumentException("gamma must be in [0, 1], got " + gamma);
    if (!(lambda >= 0 && lambda <= 1)) throw new IllegalArgumentException("lambda must be in [0, 1], got " + lambda);
    if (!Double.isFinite(rewardModelMultiplier))
      throw new IllegalArgumentException("reward_model_multiplier must be finite");
    if (rewardModelMultiplier != 0 && rewardModel == null)
      throw new IllegalArgumentException("reward_model_multiplier is " + rewardModelMultiplier + " but no reward_model is set");
    if (!Double.isFinite(nonEosPenalty)) throw new IllegalArgumentException("non_eos_penalty must be finite");
    if (logSamples < 0) throw new IllegalArgumentException("log_samples must be >= 0, got " + logSamples);
  }

  /** The score a response without EOS gets instead of its verifier score, or NaN when it keeps that score. */
  public double nonEosScore() {
    boolean on = nonStopPenalty != null ? nonStopPenalty : nonEosPenalty != 0;
    return on ? nonEosPenalty : Double.NaN;
  }

  /** Sequences per rollout batch (Tülu's "batch size"): prompts × samples per prompt. */
  public int rolloutBatch() {
    return promptsPerBatch * samplesPerPrompt;
  }

  /** Optimizer steps per rollout batch: epochs × minibatches. */
  public int updatesPerStep() {
    return ppoEpochs * minibatches;
  }

  private static void positive(String key, int v) {
    if (v <= 0) throw new IllegalArgumentException(key + " must be > 0, got " + v);
  }

  private static void nonNegative(String key, double v) {
    if (!(v >= 0) || Double.isInfinite(v)) throw new IllegalArgumentException(key + " must be a finite value >= 0, got " + v);
  }
}
