package dev.tulu4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tulu4j.model.Activations;
import dev.tulu4j.model.KvCache;
import dev.tulu4j.model.LlamaConfig;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.tensor.NaiveGemm;
import org.junit.jupiter.api.Test;

class MemoryPlanTest {
  static final LlamaConfig QWEN = LlamaConfig.qwen25_05b();

  @Test
  void parameterCountsMatchTheModelAndTheHandCount() {
    // Qwen2.5-0.5B (tied): embedding 151936·896 = 136,134,656; per layer norms 2·896, q 896² + 896,
    // k and v 128·896 + 128 each, o 896², MLP 3·896·4864 = 14,912,384; ×24 + final norm 896
    assertThat(MemoryPlan.parameterCount(QWEN)).isEqualTo(136_134_656L + 24 * 14_912_384L + 896);
    assertThat(MemoryPlan.parameterCount(QWEN)).isEqualTo(494_032_768L);
    assertThat(MemoryPlan.parameterCount(LlamaConfig.tiny()))
        .isEqualTo(LlamaModel.random(LlamaConfig.tiny(), 1, new NaiveGemm()).parameterCount());
    assertThat(MemoryPlan.parameterCount(LlamaConfig.smollm2_135m())).isEqualTo(134_515_008L);
    // a scalar head replaces the LM head: tied keeps the embedding and adds 1·C
    assertThat(MemoryPlan.scalarHeadParameterCount(QWEN)).isEqualTo(494_032_768L + 896);
  }

  @Test
  void qwen05bFullSftAt4096TokensLinesUp() {
    MemoryPlan stored = new MemoryPlan("sft", "max_seq_length")
        .trained("policy", MemoryPlan.Trained.full(QWEN)).activations("policy", QWEN, 4096, false);
    MemoryPlan ckpt = new MemoryPlan("sft", "max_seq_length")
        .trained("policy", MemoryPlan.Trained.full(QWEN)).activations("policy", QWEN, 4096, true);
    long p = 494_032_768L;
    // weights 4, gradients 4, AdamW 8 bytes per trained weight
    assertThat(stored.items()).extracting(MemoryPlan.Item::bytes).startsWith(4 * p, 4 * p, 8 * p);
    long modelled = 16 * p + Activations.bytes(QWEN, 4096, true, false);
    assertThat(stored.peakBytes()).isEqualTo(modelled + (64L << 20) + modelled / 16);
    long saved = 4096L * (24 * 54_336L - 24 * 3_584L - 50_752L);
    assertThat(stored.peakBytes() - ckpt.peakBytes()).isEqualTo(saved + modelled / 16 - (modelled - saved) / 16);
    // 7.36 GiB of weights + state, 5.53 GiB stored activations or 1.08 GiB checkpointed (each with
    // 0.29 GiB backward scratch and 0.14 GiB LM-head chunk), + 64 MiB + 1/16 runtime allowance
    assertThat(stored.peakBytes() / (double) (1L << 30)).isBetween(13.75, 13.77);
    assertThat(ckpt.peakBytes() / (double) (1L << 30)).isBetween(9.02, 9.04);
    assertThat(ckpt.summary(16L << 30)).startsWith("memory plan (sft): policy weights 1.84 GiB (494.0M fp32) + ")
        .contains("policy activations ").contains("4,096 tokens, checkpointed").endsWith("peak of 16.00 GiB usable heap");
    ckpt.requireFits(16L << 30, 16L << 30);
  }

  @Test
  void loraAndBf16EnterAsCountsAndWidths() {
    // LoRA r=16 on a frozen bf16 base: only the adapters carry gradients and AdamW state
    MemoryPlan p = new MemoryPlan("sft", "max_seq_length")
        .trained("policy", new MemoryPlan.Trained(QWEN, 8_798_208L, 494_032_768L, 2));
    assertThat(p.items()).extracting(MemoryPlan.Item::bytes)
        .containsExactly(4 * 8_798_208L + 2 * 494_032_768L, 4 * 8_798_208L, 8 * 8_798_208L);
    assertThat(p.summary(1L << 34)).contains("8.8M trainable fp32 + 494.0M frozen bf16");
    assertThatThrownBy(() -> new MemoryPlan.Trained(QWEN, 1, 1, 3)).hasMessageContaining("2 (bf16) or 4 (fp32)");
  }

  @Test
  void aRunThatCannotFitNamesTheNumbersAndTheKnobs() {
    MemoryPlan p = new MemoryPlan("sft", "max_seq_length")
        .trained("policy", MemoryPlan.Trained.full(QWEN)).activations("policy", QWEN, 8 * 4096, false);
    assertThatThrownBy(() -> p.requireFits(8L << 30, 12L << 30))
        .isInstanceOf(MemoryPlan.DoesNotFit.class)
        .hasMessageStartingWith("the sft run needs about ")
        .hasMessageContaining("but the JVM can hold 8.00 GiB of long-lived arrays (largest: policy activations ")
        .hasMessageContaining("lora").hasMessageContaining("train.activation_checkpointing=true (activations ")
        .hasMessageContaining("train.micro_batch or max_seq_length (now 32,768 tokens")
        .hasMessageContaining("TULU4J_JAVA_OPTS=-Xmx");
    // the suggested -Xmx scales the peak by -Xmx / usable (here 12/8): ParallelGC's young third
    long peak = p.peakBytes();
    assertThatThrownBy(() -> p.requireFits(8L << 30, 12L << 30))
        .hasMessageContaining("-Xmx" + (long) Math.ceil(peak * 1.5 / (1L << 30)) + "g");
    // already checkpointed: that knob is not offered again
    MemoryPlan c = new MemoryPlan("dpo", "max_length")
        .trained("policy", MemoryPlan.Trained.full(QWEN)).activations("policy", QWEN, 4096, true);
    assertThatThrownBy(() -> c.requireFits(4L << 30, 4L << 30)).hasMessageNotContaining("activation_checkpointing")
        .hasMessageContaining("max_length");
  }

  @Test
  void usableHeapIsTheOldGenerationUnderParallelGc() {
    long max = Runtime.getRuntime().maxMemory();
    long usable = MemoryPlan.usableHeap();
    assertThat(usable).isPositive().isLessThanOrEqualTo(max);
    boolean parallel = java.lang.management.ManagementFactory.getMemoryPoolMXBeans().stream()
        .anyMatch(pool -> pool.getName().equals("PS Old Gen"));
    if (parallel) assertThat(usable).isLessThan(max); // a third of -Xmx is young generation
  }

  @Test
  void kvCacheAndFrozenModelsUseTheEngineFormulas() {
    MemoryPlan p = new MemoryPlan("rlvr", "response_length").frozen("reference", 1000, 4).kvCache(QWEN, 16, 4096);
    assertThat(p.items()).extracting(MemoryPlan.Item::bytes).containsExactly(4000L, KvCache.bytes(QWEN, 16, 4096));
  }

  @Test
  void theLmHeadPackedOncePerPassIsALineWhenItIsPacked() {
    LlamaConfig smol = LlamaConfig.smollm2_135m(); // 49,152 x 576 = 28.3M floats, under the 2^25 bound
    MemoryPlan multiChunk = new MemoryPlan("sft", "max_seq_length")
        .trained("policy", MemoryPlan.Trained.full(smol)).activations("policy", smol, 4096, false);
    assertThat(multiChunk.items()).filteredOn(i -> i.name().equals("policy LM head panels"))
        .extracting(MemoryPlan.Item::bytes).containsExactly(4L * 49_152 * 576);
    MemoryPlan oneChunk = new MemoryPlan("sft", "max_seq_length")
        .trained("policy", MemoryPlan.Trained.full(smol)).activations("policy", smol, 256, false);
    assertThat(oneChunk.items()).noneMatch(i -> i.name().contains("LM head panels"));
    // Qwen2.5-0.5B's 151,936 x 896 head is over the bound: each chunk packs its own panels, no line
    assertThat(Activations.headPanelBytes(QWEN, 4096)).isZero();
  }
}
