package dev.tulu4j.model;

/**
 * Reusable activation buffers for up to {@code capacity} tokens (B·T) of one model, saved by the
 * forward for the backward (llm.c style: allocated once, overwritten every step). Backward scratch
 * is allocated on the first backward only, so inference pays for none of it.
 *
 * <p>Saved per layer and token, in floats: residual input C, rstd1 1, q H·D, k Hkv·D, v Hkv·D,
 * attention output H·D, lse H, mid residual C, rstd2 1, gate F, up F — see
 * {@link #bytesPerTokenPerLayer}. The two RMSNorm outputs and silu(gate)·up are not kept: one
 * buffer each serves every layer and the backward recomputes them from the saved residuals, rstd
 * and gate/up (cheap element-wise work that saves (2C + F) floats per token per layer).
 *
 * <p>{@link #checkpointed Checkpointed} training activations keep only each layer's input residual
 * (C per token per layer); every other per-layer buffer is one "scratch layer" shared by all layers,
 * and the backward recomputes layer l's forward into it from {@code res[l]} before going back
 * through it (activation checkpointing: the same kernels on the same inputs, so the gradients are
 * bit-identical to the stored path, for about a third more forward work).
 */
public final class Activations {
  final int capacity;
  final float[][] res;     // L+1 × (N, C): input of layer l; res[L] is the final residual
  final float[][] ln1;     // L × (N, C), one buffer aliased by all layers (recomputed in backward)
  final float[][] rstd1;   // L × (N)
  final float[][] q;       // L × (N, H·D), after RoPE
  final float[][] k;       // L × (N, Hkv·D), after RoPE
  final float[][] v;       // L × (N, Hkv·D)
  final float[][] att;     // L × (N, H·D)
  final float[][] lse;     // L × (N, H)
  final float[][] resMid;  // L × (N, C): residual after attention
  final float[][] ln2;     // L × (N, C), aliased like ln1
  final float[][] rstd2;   // L × (N)
  final float[][] gate;    // L × (N, F)
  final float[][] up;      // L × (N, F)
  final float[][] h;       // L × (N, F): silu(gate)·up, aliased like ln1
  final float[] lnf;       // (N, C)
  final float[] rstdf;     // (N)
  final float[] ropeCos;   // (N, D/2)
  final float[] ropeSin;   // (N, D/2)
  final int[] start;       // (N): first visible key (time index) of each query
  final float[] headLse;   // (N): log-sum-exp of the LM-head logits
  final float[] logp;      // (N): log-prob of each target
  final float[] headScratch; // (chunk, V)
  FamilyActivations family; // OLMo 2 / Qwen3 / Mistral / Gemma 2 extras, created by FamilyTrunk
  Batch forwarded;         // the batch of the last forward with the LM head (what a backward may follow)
  LoraAdapter.Saved loraSaved; // an adapter's x·Aᵀ kept for its backward (LoRA training only), created on first use
  // backward scratch, allocated lazily
  float[] dres, dln, dq, dk, dv, datt, dgate, dup, dh; // (N, ·)

  private final LlamaConfig cfg;
  private final boolean training;
  private final boolean checkpointed;
  int slotLayer = -1;      // checkpointed: the layer whose activations the shared buffers hold now
  private float logitScale = 1f;

  /** Training activations: every layer's buffers are kept for the backward. */
  public Activations(LlamaConfig c, int capacity) {
    this(c, capacity, true, false);
  }

  /**
   * Training activations with activation checkpointing: the residual input of every layer is kept,
   * the rest of each layer is recomputed in the backward (see the class comment). Memory per token
   * is about {@code L·C} floats plus one layer's buffers instead of {@code L} layers' buffers.
   */
  public static Activations checkpointed(LlamaConfig c, int capacity) {
    return new Activations(c, capacity, true, true);
  }

  /** Training activations, {@link #checkpointed} or keeping every layer. */
  public static Activations training(LlamaConfig c, int capacity, boolean checkpointed) {
    return new Activations(c, capacity, true, checkpointed);
  }

  /**
   * Inference activations for scoring (reference log-probs for DPO, RLVR, evaluation): one layer's
   * buffers shared by all layers and two alternating residual buffers, so memory is about 1/L of
   * training activations. {@link LlamaModel#backward} refuses them.
   */
  public static Activations inference(LlamaConfig c, int capacity) {
    return new Activations(c, capacity, false, false);
  }

  private Activations(LlamaConfig c, int capacity, boolean training, boolean checkpointed) {
    if (capacity <= 0) throw new IllegalArgumentException("activation capacity must be > 0, got " + capacity);
    this.cfg = c;
    this.capacity = capacity;
    this.training = training;
    this.checkpointed = checkpointed;
    long widest = (long) capacity * Math.max(Math.max(c.hidden(), c.intermediate()), Math.max(c.qDim(), c.kvDim()));
    if (widest > Integer.MAX_VALUE - 8)
      throw new IllegalArgumentException("activation capacity " + capacity + " tokens needs arrays of " + widest
          + " floats, beyond Java's array limit; use smaller micro-batches");
    int n = capacity;
    int l = c.layers();
    res = new float[l + 1][];
    for (int i = 0; i <= l; i++) res[i] = training || i < 2 ? new float[n * c.hidden()] : res[i % 2];
    boolean keep = training && !checkpointed; // distinct buffers per layer
    ln1 = layers(l, n * c.hidden(), false);
    rstd1 = layers(l, n, keep);
    q = layers(l, n * c.qDim(), keep);
    k = layers(l, n * c.kvDim(), keep);
    v = layers(l, n * c.kvDim(), keep);
    att = layers(l, n * c.qDim(), keep);
    lse = layers(l, n * c.heads(), keep);
    resMid = layers(l, n * c.hidden(), keep);
    ln2 = layers(l, n * c.hidden(), false);
    rstd2 = layers(l, n, keep);
    gate = layers(l, n * c.intermediate(), keep);
    up = layers(l, n * c.intermediate(), keep);
    h = layers(l, n * c.intermediate(), false);
    lnf = new float[n * c.hidden()];
    rstdf = new float[n];
    ropeCos = new float[n * c.headDim() / 2];
    ropeSin = new float[n * c.headDim() / 2];
    start = new int[n];
    headLse = new float[n];
    logp = new float[n];
    headScratch = new float[LogSoftmaxHead.chunkRows(n, c.vocabSize()) * c.vocabSize()];
  }

  /** L arrays of the given size, or (inference) one array aliased L times. */
  private static float[][] layers(int l, int size, boolean distinct) {
    float[][] a = new float[l][];
    for (int i = 0; i < l; i++) a[i] = distinct || i == 0 ? new float[size] : a[0];
    return a;
  }

  /**
   * Temperature T of the LM head's log-softmax for passes through these activations: log-probs are
   * of softmax(z / T) (the sampling distribution at temperature T), and the backward is that of the
   * scaled logits. 1 by default; RLVR sets its rollout temperature (open-instruct and TRL divide the
   * logits by the sampling temperature in training).
   */
  public void logitTemperature(double t) {
    if (!(t > 0) || Double.isInfinite(t)) throw new IllegalArgumentException("logit temperature must be > 0, got " + t);
    this.logitScale = (float) (1.0 / t);
  }

  /** 1 / {@link #logitTemperature}: the scale of the head's logits. */
  float logitScale() {
    return logitScale;
  }

  /** Whether these activations keep every layer (true) or are inference-only (false). */
  public boolean training() {
    return training;
  }

  /** Whether the backward recomputes each layer from its saved input ({@link #checkpointed}). */
  public boolean isCheckpointed() {
    return checkpointed;
  }

  /** Token capacity (max B·T). */
  public int capacity() {
    return capacity;
  }

  void ensureBackwardScratch() {
    if (dres != null) return;
    int n = capacity;
    dres = new float[n * cfg.hidden()];
    dln = new float[n * cfg.hidden()];
    dq = new float[n * cfg.qDim()];
    dk = new float[n * cfg.kvDim()];
    dv = new float[n * cfg.kvDim()];
    datt = new float[n * cfg.qDim()];
    dgate = new float[n * cfg.intermediate()];
    dup = new float[n * cfg.intermediate()];
    dh = new float[n * cfg.intermediate()];
  }

  /**
   * Saved activation bytes per token per layer (fp32):
   * {@code 4·(2C + 2·H·D + 2·Hkv·D + H + 2F + 2)} — residual in and mid (2C), q and attention
   * output (2·H·D), k and v (2·Hkv·D), attention lse (H), gate and up (2F), two rstd (2).
   */
  public static long bytesPerTokenPerLayer(LlamaConfig c) {
    return 4L * (2L * c.hidden() + 2L * c.qDim() + 2L * c.kvDim() + c.heads() + 2L * c.intermediate() + 2);
  }

  /**
   * Total bytes of {@code new Activations(c, tokens)} (training) or {@code Activations.inference}:
   * the layers ({@code L} of them, or one for inference), per-token extras
   * shared by all layers (final — for inference the alternate — residual C, ln1/ln2 2C, silu·up F, final norm C+1, RoPE tables D,
   * start/lse/logp 3), the LM-head chunk scratch and — training only — the backward scratch
   * {@code 4·(2C + 2·H·D + 2·Hkv·D + 3F)} per token; plus the family buffers of {@link FamilyActivations} (none for Llama/Qwen2).
   */
  public static long bytes(LlamaConfig c, int tokens, boolean training) {
    return bytes(c, tokens, training, false);
  }

  /**
   * {@link #bytes(LlamaConfig, int, boolean)}, or with {@code checkpointed} those of
   * {@link #checkpointed}: the L kept layer inputs (C per token each) and one layer's buffers
   * without its input residual, in place of L layers.
   */
  public static long bytes(LlamaConfig c, int tokens, boolean training, boolean checkpointed) {
    long layers = !training ? bytesPerTokenPerLayer(c)
        : checkpointed ? 4L * c.layers() * c.hidden() + bytesPerTokenPerLayer(c) - 4L * c.hidden()
        : c.layers() * bytesPerTokenPerLayer(c);
    long shared = 4L * (4L * c.hidden() + c.intermediate() + 1 + c.headDim() + 3);
    long head = 4L * LogSoftmaxHead.chunkRows(tokens, c.vocabSize()) * c.vocabSize();
    long back = training ? 4L * (2L * c.hidden() + 2L * c.qDim() + 2L * c.kvDim() + 3L * c.intermediate()) : 0;
    return tokens * (layers + shared + back) + head + FamilyActivations.bytes(c, tokens, training, checkpointed);
  }

  /**
   * Bytes of the LM head's weight packed once per pass ({@code LogSoftmaxHead.packedHead}) during a
   * training call of {@code tokens} tokens: an fp32 head of at most
   * {@code LogSoftmaxHead.MAX_PACKED_HEAD_FLOATS} panel floats when the call takes more than one row
   * chunk, else 0 (a bf16 head packs nothing; counted anyway). A temporary beside {@link #bytes}.
   */
  public static long headPanelBytes(LlamaConfig c, int tokens) {
    long floats = (c.vocabSize() + 15L) / 16 * 16 * c.hidden(); // panels pad each column block to 16 lanes
    boolean chunked = tokens > LogSoftmaxHead.chunkRows(tokens, c.vocabSize());
    return chunked && floats <= LogSoftmaxHead.MAX_PACKED_HEAD_FLOATS ? 4 * floats : 0;
  }
}
