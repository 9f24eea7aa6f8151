package dev.tulu4j.train;

import dev.tulu4j.model.Activations;
import dev.tulu4j.model.HfNames;
import dev.tulu4j.model.KvCache;
import dev.tulu4j.model.LlamaConfig;
import dev.tulu4j.model.LoraConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The peak heap of a training run, computed from its configuration before any weight is loaded, so
 * a run that cannot fit stops before it starts instead of dying in an {@code OutOfMemoryError}
 * hours later. Every line is what the engine really allocates and keeps for the whole run (they
 * are all live at the peak, in the middle of a backward):
 *
 * <ul>
 *   <li>trained models ({@link Trained}): trainable weights in fp32 with their gradient (4 bytes) and
 *       AdamW's two moments (8 bytes), frozen weights at their own width (4 for fp32, 2 for bf16);
 *   <li>training activations: {@link Activations#bytes} for the tokens of one forward/backward call
 *       (stored or checkpointed), LM-head chunk scratch and backward scratch included;
 *   <li>frozen models (a reference policy, a reward model) and the rollouts' {@link KvCache};
 *   <li>an allowance ({@link #runtimeAllowance}) for what is not modelled (JVM metadata, the tokenized
 *       data, GEMM packing buffers, per-step temporaries).
 * </ul>
 *
 * <p>The stage decides the inputs (see {@code recipe.MemoryPlans}); LoRA enters as a smaller
 * trainable count beside frozen base weights, bf16 frozen weights as 2 bytes per frozen weight.
 */
public final class MemoryPlan {
  /**
   * Not modelled (JVM metadata, tokenized data, GEMM packing, temporaries): 64 MiB plus 1/16 of the
   * modelled lines, so a micro run fits a 256 MiB test JVM and a 0.5B run gets about 0.6 GiB.
   */
  public static long runtimeAllowance(long modelled) {
    return (64L << 20) + modelled / 16;
  }

  /** One line of the plan. */
  public record Item(String name, long bytes, String note) {}

  /**
   * A model whose weights are trained: {@code trainableParams} fp32 weights with gradients and AdamW
   * state, {@code frozenParams} weights without (LoRA's base, 0 for full fine-tuning) stored at
   * {@code frozenBytesPerWeight}.
   */
  public record Trained(LlamaConfig config, long trainableParams, long frozenParams, int frozenBytesPerWeight) {
    public Trained {
      if (trainableParams < 0 || frozenParams < 0) throw new IllegalArgumentException("parameter counts must be >= 0");
      if (frozenBytesPerWeight != 2 && frozenBytesPerWeight != 4)
        throw new IllegalArgumentException("frozen weights are 2 (bf16) or 4 (fp32) bytes, got " + frozenBytesPerWeight);
    }

    /** Full fine-tuning: every weight trained in fp32. */
    public static Trained full(LlamaConfig c) {
      return new Trained(c, parameterCount(c), 0, 4);
    }

    /**
     * LoRA over the whole model: the adapter's {@link #adapterParameterCount} weights trained, every
     * base weight frozen at {@code frozenBytesPerWeight} (2 for a bf16 base).
     */
    public static Trained lora(LlamaConfig c, LoraConfig lc, int frozenBytesPerWeight) {
      return new Trained(c, adapterParameterCount(c, lc), parameterCount(c), frozenBytesPerWeight);
    }
  }

  /**
   * The adapter's trained weights: r·(in + out) per targeted projection and layer, plus V·C for each
   * {@code modules_to_save} copy of the LM head or the embedding (fp32, with gradients and AdamW
   * state; the frozen originals stay in the base's count).
   */
  public static long adapterParameterCount(LlamaConfig c, LoraConfig lc) {
    long n = 0;
    for (var target : lc.targets()) n += (long) lc.r() * (target.in(c) + target.out(c));
    long copies = (lc.savesEmbedding() ? 1 : 0) + (lc.savesLmHead() ? 1 : 0);
    return n * c.layers() + copies * c.vocabSize() * c.hidden();
  }

  private final String stage;
  private final String lengthKey;
  private final List<Item> items = new ArrayList<>();
  private LlamaConfig actConfig;   // the policy's activations: what activation_checkpointing would change
  private int actTokens;
  private boolean actCheckpointed;

  /**
   * @param stage the stage's name in messages ({@code sft}, {@code dpo}, ...)
   * @param lengthKey the config key that sets the sequence length ({@code max_seq_length}, ...)
   */
  public MemoryPlan(String stage, String lengthKey) {
    this.stage = stage;
    this.lengthKey = lengthKey;
  }

  /** Weights of every tensor of {@code c} (the LM head once when tied). */
  public static long parameterCount(LlamaConfig c) {
    long n = 0;
    for (int[] shape : HfNames.parameterOrder(c).values()) {
      long k = 1;
      for (int d : shape) k *= d;
      n += k;
    }
    return n;
  }

  /** A scalar-head model (reward or value) on {@code c}'s backbone: no LM head, a 1×C score head. */
  public static long scalarHeadParameterCount(LlamaConfig c) {
    return parameterCount(c) - (c.tieEmbeddings() ? 0 : (long) c.vocabSize() * c.hidden()) + c.hidden();
  }

  /** Weights, gradients and AdamW state of a trained model. */
  public MemoryPlan trained(String what, Trained t) {
    long weights = 4L * t.trainableParams() + (long) t.frozenBytesPerWeight() * t.frozenParams();
    String w = t.frozenParams() == 0 ? String.format(Locale.ROOT, "%s fp32", count(t.trainableParams()))
        : String.format(Locale.ROOT, "%s trainable fp32 + %s frozen %s", count(t.trainableParams()), count(t.frozenParams()),
            t.frozenBytesPerWeight() == 2 ? "bf16" : "fp32");
    add(what + " weights", weights, w);
    add(what + " gradients", 4L * t.trainableParams(), "");
    add(what + " AdamW", 8L * t.trainableParams(), "");
    return this;
  }

  /**
   * Training activations of one forward/backward call of {@code tokens} tokens. The first call is
   * the policy's: the one the {@code activation_checkpointing} advice is about.
   */
  public MemoryPlan activations(String what, LlamaConfig c, int tokens, boolean checkpointed) {
    if (actConfig == null) {
      actConfig = c;
      actTokens = tokens;
      actCheckpointed = checkpointed;
    }
    add(what + " activations", Activations.bytes(c, tokens, true, checkpointed),
        String.format(Locale.ROOT, "%,d tokens%s", tokens, checkpointed ? ", checkpointed" : ""));
    long panels = Activations.headPanelBytes(c, tokens);
    if (panels > 0) add(what + " LM head panels", panels, "packed once per pass");
    return this;
  }

  /**
   * {@link Activations#inference Inference activations} of a forward-only model of {@code tokens}
   * tokens (a frozen reward model's scoring): one layer's buffers shared by all layers, no backward
   * scratch, no LM-head panels (a scalar head, or a head that packs nothing per pass).
   */
  public MemoryPlan inferenceActivations(String what, LlamaConfig c, int tokens) {
    add(what + " activations", Activations.bytes(c, tokens, false),
        String.format(Locale.ROOT, "%,d tokens, inference (one layer's buffers)", tokens));
    return this;
  }

  /**
   * What a LoRA adapter keeps per training call beside the model's activations: u = x·Aᵀ of every
   * adapted projection from the forward (r floats per token and projection, for every layer, or for
   * one layer under activation checkpointing, whose recompute refills it) and the backward's du of
   * the widest group (q/k/v: 3r per token). Nothing when {@code lora} is null.
   */
  public MemoryPlan loraActivations(String what, LlamaConfig c, LoraConfig lora, int tokens, boolean checkpointed) {
    if (lora == null || lora.targets().isEmpty()) return this;
    long perToken = (long) lora.r() * lora.targets().size() * (checkpointed ? 1 : c.layers()) + 3L * lora.r();
    add(what + " LoRA u", Math.multiplyExact(4L * tokens, perToken),
        String.format(Locale.ROOT, "r %d x %d projections%s", lora.r(), lora.targets().size(),
            checkpointed ? ", one layer (checkpointed)" : " x " + c.layers() + " layers"));
    return this;
  }

  /** A frozen model's weights (a reference policy, a reward model). */
  public MemoryPlan frozen(String what, long params, int bytesPerWeight) {
    add(what, (long) bytesPerWeight * params, count(params) + (bytesPerWeight == 2 ? " bf16" : " fp32"));
    return this;
  }

  /** The rollouts' KV cache: {@code slots} sequences of up to {@code maxLen} tokens. */
  public MemoryPlan kvCache(LlamaConfig c, int slots, int maxLen) {
    add("KV cache", KvCache.bytes(c, slots, maxLen), String.format(Locale.ROOT, "%d × %,d tokens", slots, maxLen));
    return this;
  }

  /** Any other line. */
  public MemoryPlan add(String name, long bytes, String note) {
    items.add(new Item(name, bytes, note));
    return this;
  }

  public List<Item> items() {
    return List.copyOf(items);
  }

  private long modelled() {
    long s = 0;
    for (Item i : items) s += i.bytes();
    return s;
  }

  /** The sum of the lines plus {@link #runtimeAllowance}. */
  public long peakBytes() {
    long s = modelled();
    return s + runtimeAllowance(s);
  }

  /** One line: {@code memory plan (sft): policy weights 1.84 GiB (494.0M fp32) + ... = 9.03 GiB peak of 10.67 GiB usable heap}. */
  public String summary(long maxHeap) {
    StringBuilder b = new StringBuilder("memory plan (").append(stage).append("): ");
    for (Item i : items) {
      if (i.bytes() == 0) continue;
      b.append(i.name()).append(' ').append(gib(i.bytes()));
      if (!i.note().isEmpty()) b.append(" (").append(i.note()).append(')');
      b.append(" + ");
    }
    long peak = peakBytes();
    b.append("runtime ").append(gib(peak - modelled())).append(" = ").append(gib(peak)).append(" peak of ")
        .append(gib(maxHeap)).append(" usable heap");
    return b.toString();
  }

  /**
   * Throws {@link DoesNotFit} when {@link #peakBytes} exceeds {@code maxHeap} ({@link #usableHeap}),
   * naming the numbers and the knobs that would make it fit; {@code xmx} is the JVM's whole heap, to
   * scale the suggested {@code -Xmx}.
   */
  public void requireFits(long maxHeap, long xmx) {
    long peak = peakBytes();
    if (peak <= maxHeap) return;
    Item big = items.stream().max(java.util.Comparator.comparingLong(Item::bytes)).orElseThrow();
    StringBuilder m = new StringBuilder(String.format(Locale.ROOT,
        "the %s run needs about %s of heap but the JVM can hold %s of long-lived arrays (largest: %s %s). Ways to fit: ",
        stage, gib(peak), gib(maxHeap), big.name(), gib(big.bytes())));
    m.append("lora (train adapters only: no gradients or AdamW state for the base weights); ");
    if (actConfig != null) {
      if (!actCheckpointed) {
        long now = Activations.bytes(actConfig, actTokens, true, false);
        long ck = Activations.bytes(actConfig, actTokens, true, true);
        m.append(String.format(Locale.ROOT, "train.activation_checkpointing=true (activations %s -> %s); ", gib(now), gib(ck)));
      }
      m.append(String.format(Locale.ROOT, "a smaller train.micro_batch or %s (now %,d tokens per forward/backward); ",
          lengthKey, actTokens));
    }
    double scale = Math.max(1.0, xmx / (double) maxHeap);
    m.append(String.format(Locale.ROOT, "or a larger heap: TULU4J_JAVA_OPTS=-Xmx%dg (the launcher's default is 75%% of RAM)",
        (long) Math.ceil(peak * scale / (1L << 30))));
    throw new DoesNotFit(m.toString());
  }

  /**
   * The heap that long-lived arrays can fill: the old generation's maximum when the collector has one
   * (ParallelGC, the launcher's collector, reserves a third of {@code -Xmx} for the young generation,
   * and arrays that live for the whole run end up in the old one), else {@code Runtime.maxMemory()}.
   */
  public static long usableHeap() {
    long old = -1;
    for (var pool : java.lang.management.ManagementFactory.getMemoryPoolMXBeans()) {
      String n = pool.getName();
      if (pool.getType() == java.lang.management.MemoryType.HEAP && (n.contains("Old") || n.contains("Tenured"))
          && pool.getUsage().getMax() > 0)
        old = Math.max(old, pool.getUsage().getMax());
    }
    long max = Runtime.getRuntime().maxMemory();
    return old > 0 ? Math.min(old, max) : max;
  }

  /** The run's plan exceeds the heap; the message names the numbers and the knobs. */
  public static final class DoesNotFit extends IllegalStateException {
    DoesNotFit(String message) {
      super(message);
    }
  }

  static String gib(long bytes) {
    return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
  }

  private static String count(long params) {
    return params >= 1_000_000 ? String.format(Locale.ROOT, "%.1fM", params / 1e6) : String.format(Locale.ROOT, "%,d", params);
  }
}
