package dev.tulu4j.recipe;

import dev.tulu4j.checkpoint.HfCheckpoint;
import dev.tulu4j.checkpoint.ModelFiles;
import dev.tulu4j.io.FileOps;
import dev.tulu4j.model.LlamaConfig;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.sft.CausalLmStep;
import dev.tulu4j.sft.PretrainData;
import dev.tulu4j.tensor.KernelConfig;
import dev.tulu4j.tensor.Kernels;
import dev.tulu4j.tokenizer.BpeTrainer;
import dev.tulu4j.tokenizer.Tokenizer;
import dev.tulu4j.train.TrainConfig;
import dev.tulu4j.train.TrainLoop;
import dev.tulu4j.train.TrainResult;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Base-model pretraining on plain text: tokenizer (given or BPE-trained on the corpus) → documents
 * packed into segment-isolated rows → causal-LM loss in the shared {@link TrainLoop} → HF checkpoints
 * with the tokenizer files. See docs/SFT.md.
 */
public final class PretrainRecipe {
  private PretrainRecipe() {}

  public static RunResult run(PretrainConfig cfg, PrintStream log) throws IOException {
    return run(cfg, log, loop -> {});
  }

  /** @param customize test hook: adjusts the loop (fault injection, listeners) before it runs */
  public static RunResult run(PretrainConfig cfg, PrintStream log, Consumer<TrainLoop> customize) throws IOException {
    TrainConfig train = cfg.train();
    Path out = Files.createDirectories(train.outDir());
    Path modelDir = cfg.model().isTiny() ? null : ModelFiles.resolveModelDir(Path.of(cfg.model().from()));
    LlamaConfig arch = modelDir == null ? cfg.model().tinyConfig() : HfCheckpoint.readConfig(modelDir);

    // 1. tokenizer: given, the checkpoint's, or a BPE trained on the corpus (reused when present)
    Path tokDir = tokenizerFolder(cfg, modelDir, arch, out, log);
    try (Tokenizer tok = Tokenizer.load(tokDir);
        Kernels kernels = Kernels.create(new KernelConfig(cfg.gemm(), train.resolvedThreads()))) {
      if (tok.vocabSize() > arch.vocabSize())
        throw new IllegalArgumentException("the tokenizer in " + tokDir + " has " + tok.vocabSize()
            + " ids but the model only " + arch.vocabSize() + " (model.vocab)");

      // 2. data: tokenised once (cached in out_dir), packed into rows of max_seq_length
      PretrainData data = PretrainData.prepare(cfg.corpus(), tokDir, tok, cfg.maxSeqLength(),
          out.resolve("tokens.cache"));
      String summary = String.format("pretrain data: %d documents, %d tokens, %d pieces in %d rows of %d",
          data.documents(), data.tokens(), data.pieces().size(), data.rows().size(), data.length());
      log.println(summary);

      // 3. model and train loop; every checkpoint is an HF folder with the tokenizer files
      LlamaModel model = modelDir == null
          ? LlamaModel.random(arch, cfg.model().initSeed(), kernels.gemm())
          : ModelFiles.loadModel(modelDir, kernels.gemm(), true);
      Path ckptTokenizer = out.resolve("tokenizer");
      ModelFiles.writeTokenizerFolder(tokDir, ckptTokenizer, null);
      model.activationCheckpointing(train.activationCheckpointing());
      TrainLoop loop = new TrainLoop(train, model.parameters(), data.rows().size(),
          new CausalLmStep(model, data.batcher(tok.padId())), kernels.parallel())
          .saver(dir -> HfCheckpoint.save(dir, arch, model.toTensors(), cfg.saveDtype(),
              HfCheckpoint.DEFAULT_SHARD_BYTES, ckptTokenizer))
          .runConfig(cfg)
          .gemm(kernels.gemm());
      customize.accept(loop);
      long t0 = System.nanoTime();
      TrainResult r = loop.run();
      return new RunResult(r.lastCheckpoint(), r, (System.nanoTime() - t0) / 1e9, summary);
    }
  }

  private static Path tokenizerFolder(PretrainConfig cfg, Path modelDir, LlamaConfig arch, Path out, PrintStream log)
      throws IOException {
    if (!"auto".equals(cfg.tokenizer())) return Path.of(cfg.tokenizer());
    if (modelDir != null) return modelDir;
    Path dir = out.resolve("tokenizer");
    if (Files.isRegularFile(dir.resolve("tokenizer.json"))) return dir; // trained by an earlier start of this run
    long t0 = System.nanoTime();
    var docs = PretrainData.documents(Files.readString(cfg.corpus(), StandardCharsets.UTF_8));
    Path tmp = out.resolve(".tokenizer.tmp"); // written aside, then renamed: a kill never leaves half a tokenizer
    BpeTrainer.train(docs, new BpeTrainer.Config(arch.vocabSize(), 2)).write(tmp);
    FileOps.rename(tmp, dir);
    log.printf("trained a %d-id BPE tokenizer on %d documents in %.1f s -> %s%n", arch.vocabSize(), docs.size(),
        (System.nanoTime() - t0) / 1e9, dir);
    return dir;
  }
}
