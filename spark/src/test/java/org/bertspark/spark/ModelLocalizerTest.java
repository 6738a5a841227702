package org.bertspark.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.bertspark.encoder.model.ModelCache;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Copies of remote model directories: versions, sharing, partial copies (the cache folder: ModelCacheTest). */
class ModelLocalizerTest {
  private static final String WEIGHTS = "variables/variables.data-00000-of-00001";

  @TempDir
  File tmp;

  private File remoteModel() throws Exception {
    File model = new File(tmp, "remote/bert");
    Files.createDirectories(new File(model, "variables").toPath());
    Files.writeString(new File(model, "vocab.txt").toPath(), "[PAD]\n[UNK]\nhello\n");
    Files.write(new File(model, WEIGHTS).toPath(), new byte[] {1, 2, 3, 4});
    return model;
  }

  private static FileSystem local() throws IOException {
    return FileSystem.getLocal(new Configuration());
  }

  private static ModelCache cache(File folder) {
    return new ModelCache(folder.toPath());
  }

  private static Path path(File f) {
    return new Path(f.toURI());
  }

  @Test
  void localPathsStayAsTheyAre() {
    Configuration conf = new Configuration();
    assertEquals("/models/bert", ModelLocalizer.localPath("/models/bert", conf, null));
    assertEquals("/models/bert", ModelLocalizer.localPath("file:///models/bert", conf, null));
    assertEquals("builtin:uncased", ModelLocalizer.localPath("builtin:uncased", conf, null));
    assertNull(ModelLocalizer.localPath(null, conf, null));
  }

  @Test
  void concurrentTasksShareOneCompleteCopy() throws Exception {
    File model = remoteModel();
    FileSystem fs = local();
    File cache = new File(tmp, "cache");
    Files.createDirectories(cache.toPath());
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<String>> copies = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      copies.add(pool.submit(() -> ModelLocalizer.copyOnce(path(model), fs, cache(cache), null)));
    }
    String first = copies.get(0).get();
    for (Future<String> copy : copies) {
      assertEquals(first, copy.get());
    }
    pool.shutdown();
    assertArrayEquals(Files.readAllBytes(new File(model, WEIGHTS).toPath()),
        Files.readAllBytes(new File(first, WEIGHTS).toPath()));
    assertEquals("[PAD]\n[UNK]\nhello\n", Files.readString(new File(first, "vocab.txt").toPath()));
    // Only the finished copy is left: no partial folders.
    assertEquals(List.of(new File(first).getName()), List.of(cache.list()));
  }

  @Test
  void theVersionFollowsEveryFileNotTheDirectoryTime() throws Exception {
    File model = remoteModel();
    FileSystem fs = local();
    long dirTime = model.lastModified();
    String before = ModelLocalizer.version(path(model), fs);
    File weights = new File(model, WEIGHTS);
    Files.write(weights.toPath(), new byte[] {1, 2, 3, 4, 5});
    model.setLastModified(dirTime); // as on s3a (no directory times) or HDFS (only the subfolder's changes)
    String bigger = ModelLocalizer.version(path(model), fs);
    assertNotEquals(before, bigger, "a file's size");
    weights.setLastModified(weights.lastModified() + 60_000);
    assertNotEquals(bigger, ModelLocalizer.version(path(model), fs), "a file's modification time");
  }

  @Test
  void aModelReplacedBetweenTwoTasksIsNeverMixedIn() throws Exception {
    File model = remoteModel();
    FileSystem fs = local();
    String pinned = ModelLocalizer.version(path(model), fs); // the driver, before any task
    File hostA = new File(tmp, "hostA");
    File hostB = new File(tmp, "hostB");
    Files.createDirectories(hostA.toPath());
    Files.createDirectories(hostB.toPath());
    String first = ModelLocalizer.copyOnce(path(model), fs, cache(hostA), pinned); // task 1

    Files.write(new File(model, WEIGHTS).toPath(), new byte[] {9, 9, 9, 9, 9, 9}); // replaced between the tasks

    assertEquals(first, ModelLocalizer.copyOnce(path(model), fs, cache(hostA), pinned),
        "task 2 on host A: the pinned copy");
    assertArrayEquals(new byte[] {1, 2, 3, 4}, Files.readAllBytes(new File(first, WEIGHTS).toPath()));
    IOException changed = assertThrows(IOException.class,
        () -> ModelLocalizer.copyOnce(path(model), fs, cache(hostB), pinned), "task 2 on host B: not the other model");
    assertTrue(changed.getMessage().contains("changed"), changed.getMessage());
    assertEquals(0, hostB.list().length, "no partial copy left");
    assertNotEquals(first, ModelLocalizer.copyOnce(path(model), fs, cache(hostA), null),
        "a new job copies the new model");
  }

  @Test
  void aFailedCopyLeavesNoPartialFolder() throws Exception {
    File model = remoteModel();
    FileSystem failing = new LocalFileSystem() {
      @Override
      public FSDataInputStream open(Path f, int bufferSize) throws IOException {
        if (f.getName().startsWith("variables.data")) {
          throw new IOException("injected read fault");
        }
        return super.open(f, bufferSize);
      }
    };
    failing.initialize(URI.create("file:///"), new Configuration());
    File cache = new File(tmp, "cache");
    Files.createDirectories(cache.toPath());
    assertThrows(IOException.class, () -> ModelLocalizer.copyOnce(path(model), failing, cache(cache), null));
    assertEquals(0, cache.list().length);
  }

  @Test
  void aKilledCopyIsRemovedByTheNextOne() throws Exception {
    File model = remoteModel();
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    File cache = new File(tmp, "cache");
    File leftover = new File(cache, ".bert-0123456789abcdef." + gone.pid() + ".7f1c2a3b-0000-4000-8000-000000000000");
    Files.createDirectories(new File(leftover, "variables").toPath());
    String copy = ModelLocalizer.copyOnce(path(model), local(), cache(cache), null);
    assertEquals(List.of(new File(copy).getName()), List.of(cache.list()));
  }
}
