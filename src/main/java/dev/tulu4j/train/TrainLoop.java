package dev.tulu4j.train;

import dev.tulu4j.config.ConfigYaml;
import dev.tulu4j.model.Parameter;
import dev.tulu4j.tensor.AutoGemm;
import dev.tulu4j.tensor.Gemm;
import dev.tulu4j.tensor.Gemms;
import dev.tulu4j.tensor.TaskRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.nio.file.Files;

/**
 * The generic training loop shared by SFT, DPO and RLVR. Per optimizer step:
 *
 * <ol>
 *   <li>take {@code micro_batch × grad_accum} example indices from the seeded {@link DataOrder};
 *   <li>for each micro-batch call the {@link StepFunction}, which adds its gradient into the
 *       parameters' grad buffers;
 *   <li>reduce: under {@link LossReduction#SUM} divide by the trained count of the whole effective
 *       batch (Tülu 3), under MEAN the step function already scaled each micro-batch;
 *   <li>global-norm clip ({@link GradOps}), stop on NaN/Inf, AdamW step with the scheduled lr
 *       (reduction and clip factors and the zeroing of the grads fused into the optimizer's single
 *       pass);
 *   <li>log a metrics line; checkpoint every {@code save_every} steps and at the end.
 * </ol>
 *
 * A trainer whose step makes its own optimizer updates (RLVR: rollouts, advantages, then several
 * AdamW updates of the policy and the value model) plugs in an {@link UpdateStep} instead of a
 * {@link StepFunction}: steps 1–4 are then its own, everything else is the same loop.
 *
 * <p>With {@code resume = true} the run continues from the newest complete checkpoint in
 * {@code out_dir} and is bit-identical to a run that was never interrupted (given a deterministic
 * step function). Configure with the fluent setters, then {@link #run()}.
 */
public final class TrainLoop {
  private static final long RNG_SALT = 0x7475_6C75_346AL; // "tulu4j"
  /** Seeds the throwaway random stream of {@code --gemm auto}'s timed steps (never the run's). */
  private static final long AUTO_SALT = 0x6175_746F_6765L; // "autoge"

  private final TrainConfig cfg;
  private final List<Parameter> params;
  private final int datasetSize;
  private final StepFunction fn;
  private final UpdateStep update;
  private final TaskRunner runner;
  private ModelSaver saver = ModelSaver.none();
  private Record runConfig;
  private Checkpointer.SaveHook saveHook = phase -> {};
  private Consumer<StepMetrics> listener = m -> {};
  private String progressTask = "train";
  private Function<StepMetrics, String> progressNote =
      m -> String.format(" loss %.4f lr %.2e", m.loss(), m.lr());
  private Gemm gemm;

  /**
   * @param params the trainable parameters (grad buffers present, unique names); weight decay follows each one's {@link Parameter#decay()}
   *     flag, further restricted by {@code optim.no_decay}
   * @param datasetSize number of examples the step function can be asked for (indices 0..n-1)
   */
  public TrainLoop(TrainConfig cfg, List<Parameter> params, int datasetSize, StepFunction fn, TaskRunner runner) {
    this.runner = java.util.Objects.requireNonNull(runner, "runner");
    this.cfg = cfg;
    this.datasetSize = datasetSize;
    this.fn = fn;
    this.update = null;
    this.runConfig = cfg;
    this.params = checked(params, cfg.optim().noDecay());
  }

  /**
   * A loop whose steps are {@code step}'s own (it updates its {@link UpdateStep#parts()} itself);
   * {@link #saver} is not used: each part brings its own.
   *
   * @param datasetSize number of examples the step can be asked for (indices 0..n-1)
   */
  public TrainLoop(TrainConfig cfg, int datasetSize, UpdateStep step, TaskRunner runner) {
    this.runner = java.util.Objects.requireNonNull(runner, "runner");
    this.cfg = cfg;
    this.datasetSize = datasetSize;
    this.fn = null;
    this.update = step;
    this.runConfig = cfg;
    List<UpdateStep.Part> parts = step.parts();
    if (parts.isEmpty()) throw new IllegalArgumentException("an update step needs at least one part");
    this.params = checked(parts.getFirst().params(), cfg.optim().noDecay());
  }

  /** The parameters as the optimizer sees them: decay flags restricted by {@code no_decay}, names unique. */
  private static List<Parameter> checked(List<Parameter> params, List<String> noDecay) {
    List<Parameter> ps = new ArrayList<>(params.size());
    java.util.Set<String> names = new java.util.HashSet<>();
    for (Parameter p : params) {
      if (p.grad() == null)
        throw new IllegalArgumentException(p.name() + " has no grad buffer: pass only trainable parameters");
      if (!names.add(p.name())) throw new IllegalArgumentException("duplicate parameter name " + p.name());
    }
    for (Parameter p : params)
      ps.add(new Parameter(p.name(), p.shape(), p.data(), p.grad(),
          p.decay() && noDecay.stream().noneMatch(p.name()::contains)));
    return List.copyOf(ps);
  }

  /** Writes the HF model folder into each checkpoint. */
  public TrainLoop saver(ModelSaver s) {
    this.saver = s;
    return this;
  }

  /** The whole run config (e.g. the SFT config that nests this TrainConfig) stored and hashed in checkpoints. */
  public TrainLoop runConfig(Record r) {
    this.runConfig = r;
    return this;
  }

  /**
   * The model's GEMM ({@code Kernels.gemm()}): recorded in each checkpoint's machine.json, compared on
   * resume, and, when it is {@code --gemm auto}'s ({@link Gemms#autoOf}), set at the start by timing
   * whole forward+backward steps of the run's next micro-batch on each backend ({@link AutoGemm#measure}),
   * or on resume from the choice the checkpoint recorded.
   */
  public TrainLoop gemm(Gemm g) {
    this.gemm = g;
    return this;
  }

  /** Fault injection for tests. */
  public TrainLoop saveHook(Checkpointer.SaveHook h) {
    this.saveHook = h;
    return this;
  }

  /** Called after each step's metrics line is written (after the listeners added before it). */
  public TrainLoop onStep(Consumer<StepMetrics> l) {
    this.listener = listener.andThen(l);
    return this;
  }

  /** The progress bar's name and the text it shows after the rate (default: "train", loss and lr). */
  public TrainLoop progress(String task, Function<StepMetrics, String> note) {
    this.progressTask = task;
    this.progressNote = note;
    return this;
  }

  public TrainResult run() throws IOException {
    int perStep = update == null ? cfg.effectiveBatch() : update.examplesPerStep();
    int total = cfg.totalSteps(datasetSize, perStep);
    LrSchedule schedule = update == null ? LrSchedule.of(cfg.optim(), total) : update.plan(total);
    List<Part> parts = parts();
    DataOrder order = new DataOrder(datasetSize, cfg.seed());
    Rng rng = new Rng(Rng.mix(cfg.seed() ^ RNG_SALT));
    String configYaml = ConfigYaml.render(runConfig);
    String hashedYaml = ConfigYaml.renderHashed(runConfig);
    String hash = ConfigYaml.hash(runConfig);

    long step = 0;
    long totalTokens = 0;
    double elapsedBefore = 0;
    Path lastCkpt = null;
    Optional<Checkpointer.Found> found = parts.getFirst().ckpt.findLatest();
    if (found.isPresent()) {
      Checkpointer.Found f = found.get();
      if (!cfg.resume())
        throw new IllegalStateException(cfg.outDir() + " already holds checkpoint " + f.dir().getFileName()
            + "; set resume=true to continue it or choose another out_dir");
      TrainerState s = f.state();
      checkCompatible(f, s, hash, hashedYaml, schedule);
      Optional<String> recorded = Checkpointer.recordedAutoChoice(f);
      Optional<AutoGemm> auto = gemm == null ? Optional.empty() : Gemms.autoOf(gemm);
      if (auto.isPresent() && recorded.isPresent()) {
        String why = auto.get().use(recorded.get());
        System.err.println("tulu4j: gemm auto: resuming " + f.dir().getFileName() + " with its recorded choice "
            + recorded.get() + (why == null ? " (not measured again)" : ": " + why));
      }
      Checkpointer.machineNote(f, gemm == null ? null : Gemms.id(gemm))
          .ifPresent(note -> System.err.println("tulu4j: warning: " + note));
      Checkpointer.restore(f, params, parts.getFirst().opt);
      for (Part p : parts.subList(1, parts.size())) p.restore(f);
      order.seek(new DataOrder.Position(s.dataEpoch(), s.dataOffset()));
      rng.restore(s.rngState());
      step = s.step();
      totalTokens = s.trainedTokens();
      elapsedBefore = s.elapsedSeconds();
      lastCkpt = f.dir();
    } else {
      for (Part p : parts.subList(1, parts.size())) p.discardOrphans();
    }
    long resumedFrom = step;
    chooseAutoGemm(found.isPresent() ? Checkpointer.recordedAutoChoice(found.get()) : Optional.empty(), order, step, total);
    for (Part p : parts) {
      p.ckpt.gemm(gemm == null ? null : Gemms.id(gemm));
      p.ckpt.autoChoice(gemm == null ? null : Gemms.autoOf(gemm).map(AutoGemm::choice).orElse(null));
    }

    List<Double> losses = new ArrayList<>();
    long runStart = System.nanoTime();
    List<AdamW> optimizers = parts.stream().map(p -> p.opt).toList();
    try (Metrics metrics = Metrics.open(cfg.outDir().resolve("metrics.jsonl"), step);
        Progress bar = new Progress(progressTask, cfg.progress(), step, total)) {
      GradOps.zero(params);
      while (step < total) {
        StepReport r = update == null
            ? accumulate(step, order, rng, optimizers.getFirst(), schedule, lastCkpt)
            : update.step(new Batch(step, 0, 1, order.next(perStep), cfg.lossReduction(), rng), optimizers);
        step++;
        totalTokens += r.tokens();
        losses.add(r.loss());

        double elapsed = elapsedBefore + (System.nanoTime() - runStart) / 1e9;
        StepMetrics m = new StepMetrics(step, r.loss(), r.lr(), r.gradNorm(), r.tokens() / Math.max(r.seconds(), 1e-9),
            r.tokens(), totalTokens, elapsed, r.extras());
        metrics.log(m);
        listener.accept(m);
        bar.update(step, progressNote.apply(m));

        boolean periodic = cfg.saveEvery() > 0 && step % cfg.saveEvery() == 0;
        if (periodic || step == total) {
          TrainerState s = new TrainerState(TrainerState.FORMAT, step, order.position().epoch(),
              order.position().offset(), rng.state(), schedule, datasetSize, totalTokens, elapsed, hash, 0, 0);
          // the other parts first: the run's checkpoint, once complete, vouches for theirs
          for (Part p : parts.subList(1, parts.size())) p.ckpt.save(s, p.params, p.opt, p.saver, configYaml, hashedYaml);
          Part main = parts.getFirst();
          lastCkpt = main.ckpt.save(s, main.params, main.opt, main.saver, configYaml, hashedYaml);
        }
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    return new TrainResult(step, total, resumedFrom, losses, lastCkpt, totalTokens);
  }

  /**
   * {@code --gemm auto} without a recorded choice: times forward+backward of the run's next
   * micro-batch (a copy of the data order, a throwaway random stream, gradients zeroed after each
   * step, no optimizer update: the run's results do not depend on it) and prints the measurement.
   * An update step (RLVR) makes optimizer updates inside its step, so it is not timed: vector.
   */
  private void chooseAutoGemm(Optional<String> recorded, DataOrder order, long step, int total) {
    Optional<AutoGemm> auto = gemm == null ? Optional.empty() : Gemms.autoOf(gemm);
    if (auto.isEmpty() || recorded.isPresent() || step >= total) return;
    if (update != null) {
      System.err.println("tulu4j: gemm auto: vector (this trainer's step makes its own optimizer updates and "
          + "cannot be timed without changing the run)");
      return;
    }
    DataOrder probe = new DataOrder(datasetSize, cfg.seed());
    probe.seek(order.position());
    int[] idx = probe.next(cfg.microBatch());
    long s = step;
    Runnable timed = () -> {
      fn.forwardBackward(new Batch(s, 0, cfg.gradAccum(), idx.clone(), cfg.lossReduction(),
          new Rng(Rng.mix(cfg.seed() ^ AUTO_SALT))));
      GradOps.zero(params);
    };
    AutoGemm.Measurement m = auto.get().measure("forward+backward of the first micro-batch (" + cfg.microBatch() + " examples)", timed,
        (total - step) * (long) cfg.gradAccum());
    System.err.println("tulu4j: " + m.line());
  }

  /**
   * One step of a {@link StepFunction} run: the micro-batches' gradients are accumulated, reduced,
   * clipped and applied in one AdamW update.
   */
  private StepReport accumulate(long step, DataOrder order, Rng rng, AdamW opt, LrSchedule schedule, Path lastCkpt) {
    long t0 = System.nanoTime();
    LossReduction red = cfg.lossReduction();
    int accum = cfg.gradAccum();
    double lossSum = 0;
    double meanSum = 0;
    long count = 0;
    long tokens = 0;
    Map<String, Double> extras = new HashMap<>();
    for (int micro = 0; micro < accum; micro++) {
      int[] idx = order.next(cfg.microBatch());
      StepStats st = fn.forwardBackward(new Batch(step, micro, accum, idx, red, rng));
      lossSum += st.lossSum();
      count += st.count();
      tokens += st.tokens();
      if (st.count() > 0) meanSum += st.lossSum() / st.count();
      st.extras().forEach((k, v) -> extras.merge(k, v / accum, Double::sum));
    }
    // reduce: SUM divides the summed gradient by the effective batch's trained count
    double reduceScale = red == LossReduction.SUM ? (count == 0 ? 0.0 : 1.0 / count) : 1.0;
    double loss = red == LossReduction.SUM ? (count == 0 ? 0.0 : lossSum / count) : meanSum / accum;
    double norm = GradOps.globalNorm(params) * reduceScale;
    if (!Double.isFinite(loss) || !Double.isFinite(norm))
      throw new TrainingDivergedException("step " + (step + 1) + ": loss " + loss + ", grad norm " + norm
          + "; stopped before the optimizer step; last good checkpoint: "
          + (lastCkpt == null ? "none" : lastCkpt));
    double lr = schedule.lr(step);
    // one fused pass: reduce, clip, AdamW update, and zero the gradients for the next step
    opt.step(lr, reduceScale * GradOps.clipCoefficient(norm, cfg.optim().maxGradNorm()), true);
    return new StepReport(loss, lr, norm, tokens, (System.nanoTime() - t0) / 1e9, extras);
  }

  /** A trained model with its optimizer and checkpoint folder. */
  private record Part(List<Parameter> params, AdamW opt, ModelSaver saver, Path dir, Checkpointer ckpt) {
    Part(List<Parameter> params, AdamW opt, ModelSaver saver, Path dir, Checkpointer.SaveHook hook, int keepLast) {
      this(params, opt, saver, dir, new Checkpointer(dir, keepLast).hook(hook));
    }

    /**
     * With no run checkpoint a further part's checkpoints are orphans: a kill between its first save and
     * the run's first save (issue 19) left them, and a fresh start would refuse to overwrite them.
     */
    void discardOrphans() throws IOException {
      for (Path d : ckpt.stepDirsNewestFirst()) dev.tulu4j.io.FileOps.deleteTree(d);
    }

    /** Loads a further part's weights and moments from its checkpoint of the run checkpoint {@code run}'s step. */
    void restore(Checkpointer.Found run) throws IOException {
      String name = Checkpointer.dirName(run.state().step());
      // parts are saved before the run checkpoint: a kill between the saves leaves newer part checkpoints
      for (Path d : ckpt.stepDirsNewestFirst())
        if (d.getFileName().toString().compareTo(name) > 0) dev.tulu4j.io.FileOps.deleteTree(d);
      Path step = dir.resolve(name);
      if (!Files.isRegularFile(step.resolve(Checkpointer.STATE_DIR).resolve("params.bin")))
        throw new IllegalStateException("no checkpoint " + step + " for run checkpoint " + run.dir());
      Checkpointer.restore(new Checkpointer.Found(step, run.state()), params, opt);
    }
  }

  /** The run's model (with this loop's saver and hook) and, for an update step, its other parts. */
  private List<Part> parts() {
    List<Part> out = new ArrayList<>();
    if (update == null) {
      out.add(new Part(params, optimizer(params), saver, cfg.outDir(), saveHook, cfg.keepLast()));
      return out;
    }
    List<UpdateStep.Part> ps = update.parts();
    out.add(new Part(params, optimizer(params), ps.getFirst().saver(), cfg.outDir(), saveHook, cfg.keepLast()));
    for (UpdateStep.Part p : ps.subList(1, ps.size())) {
      List<Parameter> pp = checked(p.params(), cfg.optim().noDecay());
      out.add(new Part(pp, optimizer(pp), p.saver(), cfg.outDir().resolve(p.name()), ph -> {}, cfg.keepLast()));
    }
    return out;
  }

  private AdamW optimizer(List<Parameter> ps) {
    return new AdamW(ps, cfg.optim()).runOn(runner); // the kernels' pool: the optimizer has no threads of its own
  }

  private void checkCompatible(Checkpointer.Found f, TrainerState s, String hash, String hashedYaml,
      LrSchedule schedule) throws IOException {
    if (!s.configHash().equals(hash)) {
      String old = Checkpointer.hashedConfig(f);
      List<String> diff = new ArrayList<>();
      List<String> a = old.lines().toList();
      List<String> b = hashedYaml.lines().toList();
      for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
        String x = i < a.size() ? a.get(i).strip() : "";
        String y = i < b.size() ? b.get(i).strip() : "";
        if (!x.equals(y)) diff.add("'" + x + "' -> '" + y + "'");
      }
      throw new IllegalStateException("cannot resume from " + f.dir() + ": the run config changed ("
          + String.join("; ", diff) + "); restore those keys or use another out_dir");
    }
    if (s.datasetSize() != datasetSize || !s.schedule().equals(schedule))
      throw new IllegalStateException("cannot resume from " + f.dir() + ": the dataset has " + datasetSize
          + " examples, the checkpoint was trained on " + s.datasetSize() + " (schedule " + s.schedule()
          + " vs " + schedule + ")");
  }
}
