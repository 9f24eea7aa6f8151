package dev.tulu4j.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * Element types tulu4j reads from and writes to safetensors files. In memory everything is fp32;
 * these are storage formats only.
 *
 * <p>Conversions from fp32 round to nearest, ties to even, as PyTorch's {@code tensor.to(bfloat16)}
 * and {@code to(float16)} do (IEEE 754-2008 §4.3.1). NaN stays NaN (quiet), infinities stay
 * infinite, values beyond the format's range become infinity, and F16 subnormals are produced and
 * read exactly. BF16 has fp32's exponent range, so fp32 subnormals map to BF16 subnormals.
 */
public enum DType {
  F32(4, "F32", "float32"),
  F16(2, "F16", "float16"),
  BF16(2, "BF16", "bfloat16");

  /** Bytes per element. */
  public final int bytes;
  /** The dtype string in a safetensors header. */
  public final String safetensorsName;
  /** The {@code torch_dtype} string in a Hugging Face config.json. */
  public final String torchName;

  DType(int bytes, String safetensorsName, String torchName) {
    this.bytes = bytes;
    this.safetensorsName = safetensorsName;
    this.torchName = torchName;
  }

  private static final ValueLayout.OfFloat F32_LE =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfShort I16_LE =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final int CHUNK = 1 << 16;

  /** The dtype a safetensors header names, or empty if tulu4j does not read it (I64, F64, U8...). */
  public static Optional<DType> fromSafetensors(String name) {
    for (DType t : values()) if (t.safetensorsName.equals(name)) return Optional.of(t);
    return Optional.empty();
  }

  /** The dtype of a config.json {@code torch_dtype} value, or empty if not one of ours. */
  public static Optional<DType> fromTorch(String name) {
    for (DType t : values()) if (t.torchName.equals(name)) return Optional.of(t);
    return Optional.empty();
  }

  /**
   * fp32 → bf16 bits, round to nearest even: add 0x7FFF plus the lowest kept bit, then truncate
   * the low 16 bits (the carry propagates into the exponent, so overflow gives infinity). NaN is
   * kept as a quiet NaN with its sign and top payload bits.
   */
  public static short toBf16(float f) {
    int bits = Float.floatToRawIntBits(f);
    if ((bits & 0x7fffffff) > 0x7f800000) return (short) ((bits >>> 16) | 0x0040);
    int rounded = bits + 0x7fff + ((bits >>> 16) & 1);
    return (short) (rounded >>> 16);
  }

  /** bf16 bits → fp32, exact (bf16 is the top half of an fp32). */
  public static float fromBf16(short h) {
    return Float.intBitsToFloat((h & 0xffff) << 16);
  }

  /** fp32 → IEEE binary16 bits, round to nearest even ({@link Float#floatToFloat16}). */
  public static short toF16(float f) {
    return Float.floatToFloat16(f);
  }

  /** IEEE binary16 bits → fp32, exact ({@link Float#float16ToFloat}). */
  public static float fromF16(short h) {
    return Float.float16ToFloat(h);
  }

  /**
   * Decodes {@code n} little-endian elements of this dtype starting at byte {@code offset} of
   * {@code src} into {@code dst[dstOff .. dstOff+n)}.
   */
  public void decode(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
    if (this == F32) {
      MemorySegment.copy(src, F32_LE, offset, dst, dstOff, n);
      return;
    }
    short[] buf = new short[Math.min(n, CHUNK)];
    for (int done = 0; done < n; ) {
      int m = Math.min(buf.length, n - done);
      MemorySegment.copy(src, I16_LE, offset + (long) done * 2, buf, 0, m);
      if (this == BF16) for (int i = 0; i < m; i++) dst[dstOff + done + i] = fromBf16(buf[i]);
      else for (int i = 0; i < m; i++) dst[dstOff + done + i] = fromF16(buf[i]);
      done += m;
    }
  }

  /**
   * Decodes {@code n} little-endian elements of this dtype starting at byte {@code offset} of
   * {@code src} into bf16 bits {@code dst[dstOff .. dstOff+n)}: BF16 is copied as stored, F32 and
   * F16 are rounded to nearest even (F16 → BF16 is exact only within BF16's 8-bit mantissa).
   */
  public void decodeBf16(MemorySegment src, long offset, short[] dst, int dstOff, int n) {
    if (this == BF16) {
      MemorySegment.copy(src, I16_LE, offset, dst, dstOff, n);
      return;
    }
    float[] buf = new float[Math.min(n, CHUNK)];
    for (int done = 0; done < n; ) {
      int m = Math.min(buf.length, n - done);
      decode(src, offset + (long) done * bytes, buf, 0, m);
      for (int i = 0; i < m; i++) dst[dstOff + done + i] = toBf16(buf[i]);
      done += m;
    }
  }

  /**
   * Encodes {@code src[off .. off+n)} into {@code dst} (which must have {@code n·bytes} remaining
   * and be little-endian), rounding as described in the class comment.
   */
  public void encode(float[] src, int off, int n, ByteBuffer dst) {
    if (dst.order() != ByteOrder.LITTLE_ENDIAN) throw new IllegalArgumentException("buffer must be little-endian");
    switch (this) {
      case F32 -> {
        for (int i = 0; i < n; i++) dst.putFloat(src[off + i]);
      }
      case F16 -> {
        for (int i = 0; i < n; i++) dst.putShort(toF16(src[off + i]));
      }
      case BF16 -> {
        for (int i = 0; i < n; i++) dst.putShort(toBf16(src[off + i]));
      }
    }
  }
}
