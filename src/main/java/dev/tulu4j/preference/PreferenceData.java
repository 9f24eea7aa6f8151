package dev.tulu4j.preference;

import dev.tulu4j.data.DataFormat;
import dev.tulu4j.data.DataFormatException;
import dev.tulu4j.data.JsonlReader;
import dev.tulu4j.data.OnError;
import dev.tulu4j.data.PreferenceExample;
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
 */
public record PreferenceData(List<EncodedPair> pairs, int read, int droppedTruncated) {
  public PreferenceData {
    pairs = List.copyOf(pairs);
  }

  public static PreferenceData load(List<Path> files, ConversationEncoder enc) {
    List<EncodedPair> out = new ArrayList<>();
    int read = 0, dropped = 0;
    for (Path f : files) {
      try (JsonlReader<PreferenceExample> r = JsonlReader.open(f, DataFormat.PREFERENCE, OnError.FAIL, null)) {
        while (r.hasNext()) {
          PreferenceExample ex = r.next();
          read++;
          EncodedPair p;
          try {
            p = EncodedPair.encode(enc, ex);
          } catch (IllegalArgumentException e) {
            throw new DataFormatException(f, r.lineNumber(), "chosen", e.getMessage());
          }
          if (p == null) dropped++;
          else out.add(p);
        }
      }
    }
    if (out.isEmpty())
      throw new IllegalArgumentException("no usable preference pairs in " + files + " (" + read + " read, "
          + dropped + " truncated away)");
    return new PreferenceData(out, read, dropped);
  }
}
