package org.bertspark.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.File;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelLocalizerTest {
  @TempDir
  File tmp;

  private File remoteModel() throws Exception {
    File model = new File(tmp, "remote/bert");
    Files.createDirectories(new File(model, "variables").toPath());
    Files.writeString(new File(model, "vocab.txt").toPath(), "[PAD]\n[UNK]\nhello\n");
    Files.write(new File(model, "variables/variables.data-00000-of-00001").toPath(), new byte[] {1, 2, 3, 4});
    return model;
  }

  @Test
  void localPathsStayAsTheyAre() {
    Configuration conf = new Configuration();
    assertEquals("/models/bert", ModelLocalizer.localPath("/models/bert", conf));
    assertEquals("/models/bert", ModelLocalizer.localPath("file:///models/bert", conf));
    assertEquals("builtin:uncased", ModelLocalizer.localPath("builtin:uncased", conf));
    assertNull(ModelLocalizer.localPath(null, conf));
  }

  @Test
  void concurrentTasksShareOneCompleteCopy() throws Exception {
    File model = remoteModel();
    FileSystem fs = FileSystem.getLocal(new Configuration());
    File cache = new File(tmp, "cache");
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<String>> copies = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      copies.add(pool.submit(() -> ModelLocalizer.copyOnce(new Path(model.toURI()), fs, cache)));
    }
    String first = copies.get(0).get();
    for (Future<String> copy : copies) {
      assertEquals(first, copy.get());
    }
    pool.shutdown();
    assertArrayEquals(Files.readAllBytes(new File(model, "variables/variables.data-00000-of-00001").toPath()),
        Files.readAllBytes(new File(first, "variables/variables.data-00000-of-00001").toPath()));
    assertEquals("[PAD]\n[UNK]\nhello\n", Files.readString(new File(first, "vocab.txt").toPath()));
    // Only the finished copy is left: no partial folders.
    assertEquals(List.of(new File(first).getName()), List.of(cache.list()));
  }

  @Test
  void aReplacedModelIsCopiedAfresh() throws Exception {
    File model = remoteModel();
    FileSystem fs = FileSystem.getLocal(new Configuration());
    File cache = new File(tmp, "cache");
    String before = ModelLocalizer.copyOnce(new Path(model.toURI()), fs, cache);
    model.setLastModified(model.lastModified() + 60_000);
    String after = ModelLocalizer.copyOnce(new Path(model.toURI()), fs, cache);
    assertNotEquals(before, after);
    assertEquals("[PAD]\n[UNK]\nhello\n", Files.readString(new File(after, "vocab.txt").toPath()));
  }
}
