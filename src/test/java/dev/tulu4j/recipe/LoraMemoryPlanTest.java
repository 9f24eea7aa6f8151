package dev.tulu4j.recipe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.model.LlamaConfig;
import dev.tulu4j.train.LoraSettings;
import dev.tulu4j.train.MemoryPlan;
import dev.tulu4j.train.TrainConfig;
import dev.tulu4j.config.ConfigLoader;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The planner counts a LoRA run as a frozen base plus the adapter, not a full fine-tune. */
class LoraMemoryPlanTest {
  @Test
  void loraTrainsOnlyTheAdaptersWeights() {
    LlamaConfig c = LlamaConfig.smollm2_135m();
    var lora = new LoraSettings(16, 32, 0, List.of("q_proj", "v_proj"), false, List.of(), null);
    var p = MemoryPlans.policy(c, lora);
    // q_proj: in C, out H·D; v_proj: in C, out Hkv·D; r·(in + out) each, per layer
    long perLayer = 16L * (c.hidden() + c.qDim()) + 16L * (c.hidden() + c.kvDim());
    assertThat(p.trainableParams()).isEqualTo(perLayer * c.layers());
    assertThat(p.frozenParams()).isEqualTo(MemoryPlan.parameterCount(c));
    assertThat(MemoryPlans.policy(c, new LoraSettings(0, 16, 0, null, false, null, null)).trainableParams())
        .isEqualTo(MemoryPlan.parameterCount(c));
    TrainConfig t = ConfigLoader.fromOverrides(List.of("micro_batch=1"), TrainConfig.class);
    // a LoRA SFT plan needs far less than the full one: no gradients or AdamW state for the base
    long full = MemoryPlans.sft(c, t, 2048, null).peakBytes();
    long withLora = MemoryPlans.sft(c, t, 2048, lora).peakBytes();
    assertThat(withLora).isLessThan(full - 8L * MemoryPlan.parameterCount(c));
  }

  /** A LoRA reward model trains the adapter and the score head only; its backbone is frozen (it was counted as fully trained). */
  @Test
  void aLoraRewardModelTrainsTheAdapterAndTheScoreHead() {
    LlamaConfig c = LlamaConfig.smollm2_135m();
    var lora = new LoraSettings(16, 32, 0, null, false, null, null);
    TrainConfig t = ConfigLoader.fromOverrides(List.of("micro_batch=1"), TrainConfig.class);
    MemoryPlan.Trained rm = MemoryPlans.scalarHead(c, lora);
    long perLayer = 0;
    for (var target : lora.config().targets()) perLayer += 16L * (target.in(c) + target.out(c));
    assertThat(rm.trainableParams()).isEqualTo(perLayer * c.layers() + c.hidden());
    assertThat(rm.frozenParams() + c.hidden()).isEqualTo(MemoryPlan.scalarHeadParameterCount(c)); // backbone frozen, head trained
    long full = MemoryPlans.reward(c, t, 1024).peakBytes();
    MemoryPlan loraPlan = MemoryPlans.reward(c, t, 1024, lora);
    long withLora = loraPlan.peakBytes();
    long keptU = loraPlan.items().stream().filter(i -> i.name().equals("reward model LoRA u")).mapToLong(MemoryPlan.Item::bytes).sum();
    assertThat(keptU).isPositive();
    // no gradients or AdamW moments for the frozen backbone: 12 bytes per frozen weight less, plus the runtime
    // share, minus what the adapter keeps from the forward (u = x·Aᵀ)
    long modelledDiff = 12L * rm.frozenParams() - keptU;
    assertThat(full - withLora).isBetween(modelledDiff, modelledDiff + modelledDiff / 16 + 1);
    assertThat(MemoryPlans.scalarHead(c, null).trainableParams()).isEqualTo(MemoryPlan.scalarHeadParameterCount(c));
  }

  /** modules_to_save lm_head / embed_tokens: each copy is V·C trained fp32 weights (+ gradients + AdamW), the originals stay frozen. */
  @Test
  void theHeadAndEmbeddingCopiesAreCountedWithGradientsAndAdamW() {
    LlamaConfig c = LlamaConfig.smollm2_135m(); // tied: the original is one V·C matrix, the copies are two
    var plain = new LoraSettings(16, 32, 0, List.of("q_proj", "v_proj"), false, List.of(), null);
    var both = plain.withModulesToSave(List.of("lm_head", "embed_tokens"));
    var head = plain.withModulesToSave(List.of("lm_head"));
    long vc = (long) c.vocabSize() * c.hidden();
    assertThat(MemoryPlans.policy(c, both).trainableParams() - MemoryPlans.policy(c, plain).trainableParams()).isEqualTo(2 * vc);
    assertThat(MemoryPlans.policy(c, head).trainableParams() - MemoryPlans.policy(c, plain).trainableParams()).isEqualTo(vc);
    assertThat(MemoryPlans.policy(c, both).frozenParams()).isEqualTo(MemoryPlan.parameterCount(c));
    TrainConfig t = ConfigLoader.fromOverrides(List.of("micro_batch=1"), TrainConfig.class);
    java.util.function.Function<MemoryPlan, Long> policyBytes = p -> p.items().stream()
        .filter(i -> i.name().startsWith("policy ")).mapToLong(MemoryPlan.Item::bytes).sum();
    // 4 bytes of fp32 weight + 4 of gradient + 8 of AdamW moments per copied weight, with a bf16 base too
    for (int frozenBytes : new int[] {4, 2})
      assertThat(policyBytes.apply(MemoryPlans.sft(c, t, 2048, both, frozenBytes))
          - policyBytes.apply(MemoryPlans.sft(c, t, 2048, plain, frozenBytes))).isEqualTo(16 * 2 * vc);
  }

  /**
   * RLVR's frozen reward model only scores (ScalarHeadScorer, forward only, over inference
   * activations): the plan counts one layer's buffers for it, not a training call's.
   */
  @Test
  void aFrozenRewardModelIsPlannedWithInferenceActivations() {
    LlamaConfig c = LlamaConfig.smollm2_135m();
    var cfg = ConfigLoader.fromOverrides(List.of("model=m", "train_file=p.jsonl", "algorithm=grpo", "train.micro_batch=2"),
        dev.tulu4j.rlvr.RlvrConfig.class);
    int tokens = 2 * (cfg.maxPromptLength() + cfg.responseLength());
    MemoryPlan with = MemoryPlans.rlvr(c, cfg, null, c, 4, 4);
    long line = with.items().stream().filter(i -> i.name().equals("reward model activations")).mapToLong(MemoryPlan.Item::bytes)
        .sum();
    assertThat(line).isEqualTo(dev.tulu4j.model.Activations.bytes(c, tokens, false));
    assertThat(line).isLessThan(dev.tulu4j.model.Activations.bytes(c, tokens, true) / 10);
    assertThat(with.items()).noneMatch(i -> i.name().startsWith("reward model LM head"));
  }

  /**
   * PPO under LoRA: the value model trains its own adapter and score head over the policy's shared base
   * (no frozen weights of its own), or over a value_model folder's frozen backbone at 2 or 4 bytes.
   */
  @Test
  void aLoraValueModelIsAnAdapterAndAHeadOverTheSharedBase() {
    LlamaConfig c = LlamaConfig.smollm2_135m();
    List<String> common = List.of("model=m", "train_file=p.jsonl", "algorithm=ppo", "train.micro_batch=1");
    List<String> withLora = new java.util.ArrayList<>(common);
    withLora.addAll(List.of("lora.r=16", "lora.alpha=32"));
    var loraCfg = ConfigLoader.fromOverrides(withLora, dev.tulu4j.rlvr.RlvrConfig.class);
    long adapter = MemoryPlan.adapterParameterCount(c, loraCfg.lora().config());
    MemoryPlan.Trained v = MemoryPlans.valueOverPolicyBase(c, loraCfg.lora());
    assertThat(v.trainableParams()).isEqualTo(adapter + c.hidden());
    assertThat(v.frozenParams()).isZero();
    MemoryPlan shared = MemoryPlans.rlvr(c, loraCfg, c, null, 2, 4);
    List<String> withFolder = new java.util.ArrayList<>(withLora);
    withFolder.add("value_model=v");
    var folderCfg = ConfigLoader.fromOverrides(withFolder, dev.tulu4j.rlvr.RlvrConfig.class);
    MemoryPlan own = MemoryPlans.rlvr(c, folderCfg, c, null, 2, 2);
    long backbone = MemoryPlan.scalarHeadParameterCount(c) - c.hidden();
    // a value_model folder adds its frozen backbone (bf16 here: 2 bytes a weight), plus the runtime share
    assertThat(own.peakBytes() - shared.peakBytes()).isBetween(2L * backbone, 2L * backbone + 2L * backbone / 16 + 1);
    // the fully trained value model of PPO without LoRA costs 16 bytes per weight instead
    var fullCfg = ConfigLoader.fromOverrides(common, dev.tulu4j.rlvr.RlvrConfig.class);
    MemoryPlan full = MemoryPlans.rlvr(c, fullCfg, c, null, 4, 4);
    MemoryPlan fullGrpo = MemoryPlans.rlvr(c, fullCfg, null, null, 4, 4);
    MemoryPlan loraGrpo = MemoryPlans.rlvr(c, loraCfg, null, null, 2, 4);
    long fullValue = full.peakBytes() - fullGrpo.peakBytes(), loraValue = shared.peakBytes() - loraGrpo.peakBytes();
    long saved = 16L * (MemoryPlan.scalarHeadParameterCount(c) - adapter - c.hidden());
    assertThat(fullValue - loraValue).isBetween(saved, saved + saved / 16 + 1);
    System.out.printf("PPO value model, SmolLM2-135M: full %.1f MiB, LoRA r=16 over the shared base %.1f MiB%n",
        fullValue / 1048576.0, loraValue / 1048576.0);
  }

  /** The adapter keeps u = x·Aᵀ of every adapted projection for the backward: r floats per token, per layer or (checkpointed) one layer. */
  @Test
  void theKeptAdapterInputsAreCountedPerLayerOrForOneLayerWhenCheckpointed() {
    LlamaConfig c = LlamaConfig.smollm2_135m();
    var lora = new LoraSettings(16, 32, 0, null, false, null, null); // all-linear: 7 projections
    java.util.function.BiFunction<MemoryPlan, String, Long> item = (p, name) -> p.items().stream()
        .filter(i -> i.name().equals(name)).mapToLong(MemoryPlan.Item::bytes).sum();
    for (boolean ck : new boolean[] {false, true}) {
      TrainConfig t = ConfigLoader.fromOverrides(List.of("micro_batch=2", "activation_checkpointing=" + ck), TrainConfig.class);
      long tokens = 2L * 2048;
      long perToken = 16L * 7 * (ck ? 1 : c.layers()) + 3 * 16;
      assertThat(item.apply(MemoryPlans.sft(c, t, 2048, lora), "policy LoRA u")).isEqualTo(4 * tokens * perToken);
      assertThat(item.apply(MemoryPlans.sft(c, t, 2048, null), "policy LoRA u")).isZero();
      assertThat(item.apply(MemoryPlans.dpo(c, t, 2048, lora), "policy LoRA u")).isEqualTo(2 * 4 * tokens * perToken);
    }
  }
}
