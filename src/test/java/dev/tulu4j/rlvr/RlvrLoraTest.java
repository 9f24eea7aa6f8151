package dev.tulu4j.rlvr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.model.LoraAdapter;
import dev.tulu4j.model.LoraConfig;
import dev.tulu4j.model.Parameter;
import dev.tulu4j.train.ModelSaver;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GRPO with a LoRA policy: the base weights are frozen (bitwise unchanged after training), the
 * reference is a view of the same base with no adapter (no copy), rollouts run through the adapter
 * (unmerged, on the general cached path), and training the adapter alone raises the toy task's
 * accuracy.
 */
class RlvrLoraTest {
  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());
  @TempDir Path tmp;

  private static double mean(List<Map<String, Double>> h, String key, int from, int to) {
    double s = 0;
    for (int i = from; i < to; i++) s += h.get(i).get(key);
    return s / (to - from);
  }

  @Test
  void grpoWithALoraPolicyRaisesTheRewardAndLeavesTheBaseUntouched() throws Exception {
    RlvrConfig cfg = RlvrTrainerTest.config(tmp.resolve("run"), "algorithm=grpo", "train.max_steps=14",
        "train.optim.lr=2e-2", "train.optim.schedule=constant", "beta=0.01", "ppo_epochs=2", "minibatches=2",
        "lora.r=4", "lora.alpha=8");
    // the toy model's HF init (std 0.02) with a frozen tied embedding bounds every logit near 0: no adapter
    // could move the sampling distribution, so the base gets weights of std 0.3, as a trained model has
    LlamaModel policy = ToyTask.model(3).frozenView();
    for (Parameter p : policy.parameters())
      if (!p.name().endsWith("norm.weight")) for (int i = 0; i < p.data().length; i++) p.data()[i] *= 15f;
    List<float[]> before = new ArrayList<>();
    for (Parameter p : policy.parameters()) before.add(p.data().clone());
    LoraAdapter ad = policy.attachLora(cfg.lora().config(), 7);
    ad.training(true);
    LlamaModel reference = policy.frozenView();
    assertThat(reference.parameters().getFirst().data()).isSameAs(policy.parameters().getFirst().data());
    var h = new RlvrTrainer(cfg, policy, reference, null, ToyTask.prompts(), List.of(ToyTask.EOS), ToyTask.DECODER,
        ModelSaver.none(), QUIET).run().history();
    double first = mean(h, "accuracy", 0, 3), last = mean(h, "accuracy", h.size() - 3, h.size());
    double bNorm = 0;
    for (Parameter p : ad.parameters()) if (p.name().endsWith("lora_B.weight")) for (float v : p.data()) bNorm += v * v;
    var bt = new dev.tulu4j.model.Batch(1, 2, new int[] {0, 2}, null, null, null);
    System.out.println("policy " + java.util.Arrays.toString(policy.lastLogits(bt, dev.tulu4j.model.Activations.inference(policy.config(), 2))));
    System.out.println("ref    " + java.util.Arrays.toString(reference.lastLogits(bt, dev.tulu4j.model.Activations.inference(policy.config(), 2))));
    for (var x : h) System.out.print(x.get("accuracy") + " ");
    System.out.println();
    System.out.printf("lora grpo toy: accuracy %.3f -> %.3f, |B|^2 %.3e%n", first, last, bNorm);
    assertThat(last).as("accuracy first 3 steps %.3f, last 3 steps %.3f", first, last).isGreaterThan(first + 0.3);
    for (int i = 0; i < before.size(); i++)
      assertThat(policy.parameters().get(i).data()).as(policy.parameters().get(i).name()).containsExactly(before.get(i));
    assertThat(reference.lora()).isNull();
    assertThat(h.getLast().get("kl1")).isNotEqualTo(0.0); // the policy moved away from the base reference
  }

  @Test
  void loraDropoutIsRefusedForRlvr() {
    assertThatThrownBy(() -> RlvrTrainerTest.config(tmp.resolve("x"), "lora.r=4", "lora.dropout=0.1"))
        .hasMessageContaining("lora.dropout must be 0 for rlvr");
    assertThat(new LoraConfig(4, 8, 0, List.of("all-linear"), false, List.of()).targets()).hasSize(7);
  }
}
