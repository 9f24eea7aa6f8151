package dev.tulu4j.recipe;

import dev.tulu4j.checkpoint.ModelFiles;
import dev.tulu4j.preference.EncodedPair;
import dev.tulu4j.preference.PreferenceData;
import dev.tulu4j.data.RowErrors;
import dev.tulu4j.reward.RewardStep;
import dev.tulu4j.reward.ScalarHeadModel;
import dev.tulu4j.tensor.KernelConfig;
import dev.tulu4j.tensor.Kernels;
import dev.tulu4j.tokenizer.ConversationEncoder;
import dev.tulu4j.tokenizer.TemplateChoice;
import dev.tulu4j.tokenizer.Tokenizer;
import dev.tulu4j.io.Tensor;
import dev.tulu4j.model.LoraAdapter;
import dev.tulu4j.model.Parameter;
import dev.tulu4j.train.LoraSettings;
import dev.tulu4j.train.TrainLoop;
import dev.tulu4j.train.TrainResult;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Reward-model training: a {@link ScalarHeadModel} (from the SFT checkpoint or an earlier reward
 * model) trained with the Bradley–Terry loss ({@link RewardStep}) in the generic {@link TrainLoop};
 * held-out pair accuracy is measured before and after and written to {@code out_dir/reward_eval.json}.
 */
public final class RewardRecipe {
  private RewardRecipe() {}

  /**
   * Trains the reward model. The result's details: {@code train_pairs}, {@code eval_pairs} and the
   * held-out pair accuracy {@code eval_accuracy_before} and {@code eval_accuracy_after} training.
   */
  public static RunResult run(RewardConfig cfg, PrintStream log) throws IOException {
    Path modelDir = ModelFiles.resolveModelDir(cfg.model());
    Path tokSrc = cfg.tokenizer() != null ? cfg.tokenizer() : modelDir;
    MemoryPlans.check(MemoryPlans.reward(ScalarHeadModel.readConfig(modelDir), cfg.train(), cfg.maxLength(), cfg.lora(),
        MemoryPlans.scalarHeadBaseBytes(modelDir, cfg.lora())), log);
    try (Tokenizer tok = Tokenizer.load(tokSrc);
        Kernels kernels = Kernels.create(new KernelConfig(cfg.gemm(), cfg.train().resolvedThreads()))) {
      ConversationEncoder enc = new ConversationEncoder(tok, TemplateChoice.parse(cfg.template()).resolve(tok), cfg.maxLength());
      List<EncodedPair> train;
      List<EncodedPair> eval = null;
      try (RowErrors errors = RowErrors.of(cfg.onError(), cfg.train().outDir().resolve(RowErrors.FILE_NAME))) {
        train = new ArrayList<>(PreferenceData.load(cfg.data(), enc, errors).pairs());
        if (!cfg.evalData().isEmpty()) eval = PreferenceData.load(cfg.evalData(), enc, errors).pairs();
        if (errors.rejected() > 0) log.println("reward data" + errors.summary());
      }
      if (eval == null) {
        int held = (int) Math.floor(train.size() * cfg.evalFraction());
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < train.size(); i++) order.add(i);
        Collections.shuffle(order, new Random(cfg.train().seed()));
        List<Integer> heldIdx = order.subList(0, held).stream().sorted().toList();
        eval = new ArrayList<>();
        for (int i : heldIdx) eval.add(train.get(i));
        List<EncodedPair> rest = new ArrayList<>();
        java.util.Set<Integer> h = new java.util.HashSet<>(heldIdx);
        for (int i = 0; i < train.size(); i++) if (!h.contains(i)) rest.add(train.get(i));
        train = rest;
      }
      if (train.isEmpty()) throw new IllegalArgumentException("no training pairs left after holding out " + eval.size());
      int padId = tok.padId() >= 0 ? tok.padId() : tok.eosIds().getFirst();
      boolean lora = cfg.lora().enabled();
      // LoRA: the backbone frozen in lora.base_dtype (bf16 stays bf16), the head trainable
      ScalarHeadModel rm = lora
          ? ScalarHeadModel.loadFrozenBackbone(modelDir, cfg.lora().baseWeightsDtype(), cfg.headSeed(), cfg.headInit(),
              kernels.gemm(), kernels.parallel())
          : ScalarHeadModel.load(modelDir, cfg.headSeed(), cfg.headInit(), kernels.gemm(), true, true);
      rm.backbone().activationCheckpointing(cfg.train().activationCheckpointing());
      // LoRA: the backbone trains through its adapter; the score head is a module to save (PEFT's SEQ_CLS default)
      LoraAdapter adapter = lora ? LoraRuns.attach(rm.backbone(), withScoreHead(cfg.lora()), cfg.train().seed(), log) : null;
      List<Parameter> trainable = new ArrayList<>();
      if (lora) {
        trainable.addAll(adapter.parameters());
        trainable.add(rm.score());
      } else trainable.addAll(rm.parameters());
      int per = cfg.train().microBatch();
      double before = RewardStep.accuracy(RewardStep.rewards(rm, eval, per, cfg.maxLength(), padId));
      log.printf("reward: %d train pairs, %d held out; held-out accuracy before training %.4f%n", train.size(), eval.size(), before);
      Path tokDir = DpoRecipe.hasTokenizerFiles(tokSrc) ? tokSrc : null;
      long t0 = System.nanoTime();
      TrainResult r = new TrainLoop(cfg.train(), trainable, train.size(), new RewardStep(rm, train, cfg.maxLength(), padId),
          kernels.parallel())
          .saver(lora ? LoraRuns.saver(adapter, () -> Map.of(ScalarHeadModel.SCORE, new Tensor(rm.score().shape(), rm.score().data())),
                  modelDir, tokDir)
              : dir -> rm.save(dir, cfg.saveDtype(), tokDir))
          .runConfig(cfg)
          .gemm(kernels.gemm())
          .run();
      double seconds = (System.nanoTime() - t0) / 1e9;
      if (adapter != null) adapter.training(false); // evaluation: no dropout
      double after = RewardStep.accuracy(RewardStep.rewards(rm, eval, per, cfg.maxLength(), padId));
      log.printf("reward: held-out accuracy after training %.4f (%d pairs)%n", after, eval.size());
      Files.createDirectories(cfg.train().outDir());
      Files.writeString(cfg.train().outDir().resolve("reward_eval.json"), String.format(java.util.Locale.ROOT,
          "{\"eval_pairs\": %d, \"accuracy_before\": %s, \"accuracy_after\": %s, \"checkpoint\": \"%s\"}%n",
          eval.size(), num(before), num(after), r.lastCheckpoint()));
      Map<String, Object> details = new LinkedHashMap<>();
      details.put("train_pairs", train.size());
      details.put("eval_pairs", eval.size());
      details.put("eval_accuracy_before", before);
      details.put("eval_accuracy_after", after);
      return new RunResult(r.lastCheckpoint(), r, seconds, train.size() + " train pairs, " + eval.size() + " held out",
          details);
    }
  }

  /** The run's LoRA settings with PEFT's SEQ_CLS modules_to_save ({@code classifier}, {@code score}). */
  static LoraSettings withScoreHead(LoraSettings s) {
    return s.withModulesToSave(List.of("classifier", "score"));
  }

  private static String num(double d) {
    return Double.isNaN(d) ? "null" : Double.toString(d);
  }
}
