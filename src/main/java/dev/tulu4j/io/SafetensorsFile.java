package dev.tulu4j.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One memory-mapped {@code .safetensors} file with a fully validated header.
 *
 * <p>Format (huggingface/safetensors, "Format" section of its README): an 8-byte little-endian
 * unsigned header length {@code N}; {@code N} bytes of UTF-8 JSON mapping each tensor name to
 * {@code {"dtype", "shape", "data_offsets": [begin, end]}} (offsets relative to the data region),
 * plus an optional {@code "__metadata__"} string→string map; then the data region, which the
 * tensors must cover exactly, without holes or overlaps. Every rule is checked when the file is
 * opened, so a tensor is either read exactly as stored or the file is rejected with a message
 * naming the file and the tensor.
 *
 * <p>The whole file is mapped once through an {@link Arena} (no 2 GB limit); tensors are decoded
 * to fp32 only when {@link #load} asks for them. Not thread-confined: loads may run in parallel.
 */
public final class SafetensorsFile implements AutoCloseable {
  /** Header size cap, as in the reference implementation: a larger header is corruption. */
  static final long MAX_HEADER_BYTES = 100L << 20;

  public static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private final Path file;
  private final Arena arena;
  private final MemorySegment data; // the data region only
  private final Map<String, TensorInfo> tensors; // header order
  private final Map<String, String> metadata;

  private SafetensorsFile(
      Path file, Arena arena, MemorySegment data, Map<String, TensorInfo> tensors, Map<String, String> metadata) {
    this.file = file;
    this.arena = arena;
    this.data = data;
    this.tensors = tensors;
    this.metadata = metadata;
  }

  /** Maps {@code file} and validates its header; throws {@link CheckpointException} if it is bad. */
  public static SafetensorsFile open(Path file) {
    Arena arena = Arena.ofShared();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < 8)
        throw bad(file, "file is " + size + " bytes, too short for the 8-byte header length");
      MemorySegment all = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
      long n = all.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
      if (n < 0 || n > size - 8)
        throw bad(file, "header length " + Long.toUnsignedString(n) + " is larger than the "
            + (size - 8) + " bytes that follow it (truncated file or not a safetensors file)");
      if (n > MAX_HEADER_BYTES)
        throw bad(file, "header length " + n + " exceeds the " + MAX_HEADER_BYTES + "-byte limit");
      byte[] header = all.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE);
      MemorySegment data = all.asSlice(8 + n);
      Map<String, String> metadata = new LinkedHashMap<>();
      Map<String, TensorInfo> tensors = parseHeader(file, header, data.byteSize(), metadata);
      return new SafetensorsFile(file, arena, data, tensors, metadata);
    } catch (IOException e) {
      arena.close();
      throw new CheckpointException(file + ": cannot read: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      arena.close();
      throw e;
    }
  }

  private static CheckpointException bad(Path file, String what) {
    return new CheckpointException(file + ": bad safetensors file: " + what);
  }

  private static Map<String, TensorInfo> parseHeader(
      Path file, byte[] header, long dataSize, Map<String, String> metadata) {
    if (header.length == 0 || header[0] != '{')
      throw bad(file, "header does not start with '{' (not a safetensors file)");
    JsonNode root;
    try {
      root = JSON.readTree(header);
    } catch (JsonProcessingException e) {
      throw bad(file, "header is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw bad(file, "header is not valid JSON: " + e.getMessage());
    }
    if (root == null || !root.isObject()) throw bad(file, "header is not a JSON object");
    Map<String, TensorInfo> tensors = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : root.properties()) {
      String name = e.getKey();
      JsonNode v = e.getValue();
      if (name.equals("__metadata__")) {
        if (!v.isObject()) throw bad(file, "__metadata__ must be an object of strings");
        for (Map.Entry<String, JsonNode> m : v.properties()) {
          if (!m.getValue().isTextual())
            throw bad(file, "__metadata__." + m.getKey() + " must be a string, got " + m.getValue());
          metadata.put(m.getKey(), m.getValue().asText());
        }
        continue;
      }
      tensors.put(name, parseEntry(file, name, v, dataSize));
    }
    checkCoverage(file, tensors.values(), dataSize);
    return Collections.unmodifiableMap(tensors);
  }

  private static TensorInfo parseEntry(Path file, String name, JsonNode v, long dataSize) {
    String where = "tensor '" + name + "': ";
    if (!v.isObject()) throw bad(file, where + "entry must be an object, got " + v);
    for (Map.Entry<String, JsonNode> f : v.properties())
      if (!List.of("dtype", "shape", "data_offsets").contains(f.getKey()))
        throw bad(file, where + "unexpected key '" + f.getKey() + "'");
    JsonNode dt = v.get("dtype");
    if (dt == null || !dt.isTextual()) throw bad(file, where + "missing or non-string dtype");
    DType dtype =
        DType.fromSafetensors(dt.asText())
            .orElseThrow(() -> bad(file, where + "unsupported dtype '" + dt.asText()
                + "' (tulu4j reads F32, F16 and BF16)"));
    JsonNode sh = v.get("shape");
    if (sh == null || !sh.isArray()) throw bad(file, where + "missing or non-array shape");
    int[] shape = new int[sh.size()];
    long numel = 1;
    for (int i = 0; i < shape.length; i++) {
      JsonNode d = sh.get(i);
      if (!d.isIntegralNumber() || !d.canConvertToInt() || d.asInt() < 0)
        throw bad(file, where + "shape " + sh + " has a dimension that is not an int >= 0");
      shape[i] = d.asInt();
      try {
        numel = Math.multiplyExact(numel, shape[i]);
      } catch (ArithmeticException ex) {
        throw bad(file, where + "shape " + sh + " overflows");
      }
    }
    JsonNode off = v.get("data_offsets");
    if (off == null || !off.isArray() || off.size() != 2)
      throw bad(file, where + "data_offsets must be an array [begin, end]");
    for (JsonNode o : off)
      if (!o.isIntegralNumber() || !o.canConvertToLong() || o.asLong() < 0)
        throw bad(file, where + "data_offsets " + off + " must be integers >= 0");
    long begin = off.get(0).asLong();
    long end = off.get(1).asLong();
    if (begin > end) throw bad(file, where + "data_offsets " + off + " has begin > end");
    if (end > dataSize)
      throw bad(file, where + "data_offsets " + off + " run past the end of the data region ("
          + dataSize + " bytes; truncated file?)");
    long need = numel > Long.MAX_VALUE / dtype.bytes ? -1 : numel * dtype.bytes;
    if (end - begin != need)
      throw bad(file, where + "holds " + (end - begin) + " bytes but " + dtype + " × shape "
          + Arrays.toString(shape) + " needs " + (need < 0 ? "more than 2^63" : need));
    return new TensorInfo(name, dtype, shape, file, begin, end);
  }

  /** Sorted by offset, tensors must tile [0, dataSize) exactly (reference implementation rule). */
  private static void checkCoverage(Path file, java.util.Collection<TensorInfo> tensors, long dataSize) {
    List<TensorInfo> byOffset = new ArrayList<>(tensors);
    byOffset.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
    long pos = 0;
    TensorInfo prev = null;
    for (TensorInfo t : byOffset) {
      if (t.begin() < pos)
        throw bad(file, "tensors '" + prev.name() + "' [" + prev.begin() + ", " + prev.end() + ") and '"
            + t.name() + "' [" + t.begin() + ", " + t.end() + ") overlap");
      if (t.begin() > pos)
        throw bad(file, "bytes [" + pos + ", " + t.begin() + ") of the data region belong to no tensor"
            + " (before '" + t.name() + "')");
      pos = t.end();
      prev = t;
    }
    if (pos != dataSize)
      throw bad(file, "data region is " + dataSize + " bytes but the tensors end at " + pos
          + " (trailing bytes belong to no tensor)");
  }

  public Path file() {
    return file;
  }

  /** Tensor entries in header order. */
  public Map<String, TensorInfo> tensors() {
    return tensors;
  }

  /** The {@code __metadata__} map (empty if absent). */
  public Map<String, String> metadata() {
    return Collections.unmodifiableMap(metadata);
  }

  /** Decodes one tensor to fp32; throws {@link CheckpointException} if the name is not here. */
  public Tensor load(String name) {
    TensorInfo t = arrayTensor(name);
    int n = (int) t.numel();
    float[] out = new float[n];
    t.dtype().decode(data, t.begin(), out, 0, n);
    return new Tensor(t.shape(), out);
  }

  /**
   * Decodes one tensor straight into {@code dst} (e.g. a model parameter's array), which must have
   * exactly the tensor's element count: no intermediate copy.
   */
  public void loadInto(String name, float[] dst) {
    TensorInfo t = tensors.get(name);
    if (t == null) throw new CheckpointException(file + ": no tensor named '" + name + "'");
    if (t.numel() != dst.length)
      throw new CheckpointException(file + ": tensor '" + name + "' has " + t.numel() + " elements "
          + Arrays.toString(t.shape()) + ", the destination holds " + dst.length);
    t.dtype().decode(data, t.begin(), dst, 0, dst.length);
  }

  /**
   * Decodes one tensor to bf16 bits (a frozen weight kept in its checkpoint dtype): BF16 data is
   * copied as stored, other dtypes rounded ({@link DType#decodeBf16}).
   */
  public short[] loadBf16(String name) {
    TensorInfo t = arrayTensor(name);
    int n = (int) t.numel();
    short[] out = new short[n];
    t.dtype().decodeBf16(data, t.begin(), out, 0, n);
    return out;
  }

  /** The tensor named {@code name}, checked to exist and to fit one Java array. */
  private TensorInfo arrayTensor(String name) {
    TensorInfo t = tensors.get(name);
    if (t == null) throw new CheckpointException(file + ": no tensor named '" + name + "'");
    long n = t.numel();
    if (n > Integer.MAX_VALUE - 8)
      throw new CheckpointException(file + ": tensor '" + name + "' has " + n
          + " elements, more than one Java array holds");
    return t;
  }

  /** Unmaps the file; loaded tensors stay valid, further loads fail. */
  @Override
  public void close() {
    if (arena.scope().isAlive()) arena.close();
  }
}
