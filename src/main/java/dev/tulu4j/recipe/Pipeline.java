package dev.tulu4j.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tulu4j.checkpoint.ModelFiles;
import dev.tulu4j.config.ConfigLoader;
import dev.tulu4j.config.ConfigYaml;
import dev.tulu4j.data.OnError;
import dev.tulu4j.data.synth.SynthConfig;
import dev.tulu4j.data.synth.SynthWriter;
import dev.tulu4j.data.synth.SyntheticWorld;
import dev.tulu4j.decon.DeconConfig;
import dev.tulu4j.decon.Decontamination;
import dev.tulu4j.decon.EvalSet;
import dev.tulu4j.decon.EvalSets;
import dev.tulu4j.decon.FileResult;
import dev.tulu4j.dpo.PreferenceBuildConfig;
import dev.tulu4j.dpo.PreferenceBuilder;
import dev.tulu4j.eval.EvalSuite;
import dev.tulu4j.eval.ModelResponder;
import dev.tulu4j.io.FileOps;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.rlvr.RlvrConfig;
import dev.tulu4j.tensor.GemmBackend;
import dev.tulu4j.tensor.KernelConfig;
import dev.tulu4j.tensor.Kernels;
import dev.tulu4j.tokenizer.TemplateChoice;
import dev.tulu4j.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Tülu 3 recipe end to end: synthetic data → decontamination → base pretraining → SFT →
 * length-normalised DPO → RLVR → evaluation of every stage's model → report. Each stage is a call
 * into its own recipe ({@link PretrainRecipe}, {@link SftRecipe}, {@link DpoRecipe},
 * {@link RlvrRecipe}); this class only wires paths from one stage to the next and hands the list to
 * {@link StageRunner}, which skips stages whose inputs are unchanged.
 */
public final class Pipeline {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final PipelineConfig cfg;
  private final Path out;
  private final Path dataDir;
  private final PrintStream log;

  public Pipeline(PipelineConfig cfg, Path out, Path dataDir, PrintStream log) {
    this.cfg = cfg;
    this.out = out;
    this.dataDir = dataDir;
    this.log = log;
  }

  /** The folder each stage writes to: {@code OUT/<stage>}. */
  public Path dir(String stage) {
    return out.resolve(stage);
  }

  /** Runs the stages and returns their outcomes (skipped ones included). */
  public List<StageRunner.Outcome> run() throws Exception {
    List<StageRunner.Stage> stages = new ArrayList<>();
    List<String> done = new ArrayList<>();
    for (String s : cfg.stages()) {
      stages.add(stage(s, List.copyOf(done)));
      done.add(s);
    }
    return new StageRunner(out, log).runAll(stages);
  }

  /** The training stages whose models exist in this recipe, in order (base first). */
  public List<String> modelStages() {
    List<String> m = new ArrayList<>();
    if (cfg.has("pretrain") || cfg.baseModel() != null) m.add("base");
    for (String s : List.of("sft", "dpo", "rlvr")) if (cfg.has(s)) m.add(s);
    return m;
  }

  /** Model folder (run folder or HF folder) of a model stage. */
  public Path modelOf(String modelStage) {
    if (modelStage.equals("base")) return cfg.has("pretrain") ? dir("pretrain") : cfg.baseModel();
    return usesLora(modelStage) ? dir(modelStage).resolve(MERGED) : dir(modelStage);
  }

  /** Where a LoRA stage writes its adapter merged into its input model: the model later stages read. */
  static final String MERGED = "merged";

  /** Whether the training stage trains a LoRA adapter (its config's {@code lora.r > 0}, after the overrides). */
  private boolean usesLora(String stage) {
    return switch (stage) {
      // the stage config with the recipe's overrides only (not load(): its clean-data paths would recurse)
      case "sft" -> configOnly(cfg.sft(), sftOverrides(), SftConfig.class).lora().enabled();
      case "dpo" -> configOnly(cfg.dpo(), dpoOverrides(), DpoConfig.class).lora().enabled();
      case "rlvr" -> configOnly(cfg.rlvr(), rlvrOverrides(), RlvrConfig.class).lora().enabled();
      case "reward" -> configOnly(cfg.reward(), rewardOverrides(), RewardConfig.class).lora().enabled();
      default -> false;
    };
  }

  /**
   * After a LoRA stage: its newest adapter merged into the stage's input model ({@code W += s·B·A},
   * as {@code tulu4j lora merge}) in {@code OUT/<stage>/merged}, so the next stage and the eval stage
   * read a plain checkpoint (as TRL/PEFT pipelines merge between stages).
   */
  private void mergeIfLora(String stage) {
    if (!usesLora(stage)) return;
    Path adapter = ModelFiles.latestAdapter(dir(stage));
    if (adapter == null) throw new IllegalStateException(dir(stage) + ": a LoRA stage left no adapter checkpoint");
    // the reward stage trains from the SFT model (rewardOverrides); its SEQ_CLS adapter merges with its score head
    Path base = stage.equals("reward") ? modelOf("sft") : inputModel(stage);
    try (Kernels k = Kernels.create(new KernelConfig(GemmBackend.VECTOR, KernelConfig.defaults().threads()))) {
      ModelFiles.mergeAdapter(base, adapter, dir(stage).resolve(MERGED), k.gemm());
    }
    log.printf("[%s] adapter %s merged into %s%n", stage, adapter.getFileName(), dir(stage).resolve(MERGED));
  }

  /**
   * The reward stage's model as later steps read it (PPO's value model, the on-policy preference judge,
   * the win-rate judge): its run folder, or with LoRA its adapter merged into a sequence-classification
   * folder ({@code OUT/reward/merged}).
   */
  private Path rewardModel() {
    return usesLora("reward") ? dir("reward").resolve(MERGED) : dir("reward");
  }

  /** The model the given training stage starts from: the previous model stage's. */
  private Path inputModel(String stage) {
    List<String> ms = modelStages();
    return modelOf(ms.get(ms.indexOf(stage) - 1));
  }

  /** A training file as the later stages read it: the decontaminated copy when that stage ran. */
  private Path trainFile(String name) {
    return cfg.has("decontaminate") ? dir("decontaminate").resolve("clean").resolve(name) : dir("data").resolve(name);
  }

  private StageRunner.Stage stage(String name, List<String> before) {
    return switch (name) {
      case "data" -> new Step(name, JSON.valueToTree(cfg.data()).toString(), before, (d, r) -> runData(d));
      case "decontaminate" -> new Step(name, JSON.valueToTree(cfg.decontaminate()) + (cfg.has("data") ? "" : "\n" + realTrainingFiles()),
          before, (d, r) -> runDecon(d));
      case "pretrain" -> new Step(name, stageText(cfg.pretrain(), pretrainOverrides()), before,
          (d, resume) -> summary(PretrainRecipe.run(load(cfg.pretrain(), pretrainOverrides(), PretrainConfig.class), log)));
      case "sft" -> new Step(name, stageText(cfg.sft(), sftOverrides()), before,
          (d, resume) -> merged("sft", summary(SftRecipe.run(load(cfg.sft(), sftOverrides(), SftConfig.class), log))));
      case "reward" -> new Step(name, stageText(cfg.reward(), rewardOverrides()), before,
          (d, resume) -> merged("reward", summary(RewardRecipe.run(load(cfg.reward(), rewardOverrides(), RewardConfig.class), log))));
      case "dpo" -> new Step(name, stageText(cfg.dpo(), dpoOverrides()) + "\n" + JSON.valueToTree(cfg.dpoPreferences()), before,
          (d, resume) -> merged("dpo", runDpo(d)));
      case "rlvr" -> new Step(name, stageText(cfg.rlvr(), rlvrOverrides()), before,
          (d, resume) -> merged("rlvr", summary(RlvrRecipe.run(load(cfg.rlvr(), rlvrOverrides(), RlvrConfig.class), log))));
      case "eval" -> new Step(name, JSON.valueToTree(cfg.eval()).toString(), before, (d, r) -> runEval(d));
      default -> throw new IllegalArgumentException("unknown stage " + name);
    };
  }

  // ---- path wiring: each training stage reads the previous stage's output ----

  private List<String> pretrainOverrides() {
    return List.of("corpus=" + dir("data").resolve("corpus.txt"), "train.out_dir=" + dir("pretrain"));
  }

  private List<String> sftOverrides() {
    return withData(List.of("model.from=" + inputModel("sft"), "train.out_dir=" + dir("sft")), "data", "sft_train.jsonl");
  }

  private List<String> rewardOverrides() {
    return withData(List.of("model=" + modelOf("sft"), "train.out_dir=" + dir("reward")), "data", "preference_train.jsonl");
  }

  /**
   * DPO's paths. With {@code dpo_preferences} on, the data is the on-policy file the stage builds
   * first ({@link #buildOnPolicyPreferences}), followed by the static pairs when {@code mix_static}.
   */
  private List<String> dpoOverrides() {
    var pc = cfg.dpoPreferences();
    List<String> base = List.of("model=" + inputModel("dpo"), "ref_cache_dir=" + out.resolve("ref_cache"),
        "train.out_dir=" + dir("dpo"));
    if (!pc.enabled()) return withData(base, "data", "preference_train.jsonl");
    List<String> all = new ArrayList<>(base);
    all.add("data=" + (pc.mixStatic() ? "[" + onPolicyFile() + ", " + trainFile("preference_train.jsonl") + "]" : onPolicyFile()));
    return all;
  }

  private Path onPolicyFile() {
    return dir("dpo").resolve("onpolicy_prefs.jsonl");
  }

  private JsonNode runDpo(Path d) throws IOException {
    ObjectNode s = JSON.createObjectNode();
    DpoConfig dc = load(cfg.dpo(), dpoOverrides(), DpoConfig.class);
    if (cfg.dpoPreferences().enabled()) s.set("preferences", buildOnPolicyPreferences(d, dc.template()));
    s.setAll(summary(DpoRecipe.run(dc, log)));
    return s;
  }

  /**
   * Tülu 3 §4.1 on-policy preferences, judged by the verifier (or the verifier then the reward
   * model, or Tülu 3's LLM judge on an endpoint, whose requests are cached in {@code
   * onpolicy_prefs.jsonl.requests/} so a killed stage resumes them): the first {@code prompts} RLVR
   * prompts (of the chosen datasets) go to {@code OUT/dpo/onpolicy_prompts.jsonl}; {@link
   * PreferenceBuilder} samples {@code samples} responses to each from the stage's input model and
   * keeps (verified, failed) pairs ({@link dev.tulu4j.dpo.PairSelection}) in {@code
   * onpolicy_prefs.jsonl} with {@code onpolicy_prefs.jsonl.stats.json}. A resumed stage reuses a finished
   * file (the stats file is written last). Sampling uses DPO's chat template.
   */
  private JsonNode buildOnPolicyPreferences(Path d, String template) throws IOException {
    var pc = cfg.dpoPreferences();
    Path prefs = onPolicyFile();
    Path stats = d.resolve("onpolicy_prefs.jsonl.stats.json");
    if (!Files.exists(stats)) {
      Files.createDirectories(d);
      Path src = trainFile("rlvr_train.jsonl");
      Path prompts = d.resolve("onpolicy_prompts.jsonl");
      int n = 0, lineNo = 0;
      try (var in = Files.newBufferedReader(src); var w = Files.newBufferedWriter(prompts)) {
        for (String line; n < pc.prompts() && (line = in.readLine()) != null; ) {
          lineNo++;
          if (line.isBlank()) continue;
          JsonNode row;
          try {
            row = JSON.readTree(line);
          } catch (IOException e) {
            throw new IllegalArgumentException(src + ":" + lineNo + ": not JSON: " + e.getMessage());
          }
          if (!pc.datasets().isEmpty() && !pc.datasets().contains(row.path("dataset").asText())) continue;
          w.write(line);
          w.newLine();
          n++;
        }
      }
      if (n == 0) throw new IllegalArgumentException(src + ": no prompt of datasets " + pc.datasets() + " for dpo_preferences");
      var gen = new PreferenceBuildConfig.GeneratorSpec("sft", ModelFiles.resolveModelDir(inputModel("dpo")), null,
          null, null, pc.samples(), pc.temperature(), pc.topP(), pc.maxNewTokens(), pc.maxLength(), pc.slots(), 1);
      Path rm = null;
      if (pc.judge() == PreferenceBuildConfig.JudgeKind.VERIFIER_REWARD_MODEL) {
        if (!cfg.has("reward"))
          throw new IllegalArgumentException("dpo_preferences.judge verifier_reward_model needs the reward stage in stages");
        rm = ModelFiles.resolveModelDir(rewardModel());
      }
      var judge = new PreferenceBuildConfig.JudgeSpec(pc.judge(), pc.judgeEndpoint(), pc.judgeModel(), pc.judgeApiKeyEnv(),
          2, 1024, rm, pc.maxLength(), pc.judgeMaxInFlight());
      var bc = new PreferenceBuildConfig(List.of(prompts), prefs, List.of(gen), judge, template, -1, pc.seed(), GemmBackend.VECTOR, 0);
      log.printf("[dpo] on-policy preferences: %d prompts x %d samples from %s%n", n, pc.samples(), gen.model());
      PreferenceBuilder.run(bc, log);
    }
    if (!Files.exists(stats)) throw new IllegalStateException("preference builder wrote no " + stats);
    JsonNode st = JSON.readTree(stats.toFile());
    log.printf("[dpo] on-policy preferences: %s%n", st);
    if (st.path("pairs").asInt() == 0 && !pc.mixStatic())
      throw new IllegalStateException("dpo_preferences: the " + st.path("prompts").asInt() + " prompts gave no pair (every prompt's "
          + "samples all verified or all failed; see " + stats + "): raise samples or temperature, or set mix_static: true");
    return st;
  }

  /**
   * RLVR's paths. When its config names a PPO value model and the recipe trains a reward model, the
   * value model starts from the reward stage's output (Tülu 3 §6.1: the value model is initialised
   * from the reward model), wherever the stage config's own default points.
   */
  private List<String> rlvrOverrides() {
    List<String> base = withData(List.of("model=" + inputModel("rlvr"), "train.out_dir=" + dir("rlvr")), "train_file", "rlvr_train.jsonl");
    if (!cfg.has("reward")) return base;
    List<String> probe = new ArrayList<>(base);
    probe.addAll(cfg.rlvr().overrides());
    RlvrConfig rc = ConfigLoader.load(cfg.rlvr().config(), probe, RlvrConfig.class);
    if (rc.valueModel() == null || rc.algorithm() != RlvrConfig.Algorithm.PPO) return base;
    List<String> all = new ArrayList<>(base);
    all.add("value_model=" + rewardModel());
    return all;
  }

  /**
   * Adds the training-data path when this recipe makes its own data (the data stage); a recipe on
   * real datasets keeps the paths its stage configs name.
   */
  private List<String> withData(List<String> overrides, String key, String file) {
    if (!cfg.has("data")) return overrides;
    List<String> all = new ArrayList<>(overrides);
    all.add(key + "=" + trainFile(file));
    return all;
  }

  /**
   * A training stage's config. {@code train.resume} is always true: {@link StageRunner} empties the
   * folder of a stage whose inputs changed, so only this run's own checkpoints can be there, and a
   * stage's checkpoints then record the same config whether or not it was interrupted (issue 19:
   * a resumed pipeline ends bit-identical to an uninterrupted one, file by file).
   */
  private <R extends Record> R load(PipelineConfig.StageRef ref, List<String> pathOverrides, Class<R> type) {
    List<String> all = new ArrayList<>(pathOverrides);
    all.addAll(ref.overrides());
    all.addAll(cleanData(ref, pathOverrides));
    all.add("train.resume=true");
    return ConfigLoader.load(ref.config(), all, type);
  }

  /**
   * A recipe on real datasets with a decontaminate stage: the stage reads the cleaned copies of the
   * files its config names (applied after the recipe's own overrides, so a data path set there is
   * cleaned too). Empty otherwise.
   */
  private List<String> cleanData(PipelineConfig.StageRef ref, List<String> pathOverrides) {
    if (cfg.has("data") || !cfg.has("decontaminate")) return List.of();
    StageData sd = stageData(ref, pathOverrides);
    if (sd == null) return List.of();
    Path clean = dir("decontaminate").resolve("clean");
    Map<Path, String> names = cleanNames(realTrainingFiles());
    List<String> copies = sd.files().stream().map(f -> clean.resolve(names.get(f)).toString()).toList();
    return List.of(sd.key() + "=" + (sd.key().equals("train_file") ? copies.get(0) : "[" + String.join(", ", copies) + "]"));
  }

  /** The data key of a training stage's config and the files it names there (after the recipe's overrides). */
  private record StageData(String key, List<Path> files) {}

  private static <R extends Record> R configOnly(PipelineConfig.StageRef ref, List<String> pathOverrides, Class<R> type) {
    List<String> all = new ArrayList<>(pathOverrides);
    all.addAll(ref.overrides());
    return ConfigLoader.load(ref.config(), all, type);
  }

  private StageData stageData(PipelineConfig.StageRef ref, List<String> pathOverrides) {
    List<String> all = new ArrayList<>(pathOverrides);
    all.addAll(ref.overrides());
    if (ref == cfg.sft()) return new StageData("data", ConfigLoader.load(ref.config(), all, SftConfig.class).data());
    if (ref == cfg.reward()) return new StageData("data", ConfigLoader.load(ref.config(), all, RewardConfig.class).data());
    if (ref == cfg.dpo() && cfg.dpoPreferences().enabled()) return null; // built on-policy in the dpo stage
    if (ref == cfg.dpo()) return new StageData("data", ConfigLoader.load(ref.config(), all, DpoConfig.class).data());
    if (ref == cfg.rlvr()) return new StageData("train_file", List.of(ConfigLoader.load(ref.config(), all, RlvrConfig.class).trainFile()));
    return null;
  }

  /** Every file the training stages of a real-data recipe read, each once, in stage order (for the decontaminate stage). */
  private List<Path> realTrainingFiles() {
    java.util.LinkedHashSet<Path> files = new java.util.LinkedHashSet<>();
    if (cfg.has("sft")) files.addAll(stageData(cfg.sft(), sftOverrides()).files());
    if (cfg.has("reward")) files.addAll(stageData(cfg.reward(), rewardOverrides()).files());
    if (cfg.has("dpo") && stageData(cfg.dpo(), dpoOverrides()) != null) files.addAll(stageData(cfg.dpo(), dpoOverrides()).files());
    if (cfg.has("rlvr")) files.addAll(stageData(cfg.rlvr(), rlvrOverrides()).files());
    return List.copyOf(files);
  }

  /**
   * The name of each file's cleaned copy: its own name (x.parquet → x.jsonl), qualified by its parent
   * folders where two files share a name (HF repositories all call their shards
   * data/train-00000-of-00001.parquet): {@code <repo>__data__train-00000-of-00001.jsonl}.
   */
  static Map<Path, String> cleanNames(List<Path> files) {
    Map<Path, String> out = new java.util.LinkedHashMap<>();
    for (Path f : files) {
      String name = dev.tulu4j.data.DataFiles.jsonlName(f);
      Path dir = f.toAbsolutePath().normalize().getParent();
      for (int up = 0; clashes(files, f, name, up) && dir != null && dir.getFileName() != null; up++, dir = dir.getParent())
        name = dir.getFileName() + "__" + name;
      out.put(f, name);
    }
    return out;
  }

  /** Whether another file has the same last {@code up + 1} path components as {@code f} (so the name would clash). */
  private static boolean clashes(List<Path> files, Path f, String name, int up) {
    String mine = dev.tulu4j.data.DataFiles.jsonlName(f);
    Path a = f.toAbsolutePath().normalize();
    for (Path g : files) {
      if (g.equals(f)) continue;
      Path b = g.toAbsolutePath().normalize();
      if (!dev.tulu4j.data.DataFiles.jsonlName(g).equals(mine)) continue;
      boolean same = true;
      Path pa = a.getParent(), pb = b.getParent();
      for (int k = 0; k < up && same; k++) {
        if (pa == null || pb == null || pa.getFileName() == null || pb.getFileName() == null
            || !pa.getFileName().equals(pb.getFileName())) same = false;
        else {
          pa = pa.getParent();
          pb = pb.getParent();
        }
      }
      if (same) return true;
    }
    return false;
  }

  /** The stage's summary, after merging its adapter when it trained one. */
  private JsonNode merged(String stage, JsonNode summary) {
    mergeIfLora(stage);
    return summary;
  }

  /** A training stage's fingerprint: its config file's text and every override. */
  private String stageText(PipelineConfig.StageRef ref, List<String> pathOverrides) {
    if (ref.config() == null) throw new IllegalArgumentException("the recipe runs a stage with no 'config' file set");
    try {
      return Files.readString(ref.config()) + "\n" + pathOverrides + "\n" + ref.overrides() + "\n" + cleanData(ref, pathOverrides);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read stage config " + ref.config() + ": " + e.getMessage());
    }
  }

  /** A training stage's summary for its {@code .done.json}: {@link RunResult#summary()} as JSON fields. */
  private static ObjectNode summary(RunResult r) {
    return JSON.valueToTree(r.summary());
  }

  // ---- the stages that are not training recipes ----

  private JsonNode runData(Path d) {
    var dc = cfg.data();
    SynthConfig sc = SynthConfig.defaults(dc.seed()).withCounts(dc.mathTrain(), dc.mathTest(), dc.ifTrain(), dc.ifTest(), dc.corpusBytes())
        .withCorpusMathShare(dc.corpusMathShare());
    return SynthWriter.write(new SyntheticWorld(sc).generate(), sc, d);
  }

  private JsonNode runDecon(Path d) {
    var dc = cfg.decontaminate();
    List<EvalSet> evals = new ArrayList<>();
    var taskData = cfg.eval() == null ? java.util.Map.<String, Path>of() : cfg.eval().taskData(); // the eval stage's folders
    for (String e : dc.evals()) evals.add(EvalSets.load(e, dataDir, taskData, null));
    List<Path> train = new ArrayList<>();
    if (cfg.has("data")) {
      for (String f : List.of("sft_train.jsonl", "preference_train.jsonl", "rlvr_train.jsonl")) {
        Path p = dir("data").resolve(f);
        if (Files.exists(p)) train.add(p);
      }
    } else {
      train.addAll(realTrainingFiles());
      for (Path p : train) {
        if (!Files.isRegularFile(p))
          throw new IllegalArgumentException("decontaminate: training file " + p + " (named by a stage config) does not exist");
      }
    }
    List<String> cleanNames = cfg.has("data") ? train.stream().map(dev.tulu4j.data.DataFiles::jsonlName).toList()
        : train.stream().map(cleanNames(train)::get).toList();
    var outcome = Decontamination.run(train, cleanNames, evals, d.resolve("clean"),
        new DeconConfig(dc.ngram(), dc.threshold(), dc.flagPercent(), 1, OnError.FAIL));
    ObjectNode s = JSON.createObjectNode();
    var rows = s.putArray("rows");
    for (FileResult fr : outcome.results()) {
      for (FileResult.PerEval pe : fr.perEval()) {
        rows.addObject().put("train", fr.train().getFileName().toString()).put("eval", pe.eval())
            .put("contaminated", pe.contaminated()).put("instances", pe.instances()).put("percent", pe.percent())
            .put("flagged", pe.flagged()).put("removed", fr.removed());
      }
    }
    return s;
  }

  /** The AlpacaEval judge of the eval stage, or null when none is configured. */
  private static dev.tulu4j.client.EndpointOptions judgeOptions(PipelineConfig.EvalStage ec) {
    if (ec.judgeEndpoint() == null) return null;
    String key = null;
    if (ec.judgeApiKeyEnv() != null) {
      key = System.getenv(ec.judgeApiKeyEnv()); // read here, at the recipe boundary, as the CLI reads --api-key-env
      if (key == null || key.isBlank())
        throw new IllegalArgumentException("eval.judge_api_key_env: environment variable " + ec.judgeApiKeyEnv() + " is not set");
    }
    return dev.tulu4j.client.EndpointOptions.of(dev.tulu4j.client.EndpointOptions.parseUrls(ec.judgeEndpoint()),
        ec.judgeModel(), key).withMaxInFlight(ec.judgeMaxInFlight());
  }

  private JsonNode runEval(Path d) throws IOException {
    var ec = cfg.eval();
    Path synth = dir("data");
    var suite = EvalSuite.load(ec.tasks(), new EvalSuite.Sources(dataDir, Files.isDirectory(synth) ? synth : null,
        ec.taskData(), ec.limit(), ec.allowCodeExecution(), ec.python(), judgeOptions(ec)));
    ObjectNode s = JSON.createObjectNode();
    try (Kernels k = Kernels.create(new KernelConfig(ec.gemm(), KernelConfig.defaults().threads()))) {
      for (String stage : modelStages()) {
        Path modelDir = ModelFiles.resolveModelDir(modelOf(stage));
        log.printf("[eval] %s (%s)%n", stage, modelDir);
        LlamaModel m = ModelFiles.loadModel(modelDir, k.gemm(), false);
        try (Tokenizer tok = Tokenizer.load(modelDir)) {
          var tpl = TemplateChoice.parse(ec.template()).resolve(tok);
          var responder = new ModelResponder(m, tok, tpl, ec.batch(), ec.maxLength(), log);
          var scorer = suite.needsLogProbs() ? new dev.tulu4j.runtime.Scorer(m, 8192) : null;
          var results = suite.run(responder, scorer == null ? null : scorer::score, tok::encode, responder::encode,
              Math.min(ec.maxLength(), m.config().maxPositions()), d.resolve(stage), log);
          ObjectNode st = s.putObject(stage);
          for (var r : results) st.put(r.task(), r.headline().value());
        }
      }
      if (cfg.has("reward")) s.set("win_rate", winRates(d, k));
    }
    return s;
  }

  /**
   * Each stage's win rate over the stage before it on every greedy task's prompts, judged by the reward
   * model of the reward stage; written to {@code eval/win_rate.json}.
   */
  private JsonNode winRates(Path evalDir, Kernels k) throws IOException {
    Path rmDir = ModelFiles.resolveModelDir(rewardModel());
    ObjectNode out = JSON.createObjectNode();
    var judge = dev.tulu4j.reward.ScalarHeadModel.load(rmDir, 0, k.gemm(), false);
    try (Tokenizer tok = Tokenizer.load(rmDir)) {
      var enc = new dev.tulu4j.tokenizer.ConversationEncoder(tok, TemplateChoice.parse(cfg.eval().template()).resolve(tok),
          cfg.eval().maxLength());
      List<String> stages = modelStages();
      for (int i = 1; i < stages.size(); i++) {
        ObjectNode pair = out.putObject(stages.get(i));
        pair.put("versus", stages.get(i - 1));
        List<Double> pooled = new ArrayList<>();
        for (String t : cfg.eval().tasks()) {
          if (!EvalSuite.isGreedyGenerative(t)) continue; // sampled variants repeat the greedy prompts; mc/code have no single response
          var a = ReportInputs.responses(evalDir.resolve(stages.get(i - 1)).resolve(t + ".jsonl"), Integer.MAX_VALUE);
          var b = ReportInputs.responses(evalDir.resolve(stages.get(i)).resolve(t + ".jsonl"), Integer.MAX_VALUE);
          List<String> prompts = new ArrayList<>(a.keySet());
          prompts.retainAll(b.keySet());
          if (prompts.isEmpty()) continue;
          double[] wins = dev.tulu4j.eval.WinRate.outcomes(judge, enc, prompts, prompts.stream().map(a::get).toList(),
              prompts.stream().map(b::get).toList());
          for (double w : wins) pooled.add(w);
          var est = dev.tulu4j.eval.WinRate.estimate(wins);
          pair.putObject(t).put("score", est.value()).put("ci_low", est.lo()).put("ci_high", est.hi()).put("n", est.n());
        }
        var all = dev.tulu4j.eval.WinRate.estimate(pooled.stream().mapToDouble(Double::doubleValue).toArray());
        pair.putObject("all").put("score", all.value()).put("ci_low", all.lo()).put("ci_high", all.hi()).put("n", all.n());
      }
    }
    FileOps.writeAtomically(evalDir.resolve("win_rate.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(out));
    return out;
  }

  /** A stage as a fingerprint plus a function of its folder. */
  private record Step(String name, String fingerprint, List<String> dependsOn, Body body) implements StageRunner.Stage {
    public JsonNode run(Path dir, boolean resuming) throws Exception {
      return body.run(dir, resuming);
    }
  }

  @FunctionalInterface
  private interface Body {
    JsonNode run(Path dir, boolean resuming) throws Exception;
  }

  /** The resolved config as YAML (for the report). */
  public static String render(PipelineConfig cfg) {
    return ConfigYaml.render(cfg);
  }
}
