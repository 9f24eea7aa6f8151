package dev.tulu4j.rlvr;

import dev.tulu4j.config.ConfigYaml;
import dev.tulu4j.io.Tensor;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.model.Parameter;
import dev.tulu4j.rlvr.RlvrConfig.Algorithm;
import dev.tulu4j.train.AdamW;
import dev.tulu4j.train.Checkpointer;
import dev.tulu4j.train.DataOrder;
import dev.tulu4j.train.GradOps;
import dev.tulu4j.train.LrSchedule;
import dev.tulu4j.train.Metrics;
import dev.tulu4j.train.ModelSaver;
import dev.tulu4j.train.Rng;
import dev.tulu4j.train.StepMetrics;
import dev.tulu4j.train.TrainerState;
import dev.tulu4j.train.TrainingDivergedException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The RLVR loop: each step is one rollout → update cycle (Tülu 3 §6, Algorithm in open-instruct's
 * {@code ppo_vllm_thread.py} / {@code grpo_fast.py}):
 *
 * <ol>
 *   <li>take {@code prompts_per_batch} prompts ({@link DataOrder}: seeded permutation per epoch);
 *   <li>sample {@code samples_per_prompt} responses each and score them ({@link Rollouts});
 *   <li>recompute the rollout-time log-probs with a forward pass of the policy ("old"), and those of
 *       the frozen reference policy (no gradients);
 *   <li>advantages: GRPO group-normalised per prompt ({@link Advantages#groupNormalised}; zero-spread
 *       groups are left out of the update); PPO per-token rewards −β·kl1 plus the score on the last
 *       token, GAE with the rollout-time values, whitened over the batch;
 *   <li>{@code ppo_epochs} passes over the kept sequences in {@code minibatches} shuffled
 *       minibatches, one AdamW step per minibatch after clipping the global gradient norm.
 * </ol>
 * Every step writes one metrics line; checkpoints are Hugging Face folders plus trainer state, and a
 * run resumes from the newest one.
 */
public final class RlvrTrainer {
  private final RlvrConfig cfg;
  private final LlamaModel policy;
  private final LlamaModel reference;
  private final ValueModel value;
  private final List<RlvrPrompt> prompts;
  /** True when the prompts come from more than one verifier dataset (then accuracy is also logged per dataset). */
  private final boolean mixed;
  private final Function<int[], String> decoder;
  private final Rollouts rollouts;
  private final SequenceForward fwd;
  private final ModelSaver saver;
  private final PrintStream log;
  private SequenceScorer rewardModel;
  private LrSchedule policySchedule;

  /** What a run did: steps completed and every step's metrics (those of this process). */
  public record Result(long steps, List<Map<String, Double>> history, Path lastCheckpoint) {}

  /**
   * @param reference frozen copy of the starting policy ({@link #frozenCopy})
   * @param value PPO's value model; null for GRPO
   * @param decoder response ids → text (also used to show prompts in samples.jsonl)
   * @param saver writes the policy as an HF folder into a checkpoint
   */
  public RlvrTrainer(RlvrConfig cfg, LlamaModel policy, LlamaModel reference, ValueModel value,
      List<RlvrPrompt> prompts, List<Integer> eosIds, Function<int[], String> decoder, ModelSaver saver,
      PrintStream log) {
    if (prompts.isEmpty()) throw new IllegalArgumentException("no RLVR prompts");
    if (cfg.algorithm() == Algorithm.PPO && value == null)
      throw new IllegalArgumentException("algorithm ppo needs a value model");
    this.cfg = cfg;
    this.policy = policy;
    this.reference = reference;
    this.value = cfg.algorithm() == Algorithm.PPO ? value : null;
    this.prompts = List.copyOf(prompts);
    this.mixed = this.prompts.stream().map(RlvrPrompt::dataset).distinct().count() > 1;
    this.decoder = decoder;
    this.saver = saver;
    this.log = log;
    int maxPrompt = 0;
    for (RlvrPrompt p : prompts) maxPrompt = Math.max(maxPrompt, p.ids().length);
    int maxLen = maxPrompt + cfg.responseLength();
    if (maxLen > policy.config().maxPositions())
      throw new IllegalArgumentException("the longest prompt (" + maxPrompt + " tokens) + response_length ("
          + cfg.responseLength() + ") exceeds the model's max_position_embeddings " + policy.config().maxPositions());
    this.rollouts = new Rollouts(policy, Math.min(cfg.rolloutSlots(), cfg.rolloutBatch()), maxLen, eosIds, decoder);
    this.fwd = new SequenceForward(policy, cfg.microBatch(), maxLen, cfg.temperature());
  }

  /**
   * Adds {@code reward_model_multiplier × rm(response)} to the score of every response that ended
   * with EOS (or of all, when the non-EOS penalty is off); a penalised response keeps the penalty,
   * as open-instruct applies the penalty last.
   */
  /** Samples only ids below {@code n}: the tokenizer's vocabulary, when the model's is padded past it. */
  public RlvrTrainer limitVocab(int n) {
    rollouts.limitVocab(n);
    return this;
  }

  public RlvrTrainer withRewardModel(SequenceScorer rm) {
    this.rewardModel = rm;
    return this;
  }

  /** A frozen (no gradients) deep copy of {@code m}: the reference policy. */
  public static LlamaModel frozenCopy(LlamaModel m) {
    Map<String, Tensor> copy = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : m.toTensors().entrySet())
      copy.put(e.getKey(), new Tensor(e.getValue().shape().clone(), e.getValue().data().clone()));
    return LlamaModel.fromTensors(m.config(), copy, m.gemm(), false);
  }

  /** Runs (or resumes) the configured number of steps. */
  public Result run() throws IOException {
    List<Parameter> params = policy.parameters();
    AdamW opt = new AdamW(params, 0.9, 0.999, 1e-8, cfg.weightDecay());
    AdamW vopt = value == null ? null : new AdamW(value.parameters(), 0.9, 0.999, 1e-8, cfg.weightDecay());
    opt.runOn(policy.taskRunner()); // the kernels' pool: the optimizer has no threads of its own
    if (vopt != null) vopt.runOn(policy.taskRunner());
    int totalUpdates = cfg.steps() * cfg.updatesPerStep();
    // LrSchedule needs a positive peak; lr = 0 keeps the shape and multiplies by 0 (see lr()).
    // The value model's schedule spans every step; the policy's spans only the steps after the PPO
    // value warm-up, so the policy starts at its peak lr when it starts to move (as in OpenRLHF,
    // whose actor scheduler does not advance while the actor is frozen).
    LrSchedule schedule = new LrSchedule(cfg.lrSchedule(), cfg.lr() > 0 ? cfg.lr() : 1.0,
        (int) Math.floor(totalUpdates * cfg.warmupRatio()), totalUpdates);
    int policyUpdates = (cfg.steps() - policyWarmupSteps()) * cfg.updatesPerStep();
    policySchedule = new LrSchedule(cfg.lrSchedule(), cfg.lr() > 0 ? cfg.lr() : 1.0,
        (int) Math.floor(policyUpdates * cfg.warmupRatio()), policyUpdates);
    DataOrder order = new DataOrder(prompts.size(), cfg.seed());
    String configYaml = ConfigYaml.render(cfg);
    String hashedYaml = ConfigYaml.renderHashed(cfg);
    String hash = ConfigYaml.hash(cfg);
    Checkpointer ckpt = new Checkpointer(cfg.outDir(), cfg.keepLast());
    Checkpointer vckpt = value == null ? null : new Checkpointer(cfg.outDir().resolve("value"), cfg.keepLast());

    long start = 0;
    double elapsed = 0;
    long totalTokens = 0;
    Optional<Checkpointer.Found> found = ckpt.findLatest();
    if (found.isPresent()) {
      if (!cfg.resume())
        throw new IllegalStateException(cfg.outDir() + " has checkpoints and resume is false");
      TrainerState s = found.get().state();
      if (!s.configHash().equals(hash))
        throw new IllegalStateException("cannot resume from " + found.get().dir() + ": the run config changed "
            + "(config hash " + s.configHash() + " != " + hash + "); use a new out_dir");
      Checkpointer.restore(found.get(), params, opt);
      if (vckpt != null) {
        // the value model is saved first: a kill between the two saves leaves a newer value checkpoint
        for (Path d : vckpt.stepDirsNewestFirst())
          if (d.getFileName().toString().compareTo(Checkpointer.dirName(s.step())) > 0) deleteTree(d);
        Path vdir = cfg.outDir().resolve("value").resolve(Checkpointer.dirName(s.step()));
        if (!Files.isRegularFile(vdir.resolve(Checkpointer.STATE_DIR).resolve("params.bin")))
          throw new IllegalStateException("no value-model checkpoint " + vdir + " for policy checkpoint " + found.get().dir());
        Checkpointer.restore(new Checkpointer.Found(vdir, s), value.parameters(), vopt);
      }
      order.seek(new DataOrder.Position(s.dataEpoch(), s.dataOffset()));
      start = s.step();
      elapsed = s.elapsedSeconds();
      totalTokens = s.trainedTokens();
      log.printf("resuming from %s (step %d)%n", found.get().dir(), start);
    }

    List<Map<String, Double>> history = new ArrayList<>();
    Path last = found.map(Checkpointer.Found::dir).orElse(null);
    Path samplesFile = cfg.outDir().resolve("samples.jsonl");
    try (Metrics metrics = Metrics.open(cfg.outDir().resolve("metrics.jsonl"), start);
        SampleLog samples = SampleLog.open(samplesFile, start, decoder);
        dev.tulu4j.train.Progress bar = new dev.tulu4j.train.Progress("rlvr", cfg.progress(), start, cfg.steps())) {
      for (long step = start; step < cfg.steps(); step++) {
        long t0 = System.nanoTime();
        StepOutcome o = step(step, order, opt, vopt, schedule);
        double seconds = (System.nanoTime() - t0) / 1e9;
        elapsed += seconds;
        totalTokens += o.trainedTokens;
        Map<String, Double> m = o.metrics;
        m.put("step_s", seconds);
        history.add(m);
        metrics.log(new StepMetrics(step + 1, m.get("loss"), m.get("lr"), m.get("grad_norm"),
            o.trainedTokens / Math.max(1e-9, m.get("train_s")), o.trainedTokens, totalTokens, elapsed,
            without(m, "loss", "lr", "grad_norm")));
        if ((step + 1) % cfg.logEvery() == 0) samples.write(step + 1, o.batch, o.advantages, cfg.logSamples());
        bar.update(step + 1, String.format(" reward %.3f acc %.3f", m.get("reward"), m.get("accuracy")));
        boolean end = step + 1 == cfg.steps();
        if (end || (cfg.saveEvery() > 0 && (step + 1) % cfg.saveEvery() == 0)) {
          TrainerState st = new TrainerState(TrainerState.FORMAT, step + 1, order.position().epoch(),
              order.position().offset(), 0, schedule, prompts.size(), totalTokens, elapsed, hash, 0, 0);
          if (vckpt != null) vckpt.save(st, value.parameters(), vopt, value::save, configYaml, hashedYaml);
          last = ckpt.save(st, params, opt, saver, configYaml, hashedYaml);
        }
      }
    }
    return new Result(cfg.steps(), history, last);
  }

  private static void deleteTree(Path root) throws IOException {
    try (var walk = Files.walk(root)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
    }
  }

  private static Map<String, Double> without(Map<String, Double> m, String... keys) {
    Map<String, Double> c = new LinkedHashMap<>(m);
    for (String k : keys) c.remove(k);
    return c;
  }

  private record StepOutcome(Map<String, Double> metrics, long trainedTokens, List<Rollout> batch, double[] advantages) {}

  /** Steps at the start of the run in which the policy is frozen (PPO's value warm-up). */
  private int policyWarmupSteps() {
    return value != null ? cfg.valueWarmupSteps() : 0;
  }

  /** The policy's learning rate at run-wide optimizer step {@code update} (0 while it is frozen). */
  private double lr(long update) {
    long u = update - (long) policyWarmupSteps() * cfg.updatesPerStep();
    return u < 0 ? 0.0 : cfg.lr() * policySchedule.factor(u);
  }

  private StepOutcome step(long step, DataOrder order, AdamW opt, AdamW vopt, LrSchedule schedule) {
    // 1. rollouts of the current policy
    int[] idx = order.next(cfg.promptsPerBatch());
    List<RlvrPrompt> batchPrompts = new ArrayList<>();
    for (int i : idx) batchPrompts.add(prompts.get(i));
    Rollouts.Batch rb = rollouts.generate(batchPrompts, new Rollouts.Sampling(cfg.samplesPerPrompt(),
        cfg.temperature(), cfg.responseLength(), cfg.verifyReward(), cfg.nonEosPenalty()), Rng.mix(cfg.seed() + 31 * step));
    List<Rollout> rs = rb.rollouts();
    long tTrain = System.nanoTime();
    double rmMean = 0;
    if (rewardModel != null && cfg.rewardModelMultiplier() != 0) {
      double[] rm = rewardModel.scores(rs);
      List<Rollout> scored = new ArrayList<>();
      for (int i = 0; i < rs.size(); i++) {
        Rollout r = rs.get(i);
        rmMean += rm[i] / rs.size();
        boolean penalised = !r.endedWithEos() && cfg.nonEosPenalty() != 0;
        double score = penalised ? r.score() : r.score() + cfg.rewardModelMultiplier() * rm[i];
        scored.add(new Rollout(r.prompt(), r.promptIds(), r.response(), r.samplerLogp(), r.text(), r.endedWithEos(),
            r.correct(), score));
      }
      rs = scored;
    }

    // 2. rollout-time ("old") and reference log-probs, values (PPO)
    double[][] old = fwd.logProbs(policy, rs);
    double[][] ref = fwd.logProbs(reference, rs);
    RolloutStats stats = RolloutStats.of(rs, old, ref);

    // 3. advantages per token; null = sequence not trained
    double[][] adv = new double[rs.size()][];
    double[] seqAdv = new double[rs.size()];
    double[][] oldValues = null;
    double[][] returns = null;
    int skippedGroups = 0;
    if (cfg.algorithm() == Algorithm.GRPO) {
      int n = cfg.samplesPerPrompt();
      for (int g = 0; g < batchPrompts.size(); g++) {
        double[] scores = new double[n];
        for (int j = 0; j < n; j++) scores[j] = rs.get(g * n + j).score();
        double[] a = Advantages.groupNormalised(scores);
        if (a == null) {
          skippedGroups++;
          continue;
        }
        for (int j = 0; j < n; j++) {
          int i = g * n + j;
          seqAdv[i] = a[j];
          adv[i] = new double[rs.get(i).response().length];
          java.util.Arrays.fill(adv[i], a[j]);
        }
      }
    } else {
      oldValues = value.values(rs);
      returns = new double[rs.size()][];
      for (int i = 0; i < rs.size(); i++) {
        double[] r = new double[old[i].length];
        for (int t = 0; t < r.length; t++) r[t] = -cfg.beta() * PolicyLoss.KlEstimator.KL1.value(old[i][t], ref[i][t]);
        r[r.length - 1] += rs.get(i).score();
        Advantages.Gae gae = Advantages.gae(r, oldValues[i], cfg.gamma(), cfg.lambda());
        adv[i] = gae.advantages();
        returns[i] = gae.returns();
        seqAdv[i] = adv[i][0];
      }
      Advantages.whiten(adv, true);
    }
    List<Integer> kept = new ArrayList<>();
    for (int i = 0; i < rs.size(); i++) if (adv[i] != null) kept.add(i);

    // 4. K epochs over shuffled minibatches
    double lossSum = 0;
    double vlossSum = 0;
    double normSum = 0;
    long clippedTokens = 0;
    long vClipped = 0;
    long seenTokens = 0;
    int updates = 0;
    long trainedTokens = 0;
    double lastLr = lr(step * cfg.updatesPerStep());
    double beta = cfg.algorithm() == Algorithm.GRPO ? cfg.beta() : 0;
    Rng rng = new Rng(Rng.mix(cfg.seed() ^ (0x5DEECE66DL * (step + 1))));
    for (int epoch = 0; epoch < cfg.ppoEpochs(); epoch++) {
      List<Integer> perm = shuffled(kept, rng);
      for (int mb = 0; mb < cfg.minibatches(); mb++) {
        long update = step * cfg.updatesPerStep() + (long) epoch * cfg.minibatches() + mb;
        lastLr = lr(update);
        int from = perm.size() * mb / cfg.minibatches();
        int to = perm.size() * (mb + 1) / cfg.minibatches();
        if (from == to) continue;
        List<Integer> ids = perm.subList(from, to);
        List<Rollout> mbRs = new ArrayList<>();
        for (int i : ids) mbRs.add(rs.get(i));
        int m = ids.size();
        double[] mbLoss = {0};
        long[] mbClip = {0};
        // PPO value warm-up: the first value_warmup_steps steps leave the policy (and its AdamW state) alone
        boolean policyFrozen = step < policyWarmupSteps();
        int mbTokens = 0;
        for (Rollout r : mbRs) mbTokens += r.response().length;
        double norm = 0;
        if (!policyFrozen) {
          fwd.backward(policy, mbRs, (chunk, logp, off) -> {
            double[][] d = new double[chunk.size()][];
            for (int c = 0; c < chunk.size(); c++) {
              int i = ids.get(off + c);
              PolicyObjective.SequenceLoss sl = PolicyObjective.sequence(logp[c], old[i], beta != 0 ? ref[i] : null,
                  adv[i], beta, cfg.klEstimator(), cfg.clipEps());
              mbLoss[0] += sl.loss() / m;
              mbClip[0] += sl.clippedTokens();
              d[c] = sl.dLogp();
              for (int t = 0; t < d[c].length; t++) d[c][t] /= m;
            }
            return d;
          });
          if (!Double.isFinite(mbLoss[0]))
            throw new TrainingDivergedException("step " + (step + 1) + ": policy loss " + mbLoss[0]
                + "; stopped before the optimizer step");
          norm = GradOps.globalNorm(policy.parameters());
          if (!Double.isFinite(norm))
            throw new TrainingDivergedException("step " + (step + 1) + ": gradient norm " + norm
                + "; stopped before the optimizer step");
          opt.step(lastLr, GradOps.clipCoefficient(norm, cfg.maxGradNorm()), true);
        }
        if (value != null) {
          double[] vl = {0};
          long[] vc = {0};
          final double[][] ov = oldValues;
          final double[][] ret = returns;
          value.backward(mbRs, (chunk, vals, off) -> {
            double[][] d = new double[vals.length][];
            for (int c = 0; c < vals.length; c++) {
              int i = ids.get(off + c);
              int t = vals[c].length;
              d[c] = new double[t];
              for (int k = 0; k < t; k++) {
                PolicyLoss.ValueLoss v = PolicyLoss.clippedValue(vals[c][k], ov[i][k], ret[i][k], cfg.cliprangeValue());
                vl[0] += cfg.vfCoef() * v.loss() / t / m;
                d[c][k] = cfg.vfCoef() * v.dValue() / t / m;
                if (v.clipped()) vc[0]++;
              }
            }
            return d;
          });
          double vnorm = GradOps.globalNorm(value.parameters());
          if (!Double.isFinite(vl[0]) || !Double.isFinite(vnorm))
            throw new TrainingDivergedException("step " + (step + 1) + ": value loss " + vl[0] + ", grad norm " + vnorm);
          vopt.step(cfg.valueLearningRate() * schedule.factor(update), GradOps.clipCoefficient(vnorm, cfg.maxGradNorm()), true);
          vlossSum += vl[0];
          vClipped += vc[0];
        }
        lossSum += mbLoss[0];
        normSum += norm;
        clippedTokens += mbClip[0];
        seenTokens += mbTokens;
        trainedTokens += mbTokens;
        updates++;
      }
    }
    double trainS = (System.nanoTime() - tTrain) / 1e9;

    Map<String, Double> m = new LinkedHashMap<>();
    m.put("loss", updates == 0 ? 0.0 : lossSum / updates);
    m.put("lr", lastLr);
    m.put("grad_norm", updates == 0 ? 0.0 : normSum / updates);
    m.put("reward", stats.meanScore());
    m.put("accuracy", stats.accuracy());
    if (mixed) {
      // per verifier dataset, for the datasets present in this batch (mixed prompt sets only)
      Map<String, int[]> byDataset = new java.util.TreeMap<>();
      for (Rollout r : rs) {
        int[] c = byDataset.computeIfAbsent(batchPrompts.get(r.prompt()).dataset(), d -> new int[2]);
        c[0] += r.correct() ? 1 : 0;
        c[1]++;
      }
      byDataset.forEach((d, c) -> m.put("accuracy/" + d, (double) c[0] / c[1]));
    }
    m.put("kl1", stats.kl1());
    m.put("kl3", stats.kl3());
    m.put("entropy", stats.entropy());
    m.put("response_length", stats.meanResponseLength());
    m.put("eos_rate", stats.eosRate());
    m.put("clip_frac", seenTokens == 0 ? 0.0 : (double) clippedTokens / seenTokens);
    m.put("updates", (double) updates);
    m.put("trained_sequences", (double) kept.size());
    if (cfg.algorithm() == Algorithm.GRPO) {
      m.put("skipped_groups", (double) skippedGroups / batchPrompts.size());
    } else {
      m.put("value_loss", updates == 0 ? 0.0 : vlossSum / updates);
      m.put("value_clip_frac", seenTokens == 0 ? 0.0 : (double) vClipped / seenTokens);
    }
    if (rewardModel != null && cfg.rewardModelMultiplier() != 0) m.put("rm_score", rmMean);
    m.put("rollout_s", rb.seconds());
    m.put("train_s", trainS);
    m.put("gen_tokens_per_s", rb.tokensPerSecond());
    m.put("gen_tokens", (double) rb.generatedTokens());
    return new StepOutcome(m, trainedTokens, rs, seqAdv);
  }

  private static List<Integer> shuffled(List<Integer> xs, Rng rng) {
    List<Integer> p = new ArrayList<>(xs);
    for (int i = p.size() - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      Integer t = p.get(i);
      p.set(i, p.get(j));
      p.set(j, t);
    }
    return p;
  }
}
