package dev.tulu4j.preference;

import dev.tulu4j.data.PreferenceExample;
import dev.tulu4j.tokenizer.ConversationEncoder;
import dev.tulu4j.tokenizer.EncodedConversation;
import java.util.Arrays;

/**
 * One preference pair tokenized for DPO: both full conversations (prompt turns + response), with
 * labels only on the final assistant turn (its content and the EOS that closes it, exactly the span
 * SFT would train for that turn; earlier assistant turns of a multi-turn prompt are context).
 * Labels are {@link EncodedConversation#IGNORE} or equal to the id at that position.
 */
public record EncodedPair(int[] chosenIds, int[] chosenLabels, int[] rejectedIds, int[] rejectedLabels) {
  public EncodedPair {
    if (chosenIds.length != chosenLabels.length || rejectedIds.length != rejectedLabels.length)
      throw new IllegalArgumentException("ids and labels differ in length");
    if (completionTokens(chosenLabels) == 0 || completionTokens(rejectedLabels) == 0)
      throw new IllegalArgumentException("both responses need at least one completion token");
  }

  /** Number of trained (completion) tokens. */
  public static int completionTokens(int[] labels) {
    int n = 0;
    for (int l : labels) if (l != EncodedConversation.IGNORE) n++;
    return n;
  }

  public int chosenLength() {
    return completionTokens(chosenLabels);
  }

  public int rejectedLength() {
    return completionTokens(rejectedLabels);
  }

  /**
   * Encodes a pair with the SFT masking of {@link ConversationEncoder}, keeping only the last
   * assistant turn's labels. Returns null when truncation to the encoder's max length left either
   * response without completion tokens (the caller drops and counts the pair).
   */
  public static EncodedPair encode(ConversationEncoder enc, PreferenceExample ex) {
    int start = enc.encodePrompt(ex.promptMessages()).length;
    EncodedConversation c = enc.encode(ex.chosen());
    EncodedConversation r = enc.encode(ex.rejected());
    int[] cl = lastTurnOnly(c, start);
    int[] rl = lastTurnOnly(r, start);
    if (completionTokens(cl) == 0 || completionTokens(rl) == 0) return null;
    return new EncodedPair(c.inputIds(), cl, r.inputIds(), rl);
  }

  private static int[] lastTurnOnly(EncodedConversation e, int start) {
    int[] l = e.labels().clone();
    Arrays.fill(l, 0, Math.min(start, l.length), EncodedConversation.IGNORE);
    return l;
  }
}
