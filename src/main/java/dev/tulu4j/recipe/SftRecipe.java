package dev.tulu4j.recipe;

import dev.tulu4j.checkpoint.HfCheckpoint;
import dev.tulu4j.checkpoint.ModelFiles;
import dev.tulu4j.data.RowErrors;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.model.WeightsDtype;
import dev.tulu4j.model.LoraAdapter;
import dev.tulu4j.sft.CausalLmStep;
import dev.tulu4j.sft.Packer;
import dev.tulu4j.sft.SftData;
import dev.tulu4j.tensor.KernelConfig;
import dev.tulu4j.tensor.Kernels;
import dev.tulu4j.tokenizer.ChatTemplate;
import dev.tulu4j.tokenizer.ConversationEncoder;
import dev.tulu4j.tokenizer.Tokenizer;
import dev.tulu4j.train.ModelSaver;
import dev.tulu4j.train.TrainConfig;
import dev.tulu4j.train.TrainLoop;
import dev.tulu4j.train.TrainResult;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Supervised fine-tuning (Tülu 3 §4): conversations → chat template + assistant-only masks →
 * truncated, optionally packed rows → token NLL with sum (Tülu 3) or mean reduction in the shared
 * {@link TrainLoop} → HF checkpoints whose tokenizer_config.json carries the template trained on.
 * See docs/SFT.md.
 */
public final class SftRecipe {
  private SftRecipe() {}

  public static RunResult run(SftConfig cfg, PrintStream log) throws IOException {
    return run(cfg, log, loop -> {});
  }

  /** @param customize test hook: adjusts the loop (fault injection, listeners) before it runs */
  public static RunResult run(SftConfig cfg, PrintStream log, Consumer<TrainLoop> customize) throws IOException {
    TrainConfig train = cfg.train();
    Path out = Files.createDirectories(train.outDir());
    Path modelDir = cfg.model().isTiny() ? null : ModelFiles.resolveModelDir(Path.of(cfg.model().from()));
    Path tokDir = "auto".equals(cfg.tokenizer()) ? modelDir : Path.of(cfg.tokenizer());
    log.println("sft: model " + (modelDir == null ? "tiny (random init)" : modelDir) + ", tokenizer " + tokDir);
    MemoryPlans.check(MemoryPlans.sft(modelDir == null ? cfg.model().tinyConfig() : HfCheckpoint.readConfig(modelDir),
        train, cfg.maxSeqLength(), cfg.lora(), MemoryPlans.loraBaseBytes(modelDir, cfg.lora())), log);

    try (Tokenizer tok = Tokenizer.load(tokDir);
        Kernels kernels = Kernels.create(new KernelConfig(cfg.gemm(), train.resolvedThreads()))) {
      // 1. data: chat template, assistant-only labels, truncation; examples with no target dropped
      ChatTemplate template = cfg.template().resolve(tok);
      SftData data;
      String summary;
      try (RowErrors errors = RowErrors.of(cfg.onError(), out.resolve(RowErrors.FILE_NAME))) {
        data = SftData.load(cfg.data(), new ConversationEncoder(tok, template, cfg.maxSeqLength()), errors);
        summary = data.summary(cfg.maxSeqLength()) + errors.summary();
      }
      log.println(summary);

      // 2. model (with LoRA: frozen, no gradient buffers, plus a trainable adapter)
      boolean lora = cfg.lora().enabled();
      //    (the frozen base in bf16 when lora.base_dtype says so: half the weight memory, same gradients)
      LlamaModel model;
      if (modelDir != null) {
        model = lora ? ModelFiles.loadLoraBase(modelDir, cfg.lora().baseWeightsDtype(), kernels.gemm(), kernels.parallel())
            : ModelFiles.loadModel(modelDir, kernels.gemm(), true);
      } else {
        model = LlamaModel.random(cfg.model().tinyConfig(), cfg.model().initSeed(), kernels.gemm());
        if (lora) model = cfg.lora().baseWeightsDtype() == WeightsDtype.BF16 ? model.frozenBf16Copy() : model.frozenView();
      }
      LoraAdapter adapter = lora ? LoraRuns.attach(model, cfg.lora(), train.seed(), log) : null;
      if (tok.vocabSize() > model.config().vocabSize())
        throw new IllegalArgumentException("the tokenizer in " + tokDir + " has " + tok.vocabSize()
            + " ids but the model only " + model.config().vocabSize());
      model.activationCheckpointing(train.activationCheckpointing());

      // 3. train; checkpoints carry the tokenizer with the chat template used here
      Path ckptTokenizer = out.resolve("tokenizer");
      ModelFiles.writeTokenizerFolder(tokDir, ckptTokenizer, template);
      var step = new CausalLmStep(model,
          Packer.batcher(data.examples(), cfg.maxSeqLength(), cfg.packing(), tok.padId()));
      LlamaModel trained = model;
      ModelSaver saver = lora ? LoraRuns.saver(adapter, Map::of, modelDir, ckptTokenizer)
          : dir -> HfCheckpoint.save(dir, trained.config(), trained.toTensors(), cfg.saveDtype(),
              HfCheckpoint.DEFAULT_SHARD_BYTES, ckptTokenizer);
      TrainLoop loop = new TrainLoop(train, lora ? adapter.parameters() : model.parameters(), data.examples().size(), step,
          kernels.parallel())
          .saver(saver)
          .runConfig(cfg)
          .gemm(kernels.gemm());
      customize.accept(loop);
      long t0 = System.nanoTime();
      TrainResult r = loop.run();
      return new RunResult(r.lastCheckpoint(), r, (System.nanoTime() - t0) / 1e9, summary);
    }
  }
}
