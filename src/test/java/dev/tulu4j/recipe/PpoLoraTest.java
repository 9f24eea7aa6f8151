package dev.tulu4j.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tulu4j.checkpoint.PeftAdapter;
import dev.tulu4j.config.ConfigLoader;
import dev.tulu4j.io.DType;
import dev.tulu4j.io.SafetensorsFile;
import dev.tulu4j.rlvr.RlvrConfig;
import dev.tulu4j.train.Checkpointer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PPO with {@code lora:} through {@link RlvrRecipe} on the micro model (stored bf16, so
 * {@code base_dtype: auto} holds the base in bf16): the value model is the policy's frozen base plus
 * its own adapter and a trainable score head; its checkpoints under {@code value/} are PEFT SEQ_CLS
 * adapter folders; a run that crashes after a checkpoint resumes to byte-identical policy and value
 * adapter files and the same losses as the uninterrupted run.
 */
@Tag("slow")
class PpoLoraTest {
  @TempDir static Path in;
  @TempDir Path dir;
  static Path model;
  static Path prompts;

  @BeforeAll
  static void inputs() throws Exception {
    MicroRun.writeInputs(in);
    // a micro base stored in bf16 (2 pretraining steps), and gsm8k-style prompts over the fixtures' vocabulary
    RunResult pre = PretrainRecipe.run(MicroRun.pretrain(in, in.resolve("pre"), "train.max_steps=2", "save_dtype=bf16"),
        quiet());
    model = pre.finalModel();
    prompts = in.resolve("rlvr.jsonl");
    List<String> rows = new ArrayList<>();
    String[] names = {"Ada", "Bo", "Cy", "Di"};
    for (int i = 0; i < 8; i++)
      rows.add("{\"messages\":[{\"role\":\"user\",\"content\":\"" + names[i % 4] + " has " + (i + 1)
          + " apples and gets 2 more. How many now?\"}],\"ground_truth\":\"" + (i + 3) + "\",\"dataset\":\"gsm8k\"}");
    Files.write(prompts, rows);
  }

  private static PrintStream quiet() {
    return new PrintStream(java.io.OutputStream.nullOutputStream());
  }

  private static RlvrConfig cfg(Path out, String... more) {
    List<String> o = new ArrayList<>(List.of("model=" + model, "train_file=" + prompts, "train.out_dir=" + out,
        "algorithm=ppo", "train.max_steps=4", "train.save_every=2", "train.keep_last=3", "prompts_per_batch=2",
        "samples_per_prompt=2", "response_length=6", "max_prompt_length=56", "train.micro_batch=2", "minibatches=1",
        "ppo_epochs=2", "rollout_slots=4", "train.optim.lr=1e-2", "value_lr=5e-2", "train.threads=1", "gemm=vector",
        "train.progress=false", "save_dtype=f32", "lora.r=4", "lora.alpha=8", "train.seed=5"));
    o.addAll(Arrays.asList(more));
    return ConfigLoader.fromOverrides(o, RlvrConfig.class);
  }

  @Test
  void theValueModelIsAnAdapterAndAHeadOverThePolicysBaseAndResumesByteIdentically() throws Exception {
    ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    RunResult straight = RlvrRecipe.run(cfg(dir.resolve("straight")), new PrintStream(logBytes, true));
    String log = logBytes.toString();
    // the plan counts the value model as adapter + head over the shared base; the base is held in bf16
    assertThat(log).contains("value model weights").contains("value model: lora: r=4").contains("held in bf16");
    Path value = dir.resolve("straight/value/step-000004");
    assertThat(PeftAdapter.isAdapterFolder(value)).isTrue();
    assertThat(value.resolve("config.json")).doesNotExist();
    JsonNode ac = new ObjectMapper().readTree(value.resolve(PeftAdapter.CONFIG).toFile());
    assertThat(ac.get("task_type").asText()).isEqualTo("SEQ_CLS");
    assertThat(ac.get("modules_to_save").toString()).contains("score");
    assertThat(ac.get("base_model_name_or_path").asText()).isEqualTo(model.toAbsolutePath().normalize().toString());
    try (SafetensorsFile f = SafetensorsFile.open(value.resolve(PeftAdapter.WEIGHTS))) {
      assertThat(f.tensors().keySet()).contains("base_model.model.score.weight")
          .allMatch(n -> n.contains(".lora_") || n.equals("base_model.model.score.weight"));
      assertThat(f.tensors().values()).allMatch(t -> t.dtype() == DType.F32);
    }
    // the value adapter trained (B moved from 0) and is not the policy's adapter
    assertThat(Files.mismatch(value.resolve(PeftAdapter.WEIGHTS), dir.resolve("straight/value/step-000002")
        .resolve(PeftAdapter.WEIGHTS))).isNotEqualTo(-1L);
    assertThat(straight.train().losses()).hasSize(4);

    // a crash after step 3 loses it; the resume from step-000002 reproduces the rest byte for byte
    Path crashed = dir.resolve("crashed");
    assertThatThrownBy(() -> RlvrRecipe.run(cfg(crashed), quiet(), loop -> loop.onStep(m -> {
      if (m.step() == 3) throw new IllegalStateException("simulated crash after step 3");
    }))).hasMessageContaining("simulated crash");
    assertThat(new Checkpointer(crashed, 3).findLatest().orElseThrow().state().step()).isEqualTo(2);
    RunResult resumed = RlvrRecipe.run(cfg(crashed, "train.resume=true"), quiet());
    assertThat(resumed.train().resumedFrom()).isEqualTo(2);
    assertThat(resumed.train().losses()).containsExactlyElementsOf(straight.train().losses().subList(2, 4));
    for (String f : List.of("step-000004/" + PeftAdapter.WEIGHTS, "value/step-000004/" + PeftAdapter.WEIGHTS,
        "value/step-000004/" + PeftAdapter.CONFIG, "step-000004/trainer_state/params.bin",
        "value/step-000004/trainer_state/params.bin", "value/step-000004/trainer_state/optimizer.bin"))
      assertThat(Files.mismatch(dir.resolve("straight").resolve(f), crashed.resolve(f))).as(f).isEqualTo(-1L);
  }
}
