package dev.tulu4j.golden;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One fixture folder written by {@code tools/golden/make_golden.py}: {@code checkpoint/} (a Hugging
 * Face folder saved by transformers' {@code save_pretrained}, float32), {@code golden.json} (inputs,
 * loss, versions) and {@code golden.safetensors} (float64 {@code logits} (B, T, V), {@code loss} and
 * {@code grad.<HF name>} per parameter).
 *
 * <p>The engine's safetensors reader decodes only F32/F16/BF16 (its storage dtypes); the golden
 * tensors are F64, so this reads them itself. The format: an 8-byte little-endian header length,
 * a JSON header {@code name → {dtype, shape, data_offsets}}, then the raw little-endian data.
 *
 * @param ids (B, T) input_ids
 * @param positions (B, T) position_ids (restarting at 0 where a packed sequence starts)
 * @param labels (B, T) transformers labels, -100 = not trained (not yet shifted)
 */
record GoldenFixture(Path dir, JsonNode meta, int batch, int seqLen, int[] ids, int[] positions, int[] labels,
    Map<String, Golden> tensors) {

  /** A float64 golden tensor. */
  record Golden(int[] shape, double[] data) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The fixture folder {@code src/test/resources/golden/<name>}, from the test classpath. */
  static Path folder(String name) {
    URL url = GoldenFixture.class.getResource("/golden/" + name + "/golden.json");
    if (url == null) throw new IllegalStateException("no fixture golden/" + name + " on the test classpath; "
        + "write it with tools/golden/make_golden.py");
    try {
      return Path.of(url.toURI()).getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static GoldenFixture read(Path dir) {
    try {
      JsonNode meta = JSON.readTree(dir.resolve("golden.json").toFile());
      JsonNode in = meta.get("inputs");
      int b = in.get("input_ids").size();
      int t = in.get("input_ids").get(0).size();
      return new GoldenFixture(dir, meta, b, t, flatten(in.get("input_ids"), b, t), flatten(in.get("position_ids"), b, t),
          flatten(in.get("labels"), b, t), readF64(dir.resolve("golden.safetensors")));
    } catch (IOException e) {
      throw new UncheckedIOException(dir + ": " + e.getMessage(), e);
    }
  }

  Path checkpoint() {
    return dir.resolve("checkpoint");
  }

  Golden tensor(String name) {
    Golden g = tensors.get(name);
    if (g == null) throw new IllegalStateException(dir + ": golden.safetensors has no tensor '" + name + "'");
    return g;
  }

  private static int[] flatten(JsonNode rows, int b, int t) {
    int[] out = new int[b * t];
    for (int i = 0; i < b; i++) {
      if (rows.get(i).size() != t) throw new IllegalStateException("ragged input rows in golden.json");
      for (int j = 0; j < t; j++) out[i * t + j] = rows.get(i).get(j).intValue();
    }
    return out;
  }

  private static Map<String, Golden> readF64(Path file) throws IOException {
    ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    int headerLen = Math.toIntExact(buf.getLong(0));
    JsonNode header = JSON.readTree(new String(buf.array(), 8, headerLen, StandardCharsets.UTF_8));
    int base = 8 + headerLen;
    Map<String, Golden> out = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getKey().equals("__metadata__")) continue;
      JsonNode info = e.getValue();
      if (!info.get("dtype").asText().equals("F64"))
        throw new IllegalStateException(file + ": tensor " + e.getKey() + " is " + info.get("dtype") + ", expected F64");
      int[] shape = new int[info.get("shape").size()];
      long n = 1;
      for (int i = 0; i < shape.length; i++) n *= shape[i] = info.get("shape").get(i).intValue();
      long from = info.get("data_offsets").get(0).longValue();
      long to = info.get("data_offsets").get(1).longValue();
      if (to - from != 8 * n) throw new IllegalStateException(file + ": tensor " + e.getKey() + " has a bad byte range");
      double[] d = new double[(int) n];
      for (int i = 0; i < d.length; i++) d[i] = buf.getDouble(base + (int) from + 8 * i);
      out.put(e.getKey(), new Golden(shape, d));
    }
    return out;
  }
}
