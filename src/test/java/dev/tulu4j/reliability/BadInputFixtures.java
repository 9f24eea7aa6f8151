package dev.tulu4j.reliability;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tulu4j.io.DType;
import dev.tulu4j.checkpoint.HfCheckpoint;
import dev.tulu4j.runtime.TinyCheckpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.LocalOutputFile;

/** Builders of the damaged files of {@link BadInputCorpusTest}: every one starts from a valid file and breaks one thing. */
final class BadInputFixtures {
  static final ObjectMapper JSON = new ObjectMapper();

  private BadInputFixtures() {}

  static Path write(Path p, String text) {
    return write(p, text.getBytes(StandardCharsets.UTF_8));
  }

  static Path write(Path p, byte[] bytes) {
    try {
      Files.createDirectories(p.getParent());
      Files.write(p, bytes);
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) n += p.length;
    ByteBuffer b = ByteBuffer.allocate(n);
    for (byte[] p : parts) b.put(p);
    return b.array();
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The damaged versions of a JSONL file whose valid line is {@code good} and whose line with a
   * wrong field type is {@code wrongType}: name → bytes. "bom" and "crlf" are valid and must work.
   */
  static Map<String, byte[]> jsonlVariants(String good, String wrongType, boolean withBigLine) {
    Map<String, byte[]> m = new LinkedHashMap<>();
    m.put("empty file", new byte[0]);
    m.put("invalid JSON on line 3", utf8(good + "\n" + good + "\n" + good.substring(0, good.length() / 2) + "\n" + good + "\n"));
    m.put("wrong field type on line 2", utf8(good + "\n" + wrongType + "\n"));
    m.put("invalid UTF-8 on line 2", concat(utf8(good + "\n"), utf8(good.substring(0, good.length() - 3)),
        new byte[] {(byte) 0xC3, (byte) 0x28, (byte) 0xFF}, utf8(good.substring(good.length() - 3) + "\n")));
    m.put("NaN literal on line 2", utf8(good + "\n{\"x\": NaN, " + good.substring(1) + "\n"));
    m.put("truncated last line", utf8(good + "\n" + good.substring(0, good.length() - 4)));
    if (withBigLine) {
      byte[] big = new byte[50 << 20];
      Arrays.fill(big, (byte) 'a');
      m.put("50 MB line", concat(utf8(good + "\n{\"x\": \""), big, utf8("\"}\n")));
    }
    m.put("bom", utf8("\uFEFF" + good + "\n" + good + "\n"));
    m.put("crlf", utf8(good + "\r\n" + good + "\r\n"));
    return m;
  }

  /** A valid Parquet file of {@code rows} rows with one string column {@code id}, then cut to {@code keep} of its bytes (1 = whole). */
  static Path parquet(Path p, int rows, double keep) {
    Schema s = SchemaBuilder.record("r").fields().requiredString("id").endRecord();
    try {
      Files.deleteIfExists(p);
      try (ParquetWriter<GenericRecord> w = AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(p)).withSchema(s).build()) {
        for (int i = 0; i < rows; i++) {
          GenericData.Record r = new GenericData.Record(s);
          r.put("id", "row-" + i);
          w.write(r);
        }
      }
      if (keep < 1) {
        byte[] all = Files.readAllBytes(p);
        Files.write(p, Arrays.copyOf(all, (int) (all.length * keep)));
      }
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A copy of the checkpoint folder {@code ck} at {@code dst}. */
  static Path copy(Path ck, Path dst) {
    try (Stream<Path> files = Files.list(ck)) {
      Files.createDirectories(dst);
      for (Iterator<Path> it = files.iterator(); it.hasNext(); ) {
        Path f = it.next();
        if (Files.isRegularFile(f)) Files.copy(f, dst.resolve(f.getFileName()));
      }
      return dst;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every damaged checkpoint folder: name → folder, each a copy of the valid tiny checkpoint with one fault. */
  static Map<String, Path> checkpoints(Path root) throws IOException {
    Path ck = TinyCheckpoint.write(root, "ck", false, DType.F32, false);
    Map<String, Path> m = new LinkedHashMap<>();
    Path d = copy(ck, root.resolve("ck-no-config"));
    Files.delete(d.resolve("config.json"));
    m.put("missing config.json", d);
    m.put("config.json not JSON", configEdit(ck, root.resolve("ck-config-garbled"), null));
    m.put("config.json wrong type", configEdit(ck, root.resolve("ck-config-type"), c -> c.put("hidden_size", "big")));
    m.put("config.json sizes inconsistent with tensors", configEdit(ck, root.resolve("ck-sizes"), c -> c.put("intermediate_size", 96)));
    m.put("config.json heads do not divide hidden", configEdit(ck, root.resolve("ck-heads"), c -> c.put("num_attention_heads", 3)));
    Path st = ck.resolve("model.safetensors");
    byte[] good = Files.readAllBytes(st);
    d = copy(ck, root.resolve("ck-truncated"));
    Files.write(d.resolve("model.safetensors"), Arrays.copyOf(good, good.length / 2));
    m.put("truncated safetensors", d);
    d = copy(ck, root.resolve("ck-header-long"));
    byte[] h = good.clone();
    ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN).putLong(0, good.length + 100L);
    Files.write(d.resolve("model.safetensors"), h);
    m.put("safetensors header longer than the file", d);
    m.put("overlapping tensor offsets", headerEdit(ck, root.resolve("ck-overlap"), hdr -> {
      var names = hdr.fieldNames();
      String a = names.next();
      if (a.equals("__metadata__")) a = names.next();
      String b = names.next();
      long aBegin = hdr.get(a).get("data_offsets").get(0).asLong();
      var off = (com.fasterxml.jackson.databind.node.ArrayNode) hdr.get(b).get("data_offsets");
      long len = off.get(1).asLong() - off.get(0).asLong();
      off.removeAll().add(aBegin).add(aBegin + len);
    }));
    m.put("wrong dtype", headerEdit(ck, root.resolve("ck-dtype"), hdr -> {
      for (var it = hdr.properties().iterator(); it.hasNext(); ) {
        var e = it.next();
        if (!e.getKey().equals("__metadata__")) {
          ((ObjectNode) e.getValue()).put("dtype", "I32");
          return;
        }
      }
    }));
    HfCheckpoint full = HfCheckpoint.load(ck);
    var tensors = new LinkedHashMap<>(full.tensors());
    tensors.remove("model.layers.0.mlp.up_proj.weight");
    d = copy(ck, root.resolve("ck-missing-tensor"));
    dev.tulu4j.io.SafetensorsWriter.write(d.resolve("model.safetensors"), tensors, DType.F32);
    m.put("missing tensor", d);
    d = copy(ck, root.resolve("ck-tokenizer-garbled"));
    Files.writeString(d.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\", \"vocab\": 12");
    m.put("garbled tokenizer.json", d);
    return m;
  }

  private static Path configEdit(Path ck, Path dst, java.util.function.Consumer<ObjectNode> edit) throws IOException {
    Path d = copy(ck, dst);
    if (edit == null) {
      Files.writeString(d.resolve("config.json"), "{\"hidden_size\": 32,");
      return d;
    }
    ObjectNode c = (ObjectNode) JSON.readTree(d.resolve("config.json").toFile());
    edit.accept(c);
    JSON.writeValue(d.resolve("config.json").toFile(), c);
    return d;
  }

  /** Rewrites the safetensors header JSON of a copy (the data region is kept as is). */
  private static Path headerEdit(Path ck, Path dst, java.util.function.Consumer<ObjectNode> edit) throws IOException {
    Path d = copy(ck, dst);
    byte[] all = Files.readAllBytes(d.resolve("model.safetensors"));
    int n = (int) ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    ObjectNode hdr = (ObjectNode) JSON.readTree(Arrays.copyOfRange(all, 8, 8 + n));
    edit.accept(hdr);
    byte[] nh = JSON.writeValueAsBytes(hdr);
    byte[] len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(nh.length).array();
    Files.write(d.resolve("model.safetensors"), concat(len, nh, Arrays.copyOfRange(all, 8 + n, all.length)));
    return d;
  }

  /** A tokenizer folder copy whose tokenizer_config.json carries {@code template} as chat_template. */
  static Path withTemplate(Path tokDir, Path dst, String template) throws IOException {
    Path d = copy(tokDir, dst);
    Path cfgFile = d.resolve("tokenizer_config.json");
    ObjectNode c = Files.exists(cfgFile) ? (ObjectNode) JSON.readTree(cfgFile.toFile()) : JSON.createObjectNode();
    c.put("chat_template", template);
    JSON.writeValue(cfgFile.toFile(), c);
    return d;
  }
}
