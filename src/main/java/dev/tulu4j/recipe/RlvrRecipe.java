package dev.tulu4j.recipe;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.tulu4j.checkpoint.HfCheckpoint;
import dev.tulu4j.client.EndpointOptions;
import dev.tulu4j.client.OpenAiClient;
import dev.tulu4j.io.DType;
import dev.tulu4j.io.Tensor;
import dev.tulu4j.rlvr.RolloutEndpointConfig;
import dev.tulu4j.train.ModelSaver;
import dev.tulu4j.checkpoint.ModelFiles;
import dev.tulu4j.data.DataFormat;
import dev.tulu4j.data.JsonlReader;
import dev.tulu4j.data.Message;
import dev.tulu4j.data.RlvrExample;
import dev.tulu4j.data.RowErrors;
import dev.tulu4j.model.LlamaConfig;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.model.LoraAdapter;
import dev.tulu4j.reward.ScalarHeadModel;
import dev.tulu4j.rlvr.DifficultyFilter;
import dev.tulu4j.rlvr.RlvrConfig;
import dev.tulu4j.rlvr.RlvrPrompt;
import dev.tulu4j.rlvr.RlvrTrainer;
import dev.tulu4j.rlvr.Rollouts;
import dev.tulu4j.rlvr.ScalarHeadScorer;
import dev.tulu4j.rlvr.ScalarHeadValueModel;
import dev.tulu4j.rlvr.SequenceScorer;
import dev.tulu4j.rlvr.ValueModel;
import dev.tulu4j.tensor.KernelConfig;
import dev.tulu4j.tensor.Kernels;
import dev.tulu4j.tokenizer.ConversationEncoder;
import dev.tulu4j.tokenizer.TemplateChoice;
import dev.tulu4j.tokenizer.Tokenizer;
import dev.tulu4j.train.TrainLoop;
import dev.tulu4j.verify.Verifier;
import dev.tulu4j.verify.Verifiers;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The RLVR stage (Tülu 3 §6): load the policy (and its frozen reference copy) from an HF folder,
 * render the RLVR prompts with the chat template plus generation prompt, pick each row's verifier by
 * its {@code dataset}, and run {@link RlvrTrainer} (GRPO or PPO) on the shared training loop. The
 * thread pool and GEMM come from {@link Kernels}, built once; both it and the tokenizer (a native
 * handle) are closed when the run ends.
 */
public final class RlvrRecipe {
  private RlvrRecipe() {}

  /** Runs (or resumes) the configured RLVR run; progress lines go to {@code log}. */
  public static RunResult run(RlvrConfig cfg, PrintStream log) throws IOException {
    return run(cfg, log, loop -> {});
  }

  /** @param customize test hook: adjusts the loop (fault injection, listeners) before it runs */
  public static RunResult run(RlvrConfig cfg, PrintStream log, Consumer<TrainLoop> customize) throws IOException {
    Path modelDir = ModelFiles.resolveModelDir(cfg.model());
    MemoryPlans.check(MemoryPlans.rlvr(HfCheckpoint.readConfig(modelDir), cfg), log);
    try (Kernels kernels = Kernels.create(new KernelConfig(cfg.gemm(), cfg.train().resolvedThreads()));
        Tokenizer tok = Tokenizer.load(modelDir)) {
      return run(cfg, modelDir, kernels, tok, log, customize);
    }
  }

  private static RunResult run(RlvrConfig cfg, Path modelDir, Kernels kernels, Tokenizer tok, PrintStream log,
      Consumer<TrainLoop> customize) throws IOException {
    // 1. policy and its frozen reference copy
    // with LoRA: a frozen base (in bf16 when lora.base_dtype says so; no fp32 copy kept) plus a trainable
    // adapter, and the reference is that base with no adapter (a view)
    boolean lora = cfg.lora().enabled();
    HfCheckpoint ckpt = lora ? null : HfCheckpoint.load(modelDir);
    LlamaConfig config = lora ? HfCheckpoint.readConfig(modelDir) : ckpt.config();
    LlamaModel policy = lora
        ? ModelFiles.loadLoraBase(modelDir, cfg.lora().baseWeightsDtype(), kernels.gemm(), kernels.parallel())
        : LlamaModel.fromTensors(ckpt.config(), ckpt.tensors(), kernels.gemm(), true);
    policy.activationCheckpointing(cfg.train().activationCheckpointing());
    LlamaModel reference = lora ? policy.frozenView() : RlvrTrainer.frozenCopy(policy);
    LoraAdapter adapter = lora ? LoraRuns.attach(policy, cfg.lora(), cfg.train().seed(), log) : null;

    // 2. prompts: chat template + generation prompt, verifier per dataset, optional filter and weights
    ConversationEncoder enc = new ConversationEncoder(tok, TemplateChoice.parse(cfg.template()).resolve(tok),
        cfg.maxPromptLength());
    List<RlvrPrompt> prompts = prompts(cfg, enc, cfg.verifierRules().registry(), log);
    Set<Integer> eos = new LinkedHashSet<>(config.eosIds());
    eos.addAll(tok.eosIds());
    int maxLen = cfg.responseLength();
    for (RlvrPrompt p : prompts) maxLen = Math.max(maxLen, p.ids().length + cfg.responseLength());
    if (cfg.filterSamples() > 0) prompts = filter(cfg, policy, prompts, maxLen, eos, tok, log);
    prompts = weighted(prompts, cfg.datasetWeights(), cfg.train().seed(), cfg.trainFile(), log);

    // 3. PPO's value model and the optional reward model
    ValueModel value = cfg.algorithm() == RlvrConfig.Algorithm.PPO
        ? valueModel(cfg, config, policy, kernels, maxLen, modelDir, log) : null;
    SequenceScorer rm = null;
    if (cfg.rewardModel() != null && cfg.rewardModelMultiplier() != 0)
      rm = new ScalarHeadScorer(ScalarHeadModel.load(ModelFiles.resolveModelDir(cfg.rewardModel()), cfg.train().seed(),
          kernels.gemm(), false), cfg.train().microBatch(), maxLen);
    log.printf("rlvr %s: %d prompts, policy %s (%,d parameters), gemm %s%n", cfg.algorithm().name().toLowerCase(),
        prompts.size(), modelDir, policy.parameterCount(), kernels.gemmReason());

    // 4. train
    RlvrTrainer trainer = new RlvrTrainer(cfg, policy, reference, value, prompts, List.copyOf(eos),
        ids -> tok.decode(ids, true),
        lora ? LoraRuns.saver(adapter, Map::of, modelDir, modelDir)
            : dir -> HfCheckpoint.save(dir, config, HfCheckpoint.tensorsOf(policy.parameters()), cfg.saveDtype(),
                HfCheckpoint.DEFAULT_SHARD_BYTES, modelDir),
        log);
    trainer.limitVocab(tok.vocabSize());
    if (rm != null) trainer.withRewardModel(rm);
    long t0 = System.nanoTime();
    RlvrTrainer.Result r;
    if (!cfg.rollouts().enabled()) {
      r = trainer.run(customize);
    } else {
      // rollouts on servers: the adapter (fp32 PEFT) or full fp32 weights are synced before every batch
      ModelSaver syncSaver = lora ? LoraRuns.saver(adapter, Map::of, modelDir, null)
          : dir -> HfCheckpoint.save(dir, ckpt.config(), HfCheckpoint.tensorsOf(policy.parameters()), DType.F32,
              HfCheckpoint.DEFAULT_SHARD_BYTES, modelDir);
      try (OpenAiClient client = OpenAiClient.open(endpointOptions(cfg))) {
        log.printf("rlvr: rollouts on %s (model %s, sync %s, off_policy_steps %d)%n", client.options().baseUrls(),
            client.model(), cfg.rollouts().syncMode(lora).name().toLowerCase(), cfg.rollouts().offPolicySteps());
        r = trainer.withEndpoint(client, syncSaver).run(customize);
        log.printf("rlvr: %s%n", client.usage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while connecting to the rollout servers", e);
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("algorithm", cfg.algorithm().name().toLowerCase());
    details.put("prompts", prompts.size());
    if (!r.history().isEmpty()) {
      Map<String, Double> last = r.history().getLast();
      details.put("last_reward", last.get("reward"));
      details.put("last_accuracy", last.get("accuracy"));
    }
    return new RunResult(r.train().lastCheckpoint(), r.train(), seconds,
        prompts.size() + " RLVR prompts from " + cfg.trainFile(), details);
  }

  /**
   * The rollout servers of {@code rollouts}: their URLs, model name, API key (from the environment
   * variable {@code api_key_env} names), in-flight limit, and the request cache
   * {@code out_dir/rollouts.requests.jsonl} that lets a killed run re-send nothing it already had.
   */
  static EndpointOptions endpointOptions(RlvrConfig cfg) {
    RolloutEndpointConfig rc = cfg.rollouts();
    String key = null;
    if (rc.apiKeyEnv() != null) {
      key = System.getenv(rc.apiKeyEnv());
      if (key == null || key.isBlank())
        throw new IllegalArgumentException("rollouts.api_key_env: environment variable " + rc.apiKeyEnv() + " is not set");
    }
    return EndpointOptions.of(EndpointOptions.parseUrls(String.join(",", rc.endpoints())), rc.endpointModel(), key)
        .withMaxInFlight(rc.maxInFlight())
        .withCache(cfg.train().outDir().resolve("rollouts.requests.jsonl"));
  }

  /**
   * Tülu 3: the value model starts from a reward model; without one, from a copy of the policy plus a
   * fresh head. Under LoRA it is a frozen backbone with its own adapter (the run's {@code lora}
   * settings) and a trainable head (PEFT {@code modules_to_save: [score]}, task SEQ_CLS): from the
   * policy it shares the policy's frozen base arrays (no second copy), from {@code value_model} its
   * backbone is loaded frozen in {@code lora.base_dtype}. Its checkpoints are then PEFT adapter folders.
   */
  private static ValueModel valueModel(RlvrConfig cfg, LlamaConfig config, LlamaModel policy, Kernels kernels, int maxLen,
      Path modelDir, PrintStream log) throws IOException {
    if (cfg.lora().enabled()) return loraValueModel(cfg, policy, kernels, maxLen, modelDir, log);
    ScalarHeadModel vm = cfg.valueModel() != null
        ? ScalarHeadModel.load(ModelFiles.resolveModelDir(cfg.valueModel()), cfg.train().seed(), kernels.gemm(), true)
        : ScalarHeadModel.fromTensors(config, RlvrTrainer.frozenCopy(policy).toTensors(), cfg.train().seed(),
            kernels.gemm(), true, null);
    vm.backbone().activationCheckpointing(cfg.train().activationCheckpointing());
    return new ScalarHeadValueModel(vm, cfg.train().microBatch(), maxLen, cfg.saveDtype(), modelDir);
  }

  /** Seed salt of the value adapter's init, so that its A differs from the policy adapter's. */
  private static final long VALUE_ADAPTER_SALT = 0x5641_4C55_4541L; // "VALUEA"

  private static ValueModel loraValueModel(RlvrConfig cfg, LlamaModel policy, Kernels kernels, int maxLen, Path modelDir,
      PrintStream log) {
    Path valueDir = cfg.valueModel() != null ? ModelFiles.resolveModelDir(cfg.valueModel()) : null;
    ScalarHeadModel vm = valueDir != null
        ? ScalarHeadModel.loadFrozenBackbone(valueDir, cfg.lora().baseWeightsDtype(), cfg.train().seed(),
            ScalarHeadModel.HeadInit.HF, kernels.gemm(), kernels.parallel())
        : ScalarHeadModel.overFrozenBase(policy, cfg.train().seed());
    vm.backbone().activationCheckpointing(cfg.train().activationCheckpointing());
    log.print("value model: ");
    LoraAdapter ad = LoraRuns.attach(vm.backbone(), RewardRecipe.withScoreHead(cfg.lora()),
        cfg.train().seed() ^ VALUE_ADAPTER_SALT, log);
    ModelSaver saver = LoraRuns.saver(ad, () -> Map.of(ScalarHeadModel.SCORE, new Tensor(vm.score().shape(), vm.score().data())),
        valueDir != null ? valueDir : modelDir, modelDir);
    return new ScalarHeadValueModel(vm, cfg.train().microBatch(), maxLen, saver);
  }

  /**
   * The difficulty filter ({@link DifficultyFilter}): the prompts the starting policy sometimes but not
   * always solves, out of at most {@code filter_pool} prompts of a seeded shuffle.
   */
  private static List<RlvrPrompt> filter(RlvrConfig cfg, LlamaModel policy, List<RlvrPrompt> prompts, int maxLen,
      Set<Integer> eos, Tokenizer tok, PrintStream log) {
    List<RlvrPrompt> pool = new ArrayList<>(prompts);
    Collections.shuffle(pool, new Random(cfg.train().seed()));
    if (cfg.filterPool() > 0 && pool.size() > cfg.filterPool()) pool = pool.subList(0, cfg.filterPool());
    int slots = Math.max(cfg.filterSamples(), Math.min(cfg.rolloutSlots(), 64));
    Rollouts r = new Rollouts(policy, slots, maxLen, List.copyOf(eos), ids -> tok.decode(ids, true)).limitVocab(tok.vocabSize());
    DifficultyFilter.Result f = DifficultyFilter.select(r, pool, cfg.filterSamples(), cfg.temperature(),
        cfg.responseLength(), cfg.train().seed(), 64, log);
    if (f.kept().isEmpty())
      throw new IllegalArgumentException(cfg.trainFile() + ": the difficulty filter kept no prompt (" + f.neverSolved()
          + " never and " + f.alwaysSolved() + " always solved in " + cfg.filterSamples() + " samples)");
    return f.kept();
  }


  /**
   * The rendered prompts of {@code cfg.trainFile()}: messages + generation prompt, the last user turn
   * as the verifier's prompt text; rows whose dataset is not in a non-empty {@code datasets} are left out,
   * rows longer than {@code max_prompt_length} are dropped and counted. A row that cannot be read, whose
   * dataset has no verifier, or whose messages the chat template cannot render is handled by
   * {@code on_error}: {@code fail} stops with file, line, field and reason; {@code skip} writes it with
   * its reason to {@code train.out_dir/data.rejects.jsonl} and counts it.
   *
   * @throws dev.tulu4j.data.DataFormatException under {@code fail}, naming the file, line and field
   */
  public static List<RlvrPrompt> prompts(RlvrConfig cfg, ConversationEncoder enc, Verifiers verifiers, PrintStream log) {
    Path file = cfg.trainFile();
    List<RlvrPrompt> out = new ArrayList<>();
    int read = 0;
    int dropped = 0;
    int skipped = 0;
    try (RowErrors errors = RowErrors.of(cfg.onError(), cfg.train().outDir().resolve(RowErrors.FILE_NAME));
        JsonlReader<RlvrExample> r = JsonlReader.open(file, DataFormat.RLVR, errors.policy(), errors.sink())) {
      while (r.hasNext()) {
        RlvrExample e = r.next();
        read++;
        if (!cfg.datasets().isEmpty() && !cfg.datasets().contains(e.dataset())) {
          skipped++;
          continue;
        }
        Verifier v;
        try {
          v = verifiers.get(e.dataset());
        } catch (IllegalArgumentException ex) {
          errors.unusable(file, r.lineNumber(), "dataset", ex.getMessage(), r.lastRaw());
          continue;
        }
        int[] ids;
        try {
          ids = enc.encodePrompt(e.messages());
        } catch (RuntimeException ex) { // a template that cannot render these messages
          errors.unusable(file, r.lineNumber(), "messages", ex.getMessage(), r.lastRaw());
          continue;
        }
        if (ids.length > cfg.maxPromptLength()) {
          dropped++;
          continue;
        }
        String userText = null;
        for (Message m : e.messages()) if (m.role().equals("user")) userText = m.content();
        out.add(new RlvrPrompt(ids, userText, TextNode.valueOf(e.groundTruth()), e.dataset(), v));
      }
      if (errors.rejected() > 0) log.printf("rlvr data: %d rows read%s%n", read, errors.summary());
    }
    if (dropped > 0) log.printf("dropped %d of %d prompts longer than max_prompt_length=%d tokens%n", dropped, read,
        cfg.maxPromptLength());
    if (skipped > 0) log.printf("kept the %d of %d prompts whose dataset is in %s%n", read - skipped, read,
        cfg.datasets());
    if (out.isEmpty()) throw new IllegalArgumentException(file + ": no usable RLVR prompts" + (cfg.datasets().isEmpty() ? "" : " with dataset in " + cfg.datasets()));
    return out;
  }

  /**
   * The prompt list with {@code weights} applied: dataset d's prompts {@code floor(w)} times each, plus
   * {@code round(frac(w)·n)} of them (a seeded choice) once more; the trainer's per-epoch permutation
   * then mixes them. Datasets without a weight are kept as they are.
   *
   * @throws IllegalArgumentException when a weighted dataset has no prompt in the file
   */
  static List<RlvrPrompt> weighted(List<RlvrPrompt> prompts, Map<String, Double> weights, long seed, Path file,
      PrintStream log) {
    if (weights.isEmpty()) return prompts;
    Map<String, List<RlvrPrompt>> byDataset = new LinkedHashMap<>();
    for (RlvrPrompt p : prompts) byDataset.computeIfAbsent(p.dataset(), k -> new ArrayList<>()).add(p);
    for (String d : weights.keySet())
      if (!byDataset.containsKey(d))
        throw new IllegalArgumentException(file + ": dataset_weights names '" + d + "', but no usable prompt has that dataset "
            + "(present: " + byDataset.keySet() + ")");
    List<RlvrPrompt> out = new ArrayList<>();
    Random rnd = new Random(seed ^ 0x5eed_3e1647L);
    StringBuilder note = new StringBuilder();
    for (var e : byDataset.entrySet()) {
      List<RlvrPrompt> ps = e.getValue();
      double w = weights.getOrDefault(e.getKey(), 1.0);
      int whole = (int) Math.floor(w);
      for (int k = 0; k < whole; k++) out.addAll(ps);
      int extra = (int) Math.round((w - whole) * ps.size());
      if (extra > 0) {
        List<RlvrPrompt> shuffled = new ArrayList<>(ps);
        Collections.shuffle(shuffled, rnd);
        out.addAll(shuffled.subList(0, extra));
      }
      note.append(note.isEmpty() ? "" : ", ").append(e.getKey()).append(' ').append(ps.size());
      if (w != 1.0) note.append(" x").append(w).append(" = ").append(whole * ps.size() + extra);
    }
    if (out.isEmpty()) throw new IllegalArgumentException(file + ": dataset_weights leave no prompt (" + weights + ")");
    log.printf("prompt mix by dataset: %s (%d in all)%n", note, out.size());
    return out;
  }
}
