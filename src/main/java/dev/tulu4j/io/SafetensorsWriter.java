package dev.tulu4j.io;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.TreeMap;

/**
 * Writes safetensors files the way Hugging Face does: the header lists {@code __metadata__} =
 * {@code {"format":"pt"}} and then each tensor in the caller's order, is compact JSON padded with
 * spaces to a multiple of 8 bytes (so the data region starts 8-byte aligned), and the data region
 * holds the tensors back to back in the same order.
 *
 * <p>Sharding is {@code huggingface_hub}'s greedy rule ({@code split_state_dict_into_shards_factory}):
 * tensors are taken in order and a new shard starts when the next tensor would push the current one
 * past {@code shardBytes}; a tensor larger than the limit gets a shard of its own. One deliberate
 * difference: such an oversized tensor also closes the shard being filled (huggingface_hub keeps
 * filling it after the big one), so reading the shards in name order gives the tensors in the
 * caller's order. One shard is written
 * as {@code model.safetensors}; more as {@code model-00001-of-0000N.safetensors} plus
 * {@code model.safetensors.index.json} ({@code metadata.total_size} = bytes of tensor data,
 * {@code weight_map} sorted by name).
 *
 * <p>Files are written in place and fsynced; atomicity of a whole checkpoint folder is
 * {@code HfCheckpoint.save} (package {@code checkpoint})'s job. Do not overwrite a file that is still open in a
 * {@link Safetensors}: its mapping would see the file change under it.
 */
public final class SafetensorsWriter {
  private static final int CHUNK_ELEMENTS = 1 << 18;

  private SafetensorsWriter() {}

  /** Writes one file with {@code __metadata__ = {"format": "pt"}}. */
  public static void write(Path file, SequencedMap<String, Tensor> tensors, DType dtype) {
    write(file, tensors, dtype, Map.of("format", "pt"));
  }

  /** Writes one file; {@code metadata} becomes the header's {@code __metadata__} (omitted if empty). */
  public static void write(Path file, SequencedMap<String, Tensor> tensors, DType dtype, Map<String, String> metadata) {
    byte[] header = header(tensors, dtype, metadata);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).flip();
      writeFully(ch, len);
      writeFully(ch, ByteBuffer.wrap(header));
      ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK_ELEMENTS * dtype.bytes).order(ByteOrder.LITTLE_ENDIAN);
      for (Tensor t : tensors.values()) {
        float[] d = t.data();
        for (int off = 0; off < d.length; off += CHUNK_ELEMENTS) {
          int n = Math.min(CHUNK_ELEMENTS, d.length - off);
          buf.clear();
          dtype.encode(d, off, n, buf);
          buf.flip();
          writeFully(ch, buf);
        }
      }
      ch.force(true);
    } catch (IOException e) {
      throw new CheckpointException(file + ": cannot write: " + e.getMessage(), e);
    }
  }

  /**
   * Writes {@code tensors} into {@code dir} (which must exist), sharded at {@code shardBytes} of
   * tensor data per file. Returns the files written, index last when there is one.
   */
  public static List<Path> writeSharded(Path dir, SequencedMap<String, Tensor> tensors, DType dtype, long shardBytes) {
    if (shardBytes <= 0) throw new IllegalArgumentException("shardBytes must be > 0, got " + shardBytes);
    List<SequencedMap<String, Tensor>> shards = new ArrayList<>();
    SequencedMap<String, Tensor> current = new LinkedHashMap<>();
    long currentBytes = 0;
    long total = 0;
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      long size = e.getValue().numel() * dtype.bytes;
      total += size;
      if (size > shardBytes) {
        if (!current.isEmpty()) shards.add(current);
        shards.add(new LinkedHashMap<>(Map.of(e.getKey(), e.getValue())));
        current = new LinkedHashMap<>();
        currentBytes = 0;
        continue;
      }
      if (!current.isEmpty() && currentBytes + size > shardBytes) {
        shards.add(current);
        current = new LinkedHashMap<>();
        currentBytes = 0;
      }
      current.put(e.getKey(), e.getValue());
      currentBytes += size;
    }
    if (!current.isEmpty() || shards.isEmpty()) shards.add(current);

    List<Path> written = new ArrayList<>();
    if (shards.size() == 1) {
      Path f = dir.resolve(Safetensors.SINGLE_FILE);
      write(f, shards.get(0), dtype);
      written.add(f);
      return written;
    }
    Map<String, String> weightMap = new TreeMap<>();
    for (int i = 0; i < shards.size(); i++) {
      String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
      Path f = dir.resolve(name);
      write(f, shards.get(i), dtype);
      written.add(f);
      for (String t : shards.get(i).keySet()) weightMap.put(t, name);
    }
    ObjectNode index = JsonNodeFactory.instance.objectNode();
    index.putObject("metadata").put("total_size", total);
    ObjectNode wm = index.putObject("weight_map");
    weightMap.forEach(wm::put);
    Path indexFile = dir.resolve(Safetensors.INDEX_FILE);
    writeText(indexFile, PythonJson.dumps(index) + "\n");
    written.add(indexFile);
    return written;
  }

  /** The padded header JSON for {@code tensors} stored as {@code dtype}, offsets in map order. */
  static byte[] header(SequencedMap<String, Tensor> tensors, DType dtype, Map<String, String> metadata) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    if (!metadata.isEmpty()) {
      ObjectNode m = root.putObject("__metadata__");
      metadata.forEach(m::put);
    }
    long offset = 0;
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      if (e.getKey().equals("__metadata__"))
        throw new IllegalArgumentException("'__metadata__' is reserved and cannot name a tensor");
      ObjectNode t = root.putObject(e.getKey());
      t.put("dtype", dtype.safetensorsName);
      var shape = t.putArray("shape");
      Arrays.stream(e.getValue().shape()).forEach(shape::add);
      long size = e.getValue().numel() * dtype.bytes;
      t.putArray("data_offsets").add(offset).add(offset + size);
      offset += size;
    }
    byte[] json;
    try {
      json = SafetensorsFile.JSON.writeValueAsBytes(root);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    int padded = (json.length + 7) / 8 * 8;
    byte[] out = Arrays.copyOf(json, padded);
    Arrays.fill(out, json.length, padded, (byte) ' ');
    return out;
  }

  /** Writes a UTF-8 text file and fsyncs it. */
  public static void writeText(Path file, String text) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      writeFully(ch, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
      ch.force(true);
    } catch (IOException e) {
      throw new CheckpointException(file + ": cannot write: " + e.getMessage(), e);
    }
  }

  private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) ch.write(b);
  }
}
