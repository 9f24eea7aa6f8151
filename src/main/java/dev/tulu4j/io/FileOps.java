package dev.tulu4j.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.stream.Stream;

/**
 * The small file operations every layer shares, written once: replacing a file atomically (write a
 * temporary sibling, then one atomic rename), deleting a folder tree, fsync, and SHA-256 (of the
 * files and strings that key caches, configs and stages).
 *
 * <p>Durability is the caller's choice and stays visible at the call site: {@link #replace} and
 * {@link #writeAtomically} do not fsync, so a killed process leaves the old file or the new one,
 * never a torn one, but a power cut may lose the new one; checkpoints, which must survive that,
 * fsync their files and folders ({@link #fsync}, {@link #fsyncDir}) before and after the rename.
 * Whole folders are replaced by {@link AtomicFolder}.
 */
public final class FileOps {
  private static final HexFormat HEX = HexFormat.of();

  private FileOps() {}

  // ---------------------------------------------------------------- atomic replace

  /** {@code <name>.tmp} beside {@code file}: where {@link #writeAtomically} stages it. */
  public static Path tmpSibling(Path file) {
    return file.resolveSibling(file.getFileName() + ".tmp");
  }

  /**
   * Renames {@code tmp} onto {@code target} in one atomic step ({@code ATOMIC_MOVE},
   * {@code REPLACE_EXISTING}), replacing an existing file. Both must be on one file system.
   */
  public static void replace(Path tmp, Path target) throws IOException {
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /**
   * Renames {@code from} to {@code to} in one atomic step ({@code ATOMIC_MOVE} alone): for
   * publishing or setting aside folders, where the caller has made sure {@code to} is free.
   */
  public static void rename(Path from, Path to) throws IOException {
    Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Writes {@code bytes} to {@link #tmpSibling} and {@link #replace}s {@code file} with it (no fsync). */
  public static void writeAtomically(Path file, byte[] bytes) throws IOException {
    Path tmp = tmpSibling(file);
    Files.write(tmp, bytes);
    replace(tmp, file);
  }

  /** {@link #writeAtomically(Path, byte[])} for lines, each UTF-8 and ended by the platform line separator. */
  public static void writeAtomically(Path file, Iterable<? extends CharSequence> lines) throws IOException {
    Path tmp = tmpSibling(file);
    Files.write(tmp, lines, StandardCharsets.UTF_8);
    replace(tmp, file);
  }

  // ---------------------------------------------------------------- trees and fsync

  /**
   * Deletes {@code root} and everything below it, deepest first; does nothing when {@code root} is
   * absent. Symbolic links are deleted, never followed; an entry that vanished meanwhile is skipped.
   */
  public static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) return;
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }

  /** Forces a regular file's content and metadata to the device. */
  public static void fsync(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
  }

  /**
   * fsync of a directory, which makes renames in it durable on Linux; a no-op where the file system
   * refuses to open folders for it (e.g. Windows), where the rename is still atomic.
   */
  public static void fsyncDir(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // not supported on this platform: the rename is still atomic
    }
  }

  // ---------------------------------------------------------------- SHA-256

  /** A fresh SHA-256 digest, for content keys fed piece by piece. */
  public static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  /** SHA-256 of the concatenated {@code parts}. */
  public static byte[] sha256(byte[]... parts) {
    MessageDigest md = sha256();
    for (byte[] p : parts) md.update(p);
    return md.digest();
  }

  /** SHA-256 of the UTF-8 bytes of {@code s}, lower-case hex. */
  public static String sha256Hex(String s) {
    return hex(sha256(s.getBytes(StandardCharsets.UTF_8)));
  }

  /** SHA-256 of a file's bytes, lower-case hex, read 1 MiB at a time. */
  public static String sha256Hex(Path file) throws IOException {
    MessageDigest md = sha256();
    byte[] buf = new byte[1 << 20];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
    }
    return hex(md.digest());
  }

  /** Lower-case hex of {@code bytes} (e.g. a finished {@link MessageDigest}). */
  public static String hex(byte[] bytes) {
    return HEX.formatHex(bytes);
  }
}
