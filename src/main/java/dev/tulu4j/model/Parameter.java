package dev.tulu4j.model;

import dev.tulu4j.tensor.Bf16;

/**
 * One tensor of a model: its Hugging Face name, shape, values and gradient buffer (same length,
 * accumulated by backward, zeroed by the trainer). {@code decay} says whether AdamW's weight decay
 * applies (false for norms, biases and embeddings by default).
 *
 * <p>Values are held in exactly one of two ways: {@code data} (fp32, every trainable parameter:
 * full fine-tuning keeps fp32 master weights) or {@code bf16} (bfloat16 bits, 2 bytes each: a
 * frozen matrix of a bf16 checkpoint kept in its checkpoint dtype and widened to fp32 inside the
 * GEMM and decode kernels, {@link dev.tulu4j.tensor.Gemm#sgemmBf16B}). A bf16 parameter has no
 * gradient.
 */
public record Parameter(String name, int[] shape, float[] data, float[] grad, boolean decay, short[] bf16) {
  public Parameter {
    if ((data == null) == (bf16 == null))
      throw new IllegalArgumentException(name + ": exactly one of fp32 data and bf16 data must be given");
    if (bf16 != null && grad != null)
      throw new IllegalArgumentException(name + ": a bf16 parameter is frozen and has no gradient");
    if (grad != null && grad.length != data.length)
      throw new IllegalArgumentException(name + ": grad length " + grad.length + " != data length " + data.length);
  }

  /** An fp32 parameter (the common case). */
  public Parameter(String name, int[] shape, float[] data, float[] grad, boolean decay) {
    this(name, shape, data, grad, decay, null);
  }

  /** A frozen parameter held as bf16 bits. */
  public static Parameter frozenBf16(String name, int[] shape, short[] bf16, boolean decay) {
    return new Parameter(name, shape, null, null, decay, bf16);
  }

  /** True when the values are held as bf16 ({@link #bf16()}; {@link #data()} is null). */
  public boolean isBf16() {
    return bf16 != null;
  }

  /** Number of elements. */
  public int numel() {
    return bf16 != null ? bf16.length : data.length;
  }

  /** The values as fp32: {@link #data()} itself, or a widened copy of the bf16 values. */
  public float[] toFloats() {
    return bf16 != null ? Bf16.widen(bf16) : data;
  }
}
