package dev.tulu4j.reliability;

import dev.tulu4j.cli.Main;
import dev.tulu4j.config.ConfigLoader;
import dev.tulu4j.data.synth.SynthConfig;
import dev.tulu4j.data.synth.SynthWriter;
import dev.tulu4j.data.synth.SyntheticWorld;
import dev.tulu4j.recipe.PretrainConfig;
import dev.tulu4j.recipe.PretrainRecipe;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The inputs and commands of {@link KillResumeTest}: a small synthetic world and a micro base model
 * (300-id BPE, C32 L2 H4 F64, one pretraining step) built once in-process, and for each stage the real
 * {@code tulu4j} command line that the child JVMs run ({@link Main}), on the repository's tiny recipes
 * shrunk to seconds. Every command writes to the relative folder {@code out} of its working directory,
 * so a reference run and a killed run record the same paths in their checkpoints, and passes
 * {@code train.resume=true}: the same command starts the run and continues it after a kill.
 */
final class KillFixtures {
  static final List<String> STAGES = List.of("sft", "dpo", "reward", "grpo", "ppo", "pipeline");
  private static final Path RECIPES = Path.of("recipes").toAbsolutePath();

  private final Path dir;

  private KillFixtures(Path dir) {
    this.dir = dir;
  }

  /** Writes the synthetic world ({@code data/}) and the micro base model ({@code base/}) into {@code dir}. */
  static KillFixtures build(Path dir) throws IOException {
    SynthConfig sc = SynthConfig.defaults(7).withCounts(60, 12, 30, 8, 40_000);
    SynthWriter.write(new SyntheticWorld(sc).generate(), sc, dir.resolve("data"));
    for (String f : List.of("sft_train", "preference_train")) { // 48 rows: loading them is most of a micro run
      List<String> rows = Files.readAllLines(dir.resolve("data/" + f + ".jsonl"));
      Files.write(dir.resolve("data/" + f + "-48.jsonl"), rows.subList(0, 48));
    }
    PretrainConfig pc = ConfigLoader.load(RECIPES.resolve("tiny-pretrain.yaml"), List.of(
        "corpus=" + dir.resolve("data/corpus.txt"), "model.vocab=300", "model.hidden=32", "model.layers=2",
        "model.heads=4", "model.intermediate=64", "max_seq_length=64", "train.max_steps=1", "train.micro_batch=2",
        "train.progress=false", "train.out_dir=" + dir.resolve("base")), PretrainConfig.class);
    PretrainRecipe.run(pc, new PrintStream(OutputStream.nullOutputStream()));
    KillFixtures f = new KillFixtures(dir);
    Files.writeString(dir.resolve("pipeline.yaml"), f.pipelineRecipe());
    return f;
  }

  /** The command line of {@code stage} (see {@link #STAGES}); it writes to {@code out} in its working directory. */
  List<String> command(String stage) {
    Path data = dir.resolve("data");
    Path base = dir.resolve("base");
    List<String> common = List.of("train.out_dir=out", "train.resume=true", "train.progress=false", "train.threads=1",
        "train.save_every=1", "train.keep_last=2");
    List<String> c = new ArrayList<>();
    switch (stage) {
      case "sft" -> c.addAll(List.of("sft", recipe("tiny-sft"), "model.from=" + base, "data=" + data.resolve("sft_train-48.jsonl"),
          "max_seq_length=64", "train.max_steps=5", "train.micro_batch=2"));
      case "dpo" -> c.addAll(List.of("dpo", recipe("tiny-dpo"), "model=" + base, "data=" + data.resolve("preference_train-48.jsonl"),
          "max_length=64", "ref_cache_dir=out/ref_cache", "train.max_steps=5", "train.micro_batch=2"));
      case "reward" -> c.addAll(List.of("reward", "train", recipe("tiny-reward"), "model=" + base,
          "data=" + data.resolve("preference_train-48.jsonl"), "max_length=64", "train.max_steps=5", "train.micro_batch=2"));
      case "grpo" -> c.addAll(rlvr("tiny-grpo", base, data));
      case "ppo" -> {
        c.addAll(rlvr("tiny-ppo", base, data));
        c.addAll(List.of("value_model=" + base, "value_warmup_steps=1", "ppo_epochs=2"));
      }
      case "pipeline" -> {
        return List.of("pipeline", dir.resolve("pipeline.yaml").toString(), "--out", "out");
      }
      default -> throw new IllegalArgumentException(stage);
    }
    c.addAll(common);
    return c;
  }

  private static List<String> rlvr(String recipe, Path base, Path data) {
    return new ArrayList<>(List.of("rlvr", recipe(recipe), "model=" + base, "train_file=" + data.resolve("rlvr_train.jsonl"),
        "train.max_steps=4", "prompts_per_batch=2", "samples_per_prompt=2", "response_length=8", "max_prompt_length=56",
        "train.micro_batch=2", "minibatches=1", "rollout_slots=4", "filter_samples=0"));
  }

  private static String recipe(String name) {
    return RECIPES.resolve(name + ".yaml").toString();
  }

  /**
   * recipes/micro.yaml's training stages (no decontamination, on-policy preferences or eval: the 300-id
   * model's prompts outgrow their length limits), with a checkpoint after every step of every stage.
   */
  private String pipelineRecipe() {
    String every = "train.save_every=1, train.keep_last=2, train.threads=1";
    return """
        out: out
        stages: [data, pretrain, sft, reward, dpo, rlvr]
        data: {seed: 7, math_train: 60, math_test: 12, if_train: 30, if_test: 8, corpus_bytes: 40000}
        pretrain:
          config: %1$s/tiny-pretrain.yaml
          overrides: [model.vocab=300, model.hidden=32, model.layers=1, model.heads=2, model.intermediate=64,
                      max_seq_length=64, train.max_steps=2, train.micro_batch=2, %2$s]
        sft:
          config: %1$s/tiny-sft.yaml
          overrides: [max_seq_length=64, train.max_steps=2, train.micro_batch=2, %2$s]
        reward:
          config: %1$s/tiny-reward.yaml
          overrides: [max_length=64, train.max_steps=2, train.micro_batch=2, %2$s]
        dpo:
          config: %1$s/tiny-dpo.yaml
          overrides: [max_length=64, train.max_steps=2, train.micro_batch=2, train.grad_accum=1, %2$s]
        rlvr:
          config: %1$s/tiny-grpo.yaml
          overrides: [train.max_steps=2, prompts_per_batch=2, samples_per_prompt=2, response_length=8, max_prompt_length=56,
                      train.micro_batch=2, minibatches=1, ppo_epochs=1, rollout_slots=4, filter_samples=0, %2$s]
        """.formatted(RECIPES, every);
  }
}
