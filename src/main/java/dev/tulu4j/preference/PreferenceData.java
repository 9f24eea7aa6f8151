package dev.tulu4j.preference;

import dev.tulu4j.data.DataFormat;
import dev.tulu4j.data.JsonlReader;
import dev.tulu4j.data.PreferenceExample;
import dev.tulu4j.data.RowErrors;
import dev.tulu4j.tokenizer.ConversationEncoder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads Tülu preference JSONL files and encodes every pair ({@link EncodedPair#encode}). A bad line
 * or a conversation the template cannot mask is an error naming the file and line; pairs whose
 * responses were truncated away entirely are dropped and counted.
 *
 * @param pairs the encoded pairs, in file order
 * @param read lines read
 * @param droppedTruncated pairs dropped because a response had no completion token left
 * @param rejected rows skipped under {@code on_error: skip}, recorded in the rejects file
 */
public record PreferenceData(List<EncodedPair> pairs, int read, int droppedTruncated, long rejected) {
  public PreferenceData {
    pairs = List.copyOf(pairs);
  }

  public static PreferenceData load(List<Path> files, ConversationEncoder enc) {
    return load(files, enc, RowErrors.failFast());
  }

  /**
   * Reads and encodes every pair; a line that is not a valid preference record, or a pair the
   * template cannot encode, is handled by {@code errors} (fail naming file, line and field, or skip
   * and record it).
   */
  public static PreferenceData load(List<Path> files, ConversationEncoder enc, RowErrors errors) {
    List<EncodedPair> out = new ArrayList<>();
    int read = 0, dropped = 0;
    for (Path f : files) {
      try (JsonlReader<PreferenceExample> r = JsonlReader.open(f, DataFormat.PREFERENCE, errors.policy(), errors.sink()).allowEmpty()) {
        while (r.hasNext()) {
          PreferenceExample ex = r.next();
          read++;
          EncodedPair p;
          try {
            p = EncodedPair.encode(enc, ex);
          } catch (IllegalArgumentException e) {
            errors.unusable(f, r.lineNumber(), failingSide(enc, ex), e.getMessage(), r.lastRaw());
            continue;
          }
          if (p == null) dropped++;
          else out.add(p);
        }
      }
    }
    if (out.isEmpty())
      throw new IllegalArgumentException("no usable preference pairs in " + files + " (" + read + " read, "
          + dropped + " truncated away" + errors.summary() + ")");
    return new PreferenceData(out, read, dropped, errors.rejected());
  }

  /** Which conversation of a pair the encoder refuses: chosen, else rejected. */
  private static String failingSide(ConversationEncoder enc, PreferenceExample ex) {
    try {
      enc.encode(ex.chosen());
    } catch (IllegalArgumentException e) {
      return "chosen";
    }
    return "rejected";
  }
}
