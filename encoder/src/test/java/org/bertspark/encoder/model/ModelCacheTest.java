package org.bertspark.encoder.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cache folder's name and trust (its copies: ModelDirectoryTest's built-ins, ModelLocalizerTest's remotes). */
class ModelCacheTest {
  @TempDir Path tmp;

  private static final ModelCache.Fetch ONE_FILE = dir -> Files.writeString(dir.resolve("vocab.txt"), "[PAD]\n");

  private int myUid() throws Exception {
    return (Integer) Files.getAttribute(tmp, "unix:uid");
  }

  @Test
  void theCacheFolderIsPrivateAndOnlyTheUsersOwn() throws Exception {
    Path root = tmp.resolve("models");
    Path copy = new ModelCache(root, myUid()).get("bert", "1", ONE_FILE);
    assertEquals(root.resolve("bert-1"), copy);
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(root)));

    IllegalArgumentException other = assertThrows(IllegalArgumentException.class,
        () -> new ModelCache(root, myUid() + 1).get("bert", "1", ONE_FILE));
    assertTrue(other.getMessage().contains("not trusted"), other.getMessage());

    Path link = Files.createSymbolicLink(tmp.resolve("link"), root);
    IllegalArgumentException linked = assertThrows(IllegalArgumentException.class,
        () -> new ModelCache(link, myUid()).get("bert", "1", ONE_FILE), "a link is not trusted");
    assertTrue(linked.getMessage().contains("not trusted"), linked.getMessage());
  }

  @Test
  void aFailedFetchLeavesNoStagingFolder() throws Exception {
    Path root = tmp.resolve("models");
    assertThrows(java.io.IOException.class, () -> new ModelCache(root, myUid()).get("bert", "1", dir -> {
      ONE_FILE.into(dir);
      throw new java.io.IOException("injected fault");
    }));
    try (var left = Files.list(root)) {
      assertFalse(left.findAny().isPresent());
    }
  }

  /** A container UID with no passwd entry (OpenShift): Java's user.name is "?", the owner's name its number. */
  @Test
  void aUserWithoutANameTrustsItsOwnCacheFolderNamedByUid() throws Exception {
    String name = System.getProperty("user.name");
    String tmpdir = System.getProperty("java.io.tmpdir");
    System.setProperty("user.name", "?");
    System.setProperty("java.io.tmpdir", tmp.toString());
    try {
      Path first = ModelCache.local().get("bert", "1", ONE_FILE);
      assertEquals(first, ModelCache.local().get("bert", "1", ONE_FILE), "the second task trusts the first's folder");
      if (System.getenv("BERT_SPARK_CACHE") == null) {
        assertEquals(tmp.resolve("bert-spark-models-" + myUid()), first.getParent());
      }
      assertEquals(myUid(), Files.getAttribute(first.getParent(), "unix:uid"));
    } finally {
      System.setProperty("user.name", name);
      System.setProperty("java.io.tmpdir", tmpdir);
    }
  }
}
