package dev.tulu4j.model;

/**
 * The buffers the family switches add to {@link Activations} (allocated on a family model's first
 * forward over those activations; Llama and Qwen2 never allocate them). Per layer and token, kept
 * for the backward: the q and k projections before their norm (H·D + Hkv·D) and those norms' rstd
 * (H + Hkv, or 2) when there are q/k norms; the attention and MLP outputs before their norm (2C)
 * and the two rstd (2) when norms follow the sublayers. Inference and {@link Activations#checkpointed
 * checkpointed} activations alias one layer (the checkpointed backward recomputes it).
 */
final class FamilyActivations {
  final float[][] qRaw, kRaw, rstdQ, rstdK; // q/k norm inputs and rstd
  final float[][] oRaw, rstdO, dRaw, rstdD; // sublayer outputs before the post norms
  final int[] winStart;                     // (N): first visible key under the sliding window
  float[] dtmp, dqRaw, dkRaw;               // backward scratch

  private final LlamaConfig c;
  private final int n;

  private FamilyActivations(LlamaConfig c, int n, boolean keep) {
    this.c = c;
    this.n = n;
    Family f = c.family();
    int l = c.layers();
    boolean qk = f.qkNorm() != Family.QkNorm.NONE;
    boolean perHead = f.qkNorm() == Family.QkNorm.PER_HEAD;
    boolean post = f.norms() != Family.Norms.PRE;
    qRaw = layers(l, qk ? n * c.qDim() : 0, keep);
    kRaw = layers(l, qk ? n * c.kvDim() : 0, keep);
    rstdQ = layers(l, qk ? n * (perHead ? c.heads() : 1) : 0, keep);
    rstdK = layers(l, qk ? n * (perHead ? c.kvHeads() : 1) : 0, keep);
    oRaw = layers(l, post ? n * c.hidden() : 0, keep);
    rstdO = layers(l, post ? n : 0, keep);
    dRaw = layers(l, post ? n * c.hidden() : 0, keep);
    rstdD = layers(l, post ? n : 0, keep);
    winStart = new int[n];
  }

  /** The family buffers of {@code a}, created on first use. */
  static FamilyActivations of(Activations a, LlamaConfig c) {
    if (a.family == null) a.family = new FamilyActivations(c, a.capacity, a.training() && !a.isCheckpointed());
    return a.family;
  }

  /**
   * Bytes these buffers take for {@code tokens} tokens (0 for Llama and Qwen2, which never allocate
   * them): L layers' worth for training, one for inference or checkpointed training.
   */
  static long bytes(LlamaConfig c, int tokens, boolean training, boolean checkpointed) {
    Family f = c.family();
    if (f.isPlain()) return 0;
    long perLayer = 0;
    if (f.qkNorm() != Family.QkNorm.NONE)
      perLayer += c.qDim() + c.kvDim() + (f.qkNorm() == Family.QkNorm.PER_HEAD ? c.heads() + c.kvHeads() : 2);
    if (f.norms() != Family.Norms.PRE) perLayer += 2L * c.hidden() + 2;
    long back = training ? c.hidden() + (long) c.qDim() + c.kvDim() : 0;
    return 4L * tokens * ((training && !checkpointed ? c.layers() : 1) * perLayer + 1 + back);
  }

  void ensureBackwardScratch() {
    if (dtmp != null) return;
    dtmp = new float[n * c.hidden()];
    dqRaw = new float[n * c.qDim()];
    dkRaw = new float[n * c.kvDim()];
  }

  private static float[][] layers(int l, int size, boolean distinct) {
    float[][] a = new float[l][];
    for (int i = 0; i < l; i++) a[i] = distinct || i == 0 ? new float[size] : a[0];
    return a;
  }
}
