package dev.tulu4j.io;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Publishes a folder atomically: the caller fills a temporary sibling, which is fsynced and then
 * renamed into place. An existing folder is renamed aside first, the new one renamed in, and only
 * then the old one deleted, so at every instant the target name is either absent, the complete old
 * folder, or the complete new one. If the process dies between the two renames the old folder
 * survives as {@code .<name>.old-<id>} next to the target ({@link #leftovers} finds it). On Linux the
 * two renames are one {@code renameat2(RENAME_EXCHANGE)} ({@link RenameExchange}), so the target is
 * never absent: it is the complete old folder until the swap and the complete new one after.
 */
public final class AtomicFolder {
  private AtomicFolder() {}

  /** Writes the content of a folder into the (empty, temporary) folder it is given. */
  @FunctionalInterface
  public interface Filler {
    void fill(Path tmpDir) throws IOException;
  }

  /**
   * Replaces {@code target} atomically with a folder written by {@code filler} (for training-state
   * folders and other multi-file outputs): the filler writes into a fresh temporary sibling, every
   * file in it is fsynced, and it is swapped in as described in the class comment. If the filler
   * throws, the temporary folder is deleted and {@code target} is untouched.
   */
  public static void write(Path target, Filler filler) {
    if (Files.exists(target) && !Files.isDirectory(target))
      throw new CheckpointException(target + ": exists and is not a folder; not replacing it");
    Path tmp = null;
    try {
      tmp = createTemp(target);
      filler.fill(tmp);
      try (var files = Files.walk(tmp)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          if (Files.isRegularFile(f)) FileOps.fsync(f);
          else if (Files.isDirectory(f)) FileOps.fsyncDir(f);
        }
      }
      publish(tmp, target);
      tmp = null;
    } catch (IOException e) {
      throw new CheckpointException(target + ": cannot write: " + e, e);
    } finally {
      deleteQuietly(tmp);
    }
  }

  public static void deleteQuietly(Path tmp) {
    if (tmp == null) return;
    try {
      FileOps.deleteTree(tmp);
    } catch (IOException ignored) {
      // a .tmp- folder is recognisably temporary, and the next write to the same target removes it
    }
  }

  /**
   * A fresh, empty temporary sibling of {@code target}: {@code .<name>.tmp-<id>}. Leftovers of
   * earlier interrupted saves are removed first: every {@code .tmp-} folder (never published, so
   * never the only copy), and {@code .old-} folders only while {@code target} itself exists.
   * Assumes one writer per target at a time.
   */
  public static Path createTemp(Path target) throws IOException {
    target = absolute(target);
    Path parent = target.getParent();
    Files.createDirectories(parent);
    for (Path p : leftovers(target))
      if (p.getFileName().toString().contains(".tmp-") || Files.isDirectory(target)) FileOps.deleteTree(p);
    return Files.createDirectory(parent.resolve("." + target.getFileName() + ".tmp-" + UUID.randomUUID()));
  }

  /**
   * fsyncs the folder {@code tmp} (whose files the caller has already fsynced), then swaps it in for
   * {@code target}.
   */
  public static void publish(Path tmp, Path target) throws IOException {
    FileOps.fsyncDir(tmp);
    target = absolute(target);
    Path parent = target.getParent();
    if (Files.exists(target) && RenameExchange.exchange(tmp, target)) {
      // one atomic swap: target is the new folder, tmp (a .tmp- name) holds the old one
      FileOps.fsyncDir(parent);
      deleteQuietly(tmp);
    } else if (Files.exists(target)) {
      Path old = parent.resolve("." + target.getFileName() + ".old-" + UUID.randomUUID());
      FileOps.rename(target, old);
      try {
        FileOps.rename(tmp, target);
      } catch (IOException e) {
        FileOps.rename(old, target); // put the old one back
        throw e;
      }
      FileOps.fsyncDir(parent);
      deleteQuietly(old); // the new folder is in place; a failure here only leaves a .old- folder
    } else {
      FileOps.rename(tmp, target);
    }
    FileOps.fsyncDir(parent);
  }

  /** Temporary or set-aside siblings of {@code target} left by an interrupted {@link #publish}. */
  public static List<Path> leftovers(Path target) {
    List<Path> out = new ArrayList<>();
    target = absolute(target);
    Path parent = target.getParent();
    String prefix = "." + target.getFileName() + ".";
    if (!Files.isDirectory(parent)) return out;
    try (DirectoryStream<Path> s = Files.newDirectoryStream(parent, p -> {
      String n = p.getFileName().toString();
      return n.startsWith(prefix + "old-") || n.startsWith(prefix + "tmp-");
    })) {
      s.forEach(out::add);
    } catch (IOException e) {
      // best effort: only used to enrich an error message
    }
    return out;
  }

  /** {@code target} absolute and normalised, so that its name and parent are real ones. */
  private static Path absolute(Path target) {
    Path abs = target.toAbsolutePath().normalize();
    if (abs.getParent() == null) throw new IllegalArgumentException("cannot replace a filesystem root: " + target);
    return abs;
  }
}
