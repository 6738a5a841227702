package org.bertspark.spark;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.SparkFiles;
import org.bertspark.encoder.EncoderOptions;
import org.bertspark.encoder.model.ModelCache;

/**
 * Makes model directories local to the executor, because TensorFlow reads only local files. A directory on a remote
 * filesystem (hdfs:, s3a:, …) is pinned on the driver to a version (a digest of every file's name, size and
 * modification time: s3a gives directories no time, and HDFS changes only a changed file's own folder's), and copied
 * once per executor host and version into this user's {@link ModelCache}. A task that finds the remote model changed
 * since the driver pinned it fails, so one job never mixes two models. A relative path missing from the working
 * directory is looked up where {@code spark-submit --archives} unpacks. Schemes that are no Hadoop filesystem pass
 * through to the encoder.
 */
public final class ModelLocalizer {
  private static final Pattern SCHEME = Pattern.compile("^([a-zA-Z][a-zA-Z0-9+.-]+):");

  private ModelLocalizer() {}

  /**
   * The versions of the remote model directories among {@code options} (model_dir, tuned_model_dir), for the driver
   * to pin before tasks start; local ones have none.
   */
  public static Map<String, String> pin(EncoderOptions options, Configuration conf) {
    Map<String, String> versions = new LinkedHashMap<>();
    for (String dir : new String[] {options.modelDir(), options.tunedModelDir()}) {
      if (isRemote(dir, conf)) {
        Path path = new Path(dir);
        try {
          versions.put(dir, version(path, path.getFileSystem(conf)));
        } catch (IOException e) {
          throw new UncheckedIOException("cannot list model directory " + dir, e);
        }
      }
    }
    return versions;
  }

  /** The options with model_dir and tuned_model_dir replaced by local paths, remote ones at their pinned versions. */
  public static EncoderOptions localize(EncoderOptions options, Configuration conf, Map<String, String> pinned) {
    return options.toBuilder()
        .modelDir(localPath(options.modelDir(), conf, pinned.get(options.modelDir())))
        .tunedModelDir(localPath(options.tunedModelDir(), conf, pinned.get(options.tunedModelDir())))
        .build();
  }

  /** {@code pinned}: the version the copy must have; null for whatever is there now. */
  static String localPath(String dir, Configuration conf, String pinned) {
    if (dir == null) {
      return null;
    }
    Matcher scheme = SCHEME.matcher(dir);
    if (!scheme.find() || scheme.group(1).equals("file")) {
      return localOrArchive(new Path(dir).toUri().getPath());
    }
    if (!isRemote(dir, conf)) {
      return dir; // e.g. the encoder's builtin:uncased
    }
    Path path = new Path(dir);
    try {
      return copyOnce(path, path.getFileSystem(conf), ModelCache.local(), pinned);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy model directory " + dir + " to local disk", e);
    }
  }

  /** A path on a Hadoop filesystem other than the local one. */
  private static boolean isRemote(String dir, Configuration conf) {
    Matcher scheme = dir == null ? null : SCHEME.matcher(dir);
    if (scheme == null || !scheme.find() || scheme.group(1).equals("file")) {
      return false;
    }
    try {
      FileSystem.getFileSystemClass(scheme.group(1), conf);
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
   * The local copy of {@code remote} in {@code cache}, made if missing. Its name holds the version, so a replaced
   * model is copied afresh.
   *
   * @param pinned the version the copy must have (the driver's); null for the remote directory's version now
   */
  static String copyOnce(Path remote, FileSystem fs, ModelCache cache, String pinned) throws IOException {
    String version = pinned != null ? pinned : version(remote, fs);
    return cache.get(remote.getName(), version, staging -> {
      checkVersion(remote, fs, version, "before");
      for (FileStatus child : fs.listStatus(remote)) {
        File to = staging.resolve(child.getPath().getName()).toFile();
        if (!FileUtil.copy(fs, child.getPath(), to, false, fs.getConf())) {
          throw new IOException("copy of " + child.getPath() + " to " + to + " failed");
        }
      }
      checkVersion(remote, fs, version, "while");
    }).toString();
  }

  private static void checkVersion(Path remote, FileSystem fs, String expected, String when) throws IOException {
    if (!version(remote, fs).equals(expected)) {
      throw new IOException("model directory " + remote + " changed " + when + " this task copied it, since the "
          + "job started: one job never mixes two models; run it again");
    }
  }

  /** A digest of the directory's location and every file under it: relative name, size, modification time. */
  static String version(Path dir, FileSystem fs) throws IOException {
    Path root = fs.makeQualified(dir);
    List<String> entries = new ArrayList<>();
    RemoteIterator<LocatedFileStatus> files = fs.listFiles(root, true);
    while (files.hasNext()) {
      LocatedFileStatus f = files.next();
      String relative = root.toUri().relativize(f.getPath().toUri()).getPath();
      entries.add(relative + "\t" + f.getLen() + "\t" + f.getModificationTime());
    }
    entries.sort(null);
    StringBuilder listing = new StringBuilder(root.toString()).append('\n');
    entries.forEach(e -> listing.append(e).append('\n'));
    return digest(listing.toString());
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
