package dev.tulu4j.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tulu4j.sft.PretrainData;
import dev.tulu4j.tokenizer.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pretrain recipe on the micro model: tokenizer training, token cache, checkpoints, resume, SFT on top. */
class PretrainRecipeTest {
  @TempDir static Path in;
  @TempDir Path dir;
  static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

  @BeforeAll
  static void inputs() throws Exception {
    MicroRun.writeInputs(in);
  }

  @Test
  void trainsATokenizerCachesTheIdsAndWritesHfCheckpointsThatSftCanStartFrom() throws Exception {
    Path out = dir.resolve("base");
    RunResult r = PretrainRecipe.run(MicroRun.pretrain(in, out, "train.save_every=2"), QUIET);
    assertThat(r.train().steps()).isEqualTo(4);
    assertThat(r.train().losses().getLast()).isLessThan(r.train().losses().getFirst());
    assertThat(out.resolve("tokenizer/tokenizer.json")).exists(); // BPE trained on the corpus (tokenizer: auto)
    assertThat(out.resolve("tokens.cache")).exists();
    for (String f : List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"))
      assertThat(r.finalModel().resolve(f)).exists();
    assertThat(out.resolve("step-000002")).exists();
    // 24 documents, each "BOS q \n a EOS", packed into rows of 64
    assertThat(r.dataSummary()).startsWith("pretrain data: 24 documents,");

    // resume of a finished run: nothing left to do, same checkpoint
    RunResult again = PretrainRecipe.run(MicroRun.pretrain(in, out, "train.save_every=2"), QUIET);
    assertThat(again.train().losses()).isEmpty();
    assertThat(again.train().resumedFrom()).isEqualTo(4);

    // SFT starts from the run folder (its newest checkpoint) with the checkpoint's own tokenizer
    SftConfig sft = MicroRun.sft(in, dir.resolve("sft"), "model.from=" + out, "model.vocab=0", "model.hidden=0",
        "model.intermediate=0", "model.layers=0", "model.heads=0", "model.max_positions=0", "tokenizer=auto",
        "train.max_steps=2");
    RunResult s = SftRecipe.run(sft, QUIET);
    assertThat(s.train().steps()).isEqualTo(2);
    try (Tokenizer tok = Tokenizer.load(s.finalModel())) {
      assertThat(tok.chatTemplate()).isNotNull();
    }
  }

  @Test
  void anInterruptedRunResumesFromItsLastCheckpoint() throws Exception {
    RunResult straight = PretrainRecipe.run(MicroRun.pretrain(in, dir.resolve("a"), "train.save_every=2"), QUIET);
    Path out = dir.resolve("b");
    assertThatThrownBy(() -> PretrainRecipe.run(MicroRun.pretrain(in, out, "train.save_every=2"), QUIET,
        loop -> loop.onStep(m -> {
          if (m.step() == 3) throw new IllegalStateException("injected crash after step 3");
        }))).hasMessageContaining("injected crash");
    RunResult resumed = PretrainRecipe.run(MicroRun.pretrain(in, out, "train.save_every=2"), QUIET);
    assertThat(resumed.train().resumedFrom()).isEqualTo(2);
    // bit-identical although the JIT warmed up between the runs (the kernels do not depend on the tier)
    assertThat(MicroRun.hash(MicroRun.weights(resumed.finalModel())))
        .isEqualTo(MicroRun.hash(MicroRun.weights(straight.finalModel())));
    assertThat(resumed.train().losses()).isEqualTo(straight.train().losses().subList(2, 4));
  }

  @Test
  void documentsAreBlankLineSeparatedParagraphs() {
    assertThat(PretrainData.documents("a b\nc\n\n\n d \r\n\r\ne\n  \nf\n")).containsExactly("a b\nc", "d", "e", "f");
  }

  @Test
  void aTokenizerLargerThanTheModelIsAnError() throws Exception {
    assertThatThrownBy(() -> PretrainRecipe.run(MicroRun.pretrain(in, dir.resolve("v"), "model.vocab=100",
        "tokenizer=" + in.resolve("tokenizer")), QUIET))
        .hasMessageContaining("has 300 ids but the model only 100");
    assertThat(Files.exists(dir.resolve("v/step-000001"))).isFalse();
  }
}
