package dev.tulu4j.recipe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.checkpoint.PeftAdapter;
import dev.tulu4j.cli.Main;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * recipes/micro.yaml with LoRA in SFT, DPO and GRPO: each LoRA stage writes PEFT adapter checkpoints
 * and its adapter merged into its input model (OUT/stage/merged), which the next stage trains from
 * and the eval stage scores.
 */
@Tag("slow")
class PipelineLoraMicroTest {
  @Test
  void loraStagesChainThroughTheirMergedModels(@TempDir Path out) throws Exception {
    int rc = Main.execute("pipeline", "recipes/micro.yaml", "--out", out.toString(),
        "sft.overrides=[max_seq_length=64, train.max_steps=2, train.micro_batch=2, train.save_every=2, lora.r=4, lora.alpha=8]",
        "dpo.overrides=[max_length=64, train.max_steps=2, train.micro_batch=2, train.grad_accum=1, lora.r=4, lora.alpha=8]",
        "rlvr.overrides=[train.max_steps=1, prompts_per_batch=2, samples_per_prompt=2, response_length=8, max_prompt_length=56, "
            + "train.micro_batch=2, minibatches=1, ppo_epochs=1, rollout_slots=4, filter_samples=0, lora.r=4, lora.alpha=8]");
    assertThat(rc).isZero();
    for (String stage : new String[] {"sft", "dpo", "rlvr"}) {
      Path run = out.resolve(stage);
      String latest = Files.readString(run.resolve("latest")).strip();
      assertThat(PeftAdapter.isAdapterFolder(run.resolve(latest))).as(stage + " checkpoint is a PEFT adapter").isTrue();
      assertThat(run.resolve("merged/config.json")).as(stage + " merged model").exists();
    }
    // DPO trained from the SFT stage's merged model, and every model stage was evaluated
    assertThat(Files.readString(out.resolve("dpo/.done.json"))).isNotEmpty();
    for (String stage : new String[] {"base", "sft", "dpo", "rlvr"})
      assertThat(out.resolve("eval").resolve(stage).resolve("summary.json")).as(stage).exists();
  }

  /**
   * A LoRA reward stage: its SEQ_CLS adapter (backbone LoRA + score head) is merged into a plain
   * sequence-classification folder {@code OUT/reward/merged}, which the on-policy preference judge,
   * PPO's value model (itself a LoRA value model over that folder's frozen backbone) and the win-rate
   * eval read.
   */
  @Test
  void aLoraRewardStageIsMergedForTheJudgeThePpoValueModelAndTheWinRate(@TempDir Path out) throws Exception {
    int rc = Main.execute("pipeline", "recipes/micro.yaml", "--out", out.toString(),
        "reward.overrides=[max_length=64, train.max_steps=2, train.micro_batch=2, lora.r=4, lora.alpha=8]",
        "rlvr.config=recipes/tiny-ppo.yaml",
        "rlvr.overrides=[train.max_steps=1, prompts_per_batch=2, samples_per_prompt=2, response_length=8, max_prompt_length=56, "
            + "train.micro_batch=2, minibatches=1, ppo_epochs=1, rollout_slots=4, value_warmup_steps=0, train.save_every=1, "
            + "lora.r=4, lora.alpha=8]");
    assertThat(rc).isZero();
    Path reward = out.resolve("reward");
    assertThat(PeftAdapter.isAdapterFolder(reward.resolve(Files.readString(reward.resolve("latest")).strip()))).isTrue();
    assertThat(Files.readString(reward.resolve("merged/config.json"))).contains("ForSequenceClassification");
    // PPO's value model: an adapter + head over the merged reward model, saved as a PEFT SEQ_CLS folder
    Path value = out.resolve("rlvr/value/step-000001");
    assertThat(Files.readString(value.resolve(PeftAdapter.CONFIG))).contains("\"task_type\": \"SEQ_CLS\"")
        .contains(reward.resolve("merged").toAbsolutePath().normalize().toString());
    assertThat(out.resolve("eval/win_rate.json")).exists();

    // lora merge of the value adapter over its sequence-classification base: scores as base + adapter + head
    var gemm = new dev.tulu4j.tensor.NaiveGemm();
    Path mergedValue = out.resolve("value-merged");
    dev.tulu4j.checkpoint.ModelFiles.mergeAdapter(reward.resolve("merged"), value, mergedValue, gemm);
    var plain = dev.tulu4j.reward.ScalarHeadModel.load(mergedValue, 0, gemm, false);
    var live = dev.tulu4j.reward.ScalarHeadModel.loadFrozenBackbone(reward.resolve("merged"), dev.tulu4j.model.WeightsDtype.FP32,
        0, dev.tulu4j.reward.ScalarHeadModel.HeadInit.HF, gemm, dev.tulu4j.tensor.TaskRunner.commonPool());
    PeftAdapter.Loaded ad = PeftAdapter.load(value, live.backbone().config());
    live.backbone().attachLora(ad.adapter());
    float[] head = ad.savedModules().get("score.weight").data();
    System.arraycopy(head, 0, live.score().data(), 0, head.length);
    assertThat(plain.score().data()).containsExactly(head);
    int[] ids = new int[20];
    for (int i = 0; i < ids.length; i++) ids[i] = (i * 53 + 7) % plain.config().vocabSize();
    var b = new dev.tulu4j.model.Batch(2, 10, ids, null, null, null);
    float[] want = live.values(b, live.newActivations(20)), got = plain.values(b, plain.newActivations(20));
    double worst = 0;
    for (int i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(want[i] - got[i]) / (1 + Math.abs(want[i])));
    System.out.printf("merged value model vs reward model + value adapter + head at run time: max relative difference %.2e%n", worst);
    assertThat(worst).isLessThan(1e-5);
  }
}
