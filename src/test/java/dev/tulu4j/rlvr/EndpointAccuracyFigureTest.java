package dev.tulu4j.rlvr;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.tulu4j.checkpoint.PeftAdapter;
import dev.tulu4j.client.EndpointOptions;
import dev.tulu4j.client.OpenAiClient;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.model.LoraAdapter;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The figure behind docs/SCALE.md's comparison: held-out sampled accuracy (4 prompts the run never
 * saw × 250 samples at T 1, Wilson 95% intervals) of the toy LoRA GRPO run (16 steps) trained in
 * process, with on-policy rollouts on a server, and one step off-policy. On-policy equals in process
 * exactly (same engine, same seeds). Off-policy is a different trajectory (stale rollouts): it must
 * beat the base model; its difference to the in-process run is printed with a 95% interval (measured
 * 2026-12-06: 0.660 vs 0.701, −0.041 [−0.082, −0.000]: a first a-priori check that it lands inside the
 * in-process interval failed, so this is not claimed).
 */
@Tag("slow")
class EndpointAccuracyFigureTest {
  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());
  @TempDir Path tmp;

  private static final String[] RUN = {"algorithm=grpo", "train.optim.lr=2e-2", "train.optim.schedule=constant",
      "beta=0.01", "ppo_epochs=2", "minibatches=2", "lora.r=4", "lora.alpha=8", "train.max_steps=16"};

  /** Trains (server null: in process) and returns the trained policy. */
  private LlamaModel train(String name, RolloutEngineDouble server, String... extra) throws Exception {
    List<String> o = new ArrayList<>(List.of(RUN));
    o.addAll(List.of(extra));
    if (server != null) o.add("rollouts.endpoints=[" + server.url() + "]");
    RlvrConfig cfg = RlvrTrainerTest.config(tmp.resolve(name), o.toArray(String[]::new));
    LlamaModel policy = EndpointRolloutsTest.scaledBase();
    LoraAdapter ad = policy.attachLora(cfg.lora().config(), 7);
    ad.training(true);
    RlvrTrainer t = new RlvrTrainer(cfg, policy, policy.frozenView(), null, ToyTask.prompts(), List.of(ToyTask.EOS),
        ToyTask.DECODER, dir -> PeftAdapter.writeFiles(dir, ad, Map.of(), null), QUIET);
    if (server == null) {
      t.run();
    } else {
      try (OpenAiClient c = OpenAiClient.open(EndpointOptions.of(List.of(URI.create(server.url())), null, null))) {
        t.withEndpoint(c, dir -> PeftAdapter.writeFiles(dir, ad, Map.of(), null)).run();
      }
    }
    ad.training(false);
    return policy;
  }

  /** Correct samples out of 4 held-out prompts × 250 at T 1. */
  private static int[] heldOut(LlamaModel policy) {
    List<RlvrPrompt> ps = new ArrayList<>();
    for (int[] p : new int[][] {{0, 3}, {0, 6}, {0, 5, 5}, {0, 2, 7}})
      ps.add(new RlvrPrompt(p, ToyTask.DECODER.apply(p), TextNode.valueOf("d"), "toy", ToyTask.STARTS_WITH));
    var b = new Rollouts(policy, 32, 8, List.of(ToyTask.EOS), ToyTask.DECODER)
        .generate(ps, new Rollouts.Sampling(250, 1.0, 3, 1.0, Double.NaN), 2026);
    int correct = 0;
    for (Rollout r : b.rollouts()) if (r.correct()) correct++;
    return new int[] {correct, b.rollouts().size()};
  }

  /** Wilson score interval, 95%. */
  private static double[] wilson(int k, int n) {
    double z = 1.959964, p = (double) k / n, d = 1 + z * z / n;
    double c = (p + z * z / (2 * n)) / d, h = z * Math.sqrt(p * (1 - p) / n + z * z / (4.0 * n * n)) / d;
    return new double[] {p, c - h, c + h};
  }

  private static String row(String name, int[] kn) {
    double[] w = wilson(kn[0], kn[1]);
    return String.format("| %s | %d / %d | %.3f [%.3f, %.3f] |", name, kn[0], kn[1], w[0], w[1], w[2]);
  }

  @Test
  void heldOutSampledAccuracyOfEndpointRunsMatchesTheInProcessRun() throws Exception {
    int[] base = heldOut(EndpointRolloutsTest.scaledBase());
    int[] local = heldOut(train("local", null));
    int[] onPolicy, offPolicy;
    try (RolloutEngineDouble server = new RolloutEngineDouble(EndpointRolloutsTest.scaledBase(), "toy")) {
      onPolicy = heldOut(train("on", server));
      offPolicy = heldOut(train("off", server, "rollouts.off_policy_steps=1"));
    }
    System.out.println("| run | correct | held-out sampled accuracy [95% CI] |");
    System.out.println("|---|---|---|");
    System.out.println(row("base (no RL)", base));
    System.out.println(row("GRPO in process", local));
    System.out.println(row("GRPO, rollouts on the server (on-policy)", onPolicy));
    System.out.println(row("GRPO, rollouts on the server (1 step off-policy)", offPolicy));
    assertThat(onPolicy).containsExactly(local);
    double pl = (double) local[0] / local[1], po = (double) offPolicy[0] / offPolicy[1];
    double se = Math.sqrt(pl * (1 - pl) / local[1] + po * (1 - po) / offPolicy[1]);
    System.out.printf("off-policy − in process: %+.3f [%+.3f, %+.3f]%n", po - pl, po - pl - 1.96 * se, po - pl + 1.96 * se);
    double baseHigh = wilson(base[0], base[1])[2];
    assertThat(wilson(local[0], local[1])[1]).isGreaterThan(baseHigh); // RL raised held-out accuracy
    assertThat(wilson(offPolicy[0], offPolicy[1])[1]).isGreaterThan(baseHigh); // so did off-policy RL
  }
}
