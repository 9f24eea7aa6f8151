package dev.tulu4j.runtime;

import dev.tulu4j.model.Activations;
import dev.tulu4j.model.Batch;
import dev.tulu4j.model.HfNames;
import dev.tulu4j.model.KvCache;
import dev.tulu4j.model.LlamaConfig;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.model.Parameter;
import dev.tulu4j.tensor.CacheLines;
import dev.tulu4j.tensor.Parallel;
import dev.tulu4j.tensor.VectorMath;
import dev.tulu4j.train.AdamW;
import java.util.Arrays;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Engine benchmarks on random weights and random token ids (only speed is measured), with the
 * workloads of the peer script {@code shared/bench/peer_torch_bench.py}:
 *
 * <ul>
 *   <li>train: forward, cross-entropy (next-token targets, last position ignored), backward, AdamW
 *       step, on B × T; model FLOPs per token from {@link LlamaConfig#trainingFlopsPerToken}
 *       (6·N + 12·L·C·T), MFU against a peak given by the caller (480 GFLOP/s on the 2-core Zen 5);
 *   <li>prefill: forward only over B × T with the logits of every position;
 *   <li>decode: greedy with the KV cache, a 64-token prompt and 64 new tokens, the first from the
 *       prompt pass; decode tok/s = B · 63 / time of the 63 single-token steps.
 * </ul>
 * Times are the median and best of the timed repetitions after warm-up.
 */
public final class EngineBench {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

  private EngineBench() {}

  /** Median and best seconds of the timed repetitions. */
  public record Timing(double medianSeconds, double bestSeconds, int reps) {
    static Timing of(double[] seconds) {
      double[] s = seconds.clone();
      Arrays.sort(s);
      int n = s.length;
      double median = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
      return new Timing(median, s[0], n);
    }
  }

  /**
   * @param cpuSecondsPerStep median CPU time of this process (all threads, spin-waits included) per
   *     timed step: on a shared machine it moves far less than the wall time (0 where not reported)
   * @param gcSeconds garbage-collection time inside the timed steps, summed ({@link #gcMillis})
   * @param warmup what the warm-up before the timed steps did ({@link SteadyWarmup})
   */
  public record TrainResult(int batch, int seq, Timing step, double tokensPerSecond, double flopsPerToken,
      double gflops, double mfu, double lastLoss, double cpuSecondsPerStep, double gcSeconds, SteadyWarmup.Summary warmup) {}

  /**
   * @param cpuSecondsPerPass median CPU time of this process (all threads) per forward pass
   * @param gcSeconds garbage-collection time inside the timed passes, summed
   * @param warmup what the warm-up before the timed passes did ({@link SteadyWarmup})
   */
  public record PrefillResult(int batch, int seq, Timing pass, double tokensPerSecond, double gflops,
      double cpuSecondsPerPass, double gcSeconds, SteadyWarmup.Summary warmup) {}

  /**
   * @param floorTokensPerSecond the bandwidth floor: B · bandwidth / weight bytes per step (every
   *     weight but the embedding table read once per step; KV-cache and activation traffic ignored)
   * @param cpuMsPerStep CPU time of this process per decode step over all timed repetitions (all
   *     threads, spin-waits included; on a shared machine {@code B / cpu time} is steadier than
   *     wall-clock tok/s; the clock ticks in 10 ms, so use runs of a second or more)
   * @param othersCpuShare share of all the machine's CPUs that other processes used during the timed
   *     repetitions (from {@code /proc/stat}; NaN where unavailable): near 0 means a clean run
   * @param gcSeconds garbage-collection time inside the timed steps, summed
   * @param warmup what the warm-up before the timed repetitions did ({@link SteadyWarmup})
   */
  public record DecodeResult(int batch, int promptLen, int newTokens, Timing steps, double tokensPerSecond,
      double msPerStep, double floorTokensPerSecond, double cpuMsPerStep, double othersCpuShare, double gcSeconds,
      SteadyWarmup.Summary warmup) {
    /** Tokens per CPU-second of this process (NaN when the run was shorter than the CPU clock's tick). */
    public double tokensPerCpuSecond() {
      return cpuMsPerStep > 0 ? batch / (cpuMsPerStep / 1e3) : Double.NaN;
    }
  }

  /** Training steps of a seeded random model; {@code peakGflops} is the MFU denominator. */
  public static TrainResult train(LlamaModel model, int batch, int seq, int warmup, int steps, double peakGflops) {
    return train(model, batch, seq, warmup, steps, peakGflops, false);
  }

  /** {@link #train(LlamaModel, int, int, int, int, double)}, optionally with activation checkpointing. */
  public static TrainResult train(LlamaModel model, int batch, int seq, int warmup, int steps, double peakGflops,
      boolean checkpointed) {
    requirePositive(batch, seq, steps);
    LlamaConfig c = model.config();
    int n = batch * seq;
    SplittableRandom rnd = new SplittableRandom(1);
    int[] ids = rnd.ints(n, 0, c.vocabSize()).toArray();
    int[] targets = new int[n];
    for (int r = 0; r < n; r++) targets[r] = (r + 1) % seq == 0 ? -100 : ids[r + 1];
    Batch b = Batch.of(batch, seq, ids, targets);
    Activations act = Activations.training(c, n, checkpointed);
    // the optimizer runs on the model's threads and clears the gradients in the same pass; its
    // parameters are the trained ones: every weight in full training, A and B under LoRA
    AdamW opt = new AdamW(model.trainableParameters(), 0.9, 0.999, 1e-8, 0.0).runOn(model.taskRunner());
    double[] times = new double[steps];
    double[] cpu = new double[steps];
    double[] loss = {Double.NaN};
    long gc = 0;
    model.zeroGrad();
    Runnable step = () -> {
      LlamaModel.LogProbs lp = model.lossAndBackward(b, act, 1f / (n - batch));
      opt.step(1e-5, 1.0, true);
      loss[0] = lp.lossSum() / lp.tokens();
    };
    SteadyWarmup.Summary w = SteadyWarmup.run(step, warmup, 0, warmup > 0);
    settle();
    for (int i = 0; i < steps; i++) {
      long c0 = processCpuNanos(), g0 = gcMillis();
      long t0 = System.nanoTime();
      step.run();
      times[i] = (System.nanoTime() - t0) / 1e9;
      cpu[i] = (processCpuNanos() - c0) / 1e9;
      gc += gcMillis() - g0;
    }
    Timing t = Timing.of(times);
    double tps = n / t.medianSeconds();
    double fpt = c.trainingFlopsPerToken(seq);
    double gflops = tps * fpt / 1e9;
    return new TrainResult(batch, seq, t, tps, fpt, gflops, gflops / peakGflops, loss[0], Timing.of(cpu).medianSeconds(),
        gc / 1e3, w);
  }

  /**
   * One training step of {@link #train}'s workload without the optimizer update (forward, loss,
   * backward, gradients cleared): {@code --gemm auto}'s measurement, which must not change the model.
   */
  public static Runnable trainStepWithoutUpdate(LlamaModel model, int batch, int seq, boolean checkpointed) {
    requirePositive(batch, seq, 1);
    LlamaConfig c = model.config();
    int n = batch * seq;
    int[] ids = new SplittableRandom(1).ints(n, 0, c.vocabSize()).toArray();
    int[] targets = new int[n];
    for (int r = 0; r < n; r++) targets[r] = (r + 1) % seq == 0 ? -100 : ids[r + 1];
    Batch b = Batch.of(batch, seq, ids, targets);
    Activations act = Activations.training(c, n, checkpointed);
    return () -> {
      model.lossAndBackward(b, act, 1f / (n - batch));
      model.zeroGrad();
    };
  }

  /** One pass of {@link #prefill}'s workload, for {@code --gemm auto}'s measurement. */
  public static Runnable prefillPass(LlamaModel model, int batch, int seq) {
    requirePositive(batch, seq, 1);
    int n = batch * seq;
    int[] ids = new SplittableRandom(2).ints(n, 0, model.config().vocabSize()).toArray();
    Batch b = new Batch(batch, seq, ids, null, null, null);
    Activations act = Activations.inference(model.config(), n); // forward only, as the peer's inference_mode
    return () -> model.logits(b, act);
  }

  /** One call of {@link #decode}'s workload (the prompt pass, then greedy decode steps), for {@code --gemm auto}. */
  public static Runnable decodeCall(LlamaModel model, int batch, int promptLen, int newTokens) {
    requirePositive(batch, promptLen, 1);
    LlamaConfig c = model.config();
    SplittableRandom rnd = new SplittableRandom(4);
    int[][] prompt = new int[batch][];
    for (int b = 0; b < batch; b++) prompt[b] = rnd.ints(promptLen, 0, c.vocabSize()).toArray();
    KvCache cache = model.newCache(batch, promptLen + newTokens);
    int[] next = new int[batch];
    return () -> {
      prefill(model, cache, prompt, next);
      for (int s = 1; s < newTokens; s++) argmax(model.decode(cache, next), c.vocabSize(), next);
    };
  }

  /** Forward passes with every position's logits (B·T·V floats). */
  public static PrefillResult prefill(LlamaModel model, int batch, int seq, int warmup, int reps) {
    requirePositive(batch, seq, reps);
    LlamaConfig c = model.config();
    int n = batch * seq;
    int[] ids = new SplittableRandom(2).ints(n, 0, c.vocabSize()).toArray();
    Batch b = new Batch(batch, seq, ids, null, null, null);
    Activations act = Activations.inference(c, n); // forward only, as the peer's inference_mode
    double[] times = new double[reps];
    double[] cpu = new double[reps];
    long gc = 0;
    SteadyWarmup.Summary w = SteadyWarmup.run(() -> model.logits(b, act), warmup, 0, warmup > 0);
    settle();
    for (int i = 0; i < reps; i++) {
      long c0 = processCpuNanos(), g0 = gcMillis();
      long t0 = System.nanoTime();
      model.logits(b, act);
      times[i] = (System.nanoTime() - t0) / 1e9;
      cpu[i] = (processCpuNanos() - c0) / 1e9;
      gc += gcMillis() - g0;
    }
    Timing t = Timing.of(times);
    double tps = n / t.medianSeconds();
    return new PrefillResult(batch, seq, t, tps, tps * c.forwardFlopsPerToken(seq) / 1e9,
        Timing.of(cpu).medianSeconds(), gc / 1e3, w);
  }

  /** Minimum decode warm-up time before the timed repetitions (then {@link SteadyWarmup} goes on until steady). */
  static final long DECODE_WARMUP_NANOS = 2_000_000_000L;

  /**
   * Greedy decoding with the KV cache; {@code bandwidth} in bytes/s for the floor (0: no floor).
   * Before the timed repetitions: {@code max(1, warmup)} untimed calls and, when {@code warmup > 0},
   * at least {@link #DECODE_WARMUP_NANOS} of them, then more until their speed is steady
   * ({@link SteadyWarmup}).
   */
  public static DecodeResult decode(LlamaModel model, int batch, int promptLen, int newTokens, int warmup, int reps,
      double bandwidth) {
    requirePositive(batch, promptLen, reps);
    if (newTokens < 2) throw new IllegalArgumentException("decode needs at least 2 new tokens, got " + newTokens);
    LlamaConfig c = model.config();
    SplittableRandom rnd = new SplittableRandom(4);
    int[][] prompt = new int[batch][];
    for (int b = 0; b < batch; b++) prompt[b] = rnd.ints(promptLen, 0, c.vocabSize()).toArray();
    KvCache cache = model.newCache(batch, promptLen + newTokens);
    double[] times = new double[reps];
    int v = c.vocabSize();
    int[] next = new int[batch];
    long cpu = 0, busy = 0, wall = 0, gc = 0;
    // warm-up by time as well as by count, then until steady (SteadyWarmup): one 63-step call of the
    // tiny model at batch 1 takes ~20-60 ms, and C2 is not done with the step for several seconds
    SteadyWarmup.Summary w = SteadyWarmup.run(() -> {
      prefill(model, cache, prompt, next);
      for (int s = 1; s < newTokens; s++) argmax(model.decode(cache, next), v, next);
    }, Math.max(1, warmup), warmup > 0 ? DECODE_WARMUP_NANOS : 0, warmup > 0);
    settle();
    for (int i = 0; i < reps; i++) {
      prefill(model, cache, prompt, next);
      long c0 = processCpuNanos(), b0 = machineBusyNanos(), g0 = gcMillis();
      long t0 = System.nanoTime();
      for (int s = 1; s < newTokens; s++) argmax(model.decode(cache, next), v, next);
      long dt = System.nanoTime() - t0;
      times[i] = dt / 1e9;
      cpu += processCpuNanos() - c0;
      gc += gcMillis() - g0;
      busy = b0 < 0 || busy < 0 ? -1 : busy + machineBusyNanos() - b0;
      wall += dt;
    }
    Timing t = Timing.of(times);
    int steps = newTokens - 1;
    double floor = bandwidth > 0 ? batch * bandwidth / decodeWeightBytes(c) : 0;
    double others = busy < 0 ? Double.NaN
        : Math.min(1, Math.max(0, (double) (busy - cpu) / ((double) wall * Runtime.getRuntime().availableProcessors())));
    return new DecodeResult(batch, promptLen, newTokens, t, batch * steps / t.medianSeconds(),
        t.medianSeconds() / steps * 1e3, floor, cpu / 1e6 / (reps * (double) steps), others, gc / 1e3, w);
  }

  /** Resets the cache and runs the prompt pass; {@code next} receives each row's first new token. */
  private static void prefill(LlamaModel model, KvCache cache, int[][] prompt, int[] next) {
    cache.reset();
    argmax(model.prefill(cache, prompt), model.config().vocabSize(), next);
  }

  /**
   * Between the warm-up and the timed repetitions: one full collection, so that what the timed part
   * keeps (weights, activations, KV cache, optimizer state, all allocated during the warm-up) sits in
   * the old generation, as it does for all but the first steps of a real run. Without it the young
   * collection that first copies those gigabytes (seconds on a machine whose page faults are slow:
   * the copy touches fresh old-generation pages) can fall inside a timed pass, which then measures
   * the collector. The timed part's own collections are still counted ({@link #gcMillis}).
   */
  static void settle() {
    System.gc();
  }

  /** Collection time of this JVM so far, all collectors (their accumulated pause/cycle times), ms. */
  static long gcMillis() {
    long ms = 0;
    for (var g : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
      ms += Math.max(0, g.getCollectionTime());
    }
    return ms;
  }

  /** CPU time of this process (all threads), or 0 where the JVM does not report it. */
  private static long processCpuNanos() {
    if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return 0;
  }

  /** Non-idle CPU time of the whole machine (first line of /proc/stat, USER_HZ 100), or -1. */
  private static long machineBusyNanos() {
    try {
      String[] f = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long ticks = 0; // cpu user nice system idle iowait irq softirq steal: all but idle and iowait
      for (int i = 1; i < Math.min(f.length, 9); i++) if (i != 4 && i != 5) ticks += Long.parseLong(f[i]);
      return ticks * 10_000_000L;
    } catch (Exception e) {
      return -1;
    }
  }

  private static void argmax(float[] logits, int v, int[] out) {
    for (int b = 0; b < out.length; b++) {
      int best = 0;
      for (int j = 1; j < v; j++) if (logits[b * v + j] > logits[b * v + best]) best = j;
      out[b] = best;
    }
  }

  /**
   * fp32 bytes one decode step must stream: every parameter but the embedding table (the gather
   * reads B rows only); a tied LM head is the embedding and is read in full, so it counts once.
   */
  public static long decodeWeightBytes(LlamaConfig c) {
    long n = 0;
    for (var e : HfNames.parameterOrder(c).entrySet()) {
      if (e.getKey().equals(HfNames.EMBED) && !c.tieEmbeddings()) continue;
      long k = 1;
      for (int d : e.getValue()) k *= d;
      n += k;
    }
    return 4 * n;
  }

  /**
   * Bytes one decode step of {@code m} must stream, in the dtype each parameter is held in (4 per
   * fp32 value, 2 per bf16 value): as {@link #decodeWeightBytes(LlamaConfig)}, the embedding table
   * not counted unless it is the (tied) LM head.
   */
  public static long decodeWeightBytes(LlamaModel m) {
    long n = 0;
    for (Parameter p : m.parameters()) {
      if (p.name().equals(HfNames.EMBED) && !m.config().tieEmbeddings()) continue;
      n += (long) p.numel() * (p.isBf16() ? 2 : 4);
    }
    return n;
  }

  /**
   * Read bandwidth in bytes/s: the best of {@code reps} vectorised sums over {@code bytes} of
   * floats, split over the pool's threads (each thread reading its part as four streams a quarter
   * apart: on a Zen 5 that reads ~1.6× one sequential stream, and more than torch's sum), every
   * 512-bit load on one cache line ({@link CacheLines}), after the summing loop is JIT-compiled on a
   * 4 MiB prefix.
   */
  public static double readBandwidth(Parallel parallel, long bytes, int reps) {
    int n = Math.toIntExact(Math.min(bytes / 4, Integer.MAX_VALUE - 64));
    float[] a = new float[n + 16];
    for (int i = 0; i < n; i += 1024) a[i] = 1f; // touch every page
    float[] sink = new float[parallel.threads()];
    long warmEnd = System.nanoTime() + 300_000_000L;
    // from the first cache-line boundary on: the JVM puts a large array's data 16 bytes past a line,
    // and a sum whose every 512-bit load straddles two lines read 47-48 GB/s on the Zen 5 against
    // 62-64 aligned (torch's sum, on aligned memory, ~61): the floor is what aligned reads reach
    final int o = CacheLines.lead(a);
    while (System.nanoTime() < warmEnd) sumPass(parallel, a, o, Math.min(n, 1 << 20), sink);
    double best = Double.MAX_VALUE;
    for (int r = 0; r < reps; r++) {
      long t0 = System.nanoTime();
      sumPass(parallel, a, o, n, sink);
      best = Math.min(best, (System.nanoTime() - t0) / 1e9);
    }
    float check = 0;
    for (float s : sink) check += s;
    if (check < 0) throw new AssertionError(); // keeps the sums alive
    return 4.0 * n / best;
  }

  /** The floor's read of {@code a[from .. from+n)}: its sum, each thread's part summed as four streams (for tests). */
  static float readSum(Parallel parallel, float[] a, int from, int n) {
    float[] sink = new float[parallel.threads()];
    sumPass(parallel, a, from, n, sink);
    float s = 0;
    for (float v : sink) s += v;
    return s;
  }

  private static void sumPass(Parallel parallel, float[] a, int lead, int n, float[] sink) {
    int tasks = sink.length;
    parallel.parallelFor(tasks, t -> {
      // thread parts cut on whole lines, so that every part starts where the array's first line does
      int from = lead + part(n, tasks, t), to = lead + part(n, tasks, t + 1);
      // four streams a quarter of the thread's range apart, one accumulator each (so the adds are
      // not latency-bound): one sequential stream read ~25 GB/s per CPU-second on one Zen 5 core,
      // four ~40, torch's sum (which also reads several rows far apart) ~30 (docs/PERFORMANCE.md,
      // "Session 12: decode b1 and the read floor")
      FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
      int w = S.length();
      int q = (to - from) / (4 * w) * w;
      int b0 = from, b1 = b0 + q, b2 = b1 + q, b3 = b2 + q;
      for (int i = 0; i < q; i += w) {
        a0 = a0.add(FloatVector.fromArray(S, a, b0 + i));
        a1 = a1.add(FloatVector.fromArray(S, a, b1 + i));
        a2 = a2.add(FloatVector.fromArray(S, a, b2 + i));
        a3 = a3.add(FloatVector.fromArray(S, a, b3 + i));
      }
      float s = VectorMath.sum(a0.add(a1).add(a2.add(a3)));
      for (int i = from + 4 * q; i < to; i++) s += a[i];
      sink[t] = s;
    });
  }

  /** Where thread part {@code t} of {@code n} elements starts: a multiple of a cache line's 16 floats, n at the end. */
  private static int part(int n, int tasks, int t) {
    return t == tasks ? n : (int) ((long) n * t / tasks / CacheLines.FLOATS * CacheLines.FLOATS);
  }

  /** Parameter count in millions (for the table). */
  public static double millions(LlamaModel m) {
    long n = 0;
    for (Parameter p : m.parameters()) n += p.numel();
    return n / 1e6;
  }

  private static void requirePositive(int batch, int seq, int reps) {
    if (batch < 1 || seq < 1 || reps < 1)
      throw new IllegalArgumentException("batch, length and repetitions must be >= 1, got " + batch + ", " + seq + ", " + reps);
  }
}
