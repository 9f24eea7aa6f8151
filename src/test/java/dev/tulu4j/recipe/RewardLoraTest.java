package dev.tulu4j.recipe;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tulu4j.checkpoint.PeftAdapter;
import dev.tulu4j.config.ConfigLoader;
import dev.tulu4j.io.SafetensorsFile;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reward-model training with {@code lora:}: the backbone is frozen, the adapter and the score head
 * (PEFT's SEQ_CLS modules_to_save) train, the held-out accuracy rises, and the checkpoint is a PEFT
 * folder holding {@code base_model.model.score.weight} next to the LoRA matrices, as PEFT writes it.
 */
class RewardLoraTest {
  @Test
  void loraRewardModelLearnsAndSavesTheHeadWithTheAdapter(@TempDir Path dir) throws Exception {
    Path model = TinyRun.model(dir, 9);
    Path train = TinyRun.preferences(dir.resolve("train.jsonl"), RewardRecipeTest.refusals(20, 0));
    Path eval = TinyRun.preferences(dir.resolve("eval.jsonl"), RewardRecipeTest.refusals(6, 40));
    RewardConfig cfg = ConfigLoader.fromOverrides(List.of("model=" + model, "data=" + train, "eval_data=" + eval,
        "max_length=64", "save_dtype=f32", "train.optim.lr=3e-2", "train.optim.warmup_ratio=0",
        "train.optim.schedule=constant", "train.micro_batch=4", "train.max_steps=15", "train.threads=1",
        "lora.r=8", "lora.alpha=16", "lora.dropout=0.05",
        "train.out_dir=" + dir.resolve("run"), "train.progress=false"), RewardConfig.class);
    ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    RunResult r = RewardRecipe.run(cfg, new PrintStream(logBytes, true));
    assertThat(logBytes.toString()).contains("lora: r=8");
    List<JsonNode> m = new ArrayList<>();
    for (String l : Files.readAllLines(dir.resolve("run/metrics.jsonl"))) m.add(TinyRun.JSON.readTree(l));
    double first = m.getFirst().path("loss").asDouble(), last = m.getLast().path("loss").asDouble();
    System.out.printf("lora reward micro run: loss %.4f -> %.4f, held-out accuracy %.3f -> %.3f%n", first, last,
        r.number("eval_accuracy_before"), r.number("eval_accuracy_after"));
    assertThat(last).isLessThan(first - 0.2);
    assertThat(r.number("eval_accuracy_after")).isGreaterThan(r.number("eval_accuracy_before"));
    Path ckpt = r.train().lastCheckpoint();
    assertThat(Files.exists(ckpt.resolve("config.json"))).isFalse();
    assertThat(Files.readString(ckpt.resolve(PeftAdapter.CONFIG))).contains("\"task_type\": \"SEQ_CLS\"")
        .contains("\"score\"");
    try (SafetensorsFile f = SafetensorsFile.open(ckpt.resolve(PeftAdapter.WEIGHTS))) {
      assertThat(f.tensors()).containsKey("base_model.model.score.weight")
          .containsKey("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight");
    }
    assertThat(PeftAdapter.readConfig(ckpt).modulesToSave()).containsExactly("classifier", "score");

    // merged (lora merge / the pipeline's OUT/reward/merged): a plain sequence-classification folder that
    // scores as base + adapter + saved head at run time
    Path merged = dir.resolve("merged");
    dev.tulu4j.tensor.NaiveGemm gemm = new dev.tulu4j.tensor.NaiveGemm();
    dev.tulu4j.checkpoint.ModelFiles.mergeAdapter(model, ckpt, merged, gemm);
    assertThat(Files.readString(merged.resolve("config.json"))).contains("LlamaForSequenceClassification")
        .contains("\"num_labels\" : 1");
    assertThat(merged.resolve("tokenizer.json")).exists();
    dev.tulu4j.reward.ScalarHeadModel plain = dev.tulu4j.reward.ScalarHeadModel.load(merged, 0, gemm, false);
    assertThat(plain.isClassificationCheckpoint()).isTrue();
    dev.tulu4j.reward.ScalarHeadModel live = dev.tulu4j.reward.ScalarHeadModel.loadFrozenBackbone(model,
        dev.tulu4j.model.WeightsDtype.FP32, 0, dev.tulu4j.reward.ScalarHeadModel.HeadInit.HF, gemm,
        dev.tulu4j.tensor.TaskRunner.commonPool());
    PeftAdapter.Loaded ad = PeftAdapter.load(ckpt, live.backbone().config());
    live.backbone().attachLora(ad.adapter());
    float[] head = ad.savedModules().get("score.weight").data();
    System.arraycopy(head, 0, live.score().data(), 0, head.length);
    assertThat(plain.score().data()).containsExactly(head);
    int[] ids = new int[24];
    for (int i = 0; i < ids.length; i++) ids[i] = (i * 37 + 5) % plain.config().vocabSize();
    dev.tulu4j.model.Batch b = new dev.tulu4j.model.Batch(2, 12, ids, null, null, null);
    float[] want = live.values(b, live.newActivations(24)), got = plain.values(b, plain.newActivations(24));
    double worst = 0;
    for (int i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(want[i] - got[i]) / (1 + Math.abs(want[i])));
    System.out.printf("merged reward model vs base + adapter + head at run time: max relative difference %.2e%n", worst);
    assertThat(worst).isLessThan(1e-5);
    live.backbone().lora().enabled(false); // the trained adapter matters: without it the values are far off
    float[] base = live.values(b, live.newActivations(24));
    double moved = 0;
    for (int i = 0; i < base.length; i++) moved = Math.max(moved, Math.abs(base[i] - got[i]));
    assertThat(moved).isGreaterThan(1e-3);
  }

  /**
   * {@code lora.base_dtype} in the reward stage: a bf16 checkpoint's backbone held in bf16 ({@code auto})
   * trains exactly the losses, adapter and head of the same checkpoint loaded as fp32, and the memory
   * plan counts 2 bytes per frozen backbone weight.
   */
  @Test
  void aBf16BackboneTrainsTheSameAdapterAndHeadAsItsFp32Load(@TempDir Path dir) throws Exception {
    Path f32 = TinyRun.model(dir, 9);
    Path model = dir.resolve("model-bf16");
    dev.tulu4j.checkpoint.HfCheckpoint ck = dev.tulu4j.checkpoint.HfCheckpoint.load(f32);
    dev.tulu4j.checkpoint.HfCheckpoint.save(model, ck.config(), ck.tensors(), dev.tulu4j.io.DType.BF16,
        dev.tulu4j.checkpoint.HfCheckpoint.DEFAULT_SHARD_BYTES, f32);
    Path train = TinyRun.preferences(dir.resolve("train.jsonl"), RewardRecipeTest.refusals(12, 0));
    Path eval = TinyRun.preferences(dir.resolve("eval.jsonl"), RewardRecipeTest.refusals(4, 40));
    List<String> runs = new ArrayList<>();
    List<List<Double>> losses = new ArrayList<>();
    for (String dtype : new String[] {"auto", "fp32"}) {
      RewardConfig cfg = ConfigLoader.fromOverrides(List.of("model=" + model, "data=" + train, "eval_data=" + eval,
          "max_length=64", "save_dtype=f32", "train.optim.lr=3e-2", "train.optim.warmup_ratio=0",
          "train.micro_batch=4", "train.max_steps=4", "train.threads=2", "gemm=vector", "lora.r=4", "lora.alpha=8",
          "lora.dropout=0.1", "lora.base_dtype=" + dtype, "train.out_dir=" + dir.resolve(dtype), "train.progress=false"),
          RewardConfig.class);
      ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
      RunResult r = RewardRecipe.run(cfg, new PrintStream(logBytes, true));
      String log = logBytes.toString();
      assertThat(log).as(dtype).contains(dtype.equals("auto") ? "held in bf16" : "held in fp32")
          .contains(dtype.equals("auto") ? "frozen bf16" : "frozen fp32");
      losses.add(r.train().losses());
      runs.add(r.train().lastCheckpoint().toString());
    }
    assertThat(losses.get(0)).hasSize(4).containsExactlyElementsOf(losses.get(1));
    assertThat(Files.mismatch(Path.of(runs.get(0)).resolve(PeftAdapter.WEIGHTS), Path.of(runs.get(1)).resolve(PeftAdapter.WEIGHTS)))
        .isEqualTo(-1L);
    // bf16 is accepted for an fp32 checkpoint too (rounded at load)
    RewardConfig forced = ConfigLoader.fromOverrides(List.of("model=" + f32, "data=" + train, "eval_data=" + eval,
        "max_length=64", "train.max_steps=1", "train.micro_batch=4", "train.threads=1", "lora.r=4", "lora.base_dtype=bf16",
        "train.out_dir=" + dir.resolve("forced"), "train.progress=false"), RewardConfig.class);
    ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    RewardRecipe.run(forced, new PrintStream(logBytes, true));
    assertThat(logBytes.toString()).contains("held in bf16");
  }
}
