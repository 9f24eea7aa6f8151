package dev.tulu4j.recipe;

import dev.tulu4j.sft.ModelFiles;

import dev.tulu4j.dpo.DpoStep;
import dev.tulu4j.dpo.PreferenceData;
import dev.tulu4j.dpo.ReferenceLogps;
import dev.tulu4j.data.RowErrors;
import dev.tulu4j.io.HfCheckpoint;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.tensor.Gemms;
import dev.tulu4j.tensor.Parallel;
import dev.tulu4j.tokenizer.ChatTemplate;
import dev.tulu4j.tokenizer.ConversationEncoder;
import dev.tulu4j.tokenizer.TemplateChoice;
import dev.tulu4j.tokenizer.Tokenizer;
import dev.tulu4j.train.TrainLoop;
import dev.tulu4j.train.TrainResult;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Tülu 3 preference tuning (§5): load the SFT checkpoint as policy, tokenize the preference pairs,
 * get the reference log-probs (cached, computed once with the untouched starting weights), then
 * train the policy with {@link DpoStep} in the generic {@link TrainLoop}; every checkpoint is an HF
 * model folder.
 */
public final class DpoRecipe {
  private DpoRecipe() {}

  /**
   * @param train the loop's outcome (final checkpoint = the DPO model)
   * @param pairs pairs trained on
   * @param droppedTruncated pairs dropped because truncation removed a whole response
   * @param referenceFromCache whether the reference log-probs were read from the cache
   * @param referenceFile the cache file
   */
  public record Result(TrainResult train, int pairs, int droppedTruncated, boolean referenceFromCache, Path referenceFile) {}

  public static Result run(DpoConfig cfg, PrintStream log) throws IOException {
    Path modelDir = ModelFiles.resolveModelDir(cfg.model());
    Path tokDir = cfg.tokenizer() != null ? cfg.tokenizer() : modelDir;
    try (Tokenizer tok = Tokenizer.load(tokDir)) {
      return run(cfg, modelDir, tokDir, tok, log);
    }
  }

  private static Result run(DpoConfig cfg, Path modelDir, Path tokDir, Tokenizer tok, PrintStream log) throws IOException {
    ChatTemplate template = TemplateChoice.parse(cfg.template()).resolve(tok);
    ConversationEncoder enc = new ConversationEncoder(tok, template, cfg.maxLength());
    PreferenceData data;
    try (RowErrors errors = RowErrors.of(cfg.onError(), cfg.train().outDir().resolve(RowErrors.FILE_NAME))) {
      data = PreferenceData.load(cfg.data(), enc, errors);
      log.printf("dpo: %d pairs (%d read, %d dropped: a response truncated away%s)%n",
          data.pairs().size(), data.read(), data.droppedTruncated(), errors.summary());
    }
    int padId = tok.padId() >= 0 ? tok.padId() : tok.eosIds().getFirst();
    try (Parallel par = Parallel.create(cfg.train().resolvedThreads())) {
      Gemms.Selection g = Gemms.select(cfg.gemm(), par);
      HfCheckpoint ck = HfCheckpoint.load(modelDir);
      LlamaModel model = LlamaModel.fromTensors(ck.config(), ck.tensors(), g.gemm(), true);
      log.printf("dpo: model %s (%,d parameters), gemm %s%n", modelDir, model.parameterCount(), g.reason());
      double[][] ref = null;
      ReferenceLogps.Loaded loaded = null;
      if (cfg.lossType().needsReference()) {
        String key = ReferenceLogps.key(modelDir, tokDir, cfg.data(), template.source(), cfg.maxLength());
        int perForward = cfg.train().microBatch();
        loaded = ReferenceLogps.loadOrCompute(cfg.refCacheDir(), key, data.pairs().size(),
            () -> ReferenceLogps.compute(model, data.pairs(), perForward, cfg.maxLength(), padId));
        ref = loaded.logps();
        log.printf("dpo: reference log-probs %s %s%n", loaded.fromCache() ? "read from" : "computed and cached in", loaded.file());
      }
      DpoStep step = new DpoStep(model, data.pairs(), ref,
          new DpoStep.Settings(cfg.lossType(), cfg.beta(), cfg.gammaBetaRatio(), cfg.rpoAlpha(), cfg.maxLength(), padId));
      Path tokFiles = hasTokenizerFiles(tokDir) ? tokDir : null;
      TrainResult r = new TrainLoop(cfg.train(), model.parameters(), data.pairs().size(), step)
          .saver(dir -> HfCheckpoint.save(dir, ck.config(), model.toTensors(), cfg.saveDtype(),
              HfCheckpoint.DEFAULT_SHARD_BYTES, tokFiles))
          .runConfig(cfg)
          .run();
      return new Result(r, data.pairs().size(), data.droppedTruncated(), loaded != null && loaded.fromCache(),
          loaded == null ? null : loaded.file());
    }
  }

  static boolean hasTokenizerFiles(Path dir) {
    return HfCheckpoint.TOKENIZER_FILES.stream().anyMatch(f -> Files.isRegularFile(dir.resolve(f)));
  }
}
