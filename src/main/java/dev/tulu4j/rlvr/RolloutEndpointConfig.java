package dev.tulu4j.rlvr;

import dev.tulu4j.config.Doc;
import java.nio.file.Path;
import java.util.List;

/**
 * RLVR's {@code rollouts:} section: where the policy's rollouts are generated. No endpoint (the
 * default) samples in process over the policy's own KV cache; with {@code endpoints} the rollouts
 * come from OpenAI-compatible servers (vLLM, SGLang, {@code tulu4j serve}) that receive the policy's
 * weights before every rollout batch ({@link WeightSync}) and whose returned log-probs are checked
 * against the trainer's ({@link SyncCheck}). docs/SCALE.md, "RLVR rollouts on an endpoint".
 */
public record RolloutEndpointConfig(
    @Doc(value = "Servers to generate rollouts on, each its /v1 root (http://127.0.0.1:8000/v1); empty = in process.",
        def = "[]", hashed = false)
        List<String> endpoints,
    @Doc(value = "The served base model's name (sync full: the model of every request); null = the first id "
        + "GET /v1/models lists. With sync lora, requests name the adapter instead.", def = "null", hashed = false)
        String endpointModel,
    @Doc(value = "Environment variable holding the servers' API key; null = none.", def = "null", hashed = false)
        String apiKeyEnv,
    @Doc(value = "Requests in flight per server.", def = "8", hashed = false)
        int maxInFlight,
    @Doc(value = "How the servers get the policy's weights before each rollout batch: lora (the adapter in PEFT "
        + "format, vLLM's /v1/load_lora_adapter; needs lora.r > 0) or full (fp32 HF weights, SGLang's "
        + "/update_weights_from_disk); null = lora when lora.r > 0, else full.", def = "null", hashed = false)
        SyncMode sync,
    @Doc(value = "Folder the trainer writes synced weights to (step-N/); the servers must read it at the same path. "
        + "null = out_dir/sync.", def = "null", hashed = false)
        Path syncDir,
    @Doc(value = "Largest |trainer log-prob − engine log-prob| of a sampled token before a step stops with 'the "
        + "engine's weights did not sync' (measured on the tiny model against tulu4j serve: docs/SCALE.md).",
        def = "1e-3", hashed = false)
        double logprobTolerance,
    @Doc(value = "What the servers' log-probs are: raw (log-softmax of the raw logits, before temperature: vLLM's "
        + "default --logprobs-mode raw_logprobs, and tulu4j serve's) or processed (after temperature: vLLM "
        + "--logprobs-mode processed_logprobs). With raw and temperature != 1 the check costs one more forward pass.",
        def = "raw", hashed = false)
        EngineLogprobs engineLogprobs,
    @Doc(value = "0: each batch is generated with the current weights. 1: generation of batch n+1 overlaps "
        + "training on batch n, so each batch is trained with weights one update newer than those it was generated "
        + "with (open-instruct's async_mode, Cleanba).", def = "0")
        int offPolicySteps) {

  /** Which distribution the engine's returned log-probs are of (vLLM's {@code --logprobs-mode}). */
  public enum EngineLogprobs {
    /** softmax(logits): vLLM's default {@code raw_logprobs}; tulu4j serve. */
    RAW,
    /** softmax(logits / T): vLLM {@code processed_logprobs}. */
    PROCESSED
  }

  /** How the engines receive the weights. */
  public enum SyncMode {
    /** A PEFT adapter folder per step, loaded with vLLM's {@code /v1/load_lora_adapter}. */
    LORA,
    /** Full fp32 HF weights per step, loaded with SGLang's {@code /update_weights_from_disk}. */
    FULL
  }

  public RolloutEndpointConfig {
    endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
    for (String e : endpoints)
      if (e == null || e.isBlank()) throw new IllegalArgumentException("rollouts.endpoints must not contain blank URLs");
    if (engineLogprobs == null) engineLogprobs = EngineLogprobs.RAW;
    if (maxInFlight < 1) throw new IllegalArgumentException("rollouts.max_in_flight must be >= 1, got " + maxInFlight);
    if (!(logprobTolerance > 0) || Double.isInfinite(logprobTolerance))
      throw new IllegalArgumentException("rollouts.logprob_tolerance must be a finite number > 0, got " + logprobTolerance);
    if (offPolicySteps != 0 && offPolicySteps != 1)
      throw new IllegalArgumentException("rollouts.off_policy_steps must be 0 or 1, got " + offPolicySteps);
    if (offPolicySteps == 1 && endpoints.isEmpty())
      throw new IllegalArgumentException("rollouts.off_policy_steps: 1 needs rollouts.endpoints (in-process rollouts "
          + "cannot overlap training)");
  }

  /** In process: no endpoint. */
  public static RolloutEndpointConfig inProcess() {
    return new RolloutEndpointConfig(List.of(), null, null, 8, null, null, 1e-3, EngineLogprobs.RAW, 0);
  }

  /** Whether rollouts run on endpoints. */
  public boolean enabled() {
    return !endpoints.isEmpty();
  }

  /** The sync mode, resolving null by whether the policy trains a LoRA adapter. */
  public SyncMode syncMode(boolean lora) {
    return sync != null ? sync : lora ? SyncMode.LORA : SyncMode.FULL;
  }

  /** {@code sync_dir}, or {@code outDir/sync}. */
  public Path syncFolder(Path outDir) {
    return syncDir != null ? syncDir : outDir.resolve("sync");
  }
}
