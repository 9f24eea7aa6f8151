package dev.tulu4j.recipe;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tulu4j.checkpoint.HfCheckpoint;
import dev.tulu4j.cli.Main;
import dev.tulu4j.io.DType;
import dev.tulu4j.model.Family;
import dev.tulu4j.model.LlamaConfig;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.runtime.TinyCheckpoint;
import dev.tulu4j.tensor.NaiveGemm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * recipes/olmo2-1b.yaml on a tiny random OLMo 2 checkpoint (Olmo2ForCausalLM: post-norms, full q/k
 * norms): the real recipe and stage configs with only the model, data paths and sizes overridden;
 * decontamination, SFT, DPO from the SFT output and GRPO from the DPO output each start and finish.
 */
@Tag("slow")
class Olmo2PipelineWiringTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static Path olmo2Checkpoint(Path dir) {
    LlamaConfig c = new LlamaConfig(LlamaConfig.Architecture.OLMO2, TinyCheckpoint.VOCAB, 32, 64, 2, 4, 4, 8, 1e-6, 5e5,
        null, 256, false, false, 1, List.of(2), Family.olmo2());
    LlamaModel m = LlamaModel.random(c, 11, new NaiveGemm());
    Path out = dir.resolve("OLMo-2-0425-1B");
    HfCheckpoint.save(out, c, m.toTensors(), DType.BF16, Long.MAX_VALUE / 4, TinyCheckpoint.tokenizer(dir));
    return out;
  }

  private static Map<String, String> msg(String role, String content) {
    return Map.of("role", role, "content", content);
  }

  private static Path jsonl(Path f, List<?> rows) throws Exception {
    Files.createDirectories(f.getParent());
    List<String> lines = new ArrayList<>();
    for (Object r : rows) lines.add(JSON.writeValueAsString(r));
    Files.write(f, lines);
    return f;
  }

  @Test
  void theOneBRecipeRunsItsTrainingStagesOnATinyOlmo2(@TempDir Path dir) throws Exception {
    Path base = olmo2Checkpoint(dir);
    List<Object> sft = new ArrayList<>(), prefs = new ArrayList<>(), rlvr = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      sft.add(Map.of("id", "sft_" + i, "messages",
          List.of(msg("user", "What is " + i + " plus " + (i + 2) + "?"), msg("assistant", "It is " + (2 * i + 2) + "."))));
      String q = "Name a number bigger than " + i + ".";
      prefs.add(Map.of("prompt", q, "chosen", List.of(msg("user", q), msg("assistant", String.valueOf(i + 5))),
          "rejected", List.of(msg("user", q), msg("assistant", "No."))));
      rlvr.add(Map.of("messages", List.of(msg("user", "What is " + i + " + 1?")), "ground_truth", String.valueOf(i + 1),
          "dataset", "gsm8k"));
    }
    Path sftFile = jsonl(dir.resolve("sft/tulu-3-sft-olmo-2-mixture-0225.jsonl"), sft);
    Path prefFile = jsonl(dir.resolve("dpo/olmo-2-0425-1b-preference-mix.jsonl"), prefs);
    Path rlvrFile = jsonl(dir.resolve("rlvr/RLVR-GSM-MATH-IF-Mixed-Constraints.jsonl"), rlvr);
    Path out = dir.resolve("run");
    String small = "gemm=vector, save_dtype=f32, train.progress=false, train.threads=1, train.max_steps=2, "
        + "train.micro_batch=1, train.grad_accum=2";
    int rc = Main.execute("pipeline", "recipes/olmo2-1b.yaml", "--out", out.toString(),
        "stages=[decontaminate, sft, dpo, rlvr]", "base_model=" + base,
        // the suite's other sets need their folders (Tulu3PipelineWiringTest decontaminates against them)
        "decontaminate.evals=[gsm8k, math, math500, ifeval]",
        "sft.overrides=['data=[" + sftFile + "]', tokenizer=auto, max_seq_length=96, " + small + "]",
        "dpo.overrides=['data=[" + prefFile + "]', max_length=96, " + small + "]",
        "rlvr.overrides=[train_file=" + rlvrFile + ", prompts_per_batch=2, samples_per_prompt=2, minibatches=1, "
            + "response_length=8, max_prompt_length=120, rollout_slots=2, gemm=vector, save_dtype=f32, "
            + "train.progress=false, train.threads=1, train.max_steps=1, train.micro_batch=2]");
    assertThat(rc).isZero();
    for (String stage : List.of("decontaminate", "sft", "dpo", "rlvr"))
      assertThat(out.resolve(stage).resolve(".done.json")).as(stage).exists();
    // the stages trained the family's model: the saved config is still OLMo 2
    assertThat(HfCheckpoint.readConfig(dev.tulu4j.checkpoint.ModelFiles.resolveModelDir(out.resolve("rlvr"))).architecture())
        .isEqualTo(LlamaConfig.Architecture.OLMO2);
  }
}
