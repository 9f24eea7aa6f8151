package dev.tulu4j.sft;

import dev.tulu4j.model.Activations;
import dev.tulu4j.model.Batch;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.train.StepFunction;
import dev.tulu4j.train.StepStats;
import java.util.Map;
import java.util.function.Function;

/**
 * The causal-LM loss as a {@link StepFunction}: token negative log-likelihood summed over the
 * trained targets of a micro-batch (SFT: assistant tokens; pretraining: every token), backpropagated
 * with {@code batch.lossScale(count)} so that the train loop's reduction applies — under
 * {@code sum} every trained token of the effective batch weighs the same (Tülu 3 SFT, open-instruct
 * {@code reduce_loss=sum}); under {@code mean} each micro-batch's mean is averaged.
 *
 * <p>The micro-batch's example indices become a {@link PackedBatch} through {@code batcher} (packed
 * rows with restarting positions and segment ids, or one padded row per example); the model's
 * segment isolation makes the loss of an example independent of what shares its row.
 */
public final class CausalLmStep implements StepFunction {
  private final LlamaModel model;
  private final Function<int[], PackedBatch> batcher;
  private Activations act;

  /** @param batcher example indices (in data order) → the micro-batch's rows */
  public CausalLmStep(LlamaModel model, Function<int[], PackedBatch> batcher) {
    this.model = model;
    this.batcher = batcher;
  }

  @Override
  public StepStats forwardBackward(dev.tulu4j.train.Batch batch) {
    PackedBatch pb = batcher.apply(batch.indices());
    int tokens = pb.rows() * pb.length();
    if (act == null || act.capacity() < tokens) act = model.newActivations(tokens);
    Batch b = new Batch(pb.rows(), pb.length(), pb.tokens(), pb.targets(), pb.positions(), pb.segments());
    // LoRA dropout: a fresh mask per micro-batch from the loop's checkpointed generator (resumes draw the same)
    if (model.loraActive() && model.lora().config().dropout() > 0) model.lora().dropoutSeed(batch.rng().nextLong());
    LlamaModel.LogProbs lp = model.lossAndBackward(b, act, (float) batch.lossScale(pb.trainedTokens()));
    return new StepStats(lp.lossSum(), lp.tokens(),
        Map.of("rows", (double) pb.rows(), "row_fill", pb.realTokens() / (double) tokens));
  }
}
