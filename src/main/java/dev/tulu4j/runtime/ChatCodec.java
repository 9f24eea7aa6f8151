package dev.tulu4j.runtime;

import dev.tulu4j.data.Message;
import dev.tulu4j.tokenizer.ChatTemplate;
import dev.tulu4j.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.List;

/**
 * Text ↔ ids for generation, scoring and the server. A chat is rendered by the chat template and
 * tokenised without the tokenizer's own special tokens when the rendered text already starts with
 * the BOS token (the template wrote it; adding it again would double it), with them otherwise; raw
 * text always gets the tokenizer's post-processing (Llama 3: BOS). Decoding drops special tokens.
 */
public final class ChatCodec implements TextCodec {
  private final Tokenizer tokenizer;
  private final ChatTemplate template;
  private final String templateMissing;

  public ChatCodec(Tokenizer tokenizer, ChatTemplate template) {
    this(tokenizer, template, null);
  }

  /** A codec whose chats fail with {@code templateMissing} when {@code template} is null (raw text still works). */
  ChatCodec(Tokenizer tokenizer, ChatTemplate template, String templateMissing) {
    this.tokenizer = tokenizer;
    this.template = template;
    this.templateMissing = templateMissing;
    if (template == null && templateMissing == null) throw new IllegalArgumentException("no chat template");
  }

  /** The conversation rendered by the template (text, before tokenisation). */
  public String render(List<Message> messages, boolean addGenerationPrompt) {
    if (template == null) throw new IllegalArgumentException(templateMissing);
    return template.render(messages, addGenerationPrompt, tokenizer.bosToken(), tokenizer.eosToken());
  }

  /** Tokenises text that was rendered by the chat template, without a second BOS. */
  public int[] encodeRendered(String rendered) {
    String bos = tokenizer.bosToken();
    boolean hasBos = bos != null && !bos.isEmpty() && rendered.startsWith(bos);
    return tokenizer.encode(rendered, !hasBos);
  }

  @Override
  public int[] encodeChat(List<Message> messages) {
    return encodeRendered(render(messages, true));
  }

  @Override
  public int[] encodeText(String text) {
    return tokenizer.encode(text, true);
  }

  @Override
  public String decode(int[] ids) {
    return tokenizer.decode(ids, true);
  }

  /** A scored pair: the ids the model is conditioned on and the ids whose log-probs are taken. */
  public record Split(int[] promptIds, int[] completionIds) {}

  /**
   * Splits a conversation for scoring its last message: prompt = render(messages[:-1],
   * add_generation_prompt=true), completion = the rest of render(messages). The whole conversation
   * is tokenised once and cut at the prompt's token length, so the ids are those training sees; the
   * prompt must be a text prefix and a token prefix of the whole (else the error says which failed).
   */
  public Split splitLastMessage(List<Message> messages) {
    if (messages.size() < 2)
      throw new IllegalArgumentException("messages: need at least one message before the scored one, got " + messages.size());
    String prompt = render(messages.subList(0, messages.size() - 1), true);
    String full = render(messages, false);
    if (!full.startsWith(prompt))
      throw new IllegalArgumentException("messages: the chat template's rendering of messages[:-1] with the generation "
          + "prompt is not a prefix of the whole conversation's rendering; cannot separate the scored message");
    int[] p = encodeRendered(prompt);
    int[] all = encodeRendered(full);
    if (all.length < p.length || !Arrays.equals(p, 0, p.length, all, 0, p.length))
      throw new IllegalArgumentException("messages: the prompt's tokens are not a prefix of the whole conversation's "
          + "tokens (a BPE merge crosses the boundary before the last message)");
    return new Split(p, Arrays.copyOfRange(all, p.length, all.length));
  }
}
