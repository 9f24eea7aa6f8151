package dev.tulu4j.recipe;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tulu4j.cli.Main;
import dev.tulu4j.io.DType;
import dev.tulu4j.runtime.TinyCheckpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * recipes/tulu3-8b.yaml end to end on a tiny stand-in: the real recipe and stage configs, with only
 * the model, the dataset paths and the sizes overridden, over tiny datasets in the layouts their
 * Hugging Face repositories ship (the SFT and preference mixtures as {@code data/train-00000-of-00001.parquet}
 * shards, the RLVR mixture's fields, the eval suite's fixtures). Every path the pipeline wires must
 * resolve and every stage must start and finish, so a user's first real run does not die at a stage
 * boundary: decontamination of the three mixtures (whose shard names clash), SFT, the reward model,
 * DPO, PPO with its value model from the reward stage, and the whole development suite.
 */
@Tag("slow")
class Tulu3PipelineWiringTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void theEightBRecipeRunsEveryStageOnATinyStandIn(@TempDir Path dir) throws Exception {
    Path base = TinyCheckpoint.write(dir, "Llama-3.1-8B", false, DType.BF16, false);
    Path sft = writeSftMixture(dir.resolve("allenai/tulu-3-sft-mixture/data"));
    Path prefs = writePreferenceMixture(dir.resolve("allenai/llama-3.1-tulu-3-8b-preference-mixture/data"));
    Path rlvr = writeRlvrMixture(dir.resolve("allenai/RLVR-GSM-MATH-IF-Mixed-Constraints/data"));
    Path out = dir.resolve("run");
    Path ev = Path.of("src/test/resources/eval").toAbsolutePath();
    Path bbh = bbhFolder(dir.resolve("lukaemon/bbh"), ev.resolve("bbh"));
    String small = "gemm=vector, save_dtype=f32, train.progress=false, train.threads=1, train.max_steps=2, "
        + "train.micro_batch=1, train.grad_accum=2";
    int rc = Main.execute("pipeline", "recipes/tulu3-8b.yaml", "--out", out.toString(),
        "base_model=" + base,
        "sft.overrides=['data=[" + sft + "]', max_seq_length=96, " + small + "]",
        "reward.overrides=['data=[" + prefs + "]', 'eval_data=[]', eval_fraction=0.25, max_length=96, " + small + "]",
        "dpo.overrides=['data=[" + prefs + "]', max_length=96, " + small + "]",
        "rlvr.overrides=[train_file=" + rlvr + ", prompts_per_batch=2, samples_per_prompt=1, response_length=8, "
            + "max_prompt_length=120, ppo_epochs=1, rollout_slots=2, gemm=vector, save_dtype=f32, train.progress=false, "
            + "train.threads=1, train.max_steps=1, train.micro_batch=2]",
        "eval.limit=1", "eval.batch=8", "eval.max_length=160",
        "eval.task_data={mmlu: " + ev.resolve("mmlu") + ", popqa: " + ev.resolve("popqa") + ", truthfulqa: "
            + ev.resolve("truthfulqa") + ", bbh: " + bbh + ", drop: " + ev.resolve("drop") + ", humaneval: "
            + ev.resolve("humaneval") + ", humanevalplus: " + ev.resolve("humaneval/openai_humaneval") + ", alpaca_eval: "
            + ev.resolve("alpaca_eval") + "}");
    assertThat(rc).isZero();
    for (String stage : List.of("decontaminate", "sft", "reward", "dpo", "rlvr", "eval"))
      assertThat(out.resolve(stage).resolve(".done.json")).as(stage).exists();
    // the three shards share a name; their clean copies do not, and each stage read its own
    Path clean = out.resolve("decontaminate/clean");
    assertThat(clean.resolve("tulu-3-sft-mixture__data__train-00000-of-00001.jsonl")).exists();
    assertThat(clean.resolve("llama-3.1-tulu-3-8b-preference-mixture__data__train-00000-of-00001.jsonl")).exists();
    assertThat(clean.resolve("RLVR-GSM-MATH-IF-Mixed-Constraints__data__train-00000-of-00001.jsonl")).exists();
    // PPO's value model came from the reward stage (its first checkpoint holds the reward model's score head)
    assertThat(Files.readString(out.resolve("rlvr/.done.json"))).isNotEmpty();
    // every model stage was scored on every suite task
    JsonNode summary = JSON.readTree(out.resolve("eval/rlvr/summary.json").toFile());
    for (String t : List.of("gsm8k", "math", "ifeval", "mmlu", "popqa", "truthfulqa", "bbh", "drop", "humaneval", "humanevalplus"))
      assertThat(summary.has(t)).as(t).isTrue();
    for (String stage : List.of("base", "sft", "dpo"))
      assertThat(out.resolve("eval").resolve(stage).resolve("summary.json")).as(stage).exists();
  }

  /** lukaemon/bbh's 27 configuration folders: the fixture's tasks, the others filled with a fixture task's rows. */
  private static Path bbhFolder(Path dir, Path fixture) throws Exception {
    for (String t : dev.tulu4j.eval.BbhTask.tasks()) {
      Path src = fixture.resolve(t).resolve("test.jsonl");
      if (!Files.exists(src)) src = fixture.resolve("boolean_expressions/test.jsonl");
      Files.createDirectories(dir.resolve(t));
      Files.copy(src, dir.resolve(t).resolve("test.jsonl"));
    }
    return dir;
  }

  private static final Schema MESSAGE = SchemaBuilder.record("message").fields()
      .requiredString("role").requiredString("content").endRecord();
  private static final Schema MESSAGES = Schema.createArray(MESSAGE);

  /** allenai/tulu-3-sft-mixture: id, messages, source. */
  private static Path writeSftMixture(Path dir) throws Exception {
    Schema s = SchemaBuilder.record("row").fields().requiredString("id").name("messages").type(MESSAGES).noDefault()
        .requiredString("source").endRecord();
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      rows.add(Map.of("id", "sft_" + i, "source", "ai2-adapt-dev/stand-in",
          "messages", conv("user", "What is " + i + " plus " + (i + 2) + "?", "assistant", "It is " + (2 * i + 2) + ".")));
    }
    return parquet(dir.resolve("train-00000-of-00001.parquet"), s, rows);
  }

  /** allenai/llama-3.1-tulu-3-8b-preference-mixture: id, source, prompt, chosen, rejected. */
  private static Path writePreferenceMixture(Path dir) throws Exception {
    Schema s = SchemaBuilder.record("row").fields().requiredString("id").requiredString("source").requiredString("prompt")
        .name("chosen").type(MESSAGES).noDefault().name("rejected").type(MESSAGES).noDefault().endRecord();
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      String q = "Name a number bigger than " + i + ".";
      rows.add(Map.of("id", "pref_" + i, "source", "stand-in", "prompt", q,
          "chosen", conv("user", q, "assistant", String.valueOf(i + 5)),
          "rejected", conv("user", q, "assistant", "No.")));
    }
    return parquet(dir.resolve("train-00000-of-00001.parquet"), s, rows);
  }

  /** allenai/RLVR-GSM-MATH-IF-Mixed-Constraints fields: messages, ground_truth, dataset (gsm8k, MATH, ifeval). */
  private static Path writeRlvrMixture(Path dir) throws Exception {
    Files.createDirectories(dir);
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      lines.add(JSON.writeValueAsString(Map.of("messages", List.of(Map.of("role", "user", "content", "What is " + i + " + 1?")),
          "ground_truth", String.valueOf(i + 1), "dataset", "gsm8k")));
    }
    lines.add(JSON.writeValueAsString(Map.of("messages", List.of(Map.of("role", "user", "content", "What is $1+1$?")),
        "ground_truth", "2", "dataset", "MATH")));
    lines.add(JSON.writeValueAsString(Map.of("messages", List.of(Map.of("role", "user", "content", "Say hi in lowercase.")),
        "ground_truth", "{\"func_name\": \"validate_lowercase\", \"N\": null}", "dataset", "ifeval",
        "constraint_type", "Change Cases", "constraint", "Your entire response should be in lowercase.")));
    Path f = dir.resolve("train-00000-of-00001.jsonl");
    Files.write(f, lines);
    return f;
  }

  private static List<GenericRecord> conv(String... roleContent) {
    List<GenericRecord> out = new ArrayList<>();
    for (int i = 0; i < roleContent.length; i += 2) {
      GenericData.Record m = new GenericData.Record(MESSAGE);
      m.put("role", roleContent[i]);
      m.put("content", roleContent[i + 1]);
      out.add(m);
    }
    return out;
  }

  /** As pyarrow writes a Hugging Face dataset shard (3-level lists). */
  private static Path parquet(Path p, Schema schema, List<Map<String, Object>> rows) throws Exception {
    Files.createDirectories(p.getParent());
    PlainParquetConfiguration conf = new PlainParquetConfiguration();
    conf.set("parquet.avro.write-old-list-structure", "false");
    try (ParquetWriter<GenericRecord> w = AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(p))
        .withSchema(schema).withConf(conf).build()) {
      for (Map<String, Object> row : rows) {
        GenericData.Record r = new GenericData.Record(schema);
        row.forEach(r::put);
        w.write(r);
      }
    }
    return p;
  }
}
