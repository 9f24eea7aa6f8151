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
}
