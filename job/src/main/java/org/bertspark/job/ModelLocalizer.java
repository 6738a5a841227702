package org.bertspark.job;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkFiles;
import org.bertspark.encoder.EncoderOptions;

/**
 * Makes model directories local to the executor, because TensorFlow reads only local files. A directory on a remote
 * filesystem (hdfs:, s3a:, …) is copied once per executor host into {@code java.io.tmpdir/bert-spark-models}: into a
 * private temporary folder first, then renamed into place atomically, so no task ever sees half a copy. A relative
 * path missing from the working directory is looked up where {@code spark-submit --archives} unpacks. Schemes that
 * are no Hadoop filesystem pass through to the encoder.
 */
final class ModelLocalizer {
  private static final String CACHE_DIR = "bert-spark-models";
  private static final Pattern SCHEME = Pattern.compile("^([a-zA-Z][a-zA-Z0-9+.-]+):");

  private ModelLocalizer() {}

  /** The options with model_dir and tuned_model_dir replaced by local paths. */
  static EncoderOptions localize(EncoderOptions options, Configuration conf) {
    return options.toBuilder()
        .modelDir(localPath(options.modelDir(), conf))
        .tunedModelDir(localPath(options.tunedModelDir(), conf))
        .build();
  }

  static String localPath(String dir, Configuration conf) {
    if (dir == null) {
      return null;
    }
    Matcher scheme = SCHEME.matcher(dir);
    if (!scheme.find() || scheme.group(1).equals("file")) {
      return localOrArchive(new Path(dir).toUri().getPath());
    }
    if (!isHadoopFileSystem(scheme.group(1), conf)) {
      return dir; // e.g. the encoder's builtin:uncased
    }
    Path path = new Path(dir);
    try {
      return copyOnce(path, path.getFileSystem(conf), new File(System.getProperty("java.io.tmpdir"), CACHE_DIR));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy model directory " + dir + " to local disk", e);
    }
  }

  private static boolean isHadoopFileSystem(String scheme, Configuration conf) {
    try {
      FileSystem.getFileSystemClass(scheme, conf);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static String localOrArchive(String dir) {
    File f = new File(dir);
    if (f.isAbsolute() || f.exists()) {
      return dir;
    }
    File archived = new File(SparkFiles.getRootDirectory(), dir);
    return archived.exists() ? archived.getPath() : dir;
  }

  /**
   * The local copy of {@code remote} under {@code cacheRoot}, made if missing. The name holds a digest of the URI and
   * the directory's modification time, so a replaced model is copied afresh.
   */
  static synchronized String copyOnce(Path remote, FileSystem fs, File cacheRoot) throws IOException {
    FileStatus status = fs.getFileStatus(remote);
    File target = new File(cacheRoot, remote.getName() + "-" + digest(
        fs.makeQualified(remote) + "@" + status.getModificationTime()));
    if (target.isDirectory()) {
      return target.getPath();
    }
    Files.createDirectories(cacheRoot.toPath());
    File partial = new File(cacheRoot, "." + target.getName() + "." + UUID.randomUUID());
    if (!FileUtil.copy(fs, remote, partial, false, fs.getConf())) {
      throw new IOException("copy of " + remote + " to " + partial + " failed");
    }
    try {
      Files.move(partial.toPath(), target.toPath(), StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      // Another executor on this host renamed its complete copy into place first (rename(2) fails on a non-empty
      // target): use that one.
      FileUtil.fullyDelete(partial);
      if (!target.isDirectory()) {
        throw e;
      }
    }
    return target.getPath();
  }

  private static String digest(String s) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
