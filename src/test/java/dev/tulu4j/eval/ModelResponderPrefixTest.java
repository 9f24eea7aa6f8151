package dev.tulu4j.eval;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tulu4j.data.Message;
import dev.tulu4j.io.DType;
import dev.tulu4j.runtime.ModelBundle;
import dev.tulu4j.runtime.TinyCheckpoint;
import dev.tulu4j.tensor.GemmBackend;
import dev.tulu4j.tensor.KernelConfig;
import dev.tulu4j.tokenizer.TemplateChoice;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelResponderPrefixTest {
  @Test
  void aFinalAssistantTurnIsAPrefixAfterTheGenerationPrompt(@TempDir Path dir) {
    Path ck = TinyCheckpoint.write(dir, "ck", false, DType.F32, false);
    try (ModelBundle b = ModelBundle.load(ck, TemplateChoice.TULU, new KernelConfig(GemmBackend.VECTOR, 1))) {
      var r = new ModelResponder(b.model(), b.tokenizer(), b.template(), 1, 256, null);
      List<Message> user = List.of(Message.user("def f():"));
      int[] head = r.encode(user);
      int[] prefix = b.tokenizer().encode("Here is", false);
      int[] both = r.encode(List.of(Message.user("def f():"), Message.assistant("Here is")));
      // OLMES: apply_chat_template(messages, add_generation_prompt=True) + assistant_prefix
      assertThat(both).containsExactly(IntStream.concat(IntStream.of(head), IntStream.of(prefix)).toArray());
    }
  }
}
