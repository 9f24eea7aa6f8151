package dev.tulu4j.reliability;

import dev.tulu4j.checkpoint.HfCheckpoint;
import dev.tulu4j.cli.Main;
import dev.tulu4j.io.DType;
import dev.tulu4j.model.Family;
import dev.tulu4j.model.LlamaConfig;
import dev.tulu4j.model.LlamaConfig.Architecture;
import dev.tulu4j.model.LlamaModel;
import dev.tulu4j.tensor.NaiveGemm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * kill -9 and resume for SFT from a tiny random checkpoint of each family beyond Llama (OLMo 2,
 * Qwen3, Mistral, Gemma 2) on {@link KillFixtures}' tiny world and tokenizer: the real command line in
 * child JVMs, SIGKILLed at random moments and restarted ({@link KillCampaign}); the resumed run's
 * checkpoints equal an uninterrupted run's file by file. A kill inside a save lets the run's first
 * save pass, so the run resumes from a checkpoint, not from scratch. The checkpoints are C32 L2 H4 (Hkv 2) F64
 * over the fixtures' 300-id vocabulary, written by tulu4j in the family's transformers format, with
 * sliding windows of 8 (shorter than the 64-token rows). OLMo 2 and Qwen3 train every weight (Qwen3
 * with activation checkpointing); Mistral and Gemma 2 train a LoRA adapter with dropout (Gemma 2 with
 * activation checkpointing too).
 *
 * <p>Kills per family: {@code -Dtulu4j.family.kills} (default 1; {@code -Preliability} sets 5).
 */
@Tag("slow")
public class FamilyKillResumeTest {
  static final List<String> FAMILIES = List.of("olmo2", "qwen3", "mistral", "gemma2");
  static final int KILLS = Integer.getInteger("tulu4j.family.kills", 1);
  static final long SEED = Long.getLong("tulu4j.kill.seed", 19);
  static final List<KillCampaign.Row> TALLY = new ArrayList<>();
  static Path root;
  static KillFixtures fixtures;

  @BeforeAll
  static void fixtures() throws Exception {
    root = Files.createTempDirectory("tulu4j-family-kill");
    fixtures = KillFixtures.build(root.resolve("fixtures"));
    Path base = dev.tulu4j.checkpoint.ModelFiles.resolveModelDir(root.resolve("fixtures/base"));
    LlamaConfig b = HfCheckpoint.readConfig(base);
    for (String f : FAMILIES) {
      LlamaConfig c = config(f, b);
      LlamaModel m = LlamaModel.random(c, 7, new NaiveGemm());
      HfCheckpoint.save(root.resolve(f), c, m.toTensors(), DType.F32, HfCheckpoint.DEFAULT_SHARD_BYTES, base);
    }
  }

  /** The family's tiny shape over the base's vocabulary and special ids. */
  public static LlamaConfig config(String family, LlamaConfig b) {
    Architecture a = switch (family) {
      case "olmo2" -> Architecture.OLMO2;
      case "qwen3" -> Architecture.QWEN3;
      case "mistral" -> Architecture.MISTRAL;
      default -> Architecture.GEMMA2;
    };
    Family f = switch (family) {
      case "olmo2" -> Family.olmo2();
      case "qwen3" -> Family.qwen3();
      case "mistral" -> Family.mistral(8, 2);
      default -> Family.gemma2(8, 50.0, 30.0, 8, List.of(true, false));
    };
    return new LlamaConfig(a, b.vocabSize(), 32, 64, 2, 4, 2, 8, 1e-6, 10000.0, null, b.maxPositions(),
        !family.equals("olmo2"), false, b.bosId(), b.eosIds(), f);
  }

  /** The SFT command of {@link KillFixtures#command} on the family's checkpoint, with its variant's options. */
  static List<String> command(String family) {
    List<String> c = new ArrayList<>(fixtures.command("sft"));
    c.replaceAll(a -> a.startsWith("model.from=") ? "model.from=" + root.resolve(family) : a);
    switch (family) {
      case "qwen3" -> c.add("train.activation_checkpointing=true");
      case "mistral" -> c.addAll(List.of("lora.r=4", "lora.alpha=8", "lora.dropout=0.1"));
      case "gemma2" -> c.addAll(List.of("lora.r=4", "lora.alpha=8", "lora.dropout=0.1", "train.activation_checkpointing=true"));
      default -> { }
    }
    return c;
  }

  @ParameterizedTest
  @FieldSource("FAMILIES")
  void sftKilledThenResumedEqualsTheUninterruptedRun(String family) throws Exception {
    List<String> cmd = command(family);
    KillCampaign c = new KillCampaign("sft-" + family, root.resolve("run-" + family),
        dir -> KillHarness.Child.of(Main.class, dir, cmd), SEED * 37 + FAMILIES.indexOf(family), 1);
    c.runAndCheck(KILLS, TALLY);
  }

  @AfterAll
  static void tally() throws Exception {
    StringBuilder t = new StringBuilder(String.format("family kill -9 tally (seed %d, %d kills per family)%n%n", SEED, KILLS));
    t.append(KillCampaign.table(TALLY));
    System.out.println(t);
    if (root != null && TALLY.stream().allMatch(r -> r.problems().isEmpty())) dev.tulu4j.io.FileOps.deleteTree(root);
  }
}
