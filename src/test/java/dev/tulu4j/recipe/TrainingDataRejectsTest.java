package dev.tulu4j.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tulu4j.cli.CliRun;
import dev.tulu4j.config.ConfigLoader;
import dev.tulu4j.data.DataFormatException;
import dev.tulu4j.data.OnError;
import dev.tulu4j.data.RowErrors;
import dev.tulu4j.preference.PreferenceData;
import dev.tulu4j.tokenizer.BpeTrainer;
import dev.tulu4j.tokenizer.ChatTemplate;
import dev.tulu4j.tokenizer.ConversationEncoder;
import dev.tulu4j.tokenizer.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19 part 2: rows that cannot be encoded are data errors. The known crash — an assistant turn
 * that starts with a newline, whose "\n\n" merges into one token across the turn boundary of the
 * Tülu template ("<|assistant|>\n" + content) — aborted the whole SFT or DPO load. Under
 * {@code on_error: fail} it is now a DataFormatException naming file, line and field; under
 * {@code skip} the row (and any unreadable line) goes with its reason to data.rejects.jsonl.
 */
class TrainingDataRejectsTest {
  @TempDir static Path in;
  @TempDir Path dir;
  static final ObjectMapper JSON = new ObjectMapper();
  static final String NEWLINE_FIRST = "{\"messages\":[{\"role\":\"user\",\"content\":\"Ada has 2 apples. How many?\"},"
      + "{\"role\":\"assistant\",\"content\":\"\\n\\nAda has 2 apples.\\n#### 2\"}]}";

  @BeforeAll
  static void inputs() throws Exception {
    MicroRun.writeInputs(in);
    // a tokenizer that has learned "\n\n" as one token (the micro one never saw a blank line)
    List<String> docs = new ArrayList<>();
    for (String line : Files.readAllLines(in.resolve("corpus.txt"))) docs.add(line + "\n\n\n\n" + line);
    BpeTrainer.train(docs, new BpeTrainer.Config(300, 2)).write(in.resolve("tokenizer"));
    List<String> sft = new ArrayList<>(Files.readAllLines(in.resolve("sft.jsonl")));
    sft.add(2, NEWLINE_FIRST); // line 3
    sft.add(5, "{\"messages\": [{\"role\": \"user\", \"content\": 7}]}"); // line 6: wrong type
    Files.write(in.resolve("sft-bad.jsonl"), sft);
  }

  @Test
  void theNewlineRowReproducesTheMergeError() throws Exception {
    try (Tokenizer tok = Tokenizer.load(in.resolve("tokenizer"))) {
      var enc = new ConversationEncoder(tok, ChatTemplate.tulu(), 64);
      var row = dev.tulu4j.data.DataFormat.SFT.parse(JSON.readTree(NEWLINE_FIRST));
      assertThatThrownBy(() -> enc.encode(row.messages())).hasMessageContaining("tokens merge across the turn boundary");
    }
  }

  @Test
  void sftFailNamesFileLineFieldAndReason() {
    SftConfig cfg = MicroRun.sft(in, dir.resolve("f"), "data=" + in.resolve("sft-bad.jsonl"), "train.max_steps=1");
    assertThatThrownBy(() -> SftRecipe.run(cfg, quiet())).isInstanceOf(DataFormatException.class)
        .hasMessageContaining("sft-bad.jsonl:3").hasMessageContaining("field 'messages'")
        .hasMessageContaining("tokens merge across the turn boundary");
    assertThat(dir.resolve("f").resolve(RowErrors.FILE_NAME)).doesNotExist();
  }

  @Test
  void sftSkipWritesEachRejectedRowWithItsReasonAndTrains() throws Exception {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    RunResult r = SftRecipe.run(MicroRun.sft(in, dir.resolve("s"), "data=" + in.resolve("sft-bad.jsonl"), "on_error=skip",
        "train.max_steps=1"), new PrintStream(log, true, StandardCharsets.UTF_8));
    assertThat(r.finalModel()).exists();
    Path rejects = dir.resolve("s").resolve(RowErrors.FILE_NAME);
    List<JsonNode> rows = new ArrayList<>();
    for (String l : Files.readAllLines(rejects)) rows.add(JSON.readTree(l));
    assertThat(rows).hasSize(2);
    assertThat(rows.get(0).get("line").asLong()).isEqualTo(3);
    assertThat(rows.get(0).get("reason").asText()).contains("tokens merge across the turn boundary");
    assertThat(rows.get(0).get("raw").asText()).isEqualTo(NEWLINE_FIRST);
    assertThat(rows.get(1).get("line").asLong()).isEqualTo(6);
    assertThat(rows.get(1).get("field").asText()).isEqualTo("messages[0].content");
    assertThat(log.toString(StandardCharsets.UTF_8)).contains("2 rows rejected (" + rejects + ")");
    // the clean file keeps 23 of its 24 (one has no trainable token); here the same 23 are kept, the
    // newline row is read but rejected, and the wrong-type line never becomes a conversation
    assertThat(r.dataSummary()).startsWith("sft data: 25 conversations, 23 kept");
  }

  @Test
  void sftThroughTheCliFailsWithOneLine() {
    CliRun r = CliRun.of("sft", "model.from=tiny", "model.vocab=300", "model.hidden=32", "model.intermediate=64",
        "model.layers=2", "model.heads=4", "tokenizer=" + in.resolve("tokenizer"), "data=" + in.resolve("sft-bad.jsonl"),
        "max_seq_length=64", "train.max_steps=1", "train.progress=false", "train.out_dir=" + dir.resolve("cli"));
    assertThat(r.code()).isNotZero();
    assertThat(r.err()).contains("sft-bad.jsonl:3: field 'messages'").doesNotContain("\tat ");
  }

  @Test
  void preferencePairsHonourOnErrorAndNameTheSide() throws Exception {
    String good = "{\"chosen\":[{\"role\":\"user\",\"content\":\"Ada has 2 apples. How many?\"},{\"role\":\"assistant\",\"content\":\"2\"}],"
        + "\"rejected\":[{\"role\":\"user\",\"content\":\"Ada has 2 apples. How many?\"},{\"role\":\"assistant\",\"content\":\"3\"}]}";
    String badRejected = good.replace("\"content\":\"3\"", "\"content\":\"\\n\\nAda has 3\"");
    Path prefs = dir.resolve("prefs.jsonl");
    Files.write(prefs, List.of(good, badRejected, "{\"chosen\": 1}", good));
    try (Tokenizer tok = Tokenizer.load(in.resolve("tokenizer"))) {
      var enc = new ConversationEncoder(tok, ChatTemplate.tulu(), 64);
      assertThatThrownBy(() -> PreferenceData.load(List.of(prefs), enc)).isInstanceOf(DataFormatException.class)
          .hasMessageContaining("prefs.jsonl:2: field 'rejected'").hasMessageContaining("merge across the turn boundary");
      Path rejects = dir.resolve("dpo").resolve(RowErrors.FILE_NAME);
      try (RowErrors errors = RowErrors.of(OnError.SKIP, rejects)) {
        PreferenceData d = PreferenceData.load(List.of(prefs), enc, errors);
        assertThat(d.pairs()).hasSize(2);
        assertThat(d.rejected()).isEqualTo(2);
      }
      assertThat(Files.readAllLines(rejects)).hasSize(2);
    }
  }

  static final String RLVR_ROW = "{\"messages\":[{\"role\":\"user\",\"content\":\"Ada has 2 apples. How many?\"}],"
      + "\"ground_truth\":\"2\",\"dataset\":\"gsm8k\"}";

  /** Five prompt rows: good, not JSON (line 2), a dataset with no verifier (line 3), good, a wrong type (line 5). */
  Path rlvrFile() throws Exception {
    Path f = dir.resolve("rlvr-bad.jsonl");
    Files.write(f, List.of(RLVR_ROW, "{\"messages\": [", RLVR_ROW.replace("gsm8k", "chess"), RLVR_ROW,
        RLVR_ROW.replace("\"content\":\"Ada has 2 apples. How many?\"", "\"content\":7")));
    return f;
  }

  static dev.tulu4j.rlvr.RlvrConfig rlvr(Path file, Path out, String... more) {
    List<String> o = new ArrayList<>(List.of("model=m", "train_file=" + file, "train.out_dir=" + out));
    o.addAll(List.of(more));
    return ConfigLoader.fromOverrides(o, dev.tulu4j.rlvr.RlvrConfig.class);
  }

  @Test
  void rlvrPromptsFailAtTheFirstBadRowNamingFileLineAndField() throws Exception {
    Path f = rlvrFile();
    try (Tokenizer tok = Tokenizer.load(in.resolve("tokenizer"))) {
      var enc = new ConversationEncoder(tok, ChatTemplate.tulu(), 64);
      var cfg = rlvr(f, dir.resolve("rf"));
      assertThat(cfg.onError()).isEqualTo(OnError.FAIL);
      assertThatThrownBy(() -> RlvrRecipe.prompts(cfg, enc, cfg.verifierRules().registry(), quiet()))
          .isInstanceOf(DataFormatException.class).hasMessageStartingWith(f + ":2: ");
      // past the unreadable line, the row whose dataset has no verifier is named with its line and field
      Files.write(f, List.of(RLVR_ROW, RLVR_ROW.replace("gsm8k", "chess")));
      assertThatThrownBy(() -> RlvrRecipe.prompts(cfg, enc, cfg.verifierRules().registry(), quiet()))
          .isInstanceOf(DataFormatException.class).hasMessageStartingWith(f + ":2: field 'dataset': ")
          .hasMessageContaining("chess");
      assertThat(dir.resolve("rf").resolve(RowErrors.FILE_NAME)).doesNotExist();
    }
  }

  @Test
  void rlvrPromptsSkipWritesEachRejectedRowWithItsReason() throws Exception {
    Path f = rlvrFile();
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    try (Tokenizer tok = Tokenizer.load(in.resolve("tokenizer"))) {
      var enc = new ConversationEncoder(tok, ChatTemplate.tulu(), 64);
      var cfg = rlvr(f, dir.resolve("rs"), "on_error=skip");
      var prompts = RlvrRecipe.prompts(cfg, enc, cfg.verifierRules().registry(), new PrintStream(log, true, StandardCharsets.UTF_8));
      assertThat(prompts).hasSize(2);
      assertThat(prompts).allMatch(p -> p.dataset().equals("gsm8k"));
    }
    Path rejects = dir.resolve("rs").resolve(RowErrors.FILE_NAME);
    List<JsonNode> rows = new ArrayList<>();
    for (String l : Files.readAllLines(rejects)) rows.add(JSON.readTree(l));
    assertThat(rows).extracting(r -> r.get("line").asLong()).containsExactly(2L, 3L, 5L);
    assertThat(rows.get(1).get("field").asText()).isEqualTo("dataset");
    assertThat(rows.get(1).get("reason").asText()).contains("chess");
    assertThat(rows.get(1).get("raw").asText()).isEqualTo(RLVR_ROW.replace("gsm8k", "chess"));
    assertThat(rows.get(2).get("field").asText()).isEqualTo("messages[0].content");
    assertThat(log.toString(StandardCharsets.UTF_8)).contains("3 rows rejected (" + rejects + ")");
  }

  @Test
  void everyTrainerConfigTakesOnError() {
    Path p = in.resolve("sft.jsonl");
    assertThat(ConfigLoader.fromOverrides(List.of("model=m", "data=" + p, "on_error=skip"), DpoConfig.class).onError())
        .isEqualTo(OnError.SKIP);
    assertThat(ConfigLoader.fromOverrides(List.of("model=m", "data=" + p), RewardConfig.class).onError()).isEqualTo(OnError.FAIL);
    assertThatThrownBy(() -> ConfigLoader.fromOverrides(List.of("model=m", "data=" + p, "on_error=ignore"), RewardConfig.class))
        .hasMessageContaining("on_error");
  }

  static PrintStream quiet() {
    return new PrintStream(new ByteArrayOutputStream());
  }
}
