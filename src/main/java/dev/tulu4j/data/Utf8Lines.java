package dev.tulu4j.data;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the line of a text file that is not valid UTF-8. A buffered reader fails a whole chunk
 * (tens of lines ahead of the record being parsed), so on that error the file is scanned again
 * byte-line by byte-line: a '\n' byte never occurs inside a multi-byte UTF-8 sequence.
 */
final class Utf8Lines {
  private Utf8Lines() {}

  /** The 1-based number of the first line that does not decode as UTF-8, or 0 when every line does. */
  static long firstInvalidLine(Path file) {
    CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      long n = 0;
      for (int b; ; ) {
        b = in.read();
        if (b == '\n' || b < 0) {
          n++;
          try {
            dec.reset().decode(ByteBuffer.wrap(line.toByteArray()));
          } catch (CharacterCodingException e) {
            return n;
          }
          line.reset();
          if (b < 0) return 0;
        } else {
          line.write(b);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
