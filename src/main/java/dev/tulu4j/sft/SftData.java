package dev.tulu4j.sft;

import dev.tulu4j.data.DataFormat;
import dev.tulu4j.data.JsonlReader;
import dev.tulu4j.data.RowErrors;
import dev.tulu4j.data.SftExample;
import dev.tulu4j.tokenizer.ConversationEncoder;
import dev.tulu4j.tokenizer.EncodedConversation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * SFT conversations tokenised with open-instruct's assistant-only masks ({@link ConversationEncoder}:
 * {@code sft_tulu_tokenize_and_truncate}), right-truncated to the max length, in file order.
 * Conversations with no trained target left (no assistant token after position 0 survives the
 * truncation) are dropped and counted, as open-instruct filters {@code labels != -100}.
 *
 * @param examples the kept examples (ids and labels)
 * @param conversations conversations read
 * @param truncated kept conversations cut to the max length
 * @param dropped conversations dropped for having no trained target
 * @param trainedTokens trained targets over all kept examples (one epoch)
 * @param tokens tokens over all kept examples
 * @param rejected rows skipped under {@code on_error: skip} (unreadable or not encodable), with their
 *     reasons in the {@link RowErrors} rejects file
 */
public record SftData(List<Packer.Example> examples, int conversations, int truncated, int dropped,
    long trainedTokens, long tokens, long rejected) {
  public SftData {
    examples = List.copyOf(examples);
  }

  /** Reads and encodes every file in order; a bad line fails with file, line and field. */
  public static SftData load(List<Path> files, ConversationEncoder encoder) {
    return load(files, encoder, RowErrors.failFast());
  }

  /**
   * Reads and encodes every file in order; a row that is not valid SFT JSON or that the template
   * cannot encode is handled by {@code errors} (fail with file, line and field, or skip and record).
   */
  public static SftData load(List<Path> files, ConversationEncoder encoder, RowErrors errors) {
    if (files.isEmpty()) throw new IllegalArgumentException("no SFT data files given (key 'data')");
    List<Packer.Example> out = new ArrayList<>();
    int read = 0;
    int truncated = 0;
    int dropped = 0;
    long trained = 0;
    long tokens = 0;
    for (Path f : files) {
      try (JsonlReader<SftExample> r = JsonlReader.open(f, DataFormat.SFT, errors.policy(), errors.sink()).allowEmpty()) {
        while (r.hasNext()) {
          SftExample ex = r.next();
          read++;
          EncodedConversation enc;
          try {
            enc = encoder.encode(ex.messages());
          } catch (IllegalArgumentException e) {
            errors.unusable(f, r.lineNumber(), "messages", e.getMessage(), r.lastRaw());
            continue;
          }
          int targets = 0; // position 0 is never a target: the first token has nothing before it
          for (int i = 1; i < enc.labels().length; i++) if (enc.labels()[i] != EncodedConversation.IGNORE) targets++;
          if (targets == 0) {
            dropped++;
            continue;
          }
          if (enc.truncated()) truncated++;
          out.add(new Packer.Example(enc.inputIds(), enc.labels()));
          trained += targets;
          tokens += enc.inputIds().length;
        }
      }
    }
    if (out.isEmpty())
      throw new IllegalArgumentException("no SFT example with a trainable token in " + files + " (" + read + " read, "
          + dropped + " dropped" + errors.summary() + ")");
    return new SftData(out, read, truncated, dropped, trained, tokens, errors.rejected());
  }

  /** One line for logs: {@code sft data: 3000 conversations, 2990 kept, 12 truncated, 10 dropped ...}. */
  public String summary(int maxLength) {
    return String.format("sft data: %d conversations, %d kept (%d truncated to %d tokens), %d dropped with no "
        + "trainable token; %d tokens, %d trained", conversations, examples.size(), truncated, maxLength, dropped,
        tokens, trainedTokens);
  }
}
