package org.bertspark.job;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileNotFoundException;
import java.net.URI;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Filesystem URIs that spell one location differently (the symlink cases run the real job in JobCommandLineTest). */
class OutputOverlapTest {
  @ParameterizedTest(name = "{0} and {1}")
  @CsvSource({
      "hdfs://nn/data, hdfs://nn:8020/data",
      "hdfs://NN:8020/data/in.jsonl, hdfs://nn/data",
      "hdfs://nn/data/x/../in.jsonl, hdfs://nn:8020/data",
      "s3://bucket/data, s3a://bucket/data/vectors",
      "s3a://bucket/data/*.parquet, s3://bucket/data"})
  void oneLocationSpelledTwoWaysOverlapsInEveryMode(String in, String out) {
    for (boolean overwrite : new boolean[] {true, false}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> OutputOverlap.check("--input", List.of(in), out, overwrite, conf()));
      assertTrue(e.getMessage().contains("choose another --output"), e.getMessage());
    }
  }

  @ParameterizedTest(name = "{0} and {1}")
  @CsvSource({
      "hdfs://nn:9000/data, hdfs://nn/data",
      "hdfs://nn/data, hdfs://other/data",
      "s3a://bucket/data, s3a://bucket/data-vectors",
      "s3a://bucket/data, s3://other-bucket/data"})
  void differentLocationsAreApart(String in, String out) {
    assertDoesNotThrow(() -> OutputOverlap.check("--input", List.of(in), out, true, conf()));
  }

  /** Two filesystem classes on one host may store the same data: overwrite is refused, append is not. */
  @ParameterizedTest(name = "{0} and {1}")
  @CsvSource({"s3a://bucket/data, gs://bucket/data/vectors"})
  void undecidableOverlapRefusesOverwriteOnly(String in, String out) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> OutputOverlap.check("--input", List.of(in), out, true, conf()));
    assertTrue(e.getMessage().contains("--mode overwrite refused: cannot tell"), e.getMessage());
    assertTrue(e.getMessage().contains("same host bucket"), e.getMessage());
    assertDoesNotThrow(() -> OutputOverlap.check("--input", List.of(in), out, false, conf()));
  }

  private static Configuration conf() {
    Configuration conf = new Configuration(false);
    for (String scheme : List.of("hdfs", "s3", "s3a")) {
      conf.set("fs." + scheme + ".impl", EmptyFileSystem.class.getName());
      conf.setBoolean("fs." + scheme + ".impl.disable.cache", true);
    }
    conf.set("fs.gs.impl", OtherEmptyFileSystem.class.getName());
    conf.setBoolean("fs.gs.impl.disable.cache", true);
    return conf;
  }

  /** A remote filesystem with nothing in it yet, default port 8020, under whatever scheme it is installed. */
  public static class EmptyFileSystem extends FileSystem {
    private URI uri;

    @Override
    public void initialize(URI name, org.apache.hadoop.conf.Configuration conf) throws java.io.IOException {
      super.initialize(name, conf);
      uri = URI.create(name.getScheme() + "://" + name.getAuthority());
    }

    @Override
    public URI getUri() {
      return uri;
    }

    @Override
    protected int getDefaultPort() {
      return 8020;
    }

    @Override
    public FileStatus getFileStatus(Path f) throws FileNotFoundException {
      if (f.getParent() == null) {
        return new FileStatus(0, true, 1, 0, 0, makeQualified(f));
      }
      throw new FileNotFoundException(f.toString());
    }

    @Override
    public FileStatus[] listStatus(Path f) throws FileNotFoundException {
      throw new FileNotFoundException(f.toString());
    }

    @Override
    public FSDataInputStream open(Path f, int bufferSize) {
      throw new UnsupportedOperationException();
    }

    @Override
    public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize,
        short replication, long blockSize, Progressable progress) {
      throw new UnsupportedOperationException();
    }

    @Override
    public FSDataOutputStream append(Path f, int bufferSize, Progressable progress) {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean rename(Path src, Path dst) {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean delete(Path f, boolean recursive) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void setWorkingDirectory(Path dir) {}

    @Override
    public Path getWorkingDirectory() {
      return new Path(uri.toString() + "/");
    }

    @Override
    public boolean mkdirs(Path f, FsPermission permission) {
      throw new UnsupportedOperationException();
    }
  }

  /** Another class: what a different scheme's connector would be. */
  public static class OtherEmptyFileSystem extends EmptyFileSystem {}
}
