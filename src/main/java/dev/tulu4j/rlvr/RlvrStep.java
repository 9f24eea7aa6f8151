package dev.tulu4j.rlvr;

import dev.tulu4j.rlvr.RlvrConfig.Algorithm;
import dev.tulu4j.train.AdamW;
import dev.tulu4j.train.Batch;
import dev.tulu4j.train.DataOrder;
import dev.tulu4j.train.LrSchedule;
import dev.tulu4j.train.Rng;
import dev.tulu4j.train.StepReport;
import dev.tulu4j.train.UpdateStep;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One RLVR step in the shared {@link dev.tulu4j.train.TrainLoop} (Tülu 3 §6; open-instruct
 * {@code ppo_vllm_thread.py} / {@code grpo_fast.py}): a rollout phase ({@link RolloutPhase}), the
 * advantages of the whole batch ({@link Advantages#grpo} or {@link Advantages#ppo}), then
 * {@code ppo_epochs} passes over the kept sequences in {@code minibatches} shuffled minibatches, each
 * a policy update ({@link PolicyUpdate}) and, for PPO, a value update ({@link ValueUpdate}).
 *
 * <p>Learning rates: the value model's schedule spans every optimizer update of the run; the
 * policy's spans only the updates after PPO's value warm-up, so the policy starts at its peak lr
 * when it starts to move (as in OpenRLHF, whose actor scheduler does not advance while the actor
 * is frozen). Samplers and minibatch shuffles are seeded by {@code (seed, step)}, so a resumed run
 * repeats them exactly.
 */
final class RlvrStep implements UpdateStep {
  private final RlvrConfig cfg;
  private final List<Part> parts;
  private final List<RlvrPrompt> prompts;
  private final boolean mixed;
  private final ValueModel value;
  private final RolloutPhase rollouts;
  private final PolicyUpdate policyUpdate;
  private final ValueUpdate valueUpdate;
  private final SampleSink samples;
  private LrSchedule schedule;
  private LrSchedule policySchedule;
  private int totalSteps;

  /** Receives every step's rollouts and per-sequence advantages (for samples.jsonl), {@code step} 1-based. */
  @FunctionalInterface
  interface SampleSink {
    void write(long step, List<Rollout> rs, double[] advantages) throws IOException;
  }

  /**
   * @param parts the policy, then (PPO) the value model, with their savers
   * @param value PPO's value model, or null for GRPO
   */
  RlvrStep(RlvrConfig cfg, List<Part> parts, List<RlvrPrompt> prompts, ValueModel value, RolloutPhase rollouts,
      PolicyUpdate policyUpdate, SampleSink samples) {
    this.cfg = cfg;
    this.parts = List.copyOf(parts);
    this.prompts = prompts;
    this.mixed = prompts.stream().map(RlvrPrompt::dataset).distinct().count() > 1;
    this.value = value;
    this.rollouts = rollouts;
    this.policyUpdate = policyUpdate;
    this.valueUpdate = value == null ? null
        : new ValueUpdate(value, cfg.vfCoef(), cfg.cliprangeValue(), cfg.train().optim().maxGradNorm());
    this.samples = samples;
  }

  @Override
  public List<Part> parts() {
    return parts;
  }

  @Override
  public int examplesPerStep() {
    return cfg.promptsPerBatch();
  }

  /**
   * The prompt indices the loop hands step {@code s}: it takes {@code prompts_per_batch} at a time from
   * the seeded {@link DataOrder}, so step s starts at position s·k of the epochs' permutations laid end
   * to end (what off-policy rollouts start one step ahead).
   */
  private int[] indicesOf(long s) {
    DataOrder order = new DataOrder(prompts.size(), cfg.train().seed());
    long g = s * cfg.promptsPerBatch();
    order.seek(new DataOrder.Position(g / prompts.size(), (int) (g % prompts.size())));
    return order.next(cfg.promptsPerBatch());
  }

  @Override
  public LrSchedule plan(int totalSteps) {
    this.totalSteps = totalSteps;
    if (policyWarmupSteps() >= totalSteps)
      throw new IllegalArgumentException("value_warmup_steps (" + cfg.valueWarmupSteps() + ") must be below the run's "
          + totalSteps + " steps");
    var o = cfg.train().optim();
    int totalUpdates = totalSteps * cfg.updatesPerStep();
    schedule = new LrSchedule(o.schedule(), o.lr(), (int) Math.floor(totalUpdates * o.warmupRatio()), totalUpdates);
    int policyUpdates = (totalSteps - policyWarmupSteps()) * cfg.updatesPerStep();
    policySchedule = new LrSchedule(o.schedule(), o.lr(), (int) Math.floor(policyUpdates * o.warmupRatio()),
        policyUpdates);
    return schedule;
  }

  /** Steps at the start of the run in which the policy is frozen (PPO's value warm-up). */
  private int policyWarmupSteps() {
    return value != null ? cfg.valueWarmupSteps() : 0;
  }

  /** The policy's learning rate at run-wide optimizer update {@code update} (0 while it is frozen). */
  private double policyLr(long update) {
    long u = update - (long) policyWarmupSteps() * cfg.updatesPerStep();
    return u < 0 ? 0.0 : cfg.train().optim().lr() * policySchedule.factor(u);
  }

  @Override
  public StepReport step(Batch batch, List<AdamW> optimizers) {
    long t0 = System.nanoTime();
    long step = batch.step();
    List<RlvrPrompt> batchPrompts = new ArrayList<>();
    for (int i : batch.indices()) batchPrompts.add(prompts.get(i));
    RolloutPhase.Output ro;
    if (!cfg.rollouts().enabled()) {
      ro = rollouts.run(batchPrompts, step);
    } else {
      int[] next = step + 1 < totalSteps ? indicesOf(step + 1) : null;
      List<RlvrPrompt> nextPrompts = null;
      if (next != null) {
        nextPrompts = new ArrayList<>();
        for (int i : next) nextPrompts.add(prompts.get(i));
      }
      ro = rollouts.run(batchPrompts, step, batch.indices(), next, nextPrompts);
    }
    List<Rollout> rs = ro.rollouts();
    double[][] values = value == null ? null : value.values(rs); // PPO: rollout-time values
    Advantages.BatchAdvantages adv = advantages(ro, values);
    Updates u = update(step, ro, adv, values, optimizers);
    double trainS = (System.nanoTime() - ro.scoredAt()) / 1e9;
    Map<String, Double> m = metrics(ro, adv, u);
    m.put("train_s", trainS);
    m.put("gen_tokens_per_s", ro.generated().tokensPerSecond());
    m.put("gen_tokens", (double) ro.generated().generatedTokens());
    m.put("step_s", (System.nanoTime() - t0) / 1e9);
    try {
      samples.write(step + 1, rs, adv.perSequence());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    double loss = u.updates == 0 ? 0.0 : u.lossSum / u.updates;
    double norm = u.updates == 0 ? 0.0 : u.normSum / u.updates;
    return new StepReport(loss, u.lastLr, norm, u.trainedTokens, trainS, m);
  }

  /** The batch's advantages: GRPO per group, PPO from the rollout-time {@code values}. */
  private Advantages.BatchAdvantages advantages(RolloutPhase.Output ro, double[][] values) {
    List<Rollout> rs = ro.rollouts();
    double[] scores = new double[rs.size()];
    for (int i = 0; i < rs.size(); i++) scores[i] = rs.get(i).score();
    if (cfg.algorithm() == Algorithm.GRPO) {
      int[] lengths = new int[rs.size()];
      for (int i = 0; i < rs.size(); i++) lengths[i] = rs.get(i).response().length;
      return Advantages.grpo(scores, lengths, cfg.samplesPerPrompt());
    }
    return Advantages.ppo(ro.oldLogp(), ro.refLogp(), scores, values, cfg.beta(), cfg.gamma(), cfg.lambda());
  }

  /** Sums over a step's optimizer updates. */
  private static final class Updates {
    double lossSum;
    double vlossSum;
    double normSum;
    long clippedTokens;
    long valueClipped;
    long seenTokens;
    long trainedTokens;
    int updates;
    int kept;
    double lastLr;
  }

  /** {@code ppo_epochs} passes over the kept sequences in shuffled minibatches: policy, then value update. */
  private Updates update(long step, RolloutPhase.Output ro, Advantages.BatchAdvantages adv, double[][] oldValues,
      List<AdamW> opts) {
    List<Rollout> rs = ro.rollouts();
    List<Integer> kept = new ArrayList<>();
    for (int i = 0; i < rs.size(); i++) if (adv.perToken()[i] != null) kept.add(i);
    Updates u = new Updates();
    u.kept = kept.size();
    int ups = cfg.updatesPerStep();
    u.lastLr = policyLr(step * ups);
    // PPO value warm-up: the first value_warmup_steps steps leave the policy (and its AdamW state) alone
    boolean policyFrozen = step < policyWarmupSteps();
    Rng rng = new Rng(Rng.mix(cfg.train().seed() ^ (0x5DEECE66DL * (step + 1))));
    for (int epoch = 0; epoch < cfg.ppoEpochs(); epoch++) {
      List<Integer> perm = shuffled(kept, rng);
      for (int mb = 0; mb < cfg.minibatches(); mb++) {
        long update = step * ups + (long) epoch * cfg.minibatches() + mb;
        u.lastLr = policyLr(update);
        int from = perm.size() * mb / cfg.minibatches();
        int to = perm.size() * (mb + 1) / cfg.minibatches();
        if (from == to) continue;
        List<Integer> ids = perm.subList(from, to);
        List<Rollout> mbRs = new ArrayList<>();
        for (int i : ids) mbRs.add(rs.get(i));
        int mbTokens = 0;
        for (Rollout r : mbRs) mbTokens += r.response().length;
        double norm = 0;
        if (!policyFrozen) {
          PolicyUpdate.Result p = policyUpdate.apply(ids, mbRs, ro.oldLogp(), ro.refLogp(), adv.perToken(),
              opts.get(0), u.lastLr, step);
          u.lossSum += p.loss();
          u.clippedTokens += p.clippedTokens();
          norm = p.gradNorm();
        }
        if (valueUpdate != null) {
          ValueUpdate.Result v = valueUpdate.apply(ids, mbRs, oldValues, adv.returns(), opts.get(1),
              cfg.valueLearningRate() * schedule.factor(update), step);
          u.vlossSum += v.loss();
          u.valueClipped += v.clippedTokens();
        }
        u.normSum += norm;
        u.seenTokens += mbTokens;
        u.trainedTokens += mbTokens;
        u.updates++;
      }
    }
    return u;
  }

  /** The step's metrics.jsonl extras (loss, lr and grad_norm are the report's own fields). */
  private Map<String, Double> metrics(RolloutPhase.Output ro, Advantages.BatchAdvantages adv, Updates u) {
    RolloutStats stats = ro.stats();
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("reward", stats.meanScore());
    m.put("accuracy", stats.accuracy());
    if (mixed) {
      // per verifier dataset, for the datasets present in this batch (mixed prompt sets only)
      Map<String, int[]> byDataset = new TreeMap<>();
      for (Rollout r : ro.rollouts()) {
        int[] c = byDataset.computeIfAbsent(ro.prompts().get(r.prompt()).dataset(), d -> new int[2]);
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
    m.put("clip_frac", u.seenTokens == 0 ? 0.0 : (double) u.clippedTokens / u.seenTokens);
    m.put("updates", (double) u.updates);
    m.put("trained_sequences", (double) u.kept);
    if (cfg.algorithm() == Algorithm.GRPO) {
      m.put("skipped_groups", (double) adv.skippedGroups() / ro.prompts().size());
    } else {
      m.put("value_loss", u.updates == 0 ? 0.0 : u.vlossSum / u.updates);
      m.put("value_clip_frac", u.seenTokens == 0 ? 0.0 : (double) u.valueClipped / u.seenTokens);
    }
    if (ro.rmMean() != null) m.put("rm_score", ro.rmMean());
    if (ro.endpoint() != null) {
      m.put("sync_max_dlogp", ro.endpoint().check().maxAbs());
      m.put("sync_mean_dlogp", ro.endpoint().check().meanAbs());
      m.put("policy_lag", (double) ro.endpoint().lag());
      m.put("sync_s", ro.endpoint().syncSeconds());
    }
    m.put("rollout_s", ro.generated().seconds());
    return m;
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
