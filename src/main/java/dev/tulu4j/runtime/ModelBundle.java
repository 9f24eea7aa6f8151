package dev.tulu4j.runtime;

import dev.tulu4j.checkpoint.HfCheckpoint;
import dev.tulu4j.data.Message;
import dev.tulu4j.model.LlamaConfig;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.model.WeightsDtype;
import dev.tulu4j.tensor.Gemm;
import dev.tulu4j.tensor.KernelConfig;
import dev.tulu4j.tensor.Kernels;
import dev.tulu4j.tokenizer.ChatTemplate;
import dev.tulu4j.tokenizer.TemplateChoice;
import dev.tulu4j.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A Hugging Face checkpoint folder loaded for inference: the {@link LlamaModel} (weights decoded to
 * fp32 from F32/F16/BF16, single or sharded safetensors), its {@link Tokenizer} and the chosen
 * {@link ChatTemplate}. Every later stage (generate, score, serve, SFT/DPO/RLVR, eval) starts here.
 *
 * <p>Closing the bundle closes the tokenizer and, when the bundle created them, the kernels' thread pool.
 */
public final class ModelBundle implements AutoCloseable {
  private final Path dir;
  private final LlamaModel model;
  private final Tokenizer tokenizer;
  private final ChatTemplate template;      // null when the chosen template does not exist
  private final String templateMissing;    // why, then
  private final Kernels ownedKernels; // null when the GEMM was supplied by the caller
  private final String gemmReason;
  private Path adapter;               // the LoRA adapter merged at load, or null

  private ModelBundle(Path dir, LlamaModel model, Tokenizer tokenizer, ChatTemplate template, String templateMissing,
      Kernels owned, String gemmReason) {
    this.dir = dir;
    this.model = model;
    this.tokenizer = tokenizer;
    this.template = template;
    this.templateMissing = templateMissing;
    this.ownedKernels = owned;
    this.gemmReason = gemmReason;
  }

  /**
   * Loads {@code dir} with kernels built from {@code kernels} (closed with the bundle). {@code dir}
   * may be a checkpoint folder or a training run folder (its latest complete checkpoint).
   */
  public static ModelBundle load(Path dir, TemplateChoice template, KernelConfig kernels) {
    dir = dev.tulu4j.checkpoint.ModelFiles.resolveModelDir(dir);
    LlamaConfig cfg = HfCheckpoint.readConfig(dir); // fail on a bad folder before starting threads
    Kernels k = Kernels.create(kernels);
    try {
      return load(dir, cfg, template, k.gemm(), k, k.gemmReason(), false);
    } catch (RuntimeException e) {
      k.close();
      throw e;
    }
  }

  /**
   * Loads {@code dir} frozen for inference (generate, score, serve, eval) with kernels built from
   * {@code kernels}, its weight matrices held as {@code weights} says (bf16 or fp32 in memory,
   * {@link WeightsDtype}). {@link #gemmReason()} then also says how the weights are held.
   */
  public static ModelBundle load(Path dir, TemplateChoice template, KernelConfig kernels, WeightsDtype weights) {
    Path d = dev.tulu4j.checkpoint.ModelFiles.resolveModelDir(dir);
    LlamaConfig cfg = HfCheckpoint.readConfig(d); // fail on a bad folder before starting threads
    Kernels k = Kernels.create(kernels);
    try {
      return load(d, cfg, template, k.gemm(), k, k.gemmReason(), false, weights);
    } catch (RuntimeException e) {
      k.close();
      throw e;
    }
  }

  /**
   * {@link #load(Path, TemplateChoice, KernelConfig, WeightsDtype)}, then — when {@code adapterOrNull}
   * is a PEFT LoRA adapter folder — its adapter merged into the weights ({@code W += s·B·A}, fp32):
   * the model then computes base + adapter at the speed of the base (the decode path needs no adapter
   * code). Merging needs fp32 weights, so an adapter loads the base in fp32 whatever {@code weights} says.
   */
  public static ModelBundle load(Path dir, TemplateChoice template, KernelConfig kernels, WeightsDtype weights, Path adapterOrNull) {
    if (adapterOrNull == null) return load(dir, template, kernels, weights);
    ModelBundle b = load(dir, template, kernels, WeightsDtype.FP32);
    try {
      b.model.attachLora(dev.tulu4j.checkpoint.PeftAdapter.load(adapterOrNull, b.config()).adapter());
      b.model.mergeLora();
      b.adapter = adapterOrNull;
      return b;
    } catch (RuntimeException e) {
      b.close();
      throw e;
    }
  }

  /**
   * Loads {@code dir} over the given GEMM (the caller owns it).
   *
   * @param trainable allocate gradients (for SFT/DPO/RL policies); false for inference
   */
  public static ModelBundle load(Path dir, TemplateChoice template, Gemm gemm, boolean trainable) {
    dir = dev.tulu4j.checkpoint.ModelFiles.resolveModelDir(dir);
    return load(dir, HfCheckpoint.readConfig(dir), template, gemm, null, gemm.getClass().getSimpleName(), trainable);
  }

  private static ModelBundle load(Path dir, LlamaConfig cfg, TemplateChoice choice, Gemm gemm, Kernels owned,
      String reason, boolean trainable) {
    return load(dir, cfg, choice, gemm, owned, reason, trainable, null);
  }

  /** {@code weights} null: the fp32 load ({@code trainable} or not); else a frozen load in that dtype. */
  private static ModelBundle load(Path dir, LlamaConfig cfg, TemplateChoice choice, Gemm gemm, Kernels owned,
      String reason, boolean trainable, WeightsDtype weights) {
    if (!Files.isRegularFile(dir.resolve("tokenizer.json")))
      throw new IllegalArgumentException(dir + ": no tokenizer.json in the model folder");
    Tokenizer tok = Tokenizer.load(dir);
    try {
      if (tok.vocabSize() > cfg.vocabSize())
        throw new IllegalArgumentException(dir + ": the tokenizer has " + tok.vocabSize()
            + " ids but config.json vocab_size is " + cfg.vocabSize());
      // resolved now, failing only when a chat is rendered: raw-text generation and scoring need no template
      ChatTemplate t = null;
      String missing = null;
      try {
        t = choice.resolve(tok);
      } catch (IllegalArgumentException e) {
        missing = e.getMessage();
      }
      if (weights != null) {
        var frozen = dev.tulu4j.checkpoint.ModelFiles.loadFrozen(dir, weights, gemm,
            owned != null ? owned.parallel() : dev.tulu4j.tensor.TaskRunner.commonPool());
        return new ModelBundle(dir, frozen.model(), tok, t, missing, owned, reason + "; " + frozen.weights());
      }
      HfCheckpoint ck = HfCheckpoint.load(dir);
      LlamaModel m = LlamaModel.fromTensors(ck.config(), ck.tensors(), gemm, trainable);
      return new ModelBundle(dir, m, tok, t, missing, owned, reason);
    } catch (RuntimeException e) {
      tok.close();
      throw e;
    }
  }

  public Path dir() { return dir; }

  /** The PEFT adapter folder merged into the weights at load, or null. */
  public Path adapter() { return adapter; }

  public LlamaModel model() { return model; }

  public LlamaConfig config() { return model.config(); }

  public Tokenizer tokenizer() { return tokenizer; }

  /** The chosen chat template; fails with the reason when it does not exist (--template model without one). */
  public ChatTemplate template() {
    if (template == null) throw new IllegalArgumentException(templateMissing);
    return template;
  }

  /** One line on which GEMM runs the model and why. */
  public String gemmReason() { return gemmReason; }

  /** The codec the server and the CLI use (chat template, BOS handling, decoding). */
  public ChatCodec codec() {
    return new ChatCodec(tokenizer, template, templateMissing);
  }

  /**
   * Ids that end generation: the tokenizer's EOS ids (tokenizer_config {@code eos_token} and
   * generation_config extras) followed by those of config.json, each once.
   */
  public List<Integer> eosIds() {
    Set<Integer> s = new LinkedHashSet<>(tokenizer.eosIds());
    s.addAll(model.config().eosIds());
    return new ArrayList<>(s);
  }

  /** Renders and tokenises a conversation with the generation prompt (see {@link ChatCodec#encodeChat}). */
  public int[] encodeChat(List<Message> messages) {
    return codec().encodeChat(messages);
  }

  @Override
  public void close() {
    tokenizer.close();
    if (ownedKernels != null) ownedKernels.close();
  }
}
