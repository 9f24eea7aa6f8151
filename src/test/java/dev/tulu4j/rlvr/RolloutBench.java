package dev.tulu4j.rlvr;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.tulu4j.model.LlamaConfig;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.tensor.GemmBackend;
import dev.tulu4j.tensor.Gemms;
import dev.tulu4j.tensor.Parallel;
import dev.tulu4j.verify.VerificationResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Manual benchmark (not a test): RLVR rollout throughput of the built-in tiny model
 * ({@link LlamaConfig#tiny()}, random weights, EOS never sampled on purpose so every response has
 * exactly the maximum length), and the time of the two recomputation forwards (old + reference).
 * Run: java --add-modules jdk.incubator.vector -cp ... dev.tulu4j.rlvr.RolloutBench
 *     [prompts=8] [samples=4] [response=64] [slots=32] [threads=2] [prompt_len=48]
 */
public final class RolloutBench {
  public static void main(String[] args) throws java.io.IOException {
    int prompts = arg(args, 0, 8);
    int samples = arg(args, 1, 4);
    int response = arg(args, 2, 64);
    int slots = arg(args, 3, 32);
    int threads = arg(args, 4, 2);
    int promptLen = arg(args, 5, 48);
    LlamaConfig c = LlamaConfig.tiny();
    Gemms.Selection g = Gemms.select(GemmBackend.VECTOR, Parallel.create(threads));
    LlamaModel m = LlamaModel.random(c, 1, g.gemm());
    Random r = new Random(3);
    List<RlvrPrompt> ps = new ArrayList<>();
    for (int i = 0; i < prompts; i++) {
      int[] ids = new int[promptLen];
      for (int j = 0; j < ids.length; j++) ids[j] = 3 + r.nextInt(c.vocabSize() - 3);
      // "correct" for about half the responses (text is null without a decoder): groups have spread
      ps.add(new RlvrPrompt(ids, "", TextNode.valueOf("x"), "bench",
          (p, gt, q) -> new VerificationResult(r.nextBoolean(), "", null)));
    }
    // EOS id outside the vocabulary: every response runs to full length
    Rollouts ro = new Rollouts(m, slots, promptLen + response, List.of(c.vocabSize() + 1), null);
    Rollouts.Sampling s = new Rollouts.Sampling(samples, 1.0, response, 10, Double.NaN);
    ro.generate(ps, s, 0); // warm-up
    for (int rep = 0; rep < 2; rep++) {
      Rollouts.Batch b = ro.generate(ps, s, rep + 1);
      SequenceForward f = new SequenceForward(m, 8, promptLen + response);
      long t0 = System.nanoTime();
      f.logProbs(m, b.rollouts());
      f.logProbs(m, b.rollouts());
      double fwd = (System.nanoTime() - t0) / 1e9;
      System.out.printf("tiny (C%d L%d V%d), %d×%d rollouts, prompt %d + response %d tokens, %d slots, %d threads (%s):"
              + " rollout %.2f s, %.0f generated tok/s; old+ref forwards %.2f s (%.0f tok/s)%n",
          c.hidden(), c.layers(), c.vocabSize(), prompts, samples, promptLen, response, slots, threads, g.reason(),
          b.seconds(), b.tokensPerSecond(), fwd, 2.0 * b.rollouts().size() * (promptLen + response) / fwd);
    }
    grpoStep(m, ps, samples, response, slots, threads);
  }

  /** One full GRPO step (rollout, old/ref recompute, one epoch, one minibatch) of the same shape. */
  static void grpoStep(LlamaModel m, List<RlvrPrompt> ps, int samples, int response, int slots, int threads)
      throws java.io.IOException {
    java.nio.file.Path out = java.nio.file.Files.createTempDirectory("rlvr-bench");
    RlvrConfig cfg = dev.tulu4j.config.ConfigLoader.fromOverrides(List.of("model=unused", "train_file=unused",
        "train.out_dir=" + out, "train.progress=false", "train.threads=" + threads, "response_length=" + response,
        "prompts_per_batch=" + ps.size(), "samples_per_prompt=" + samples, "train.micro_batch=8", "ppo_epochs=1",
        "minibatches=1", "train.max_steps=1", "rollout_slots=" + slots, "non_eos_penalty=0", "train.optim.lr=1e-5"), RlvrConfig.class);
    var h = new RlvrTrainer(cfg, m, RlvrTrainer.frozenCopy(m), null, ps, List.of(m.config().vocabSize() + 1), null,
        dir -> {}, System.out).run().history().get(0);
    System.out.printf("GRPO step (%d×%d, response %d): rollout %.2f s, recompute + update %.2f s, %s of %d sequences trained%n",
        ps.size(), samples, response, h.get("rollout_s"), h.get("train_s"), h.get("trained_sequences").intValue(),
        ps.size() * samples);
  }

  private static int arg(String[] a, int i, int def) {
    return a.length > i ? Integer.parseInt(a[i]) : def;
  }
}
