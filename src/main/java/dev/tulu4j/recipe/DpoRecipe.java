package dev.tulu4j.recipe;

import dev.tulu4j.checkpoint.HfCheckpoint;
import dev.tulu4j.checkpoint.ModelFiles;
import dev.tulu4j.dpo.DpoStep;
import dev.tulu4j.dpo.ReferenceLogps;
import dev.tulu4j.data.RowErrors;
import dev.tulu4j.checkpoint.HfCheckpoint;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.model.LoraAdapter;
import dev.tulu4j.preference.PreferenceData;
import dev.tulu4j.tensor.KernelConfig;
import dev.tulu4j.tensor.Kernels;
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
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Tülu 3 preference tuning (§5): load the SFT checkpoint as policy, tokenize the preference pairs,
 * get the reference log-probs (cached, computed once with the untouched starting weights), then
 * train the policy with {@link DpoStep} in the generic {@link TrainLoop}; every checkpoint is an HF
 * model folder.
 */
public final class DpoRecipe {
  private DpoRecipe() {}

  /**
   * Runs (or resumes) DPO. The result's details: {@code pairs} trained on, {@code dropped_truncated}
   * (pairs whose truncation removed a whole response), {@code reference_from_cache} (whether the
   * reference log-probs were read from the cache) and {@code reference_file} (the cache file).
   */
  public static RunResult run(DpoConfig cfg, PrintStream log) throws IOException {
    Path modelDir = ModelFiles.resolveModelDir(cfg.model());
    Path tokDir = cfg.tokenizer() != null ? cfg.tokenizer() : modelDir;
    try (Tokenizer tok = Tokenizer.load(tokDir)) {
      return run(cfg, modelDir, tokDir, tok, log);
    }
  }

  private static RunResult run(DpoConfig cfg, Path modelDir, Path tokDir, Tokenizer tok, PrintStream log) throws IOException {
    MemoryPlans.check(MemoryPlans.dpo(HfCheckpoint.readConfig(modelDir), cfg.train(), cfg.maxLength(), cfg.lora(),
        MemoryPlans.loraBaseBytes(modelDir, cfg.lora())), log);
    ChatTemplate template = TemplateChoice.parse(cfg.template()).resolve(tok);
    ConversationEncoder enc = new ConversationEncoder(tok, template, cfg.maxLength());
    PreferenceData data;
    try (RowErrors errors = RowErrors.of(cfg.onError(), cfg.train().outDir().resolve(RowErrors.FILE_NAME))) {
      data = PreferenceData.load(cfg.data(), enc, errors);
      log.printf("dpo: %d pairs (%d read, %d dropped: a response truncated away%s)%n",
          data.pairs().size(), data.read(), data.droppedTruncated(), errors.summary());
    }
    int padId = tok.padId() >= 0 ? tok.padId() : tok.eosIds().getFirst();
    try (Kernels kernels = Kernels.create(new KernelConfig(cfg.gemm(), cfg.train().resolvedThreads()))) {
      boolean lora = cfg.lora().enabled();
      // with LoRA the frozen base, in bf16 when lora.base_dtype says so (no fp32 copy is ever made)
      HfCheckpoint ck = lora ? null : HfCheckpoint.load(modelDir);
      LlamaModel model = lora
          ? ModelFiles.loadLoraBase(modelDir, cfg.lora().baseWeightsDtype(), kernels.gemm(), kernels.parallel())
          : LlamaModel.fromTensors(ck.config(), ck.tensors(), kernels.gemm(), kernels.parallel(), true);
      // with LoRA the reference is the same base weights with the adapter off: a view, not a copy
      LlamaModel refModel = lora ? model.frozenView() : model;
      LoraAdapter adapter = lora ? LoraRuns.attach(model, cfg.lora(), cfg.train().seed(), log) : null;
      log.printf("dpo: model %s (%,d parameters), gemm %s%n", modelDir, model.parameterCount(), kernels.gemmReason());
      model.activationCheckpointing(cfg.train().activationCheckpointing());
      double[][] ref = null;
      ReferenceLogps.Loaded loaded = null;
      if (cfg.lossType().needsReference()) {
        String key = ReferenceLogps.key(modelDir, tokDir, cfg.data(), template.source(), cfg.maxLength());
        int perForward = cfg.train().microBatch();
        loaded = ReferenceLogps.loadOrCompute(cfg.refCacheDir(), key, data.pairs().size(),
            () -> ReferenceLogps.compute(refModel, data.pairs(), perForward, cfg.maxLength(), padId));
        ref = loaded.logps();
        log.printf("dpo: reference log-probs %s %s%n", loaded.fromCache() ? "read from" : "computed and cached in", loaded.file());
      }
      DpoStep step = new DpoStep(model, data.pairs(), ref,
          new DpoStep.Settings(cfg.lossType(), cfg.beta(), cfg.gammaBetaRatio(), cfg.rpoAlpha(), cfg.maxLength(), padId));
      Path tokFiles = hasTokenizerFiles(tokDir) ? tokDir : null;
      long t0 = System.nanoTime();
      TrainResult r = new TrainLoop(cfg.train(), lora ? adapter.parameters() : model.parameters(), data.pairs().size(), step,
          kernels.parallel())
          .saver(lora ? LoraRuns.saver(adapter, Map::of, modelDir, tokFiles)
              : dir -> HfCheckpoint.save(dir, model.config(), model.toTensors(), cfg.saveDtype(),
                  HfCheckpoint.DEFAULT_SHARD_BYTES, tokFiles))
          .runConfig(cfg)
          .gemm(kernels.gemm())
          .run();
      Map<String, Object> details = new LinkedHashMap<>();
      details.put("pairs", data.pairs().size());
      details.put("dropped_truncated", data.droppedTruncated());
      details.put("reference_from_cache", loaded != null && loaded.fromCache());
      details.put("reference_file", loaded == null ? null : loaded.file().toString());
      return new RunResult(r.lastCheckpoint(), r, (System.nanoTime() - t0) / 1e9,
          data.pairs().size() + " preference pairs (" + data.read() + " read)", details);
    }
  }

  static boolean hasTokenizerFiles(Path dir) {
    return HfCheckpoint.TOKENIZER_FILES.stream().anyMatch(f -> Files.isRegularFile(dir.resolve(f)));
  }
}
