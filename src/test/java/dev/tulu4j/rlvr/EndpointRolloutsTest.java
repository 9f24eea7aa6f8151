package dev.tulu4j.rlvr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tulu4j.checkpoint.HfCheckpoint;
import dev.tulu4j.checkpoint.PeftAdapter;
import dev.tulu4j.client.EndpointOptions;
import dev.tulu4j.client.OpenAiClient;
import dev.tulu4j.io.DType;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.model.LoraAdapter;
import dev.tulu4j.model.Parameter;
import dev.tulu4j.train.ModelSaver;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RLVR with rollouts on an OpenAI-compatible server ({@link RolloutEngineDouble}: vLLM's and SGLang's
 * routes in front of our own engine): the weights reach the server before every batch (LoRA or
 * full), the sync check passes every step and fails when the sync is skipped, one-step off-policy
 * generation lags by one update and is checked against the weights it was generated with, and a run
 * interrupted and restarted re-sends none of its completed requests.
 */
class EndpointRolloutsTest {
  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());
  @TempDir Path tmp;

  /** The toy base with weights of std 0.3 (RlvrLoraTest: the HF init leaves an adapter nothing to move). */
  static LlamaModel scaledBase() {
    LlamaModel m = ToyTask.model(3).frozenView();
    for (Parameter p : m.parameters())
      if (!p.name().endsWith("norm.weight")) for (int i = 0; i < p.data().length; i++) p.data()[i] *= 15f;
    return m;
  }

  private static final String[] LORA = {"algorithm=grpo", "train.optim.lr=2e-2", "train.optim.schedule=constant",
      "beta=0.01", "ppo_epochs=2", "minibatches=2", "lora.r=4", "lora.alpha=8"};

  private static String[] with(String[] a, String... b) {
    List<String> l = new ArrayList<>(List.of(a));
    l.addAll(List.of(b));
    return l.toArray(String[]::new);
  }

  /** A LoRA GRPO run on {@code server} (null = in process); returns its history and the trained adapter. */
  private record Run(List<Map<String, Double>> history, LoraAdapter adapter, OpenAiClient client) {}

  private Run loraRun(Path out, RolloutEngineDouble server, String... extra) throws Exception {
    List<String> o = new ArrayList<>(List.of(with(LORA, extra)));
    if (server != null) o.add("rollouts.endpoints=[" + server.url() + "]");
    RlvrConfig cfg = RlvrTrainerTest.config(out, o.toArray(String[]::new));
    LlamaModel policy = scaledBase();
    LoraAdapter ad = policy.attachLora(cfg.lora().config(), 7);
    ad.training(true);
    RlvrTrainer t = new RlvrTrainer(cfg, policy, policy.frozenView(), null, ToyTask.prompts(), List.of(ToyTask.EOS),
        ToyTask.DECODER, dir -> PeftAdapter.writeFiles(dir, ad, Map.of(), null), QUIET);
    if (server == null) return new Run(t.run().history(), ad, null);
    try (OpenAiClient client = OpenAiClient.open(EndpointOptions.of(List.of(java.net.URI.create(server.url())), null, null)
        .withCache(out.resolve("rollouts.requests.jsonl")))) {
      var h = t.withEndpoint(client, dir -> PeftAdapter.writeFiles(dir, ad, Map.of(), null)).run().history();
      return new Run(h, ad, client);
    }
  }

  @Test
  void loraSyncPassesTheCheckEveryStepAndEqualsTheInProcessRun() throws Exception {
    Run local = loraRun(tmp.resolve("local"), null, "train.max_steps=6");
    try (RolloutEngineDouble server = new RolloutEngineDouble(scaledBase(), "toy")) {
      Run remote = loraRun(tmp.resolve("remote"), server, "train.max_steps=6");
      assertThat(server.loads.get()).isEqualTo(6); // one adapter per step, before its rollouts
      assertThat(server.models).contains("policy-step-0", "policy-step-5").doesNotContain("toy");
      assertThat(server.completions.get()).isEqualTo(6 * 4 * 8);
      for (var m : remote.history()) {
        assertThat(m.get("sync_max_dlogp")).isLessThan(1e-4);
        assertThat(m.get("policy_lag")).isZero();
      }
      // same engine, same per-sample seeds: the server's samples are the in-process ones, so is the training
      for (int s = 0; s < 6; s++) {
        assertThat(remote.history().get(s).get("reward")).as("step %d reward", s + 1).isEqualTo(local.history().get(s).get("reward"));
        assertThat(remote.history().get(s).get("loss")).as("step %d loss", s + 1).isEqualTo(local.history().get(s).get("loss"));
      }
      assertThat(Files.list(tmp.resolve("remote/sync")).map(p -> p.getFileName().toString()).sorted().toList())
          .containsExactly("step-4", "step-5"); // the two newest sync folders
    }
  }

  @Test
  void aSkippedSyncStopsTheRunWithAClearError() throws Exception {
    try (RolloutEngineDouble server = new RolloutEngineDouble(scaledBase(), "toy")) {
      server.stale = true; // acknowledges every load after the first but keeps serving the first adapter
      assertThatThrownBy(() -> loraRun(tmp.resolve("stale"), server, "train.max_steps=4"))
          .hasMessageContaining("the engine's weights did not sync: step 2, max |Δlogp| = ")
          .satisfies(e -> System.out.println("skipped sync: " + e.getMessage()));
    }
  }

  /** Full fine-tuning with the SGLang path: fp32 HF weights written and loaded before every batch. */
  @Test
  void fullSyncPassesTheCheckAndASkippedOneFails() throws Exception {
    for (boolean stale : new boolean[] {false, true}) {
      Path out = tmp.resolve(stale ? "full-stale" : "full");
      RlvrConfig cfg = RlvrTrainerTest.config(out, "algorithm=grpo", "train.max_steps=3", "train.optim.lr=2e-2",
          "ppo_epochs=2", "minibatches=2", "rollouts.endpoints=[http://unused/v1]", "rollouts.sync=full");
      LlamaModel policy = ToyTask.model(3);
      try (RolloutEngineDouble server = new RolloutEngineDouble(RlvrTrainer.frozenCopy(policy), "toy");
          OpenAiClient client = OpenAiClient.open(EndpointOptions.of(List.of(java.net.URI.create(server.url())), null, null))) {
        server.stale = stale;
        ModelSaver full = dir -> HfCheckpoint.save(dir, policy.config(), HfCheckpoint.tensorsOf(policy.parameters()),
            DType.F32, HfCheckpoint.DEFAULT_SHARD_BYTES, null);
        RlvrTrainer t = RlvrTrainerTest.trainer(cfg, policy, null).withEndpoint(client, full);
        if (stale) {
          assertThatThrownBy(t::run).hasMessageContaining("the engine's weights did not sync: step 2");
        } else {
          var h = t.run().history();
          assertThat(server.fullUpdates.get()).isEqualTo(3);
          assertThat(server.models).containsOnly("toy");
          for (var m : h) assertThat(m.get("sync_max_dlogp")).isLessThan(1e-4);
        }
      }
    }
  }

  /**
   * One step off-policy: batch s is generated with the weights of update s−1 (batches 0 and 1 with the
   * starting ones), the check compares against those weights and passes, and the engine's log-probs
   * are measurably off the current weights' (so the check really used the kept copy).
   */
  @Test
  void offPolicyBatchesLagOneUpdateAndAreCheckedAgainstTheirOwnWeights() throws Exception {
    try (RolloutEngineDouble server = new RolloutEngineDouble(scaledBase(), "toy")) {
      Run r = loraRun(tmp.resolve("off"), server, "train.max_steps=5", "rollouts.off_policy_steps=1");
      List<Double> lags = r.history().stream().map(m -> m.get("policy_lag")).toList();
      assertThat(lags).containsExactly(0.0, 1.0, 1.0, 1.0, 1.0);
      for (var m : r.history()) assertThat(m.get("sync_max_dlogp")).isLessThan(1e-4);
      // adapters loaded: step-0 (batches 0, 1), then step-1 .. step-4 (batches 2 .. 5; the last is never started)
      assertThat(server.loads.get()).isEqualTo(5);
      assertThat(server.models.stream().distinct().toList())
          .containsExactly("policy-step-0", "policy-step-1", "policy-step-2", "policy-step-3");
      assertThat(server.completions.get()).isEqualTo(5 * 4 * 8);
    }
  }

  /**
   * Interrupted after step 3 of 3 wrote its rollouts but before its checkpoint (the step-3 checkpoint is
   * deleted, as in RlvrTrainerTest's resume test), then restarted against a freshly started server: the
   * restart re-syncs the weights (the new server has no adapter), takes step 3's rollouts from the request
   * cache without sending one completion, and ends with the weights of the uninterrupted run.
   */
  @Test
  void anInterruptedRunResumesFromTheCacheAndReSyncs() throws Exception {
    String[] o = {"train.max_steps=3", "train.save_every=1", "train.keep_last=5"};
    Run warm = loraRun(tmp.resolve("warm"), null, o); // JIT warm-up, as RlvrTrainerTest's resume test
    Run a;
    try (RolloutEngineDouble server = new RolloutEngineDouble(scaledBase(), "toy")) {
      a = loraRun(tmp.resolve("a"), server, o);
      assertThat(server.completions.get()).isEqualTo(3 * 32);
    }
    try (var s = Files.walk(tmp.resolve("a/step-000003"))) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
    }
    try (RolloutEngineDouble restarted = new RolloutEngineDouble(scaledBase(), "toy")) {
      Run b = loraRun(tmp.resolve("a"), restarted, o);
      assertThat(b.history()).hasSize(1);
      assertThat(restarted.loads.get()).as("the restart re-syncs before its rollouts").isEqualTo(1);
      assertThat(restarted.completions.get()).as("completions re-sent").isZero();
      assertThat(b.client().usage().cacheHits()).isEqualTo(32);
      for (int i = 0; i < a.adapter().parameters().size(); i++)
        assertThat(b.adapter().parameters().get(i).data()).isEqualTo(a.adapter().parameters().get(i).data());
    }
    assertThat(warm.history()).hasSize(3);
  }

  @Test
  void badRolloutSettingsAreNamed() {
    assertThatThrownBy(() -> RlvrTrainerTest.config(tmp, "rollouts.endpoints=[http://h/v1]", "rollouts.sync=lora"))
        .hasMessageContaining("rollouts.sync: lora needs a LoRA policy");
    assertThatThrownBy(() -> RlvrTrainerTest.config(tmp, "rollouts.off_policy_steps=1"))
        .hasMessageContaining("rollouts.off_policy_steps: 1 needs rollouts.endpoints");
    assertThatThrownBy(() -> RlvrTrainerTest.config(tmp, "rollouts.off_policy_steps=2"))
        .hasMessageContaining("rollouts.off_policy_steps must be 0 or 1");
    assertThatThrownBy(() -> RlvrTrainerTest.config(tmp, "rollouts.logprob_tolerance=0"))
        .hasMessageContaining("rollouts.logprob_tolerance must be a finite number > 0");
    assertThat(RlvrTrainerTest.config(tmp, "rollouts.endpoints=[http://h/v1]").rollouts().syncMode(false))
        .isEqualTo(RolloutEndpointConfig.SyncMode.FULL);
  }

  /** The request carries exactly vLLM's completion fields; the response's token ids win over its text. */
  @Test
  void requestAndResponseFollowVllmsCompletionFields() throws Exception {
    var body = EndpointRollouts.body("policy-step-3", new int[] {0, 2}, new Rollouts.Sampling(4, 0.7, 5, 1, Double.NaN), 99);
    assertThat(body.toString()).isEqualTo("{\"model\":\"policy-step-3\",\"prompt\":[0,2],\"n\":1,\"max_tokens\":5,"
        + "\"temperature\":0.7,\"top_p\":1.0,\"seed\":99,\"logprobs\":1,\"return_token_ids\":true,"
        + "\"return_tokens_as_token_ids\":true,\"skip_special_tokens\":false}");
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    var withIds = json.readTree("{\"choices\":[{\"text\":\"ignored\",\"token_ids\":[3,1],"
        + "\"logprobs\":{\"token_logprobs\":[-0.5,-0.25]}}]}");
    assertThat(EndpointRollouts.sample(withIds, 5).ids()).containsExactly(3, 1);
    // older vLLM: no token_ids, but return_tokens_as_token_ids names them in logprobs.tokens
    var old = json.readTree("{\"choices\":[{\"text\":\"x\",\"logprobs\":{\"tokens\":[\"token_id:4\"],"
        + "\"token_logprobs\":[-1.0]}}]}");
    assertThat(EndpointRollouts.sample(old, 5).ids()).containsExactly(4);
    assertThat(EndpointRollouts.sample(old, 5).logp()).containsExactly(-1.0);
    var noLogprobs = json.readTree("{\"choices\":[{\"text\":\"x\",\"token_ids\":[4]}]}");
    assertThatThrownBy(() -> EndpointRollouts.sample(noLogprobs, 5)).hasMessageContaining("token_logprobs is missing");
  }

  /**
   * An engine that reports processed log-probs (vLLM --logprobs-mode processed_logprobs; this double
   * returns the sampler's, of softmax(logits / T)) at T 0.7: the check compares them with the old
   * log-probs and passes; told they are raw, it compares with temperature-1 ones and stops.
   */
  @Test
  void theCheckComparesLogProbsOfTheKindTheEngineReturns() throws Exception {
    try (RolloutEngineDouble server = new RolloutEngineDouble(scaledBase(), "toy")) {
      Run r = loraRun(tmp.resolve("processed"), server, "train.max_steps=2", "temperature=0.7",
          "rollouts.engine_logprobs=processed");
      for (var m : r.history()) assertThat(m.get("sync_max_dlogp")).isLessThan(1e-4);
      assertThatThrownBy(() -> loraRun(tmp.resolve("raw"), server, "train.max_steps=2", "temperature=0.7",
          "rollouts.engine_logprobs=raw")).hasMessageContaining("the engine's weights did not sync: step 1");
    }
  }

  /** PPO (value model in the trainer, KL in the rewards) with full-weight sync: the check passes every step. */
  @Test
  void ppoWithFullSyncPassesTheCheck() throws Exception {
    RlvrConfig cfg = RlvrTrainerTest.config(tmp.resolve("ppo"), "algorithm=ppo", "train.max_steps=3",
        "train.optim.lr=1e-2", "ppo_epochs=2", "minibatches=2", "rollouts.endpoints=[http://unused/v1]");
    LlamaModel policy = ToyTask.model(9);
    try (RolloutEngineDouble server = new RolloutEngineDouble(RlvrTrainer.frozenCopy(policy), "toy");
        OpenAiClient client = OpenAiClient.open(EndpointOptions.of(List.of(java.net.URI.create(server.url())), null, null))) {
      ModelSaver full = dir -> HfCheckpoint.save(dir, policy.config(), HfCheckpoint.tensorsOf(policy.parameters()),
          DType.F32, HfCheckpoint.DEFAULT_SHARD_BYTES, null);
      var h = RlvrTrainerTest.trainer(cfg, policy, new PositionValueModel(3)).withEndpoint(client, full).run().history();
      assertThat(h).hasSize(3);
      for (var m : h) assertThat(m.get("sync_max_dlogp")).isLessThan(1e-4);
      assertThat(server.fullUpdates.get()).isEqualTo(3);
    }
  }
}
