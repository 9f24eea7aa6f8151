package dev.tulu4j.model;

/**
 * The trunk of {@link LlamaModel} without the LM head: the final (post-norm) hidden states and a
 * backward from their gradient, for heads other than the LM head (the scalar {@code score} head of a
 * reward or value model, HF {@code LlamaForSequenceClassification}). The backward shares
 * {@code Trunk.backwardFromHidden} with the LM-head path, so the two cannot drift apart.
 */
public final class HiddenStates {
  private HiddenStates() {}

  /** Forward without the head; returns act's lnf buffer (first B·T·C floats valid). */
  public static float[] forward(LlamaModel m, Batch batch, Activations act) {
    Trunk.forward(m, batch, act, false);
    act.forwarded = batch; // the headless forward does not mark its batch; backward() checks it
    return act.lnf;
  }

  /** The final hidden states the last forward over {@code act} left (first B·T·C floats valid). */
  public static float[] buffer(Activations act) {
    return act.lnf;
  }

  /** Backward from ∂Loss/∂lnf (B·T·C) after forward() on the same batch and training activations. */
  public static void backward(LlamaModel m, Batch batch, Activations a, float[] dHidden) {
    int n = batch.rows(), cc = m.config().hidden();
    if (dHidden.length < n * cc)
      throw new IllegalArgumentException("dHidden has length " + dHidden.length + " < B·T·C = " + n * cc);
    if (!m.hasTrainable()) throw new IllegalStateException("model was built without gradients (trainable=false) and has no active LoRA adapter");
    if (!a.training()) throw new IllegalArgumentException("backward needs training activations, got Activations.inference");
    if (a.forwarded != batch)
      throw new IllegalStateException("backward must follow hidden() on the same Batch and Activations");
    a.ensureBackwardScratch();
    System.arraycopy(dHidden, 0, a.dln, 0, n * cc);
    Trunk.backwardFromHidden(m, batch, a);
  }
}
