package dev.tulu4j.train;

import dev.tulu4j.model.Parameter;
import java.util.List;

/**
 * A step of {@link TrainLoop} that runs its own optimizer updates, for trainers whose step is more
 * than "accumulate one gradient, take one AdamW step": RLVR takes a rollout batch, computes
 * advantages over it, then makes several AdamW updates of the policy and of the value model. The
 * loop still owns everything around the step: the data order, the AdamW of every {@link Part}
 * (built from {@code train.optim} and {@code train.threads}), checkpoints of every part, resume,
 * metrics.jsonl and the progress bar.
 */
public interface UpdateStep {
  /**
   * One trained model: its parameters (grad buffers present) and the Hugging Face folder it writes
   * into a checkpoint. The first part is the run's model, checkpointed in {@code out_dir}; any other
   * is checkpointed in {@code out_dir/NAME/} with the same step names, saved before the first part's
   * checkpoint (so a complete run checkpoint implies complete part checkpoints).
   */
  record Part(String name, List<Parameter> params, ModelSaver saver) {
    public Part {
      params = List.copyOf(params);
    }
  }

  /** The trained models, the run's model first. */
  List<Part> parts();

  /** Examples the loop takes from the data order for each step (RLVR: the prompts of a rollout batch). */
  int examplesPerStep();

  /**
   * Called once before the first step with the run's step count; returns the learning-rate schedule
   * recorded in checkpoints (a resume with a different one is refused).
   */
  LrSchedule plan(int totalSteps);

  /**
   * Runs step {@code batch.step()} on the examples {@code batch.indices()} ({@link #examplesPerStep}
   * of them; {@code batch.rng()} is the loop's checkpointed RNG). {@code optimizers.get(i)} updates
   * {@code parts().get(i)}; the step calls {@link AdamW#step} itself, as often as it needs.
   */
  StepReport step(Batch batch, List<AdamW> optimizers);
}
