package dev.tulu4j.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RenameExchangeTest {
  @Test
  void swapsTwoFoldersInOneStepOnLinux(@TempDir Path tmp) throws Exception {
    assumeTrue(System.getProperty("os.name").toLowerCase().contains("linux"), "renameat2 is Linux-only");
    assertThat(RenameExchange.available()).as("renameat2 found in libc").isTrue();
    Path a = Files.createDirectory(tmp.resolve("a"));
    Path b = Files.createDirectory(tmp.resolve("b"));
    Files.writeString(a.resolve("which"), "A");
    Files.writeString(b.resolve("which"), "B");

    assertThat(RenameExchange.exchange(a, b)).isTrue();

    assertThat(Files.readString(a.resolve("which"))).isEqualTo("B");
    assertThat(Files.readString(b.resolve("which"))).isEqualTo("A");
  }

  @Test
  void aMissingPathIsAFailureThatChangesNothing(@TempDir Path tmp) throws Exception {
    Path a = Files.createDirectory(tmp.resolve("a"));
    Files.writeString(a.resolve("which"), "A");
    assertThat(RenameExchange.exchange(a, tmp.resolve("missing"))).isFalse();
    assertThat(Files.readString(a.resolve("which"))).isEqualTo("A");
  }

  @Test
  void publishingOverAnExistingFolderLeavesNoSibling(@TempDir Path tmp) throws Exception {
    Path target = tmp.resolve("ckpt");
    AtomicFolder.write(target, dir -> Files.writeString(dir.resolve("v"), "1"));
    AtomicFolder.write(target, dir -> Files.writeString(dir.resolve("v"), "2"));
    assertThat(Files.readString(target.resolve("v"))).isEqualTo("2");
    assertThat(AtomicFolder.leftovers(target)).isEmpty();
  }
}
