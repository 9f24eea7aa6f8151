package dev.tulu4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tulu4j.cli.Main;
import dev.tulu4j.preference.PreferenceData;
import dev.tulu4j.sft.SftData;
import dev.tulu4j.tokenizer.ChatTemplate;
import dev.tulu4j.tokenizer.ConversationEncoder;
import dev.tulu4j.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parquet rows read through the normal JSONL readers (files written here with AvroParquetWriter). */
class ParquetInputTest {
  @TempDir Path dir;

  static final Schema MESSAGE = SchemaBuilder.record("message").fields()
      .requiredString("role").requiredString("content").endRecord();
  static final Schema MESSAGES = Schema.createArray(MESSAGE);
  static final Schema NULLABLE_MESSAGES = Schema.createUnion(Schema.create(Schema.Type.NULL), MESSAGES);

  static GenericRecord msg(String role, String content) {
    GenericData.Record m = new GenericData.Record(MESSAGE);
    m.put("role", role);
    m.put("content", content);
    return m;
  }

  static List<GenericRecord> conv(String... roleContent) {
    List<GenericRecord> out = new ArrayList<>();
    for (int i = 0; i < roleContent.length; i += 2) {
      out.add(msg(roleContent[i], roleContent[i + 1]));
    }
    return out;
  }

  /** Writes rows with 3-level lists (as pyarrow writes Hugging Face datasets), snappy-compressed. */
  Path write(String name, Schema schema, List<Map<String, Object>> rows) throws IOException {
    return write(name, schema, rows, false);
  }

  /** {@code oldLists}: parquet-avro's default 2-level list layout instead. */
  Path write(String name, Schema schema, List<Map<String, Object>> rows, boolean oldLists) throws IOException {
    Path p = dir.resolve(name);
    PlainParquetConfiguration conf = new PlainParquetConfiguration();
    conf.set("parquet.avro.write-old-list-structure", String.valueOf(oldLists));
    try (ParquetWriter<GenericRecord> w = AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(p))
        .withSchema(schema)
        .withConf(conf)
        .withCompressionCodec(CompressionCodecName.SNAPPY)
        .build()) {
      for (Map<String, Object> row : rows) {
        GenericData.Record r = new GenericData.Record(schema);
        row.forEach(r::put);
        w.write(r);
      }
    }
    return p;
  }

  static Map<String, Object> row(Object... kv) {
    java.util.LinkedHashMap<String, Object> m = new java.util.LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  static final Schema SFT = SchemaBuilder.record("sft").fields()
      .requiredString("id").optionalString("source")
      .name("messages").type(NULLABLE_MESSAGES).withDefault(null).endRecord();

  Path sftFile() throws IOException {
    return write("sft.parquet", SFT, List.of(
        row("id", "a", "source", "hf", "messages",
            conv("system", "be brief", "user", "2+2?", "assistant", "4")),
        row("id", "b", "messages", null),                               // missing messages
        row("id", "c", "messages", conv("user", "hi", "tool", "x")),    // bad role
        row("id", "d", "source", "hf", "messages", conv("user", "ünï \"q\"\nx", "assistant", "ok"))));
  }

  @Test
  void sftRowsWithNestedMessagesReadLikeJsonl() throws IOException {
    Path p = sftFile();
    List<SftExample> ok = new ArrayList<>();
    List<DataFormatException> bad = new ArrayList<>();
    List<String> raw = new ArrayList<>();
    JsonlReader.Stats st = JsonlReader.read(p, DataFormat.SFT, OnError.SKIP,
        (e, line) -> { bad.add(e); raw.add(line); }, ok::add);
    assertThat(st).isEqualTo(new JsonlReader.Stats(4, 2, 2));
    assertThat(ok).containsExactly(
        new SftExample("a", "hf", List.of(Message.system("be brief"), Message.user("2+2?"), Message.assistant("4"))),
        new SftExample("d", "hf", List.of(Message.user("ünï \"q\"\nx"), Message.assistant("ok"))));
    assertThat(bad.get(0).line()).isEqualTo(2);
    assertThat(bad.get(0).field()).isEqualTo("messages");
    assertThat(bad.get(0).getMessage()).isEqualTo(p + ":2: field 'messages': missing");
    assertThat(bad.get(1).line()).isEqualTo(3);
    assertThat(bad.get(1).field()).isEqualTo("messages[1].role");
    assertThat(Json.MAPPER.readTree(raw.get(0)).get("id").asText()).isEqualTo("b");

    assertThatThrownBy(() -> JsonlReader.readAll(p, DataFormat.SFT))
        .isInstanceOf(DataFormatException.class)
        .hasMessage(p + ":2: field 'messages': missing");
  }

  @Test
  void wrongTypesNameTheRowAndField() throws IOException {
    Schema intContent = SchemaBuilder.record("sft").fields()
        .name("messages").type(Schema.createArray(SchemaBuilder.record("m").fields()
            .requiredString("role").requiredInt("content").endRecord())).noDefault()
        .endRecord();
    GenericData.Record m = new GenericData.Record(intContent.getField("messages").schema().getElementType());
    m.put("role", "user");
    m.put("content", 7);
    Path p = write("int_content.parquet", intContent, List.of(row("messages", List.of(m))));
    assertThatThrownBy(() -> JsonlReader.readAll(p, DataFormat.SFT))
        .hasMessage(p + ":1: field 'messages[0].content': must be a string, got a number");

    Schema stringMessages = SchemaBuilder.record("sft").fields().requiredString("messages").endRecord();
    Path q = write("string_messages.parquet", stringMessages, List.of(row("messages", "hello")));
    assertThatThrownBy(() -> JsonlReader.readAll(q, DataFormat.SFT))
        .hasMessage(q + ":1: field 'messages': must be an array of messages, got a string");
  }

  @Test
  void preferenceRowsInTwoLevelLists() throws IOException {
    Schema s = SchemaBuilder.record("pref").fields()
        .requiredLong("id").optionalString("prompt")
        .name("chosen").type(MESSAGES).noDefault()
        .name("rejected").type(MESSAGES).noDefault().endRecord();
    Path p = write("pref.parquet", s, List.of(
        row("id", 17L, "prompt", "q", "chosen", conv("user", "q", "assistant", "good"),
            "rejected", conv("user", "q", "assistant", "bad")),
        row("id", 18L, "chosen", conv("user", "q", "assistant", "good"),
            "rejected", conv("user", "other", "assistant", "bad"))), true);
    List<PreferenceExample> ok = new ArrayList<>();
    List<DataFormatException> bad = new ArrayList<>();
    JsonlReader.read(p, DataFormat.PREFERENCE, OnError.SKIP, (e, l) -> bad.add(e), ok::add);
    assertThat(ok).containsExactly(new PreferenceExample("17", null, "q",
        List.of(Message.user("q"), Message.assistant("good")),
        List.of(Message.user("q"), Message.assistant("bad"))));
    assertThat(bad).singleElement().satisfies(e -> {
      assertThat(e.line()).isEqualTo(2);
      assertThat(e.field()).isEqualTo("rejected");
    });
  }

  @Test
  void rlvrGroundTruthAsStringOrList() throws IOException {
    Schema str = SchemaBuilder.record("rl").fields()
        .name("messages").type(MESSAGES).noDefault()
        .requiredString("ground_truth").requiredString("dataset").endRecord();
    Path p = write("rl.parquet", str, List.of(
        row("messages", conv("user", "1+1?"), "ground_truth", "2", "dataset", "gsm8k")));
    assertThat(JsonlReader.readAll(p, DataFormat.RLVR))
        .containsExactly(new RlvrExample(List.of(Message.user("1+1?")), "2", "gsm8k"));

    Schema list = SchemaBuilder.record("rl").fields()
        .name("messages").type(MESSAGES).noDefault()
        .name("ground_truth").type().array().items().stringType().noDefault()
        .optionalString("dataset").endRecord();
    Path q = write("rl_list.parquet", list, List.of(
        row("messages", conv("user", "x"), "ground_truth", List.of("a", "b"), "dataset", "math"),
        row("messages", conv("user", "y"), "ground_truth", List.of("c"))));   // dataset missing
    List<RlvrExample> ok = new ArrayList<>();
    List<DataFormatException> bad = new ArrayList<>();
    JsonlReader.read(q, DataFormat.RLVR, OnError.SKIP, (e, l) -> bad.add(e), ok::add);
    assertThat(ok).extracting(RlvrExample::groundTruth).containsExactly("[\"a\",\"b\"]");
    assertThat(bad).singleElement().extracting(DataFormatException::getMessage)
        .isEqualTo(q + ":2: field 'dataset': missing");
  }

  @Test
  void truncatedOrCorruptFileIsAClearError() throws IOException {
    Path good = sftFile();
    byte[] bytes = Files.readAllBytes(good);
    Path cut = dir.resolve("cut.parquet");
    Files.write(cut, Arrays.copyOf(bytes, bytes.length / 2));
    for (OnError mode : OnError.values()) {
      assertThatThrownBy(() -> JsonlReader.read(cut, DataFormat.SFT, mode, RejectSink.NONE, x -> {}))
          .isInstanceOf(DataFormatException.class)
          .hasMessageStartingWith(cut + ":0: cannot open Parquet file (truncated or corrupt file?)");
    }
    Path text = dir.resolve("notparquet.parquet");
    Files.writeString(text, "{\"messages\": []}\n", StandardCharsets.UTF_8);
    assertThatThrownBy(() -> JsonlReader.readAll(text, DataFormat.SFT))
        .hasMessageStartingWith(text + ":0: cannot open Parquet file (truncated or corrupt file?)")
        .hasMessageContaining("not a Parquet file");
  }

  @Test
  void cliStatsAndMixAcceptParquet() throws IOException {
    Path p = sftFile();
    assertThat(Main.execute("data", "stats", p.toString())).isEqualTo(1);
    assertThat(Main.execute("data", "stats", "--on-error", "skip", p.toString())).isEqualTo(0);
    Path yaml = dir.resolve("mix.yaml");
    Files.writeString(yaml, "datasets:\n  - {path: sft.parquet, weight: 1.0}\n", StandardCharsets.UTF_8);
    Path out = dir.resolve("mixed.jsonl");
    assertThat(Main.execute("data", "mix", yaml.toString(), "--out", out.toString(), "--on-error", "skip"))
        .isEqualTo(0);
    List<JsonNode> rows = new ArrayList<>();
    try (JsonlReader<JsonNode> r = JsonlReader.openObjects(out, OnError.FAIL, RejectSink.NONE)) {
      r.forEachRemaining(rows::add);
    }
    assertThat(rows).extracting(n -> n.get("id").asText()).containsExactlyInAnyOrder("a", "d");
    assertThat(Files.readString(dir.resolve("mixed.jsonl.rejects.jsonl")).lines().count()).isEqualTo(2);
  }
  @Test
  void decontaminateScansParquetRowsAndWritesAJsonlCopy() throws IOException {
    String janet = "Janet\u2019s ducks lay 16 eggs per day. She eats three for breakfast every morning and bakes "
        + "muffins for her friends every day with four. She sells the remainder at the farmers' market daily "
        + "for $2 per fresh duck egg. How much in dollars does she make every day at the farmers' market?";
    Path p = write("train.parquet", SFT, List.of(
        row("id", "clean1", "messages", conv("user", "What is the capital of Veloria?", "assistant", "Zentar.")),
        row("id", "leak", "messages", conv("user", janet, "assistant", "18")),
        row("id", "clean2", "messages", conv("user", "Name a colour.", "assistant", "Blue."))));
    Path out = dir.resolve("decon");
    assertThat(Main.execute("data", "decontaminate", "--train", p.toString(), "--eval", "gsm8k",
        "--data-dir", Path.of("data").toString(), "--out", out.toString())).isEqualTo(0);
    List<String> copy = Files.readAllLines(out.resolve("train.jsonl"));
    assertThat(copy).extracting(l -> Json.MAPPER.readTree(l).get("id").asText()).containsExactly("clean1", "clean2");
    JsonNode report = Json.MAPPER.readTree(out.resolve("report.json").toFile());
    assertThat(report.toString()).contains("\"train_line\":2").contains("\"train_id\":\"leak\"");

    // an eval set given as a Parquet file (field "question")
    Schema q = SchemaBuilder.record("ev").fields().requiredString("question").endRecord();
    Path evals = write("myeval.parquet", q, List.of(row("question", janet), row("question", "Unrelated words here.")));
    Path out2 = dir.resolve("decon_pq_eval");
    assertThat(Main.execute("data", "decontaminate", "--train", p.toString(), "--eval", evals.toString(),
        "--out", out2.toString())).isEqualTo(0);
    assertThat(Files.readAllLines(out2.resolve("train.jsonl"))).hasSize(2);
    assertThat(Json.MAPPER.readTree(out2.resolve("report.json").toFile()).toString())
        .contains("\"train_id\":\"leak\"");

    Path cut = dir.resolve("cut.parquet");
    byte[] bytes = Files.readAllBytes(p);
    Files.write(cut, Arrays.copyOf(bytes, bytes.length - 10));
    assertThat(Main.execute("data", "decontaminate", "--train", cut.toString(), "--eval", "gsm8k",
        "--data-dir", Path.of("data").toString(), "--out", dir.resolve("decon2").toString())).isEqualTo(1);
  }
  /**
   * The exact layout pyarrow gives a Hugging Face chat dataset (schema copied from
   * {@code pq.ParquetFile(...).schema} of a pyarrow 25 file): 3-level {@code list/element} groups and
   * no Avro schema in the footer, written with parquet's example writer.
   */
  @Test
  void pyarrowLayoutWithoutAvroSchema() throws IOException {
    MessageType type = MessageTypeParser.parseMessageType("""
        message schema {
          optional binary id (STRING);
          optional group messages (LIST) {
            repeated group list {
              optional group element {
                optional binary role (STRING);
                optional binary content (STRING);
              }
            }
          }
        }""");
    Path p = dir.resolve("hf.parquet");
    PlainParquetConfiguration conf = new PlainParquetConfiguration();
    try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new LocalOutputFile(p)).withType(type).withConf(conf).build()) {
      SimpleGroupFactory f = new SimpleGroupFactory(type);
      Group g = f.newGroup().append("id", "x1");
      Group list = g.addGroup("messages");
      list.addGroup("list").addGroup("element").append("role", "user").append("content", "2+2?");
      list.addGroup("list").addGroup("element").append("role", "assistant").append("content", "4");
      w.write(g);
      Group h = f.newGroup().append("id", "x2");
      h.addGroup("messages").addGroup("list").addGroup("element").append("role", "user"); // content missing
      w.write(h);
    }
    List<SftExample> ok = new ArrayList<>();
    List<DataFormatException> bad = new ArrayList<>();
    JsonlReader.read(p, DataFormat.SFT, OnError.SKIP, (e, l) -> bad.add(e), ok::add);
    assertThat(ok).containsExactly(new SftExample("x1", null, List.of(Message.user("2+2?"), Message.assistant("4"))));
    assertThat(bad).singleElement().extracting(DataFormatException::getMessage)
        .isEqualTo(p + ":2: field 'messages[0].content': missing");
  }
  @Tag("slow")
  @Test
  void damageInsideTheFileNamesTheRow() throws IOException {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      rows.add(row("id", "r" + i, "messages", conv("user", "question number " + i + " " + "x".repeat(i % 97),
          "assistant", "answer " + (i * 7919 % 10007))));
    }
    Path p = dir.resolve("big.parquet");
    PlainParquetConfiguration conf = new PlainParquetConfiguration();
    try (ParquetWriter<GenericRecord> w = AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(p))
        .withSchema(SFT).withConf(conf).withPageSize(4096).withRowGroupSize(64 * 1024L)
        .withCompressionCodec(CompressionCodecName.SNAPPY).build()) {
      for (Map<String, Object> row : rows) {
        GenericData.Record r = new GenericData.Record(SFT);
        row.forEach(r::put);
        w.write(r);
      }
    }
    assertThat(JsonlReader.readAll(p, DataFormat.SFT)).hasSize(3000);
    byte[] bytes = Files.readAllBytes(p);
    List<org.apache.parquet.hadoop.metadata.BlockMetaData> groups;
    try (var r = org.apache.parquet.hadoop.ParquetFileReader.open(new org.apache.parquet.io.LocalInputFile(p))) {
      groups = r.getFooter().getBlocks();
    }
    assertThat(groups).hasSizeGreaterThanOrEqualTo(2);
    int at = (int) groups.get(1).getStartingPos() + 16; // inside the second row group's first page
    for (int i = at; i < at + 64; i++) {
      bytes[i] ^= 0x5a;
    }
    Path bad = dir.resolve("damaged.parquet");
    Files.write(bad, bytes);
    List<SftExample> got = new ArrayList<>();
    assertThatThrownBy(() -> JsonlReader.read(bad, DataFormat.SFT, OnError.SKIP, RejectSink.NONE, got::add))
        .isInstanceOf(DataFormatException.class)
        .hasMessageMatching(java.util.regex.Pattern.quote(bad.toString())
            + ":(\\d+): cannot read Parquet row \\1 \\(truncated or corrupt file\\?\\): .*");
    assertThat(got).hasSizeBetween(1, 2999);
    assertThat(got.getLast().id()).isEqualTo("r" + (got.size() - 1));
  }
  /** The SFT and DPO recipes' loaders (they read through JsonlReader) take Parquet too. */
  @Test
  void sftAndDpoLoadersReadParquet() throws IOException {
    Path sft = write("sft_ok.parquet", SFT, List.of(
        row("id", "a", "messages", conv("user", "2+2?", "assistant", "4")),
        row("id", "b", "messages", conv("user", "Name a colour.", "assistant", "Blue."))));
    Schema ps = SchemaBuilder.record("pref").fields()
        .name("chosen").type(MESSAGES).noDefault().name("rejected").type(MESSAGES).noDefault().endRecord();
    Path pref = write("pref_ok.parquet", ps, List.of(
        row("chosen", conv("user", "q", "assistant", "good"), "rejected", conv("user", "q", "assistant", "bad"))));
    Path tokDir = Path.of(System.getProperty("tulu4j.shared", "../shared"), "data", "tokenizers", "llama3_1");
    try (Tokenizer tok = Tokenizer.load(tokDir)) {
      ConversationEncoder enc = new ConversationEncoder(tok, ChatTemplate.tulu(), 128);
      SftData sd = SftData.load(List.of(sft), enc);
      assertThat(sd.conversations()).isEqualTo(2);
      assertThat(sd.examples()).hasSize(2);
      PreferenceData pd = PreferenceData.load(List.of(pref), enc);
      assertThat(pd.read()).isEqualTo(1);
      assertThat(pd.pairs()).hasSize(1);
      assertThatThrownBy(() -> SftData.load(List.of(sftFile()), enc))
          .hasMessageEndingWith("sft.parquet:2: field 'messages': missing");
    }
  }
}
