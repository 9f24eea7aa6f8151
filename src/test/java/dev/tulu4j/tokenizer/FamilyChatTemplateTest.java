package dev.tulu4j.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tulu4j.data.Message;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Chat templates of the families beyond Llama through the Jinja2-exact renderer. Gemma 2:
 * the chat_template of google/gemma-2-2b-it's tokenizer_config.json (copied from a public training
 * script that quotes it verbatim; the Hub file itself was not reachable here), kept in
 * templates/gemma2_it.jinja (user/model turns, no system role); the expected strings were rendered by Python jinja2 3.1.6
 * with transformers' settings (trim_blocks, lstrip_blocks) on 2026-12-06.
 */
class FamilyChatTemplateTest {
  static final List<Message> CONV = List.of(
      Message.user("Name a colour."),
      Message.assistant("Teal."),
      Message.user("  Another?\n"),
      Message.assistant("Ochre — a yellow-brown."));

  @Test
  void gemma2TemplateMatchesJinja2() {
    ChatTemplate t = ChatTemplate.of(ChatTemplateTest.resource("/templates/gemma2_it.jinja"));
    assertThat(t.render(CONV, false, "<bos>", "<eos>")).isEqualTo(
        "<bos><start_of_turn>user\nName a colour.<end_of_turn>\n<start_of_turn>model\nTeal.<end_of_turn>\n"
            + "<start_of_turn>user\nAnother?<end_of_turn>\n<start_of_turn>model\nOchre — a yellow-brown.<end_of_turn>\n");
    assertThat(t.render(CONV.subList(0, 3), true, "<bos>", "<eos>")).isEqualTo(
        "<bos><start_of_turn>user\nName a colour.<end_of_turn>\n<start_of_turn>model\nTeal.<end_of_turn>\n"
            + "<start_of_turn>user\nAnother?<end_of_turn>\n<start_of_turn>model\n");
  }

  @Test
  void gemma2TemplateRefusesASystemTurn() {
    ChatTemplate t = ChatTemplate.of(ChatTemplateTest.resource("/templates/gemma2_it.jinja"));
    assertThatThrownBy(() -> t.render(List.of(Message.system("Be terse."), Message.user("Hi")), true, "<bos>", "<eos>"))
        .hasMessageContaining("System role not supported");
  }
}
