package dev.tulu4j.recipe;

import dev.tulu4j.checkpoint.ModelFiles;
import dev.tulu4j.model.LlamaConfig;
import dev.tulu4j.reward.ScalarHeadModel;
import dev.tulu4j.rlvr.RlvrConfig;
import dev.tulu4j.train.MemoryPlan;
import dev.tulu4j.train.MemoryPlan.Trained;
import dev.tulu4j.train.LoraSettings;
import dev.tulu4j.train.TrainConfig;
import java.io.PrintStream;

/**
 * What each training stage holds at its peak, as a {@link MemoryPlan}: the recipes print it before
 * loading any weight and stop when it exceeds the heap. The token counts are the activation
 * capacities the stages' steps allocate (upper bounds: a packed micro-batch never has more rows than
 * examples, a pair pack never more than two rows per pair).
 */
final class MemoryPlans {
  private MemoryPlans() {}

  /**
   * The policy as trained: in full, or with {@code lora} a frozen fp32 base (no gradients, no AdamW
   * state) plus the adapter's r·(in + out) weights per targeted projection, trained.
   */
  static Trained policy(LlamaConfig c, LoraSettings lora) {
    return policy(c, lora, 4);
  }

  /** The adapter's engine config, or null without LoRA. */
  static dev.tulu4j.model.LoraConfig loraConfig(LoraSettings lora) {
    return lora == null || !lora.enabled() ? null : lora.config();
  }

  /** {@link #policy(LlamaConfig, LoraSettings)} with the LoRA base at {@code frozenBytes} per weight (2: bf16). */
  static Trained policy(LlamaConfig c, LoraSettings lora, int frozenBytes) {
    if (lora == null || !lora.enabled()) return Trained.full(c);
    return Trained.lora(c, lora.config(), frozenBytes);
  }

  /**
   * Bytes per frozen base weight of a LoRA run over {@code modelDir} (null: a random tiny base):
   * 2 when {@code lora.base_dtype} puts the base in bf16 ({@link ModelFiles#loraBaseBf16}), else 4.
   * The planner counts every weight at that width, norms included (they stay fp32: a slight under-count
   * of a few thousand bytes).
   */
  static int loraBaseBytes(java.nio.file.Path modelDir, LoraSettings lora) {
    if (lora == null || !lora.enabled()) return 4;
    boolean bf16 = modelDir == null ? lora.baseWeightsDtype() == dev.tulu4j.model.WeightsDtype.BF16
        : ModelFiles.loraBaseBf16(modelDir, lora.baseWeightsDtype());
    return bf16 ? 2 : 4;
  }

  /** A reward or value model as trained: in full, or with {@code lora} adapter + score head over a frozen fp32 backbone. */
  static Trained scalarHead(LlamaConfig c, LoraSettings lora) {
    return scalarHead(c, lora, 4);
  }

  /** {@link #scalarHead(LlamaConfig, LoraSettings)} with the LoRA backbone at {@code frozenBytes} per weight (2: bf16). */
  static Trained scalarHead(LlamaConfig c, LoraSettings lora, int frozenBytes) {
    long all = MemoryPlan.scalarHeadParameterCount(c);
    if (lora == null || !lora.enabled()) return new Trained(c, all, 0, 4);
    return new Trained(c, MemoryPlan.adapterParameterCount(c, lora.config()) + c.hidden(), all - c.hidden(), frozenBytes);
  }

  /**
   * PPO's value model under LoRA when it starts from the policy: its adapter and score head, trained,
   * over the policy's own frozen base (shared arrays: no frozen weights of its own).
   */
  static Trained valueOverPolicyBase(LlamaConfig c, LoraSettings lora) {
    return new Trained(c, MemoryPlan.adapterParameterCount(c, lora.config()) + c.hidden(), 0, 4);
  }

  /**
   * Bytes per frozen backbone weight of a LoRA reward/value model loaded from {@code dir}: 2 when
   * {@code lora.base_dtype} puts it in bf16 ({@link ScalarHeadModel#backboneBf16}), else 4.
   */
  static int scalarHeadBaseBytes(java.nio.file.Path dir, LoraSettings lora) {
    if (lora == null || !lora.enabled()) return 4;
    return ScalarHeadModel.backboneBf16(dir, lora.baseWeightsDtype()) ? 2 : 4;
  }

  /** SFT: the policy ({@link #policy}), {@code micro_batch × max_seq_length} tokens per call. */
  static MemoryPlan sft(LlamaConfig c, TrainConfig t, int maxSeqLength, LoraSettings lora) {
    return sft(c, t, maxSeqLength, lora, 4);
  }

  /** {@link #sft(LlamaConfig, TrainConfig, int, LoraSettings)} with the LoRA base at {@code frozenBytes} per weight. */
  static MemoryPlan sft(LlamaConfig c, TrainConfig t, int maxSeqLength, LoraSettings lora, int frozenBytes) {
    return new MemoryPlan("sft", "max_seq_length")
        .trained("policy", policy(c, lora, frozenBytes))
        .activations("policy", c, Math.multiplyExact(t.microBatch(), maxSeqLength), t.activationCheckpointing())
        .loraActivations("policy", c, loraConfig(lora), Math.multiplyExact(t.microBatch(), maxSeqLength), t.activationCheckpointing());
  }

  /**
   * DPO: the policy and its chosen + rejected rows ({@code 2 × micro_batch × max_length} tokens).
   * The reference log-probs are computed by the policy itself before the first step and cached, so
   * there is no second copy of the weights.
   */
  static MemoryPlan dpo(LlamaConfig c, TrainConfig t, int maxLength, LoraSettings lora) {
    return dpo(c, t, maxLength, lora, 4);
  }

  /** {@link #dpo(LlamaConfig, TrainConfig, int, LoraSettings)} with the LoRA base at {@code frozenBytes} per weight. */
  static MemoryPlan dpo(LlamaConfig c, TrainConfig t, int maxLength, LoraSettings lora, int frozenBytes) {
    return new MemoryPlan("dpo", "max_length")
        .trained("policy", policy(c, lora, frozenBytes))
        .activations("policy", c, Math.multiplyExact(2 * t.microBatch(), maxLength), t.activationCheckpointing())
        .loraActivations("policy", c, loraConfig(lora), Math.multiplyExact(2 * t.microBatch(), maxLength), t.activationCheckpointing());
  }

  /** Reward model: the backbone with a scalar head (no LM head), pair rows as in DPO. */
  static MemoryPlan reward(LlamaConfig c, TrainConfig t, int maxLength) {
    return reward(c, t, maxLength, null);
  }

  /**
   * {@link #reward(LlamaConfig, TrainConfig, int)}; with {@code lora} the backbone is a frozen fp32
   * base and only the adapter and the score head (C weights, a module to save) train.
   */
  static MemoryPlan reward(LlamaConfig c, TrainConfig t, int maxLength, LoraSettings lora) {
    return reward(c, t, maxLength, lora, 4);
  }

  /** {@link #reward(LlamaConfig, TrainConfig, int, LoraSettings)} with the LoRA backbone at {@code frozenBytes} per weight. */
  static MemoryPlan reward(LlamaConfig c, TrainConfig t, int maxLength, LoraSettings lora, int frozenBytes) {
    return new MemoryPlan("reward", "max_length")
        .trained("reward model", scalarHead(c, lora, frozenBytes))
        .activations("reward model", c, Math.multiplyExact(2 * t.microBatch(), maxLength), t.activationCheckpointing())
        .loraActivations("reward model", c, loraConfig(lora), Math.multiplyExact(2 * t.microBatch(), maxLength), t.activationCheckpointing());
  }

  /**
   * RLVR: the policy, its frozen fp32 reference copy (the KL term), the rollouts' KV cache, and
   * for PPO the value model trained beside it; an optional reward model scores rollouts. Sequences
   * are at most {@code max_prompt_length + response_length} tokens.
   */
  static MemoryPlan rlvr(LlamaConfig c, RlvrConfig cfg, LlamaConfig valueConfig, LlamaConfig rewardConfig) {
    return rlvr(c, cfg, valueConfig, rewardConfig, 4);
  }

  /** {@link #rlvr(LlamaConfig, RlvrConfig, LlamaConfig, LlamaConfig)} with the LoRA base at {@code frozenBytes} per weight. */
  static MemoryPlan rlvr(LlamaConfig c, RlvrConfig cfg, LlamaConfig valueConfig, LlamaConfig rewardConfig, int frozenBytes) {
    return rlvr(c, cfg, valueConfig, rewardConfig, frozenBytes, 4);
  }

  /**
   * With LoRA, PPO's value model is its own adapter + score head: over the policy's base (shared, no
   * frozen weights of its own) without {@code value_model}, else over that folder's frozen backbone at
   * {@code valueFrozenBytes} per weight.
   */
  static MemoryPlan rlvr(LlamaConfig c, RlvrConfig cfg, LlamaConfig valueConfig, LlamaConfig rewardConfig, int frozenBytes,
      int valueFrozenBytes) {
    TrainConfig t = cfg.train();
    int maxLen = Math.addExact(cfg.maxPromptLength(), cfg.responseLength());
    int tokens = Math.multiplyExact(t.microBatch(), Math.max(1, maxLen - 1));
    MemoryPlan p = new MemoryPlan("rlvr", "max_prompt_length + response_length")
        .trained("policy", policy(c, cfg.lora(), frozenBytes))
        .activations("policy", c, tokens, t.activationCheckpointing())
        .loraActivations("policy", c, loraConfig(cfg.lora()), tokens, t.activationCheckpointing());
    // with LoRA the reference is the base with the adapter off: no second copy
    if (!cfg.lora().enabled()) p.frozen("reference", MemoryPlan.parameterCount(c), 4);
    p
        .kvCache(c, Math.min(cfg.rolloutSlots(), cfg.rolloutBatch()), maxLen);
    if (valueConfig != null)
      p.trained("value model", !cfg.lora().enabled() ? new Trained(valueConfig, MemoryPlan.scalarHeadParameterCount(valueConfig), 0, 4)
              : cfg.valueModel() == null ? valueOverPolicyBase(valueConfig, cfg.lora())
              : scalarHead(valueConfig, cfg.lora(), valueFrozenBytes))
          .activations("value model", valueConfig, tokens, t.activationCheckpointing())
          .loraActivations("value model", valueConfig, loraConfig(cfg.lora()), tokens, t.activationCheckpointing());
    if (rewardConfig != null)
      p.frozen("reward model", MemoryPlan.scalarHeadParameterCount(rewardConfig), 4)
          .inferenceActivations("reward model", rewardConfig, Math.multiplyExact(t.microBatch(), maxLen)); // ScalarHeadScorer: forward only
    return p;
  }

  /** The RLVR plan from the config's folders (reads only their config.json). */
  static MemoryPlan rlvr(LlamaConfig c, RlvrConfig cfg) {
    LlamaConfig value = cfg.algorithm() != RlvrConfig.Algorithm.PPO ? null
        : cfg.valueModel() != null ? ScalarHeadModel.readConfig(ModelFiles.resolveModelDir(cfg.valueModel())) : c;
    LlamaConfig reward = cfg.rewardModel() != null && cfg.rewardModelMultiplier() != 0
        ? ScalarHeadModel.readConfig(ModelFiles.resolveModelDir(cfg.rewardModel())) : null;
    int valueBytes = value != null && cfg.valueModel() != null
        ? scalarHeadBaseBytes(ModelFiles.resolveModelDir(cfg.valueModel()), cfg.lora()) : 4;
    return rlvr(c, cfg, value, reward, loraBaseBytes(ModelFiles.resolveModelDir(cfg.model()), cfg.lora()), valueBytes);
  }

  /** Prints the plan and stops (with the plan's message) when it exceeds this JVM's heap. */
  static void check(MemoryPlan plan, PrintStream log) {
    long heap = MemoryPlan.usableHeap();
    log.println(plan.summary(heap));
    plan.requireFits(heap, Runtime.getRuntime().maxMemory());
  }
}
