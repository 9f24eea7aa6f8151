package dev.tulu4j.runtime;

import dev.tulu4j.data.Message;
import java.util.List;

/** Text ↔ ids as the server needs them: the chat template for chat requests, raw text (with BOS) for completions. */
public interface TextCodec {
  /** Renders the conversation with the chat template and the generation prompt, then tokenises it. */
  int[] encodeChat(List<Message> messages);

  /** Tokenises raw text with the tokenizer's own post-processing (BOS). */
  int[] encodeText(String text);

  String decode(int[] ids);
}
