package dev.tulu4j.rlvr;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.model.Activations;
import dev.tulu4j.model.Batch;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.model.LoraAdapter;
import dev.tulu4j.model.Parameter;
import dev.tulu4j.train.ModelSaver;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GRPO with {@code lora.modules_to_save: [lm_head]} on the toy task's tied model: the policy trains a
 * copy of the (tied) head, the reference policy is the adapter-off view that reads the original,
 * the base stays bitwise unchanged, and the policy's KL to the reference becomes non-zero.
 */
class RlvrLoraModulesToSaveTest {
  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());
  @TempDir Path tmp;

  @Test
  void grpoTrainsTheHeadCopyAgainstTheOriginalHead() throws Exception {
    RlvrConfig cfg = RlvrTrainerTest.config(tmp.resolve("run"), "algorithm=grpo", "train.max_steps=4",
        "train.optim.lr=2e-2", "train.optim.schedule=constant", "beta=0.01", "ppo_epochs=2", "minibatches=2",
        "lora.r=4", "lora.alpha=8", "lora.modules_to_save=[lm_head]");
    LlamaModel policy = ToyTask.model(3).frozenView();
    for (Parameter p : policy.parameters())
      if (!p.name().endsWith("norm.weight")) for (int i = 0; i < p.data().length; i++) p.data()[i] *= 15f;
    List<float[]> before = new ArrayList<>();
    for (Parameter p : policy.parameters()) before.add(p.data().clone());
    LoraAdapter ad = policy.attachLora(cfg.lora().config(), 7);
    ad.training(true);
    assertThat(ad.headCopy()).isNotNull();
    assertThat(policy.outputHead()).isSameAs(ad.headCopy());
    LlamaModel reference = policy.frozenView();
    assertThat(reference.outputHead()).isSameAs(reference.embedding()); // tied original
    var h = new RlvrTrainer(cfg, policy, reference, null, ToyTask.prompts(), List.of(ToyTask.EOS), ToyTask.DECODER,
        ModelSaver.none(), QUIET).run().history();
    for (int i = 0; i < before.size(); i++)
      assertThat(policy.parameters().get(i).data()).as(policy.parameters().get(i).name()).containsExactly(before.get(i));
    assertThat(ad.headCopy().data()).as("the head copy trained").isNotEqualTo(policy.embedding().data());
    var bt = new Batch(1, 2, new int[] {0, 2}, null, null, null);
    float[] withAdapter = policy.lastLogits(bt, Activations.inference(policy.config(), 2));
    float[] ref = reference.lastLogits(bt, Activations.inference(policy.config(), 2));
    assertThat(withAdapter).isNotEqualTo(ref);
    ad.enabled(false);
    assertThat(policy.lastLogits(bt, Activations.inference(policy.config(), 2))).containsExactly(ref);
    ad.enabled(true);
    System.out.printf("lora grpo + lm_head copy: kl1 %s -> %s%n", h.getFirst().get("kl1"), h.getLast().get("kl1"));
    assertThat(h.getLast().get("kl1")).isNotEqualTo(0.0);
  }
}
