package dev.tulu4j.rlvr;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tulu4j.reliability.KillHarness;
import dev.tulu4j.train.Checkpointer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * RLVR resume after {@code kill -9}, through the shared loop's checkpoints: a toy GRPO or PPO run of
 * 6 steps (checkpoints every 2) is SIGKILLed in a child JVM, then resumed in a fresh one; the policy
 * (and PPO's value model) end bit-identical to an uninterrupted child run, the resumed process
 * repeats the reference's losses, and metrics.jsonl and samples.jsonl read as one uninterrupted run.
 * Rollout samplers and minibatch shuffles are seeded by (seed, step) and the data order is the
 * loop's checkpointed position, so nothing random is lost with the process. {@code ppo-lora}: PPO
 * with a LoRA policy and a LoRA value model (its own adapter + score head over the policy's base).
 */
@Tag("slow")
class RlvrResumeAfterKillTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> TIMING = List.of("tokens_per_s", "elapsed_s", "rollout_s", "train_s", "step_s",
      "gen_tokens_per_s");
  private static final Map<String, List<String>> REFERENCE = new HashMap<>();

  @TempDir static Path ref;
  @TempDir Path dir;

  private static String[] run(String algorithm) {
    boolean lora = algorithm.endsWith("-lora");
    if (lora) algorithm = algorithm.substring(0, algorithm.length() - "-lora".length());
    List<String> o = new ArrayList<>(List.of("algorithm=" + algorithm, "train.max_steps=6", "train.save_every=2",
        "train.keep_last=5", "train.optim.lr=1e-2", "ppo_epochs=2", "minibatches=2"));
    if (algorithm.equals("ppo"))
      o.addAll(List.of("samples_per_prompt=4", "train.micro_batch=4", "value_warmup_steps=1", "value_lr=5e-2"));
    if (lora) o.addAll(List.of("lora.r=4", "lora.alpha=8"));
    return o.toArray(String[]::new);
  }

  /** The uninterrupted child run of {@code algorithm}: its output lines (computed once). */
  private static synchronized List<String> reference(String algorithm) throws Exception {
    if (!REFERENCE.containsKey(algorithm)) REFERENCE.put(algorithm, runChild(ref.resolve(algorithm), "none", run(algorithm)));
    return REFERENCE.get(algorithm);
  }

  @ParameterizedTest
  @ValueSource(strings = {"grpo", "ppo", "ppo-lora"})
  void kill9AfterAStepThenResumeEqualsTheUninterruptedRun(String algorithm) throws Exception {
    List<String> want = reference(algorithm);
    Path out = dir.resolve("killed");
    runChild(out, "step:3", run(algorithm)); // step 3 computed, step-000002 saved: the kill loses step 3
    assertThat(new Checkpointer(out, 5).findLatest().orElseThrow().state().step()).isEqualTo(2);
    List<String> resumed = runChild(out, "none", run(algorithm));
    assertThat(line(resumed, "HASH ")).isEqualTo(line(want, "HASH "));
    // the resumed process ran steps 3..6 with exactly the reference's losses
    String all = line(want, "LOSSES ");
    List<String> ls = List.of(all.substring(1, all.length() - 1).split(", "));
    assertThat(line(resumed, "LOSSES ")).isEqualTo("[" + String.join(", ", ls.subList(2, 6)) + "]");
    assertThat(metrics(out)).isEqualTo(metrics(ref.resolve(algorithm)));
    assertThat(Files.readString(out.resolve("samples.jsonl")))
        .isEqualTo(Files.readString(ref.resolve(algorithm).resolve("samples.jsonl")));
    if (algorithm.endsWith("-lora")) // PPO + LoRA: the policy's and the value model's PEFT folders, byte for byte
      for (String f : List.of("step-000006/adapter_model.safetensors", "value/step-000006/adapter_model.safetensors",
          "value/step-000006/adapter_config.json", "value/step-000006/trainer_state/optimizer.bin"))
        assertThat(Files.mismatch(out.resolve(f), ref.resolve(algorithm).resolve(f))).as(f).isEqualTo(-1L);
  }

  /**
   * PPO saves the value model's checkpoint before the run's: a kill inside the run checkpoint's save
   * of step 4 leaves a complete {@code value/step-000004/} beside the last complete run checkpoint
   * {@code step-000002/}; the resume discards the newer value checkpoint and still matches.
   */
  @Test
  void kill9InsideThePpoRunCheckpointAfterTheValueCheckpointResumesFromTheLastPair() throws Exception {
    List<String> want = reference("ppo");
    Path out = dir.resolve("killed-in-save");
    runChild(out, "save:params-written:4", run("ppo"));
    assertThat(out.resolve("value/step-000004/trainer_state/state.json")).exists();
    assertThat(out.resolve("step-000004")).doesNotExist();
    assertThat(new Checkpointer(out, 5).findLatest().orElseThrow().state().step()).isEqualTo(2);
    List<String> resumed = runChild(out, "none", run("ppo"));
    assertThat(line(resumed, "HASH ")).isEqualTo(line(want, "HASH "));
    assertThat(metrics(out)).isEqualTo(metrics(ref.resolve("ppo")));
  }

  /** metrics.jsonl without the wall-clock fields. */
  private static List<JsonNode> metrics(Path run) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String l : Files.readAllLines(run.resolve("metrics.jsonl"))) {
      ObjectNode n = (ObjectNode) JSON.readTree(l);
      n.remove(TIMING);
      out.add(n);
    }
    assertThat(out).hasSize(6);
    return out;
  }

  private static String line(List<String> out, String prefix) {
    return out.stream().filter(l -> l.startsWith(prefix)).findFirst()
        .orElseThrow(() -> new AssertionError("no '" + prefix + "' line in child output " + out))
        .substring(prefix.length());
  }

  /**
   * Runs {@link RlvrTrainMain} in a child JVM ({@link KillHarness}, default tiered JIT); SIGKILLs it when
   * it prints PAUSED, or (pauseAt {@code none}) waits for it to finish. Returns its output lines.
   */
  private static List<String> runChild(Path out, String pauseAt, String... overrides) throws Exception {
    List<String> args = new ArrayList<>(List.of(pauseAt, out.toString()));
    args.addAll(List.of(overrides));
    KillHarness.Child c = KillHarness.Child.of(RlvrTrainMain.class, out.getParent(), args).heap("256m");
    return pauseAt.equals("none") ? KillHarness.runToEnd(c).lines()
        : KillHarness.kill(c, new KillHarness.Trigger.OnLine(KillHarness.PAUSED)).lines();
  }
}
