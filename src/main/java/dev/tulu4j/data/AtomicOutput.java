package dev.tulu4j.data;

import dev.tulu4j.io.FileOps;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * An output file written to a temporary sibling and renamed over the target on {@link #commit()},
 * so readers never see a half-written file. {@link #close()} without a commit deletes the temporary
 * file (the target is left untouched).
 */
public final class AtomicOutput implements AutoCloseable {
  private final Path target;
  private final Path tmp;
  private final OutputStream out;
  private boolean finished;

  public AtomicOutput(Path target) {
    this.target = target;
    try {
      Path dir = target.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      this.tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
      try {
        // createTempFile makes the file owner-only; outputs are ordinary data files
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
      } catch (UnsupportedOperationException notPosix) {
        // keep the default permissions
      }
      this.out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + target + ": " + e.getMessage(), e);
    }
  }

  public OutputStream stream() {
    return out;
  }

  public Path target() {
    return target;
  }

  /** Flushes, closes and renames the temporary file onto the target. */
  public void commit() {
    if (finished) {
      return;
    }
    finished = true;
    try {
      out.close();
      try {
        FileOps.replace(tmp, target);
      } catch (AtomicMoveNotSupportedException e) { // e.g. a target on another file system
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
    }
  }

  /** Deletes the temporary file unless committed. */
  @Override
  public void close() {
    if (finished) {
      return;
    }
    finished = true;
    try {
      out.close();
    } catch (IOException ignored) {
      // the temporary file is deleted below either way
    }
    try {
      Files.deleteIfExists(tmp);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
