package dev.tulu4j.recipe;

import dev.tulu4j.config.Doc;
import dev.tulu4j.data.synth.SynthConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The whole Tülu 3 recipe as one YAML file ({@code recipes/tiny.yaml}, {@code recipes/tulu3-8b.yaml}).
 * Each training stage points at its own stage config (the same file {@code tulu4j sft} etc. take)
 * plus overrides; the pipeline itself sets every path that links one stage to the next, so a stage
 * config's own paths are only defaults for running it alone.
 */
public record PipelineConfig(
    @Doc(value = "Output folder; every stage writes to a subfolder (data/, decontaminate/, base/, sft/, dpo/, rlvr/, eval/).",
        def = "runs/tiny", hashed = false)
        Path out,
    @Doc(value = "Stages to run, in this order: data, decontaminate, pretrain, sft, reward, dpo, rlvr, eval.",
        def = "[data, decontaminate, pretrain, sft, reward, dpo, rlvr, eval]")
        List<String> stages,
    @Doc(value = "Starting checkpoint when the recipe has no pretrain stage (a HF folder).", def = "null")
        Path baseModel,
    @Doc("The synthetic world (stage data).") DataStage data,
    @Doc("8-gram decontamination of the training data against the eval sets (stage decontaminate): the data "
        + "stage's files, or without a data stage every file the training stages' configs name (their data / "
        + "train_file); each stage then reads the cleaned copy in decontaminate/clean/.")
        DeconStage decontaminate,
    @Doc("Base-model pretraining (stage pretrain).") StageRef pretrain,
    @Doc("Supervised fine-tuning (stage sft).") StageRef sft,
    @Doc("Bradley–Terry reward model on the preference pairs (stage reward); the eval stage uses it as the "
        + "judge of win rates between consecutive stages.") StageRef reward,
    @Doc("Length-normalised DPO (stage dpo).") StageRef dpo,
    @Doc("On-policy preference pairs built from the SFT model's own samples before DPO (stage dpo).")
        DpoPreferences dpoPreferences,
    @Doc("RL with verifiable rewards (stage rlvr).") StageRef rlvr,
    @Doc("Evaluation of every stage's model (stage eval).") EvalStage eval) {

  public static final List<String> ORDER = List.of("data", "decontaminate", "pretrain", "sft", "reward", "dpo", "rlvr", "eval");

  public PipelineConfig {
    stages = List.copyOf(stages);
    for (String s : stages) {
      if (!ORDER.contains(s)) throw new IllegalArgumentException("stages: unknown stage '" + s + "' (known: " + ORDER + ")");
    }
    for (int i = 1; i < stages.size(); i++) {
      if (ORDER.indexOf(stages.get(i)) <= ORDER.indexOf(stages.get(i - 1)))
        throw new IllegalArgumentException("stages must be in recipe order " + ORDER + ", got " + stages);
    }
    if (Set.copyOf(stages).size() != stages.size()) throw new IllegalArgumentException("stages: a stage is listed twice");
    boolean trains = stages.contains("sft") || stages.contains("dpo") || stages.contains("rlvr");
    if (trains && !stages.contains("pretrain") && baseModel == null)
      throw new IllegalArgumentException("base_model is required when the recipe has no pretrain stage");
  }

  public boolean has(String stage) {
    return stages.contains(stage);
  }

  /** A training stage: its stage config file and extra overrides applied after it. */
  public record StageRef(
      @Doc(value = "The stage's own config file (e.g. recipes/tiny-sft.yaml).", def = "null") Path config,
      @Doc(value = "key=value overrides applied to that config (after the pipeline's path settings).", def = "[]")
          List<String> overrides) {
    public StageRef {
      overrides = List.copyOf(overrides);
    }
  }

  /** Sizes of the built-in synthetic world (see {@code tulu4j data synth}). */
  public record DataStage(
      @Doc(value = "Seed of the world.", def = "1") long seed,
      @Doc(value = "Arithmetic problems for training.", def = "2000") int mathTrain,
      @Doc(value = "Arithmetic problems held out for evaluation.", def = "200") int mathTest,
      @Doc(value = "Instruction-following prompts for training.", def = "1000") int ifTrain,
      @Doc(value = "Instruction-following prompts held out.", def = "100") int ifTest,
      @Doc(value = "Approximate pretraining corpus size in bytes.", def = "3000000") long corpusBytes,
      @Doc(value = "Share of the corpus's paragraphs that are arithmetic stories (facts and instruction prose share the"
          + " rest 5 : 2).", def = "" + SynthConfig.DEFAULT_CORPUS_MATH_SHARE) double corpusMathShare) {}

  /** Tülu 3 decontamination settings. */
  public record DeconStage(
      @Doc(value = "Eval sets to match against: gsm8k, math, math500, ifeval (data/), the Tülu 3 suite's mmlu, popqa, "
          + "truthfulqa, bbh, bbh_<task>, drop, humaneval, humanevalplus, alpaca_eval (from eval.task_data or "
          + "<data-dir>/<task>, as the eval stage reads them), or JSONL paths.", def = "[gsm8k, math, math500, ifeval]")
          List<String> evals,
      @Doc(value = "n-gram length.", def = "8") int ngram,
      @Doc(value = "An eval instance is contaminated when more than this fraction of its tokens is covered.", def = "0.5")
          double threshold,
      @Doc(value = "Training data flagged for an eval above this percentage of contaminated instances.", def = "2.0")
          double flagPercent) {}

  /** Which tasks each stage's model is evaluated on. */
  public record EvalStage(
      @Doc(value = "Tasks (see tulu4j eval).", def = "[synth_gsm8k, synth_ifeval, synth_popqa]") List<String> tasks,
      @Doc(value = "At most this many items per task (0 = all).", def = "0") int limit,
      @Doc(value = "Sequences decoded together.", def = "32") int batch,
      @Doc(value = "Context length for prompt + response.", def = "512") int maxLength,
      @Doc(value = "Chat template for evaluation: tulu or model.", def = "tulu") String template,
      @Doc(value = "GEMM backend for evaluation: vector, openblas or auto (auto is vector for "
          + "evaluation: nothing times a whole step there).", def = "vector") dev.tulu4j.tensor.GemmBackend gemm,
      @Doc(value = "Dataset folder per Tülu 3 suite task (drop, mmlu, popqa, bbh, truthfulqa, humaneval, humanevalplus, "
          + "alpaca_eval), "
          + "in the layout its Hugging Face repository ships; unlisted tasks read <data-dir>/<task>.", def = "{}")
          java.util.Map<String, Path> taskData,
      @Doc(value = "Run model-written Python for humaneval/humanevalplus (sandboxed python3 processes; see tulu4j eval "
          + "--allow-code-execution); without it those tasks are refused.", def = "false") boolean allowCodeExecution,
      @Doc(value = "Interpreter for allow_code_execution.", def = "python3") String python,
      @Doc(value = "alpaca_eval: the judge's OpenAI-compatible base URL(s), comma-separated; it must return "
          + "logprobs/top_logprobs.", def = "null") String judgeEndpoint,
      @Doc(value = "alpaca_eval: the judge model's name (AlpacaEval 2: gpt-4-1106-preview); null = the first id "
          + "/v1/models lists.", def = "null") String judgeModel,
      @Doc(value = "alpaca_eval: environment variable holding the judge's API key; null = none.", def = "null")
          String judgeApiKeyEnv,
      @Doc(value = "alpaca_eval: judge requests in flight per server.", def = "8") int judgeMaxInFlight) {
    public EvalStage {
      taskData = taskData == null ? java.util.Map.of() : java.util.Map.copyOf(taskData);
      if (judgeMaxInFlight < 1) throw new IllegalArgumentException("eval.judge_max_in_flight must be >= 1, got " + judgeMaxInFlight);
    }
  }

  /**
   * Tülu 3 §4.1 on-policy preference data for the dpo stage: {@code prompts} RLVR prompts (with
   * ground truth) × {@code samples} responses sampled from the stage's input (SFT) model, rated by the
   * verifier judge (5 verified / 1 not), the verifier then the reward model, or Tülu 3's LLM judge on an
   * endpoint, paired by {@code PairSelection} (best vs a random strictly
   * worse one; ties skipped). {@code prompts: 0} turns it off: DPO then trains on the static pairs.
   */
  public record DpoPreferences(
      @Doc(value = "RLVR prompts to sample (first N of rlvr_train.jsonl, after the dataset filter); 0 = off "
          + "(DPO trains on the static preference_train.jsonl pairs).", def = "0") int prompts,
      @Doc(value = "Only prompts of these verifier datasets (e.g. [ifeval]); empty = all.", def = "[]")
          List<String> datasets,
      @Doc(value = "Responses sampled per prompt (K >= 2).", def = "4") int samples,
      @Doc(value = "Sampling temperature.", def = "1.0") double temperature,
      @Doc(value = "Nucleus sampling p.", def = "1.0") double topP,
      @Doc(value = "Max new tokens per sampled response.", def = "64") int maxNewTokens,
      @Doc(value = "KV length of the sampler (prompt + response tokens).", def = "320") int maxLength,
      @Doc(value = "Sequences decoded together.", def = "32") int slots,
      @Doc(value = "Seed of the sampling and of the rejected-response draw.", def = "42") long seed,
      @Doc(value = "Also train on the static preference_train.jsonl pairs (appended after the on-policy ones).",
          def = "false") boolean mixStatic,
      @Doc(value = "Judge of the sampled responses: verifier (5 verified / 1 not; equal verdicts tie), "
          + "verifier_reward_model (the verdict first, then the reward stage's model orders responses with the "
          + "same verdict; needs the reward stage before dpo) or llm (Tülu 3's four-aspect UltraFeedback judge on "
          + "judge_endpoint).", def = "verifier")
          dev.tulu4j.dpo.PreferenceBuildConfig.JudgeKind judge,
      @Doc(value = "judge llm: the judge's OpenAI-compatible base URL(s), comma-separated.", def = "null") String judgeEndpoint,
      @Doc(value = "judge llm: the served model's name; null = the first id /v1/models lists.", def = "null") String judgeModel,
      @Doc(value = "judge llm: environment variable holding the API key; null = none.", def = "null") String judgeApiKeyEnv,
      @Doc(value = "judge llm: requests in flight per server.", def = "8") int judgeMaxInFlight) {
    public DpoPreferences {
      if (judge == null) judge = dev.tulu4j.dpo.PreferenceBuildConfig.JudgeKind.VERIFIER;
      if (judge == dev.tulu4j.dpo.PreferenceBuildConfig.JudgeKind.REWARD_MODEL)
        throw new IllegalArgumentException("dpo_preferences.judge must be verifier, verifier_reward_model or llm, got "
            + "reward_model (use verifier_reward_model: it orders by the reward stage's model after the verdict)");
      if (judge == dev.tulu4j.dpo.PreferenceBuildConfig.JudgeKind.LLM && (judgeEndpoint == null || judgeEndpoint.isBlank()))
        throw new IllegalArgumentException("dpo_preferences.judge llm needs dpo_preferences.judge_endpoint (the judge's "
            + "OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1)");
      if (judgeMaxInFlight < 1) throw new IllegalArgumentException("dpo_preferences.judge_max_in_flight must be >= 1");
      datasets = List.copyOf(datasets);
      if (prompts < 0) throw new IllegalArgumentException("dpo_preferences.prompts must be >= 0");
      if (samples < 2) throw new IllegalArgumentException("dpo_preferences.samples must be >= 2 (a pair needs two responses)");
      if (temperature < 0) throw new IllegalArgumentException("dpo_preferences.temperature must be >= 0");
      if (topP <= 0 || topP > 1) throw new IllegalArgumentException("dpo_preferences.top_p must be in (0, 1]");
      if (maxNewTokens < 1) throw new IllegalArgumentException("dpo_preferences.max_new_tokens must be >= 1");
      if (maxLength <= maxNewTokens) throw new IllegalArgumentException("dpo_preferences.max_length must exceed max_new_tokens");
      if (slots < 1) throw new IllegalArgumentException("dpo_preferences.slots must be >= 1");
    }

    public boolean enabled() {
      return prompts > 0;
    }
  }
}
