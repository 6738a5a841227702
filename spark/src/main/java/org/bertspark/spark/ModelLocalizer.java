package org.bertspark.spark;

import com.sun.security.auth.module.UnixSystem;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.SparkFiles;
import org.bertspark.encoder.EncoderOptions;

/**
 * Makes model directories local to the executor, because TensorFlow reads only local files. A directory on a remote
 * filesystem (hdfs:, s3a:, …) is pinned on the driver to a version (a digest of every file's name, size and
 * modification time: s3a gives directories no time, and HDFS changes only a changed file's own folder's), and copied
 * once per executor host and version into {@code java.io.tmpdir/bert-spark-models-UID} (made 0700; a folder of that
 * name owned by another user, or a link, is refused). A copy goes into a private folder first and is renamed into
 * place atomically, so no task ever sees half a copy; a failed copy is removed, and a killed one by the next copy on
 * that host. A task that finds the remote model changed since the driver pinned it fails, so one job never mixes two
 * models. A relative path missing from the working directory is looked up where {@code spark-submit --archives}
 * unpacks. Schemes that are no Hadoop filesystem pass through to the encoder.
 */
public final class ModelLocalizer {
  private static final String CACHE_DIR = "bert-spark-models-";
  private static final Pattern SCHEME = Pattern.compile("^([a-zA-Z][a-zA-Z0-9+.-]+):");
  /** Partial copies: {@code .NAME.PID.RANDOM}, so a later copy can tell a dead JVM's leftovers. */
  private static final Pattern PARTIAL = Pattern.compile("^\\.(.+)\\.(\\d+)\\.[0-9a-f-]+$");

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
      return copyOnce(path, path.getFileSystem(conf), cacheRoot(), pinned);
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
   * This user's cache folder, made 0700 if missing; refused if another user owns it or it is a link. Named and owned by
   * the numeric user id: a container's UID may have no passwd entry (OpenShift), so no user name.
   */
  static File cacheRoot() throws IOException {
    int uid = uid();
    return trustedFolder(new File(System.getProperty("java.io.tmpdir"), CACHE_DIR + uid), uid);
  }

  /** This process's numeric user id, the owner of what it creates. */
  static int uid() {
    return (int) new UnixSystem().getUid();
  }

  static synchronized File trustedFolder(File root, int uid) throws IOException {
    Set<PosixFilePermission> private0700 = PosixFilePermissions.fromString("rwx------");
    if (!Files.exists(root.toPath(), LinkOption.NOFOLLOW_LINKS)) {
      try {
        Files.createDirectory(root.toPath(), PosixFilePermissions.asFileAttribute(private0700));
      } catch (java.nio.file.FileAlreadyExistsException e) {
        // made by another executor of this user a moment ago: checked below
      }
    }
    PosixFileAttributes attrs = Files.readAttributes(root.toPath(), PosixFileAttributes.class,
        LinkOption.NOFOLLOW_LINKS);
    int owner = (Integer) Files.getAttribute(root.toPath(), "unix:uid", LinkOption.NOFOLLOW_LINKS);
    if (!attrs.isDirectory() || owner != uid) {
      throw new IOException("model cache folder " + root + " is " + (attrs.isDirectory() ? "owned by uid " + owner
          + " (" + attrs.owner().getName() + ")" : "not a folder") + ", not a folder of uid " + uid
          + ": not trusted; remove it or point java.io.tmpdir elsewhere");
    }
    if (!attrs.permissions().equals(private0700)) {
      Files.setPosixFilePermissions(root.toPath(), private0700);
    }
    return root;
  }

  /**
   * The local copy of {@code remote} under {@code cacheRoot}, made if missing. Its name holds the version, so a
   * replaced model is copied afresh.
   *
   * @param pinned the version the copy must have (the driver's); null for the remote directory's version now
   */
  static synchronized String copyOnce(Path remote, FileSystem fs, File cacheRoot, String pinned) throws IOException {
    String version = pinned != null ? pinned : version(remote, fs);
    File target = new File(cacheRoot, remote.getName() + "-" + version);
    if (target.isDirectory()) {
      return target.getPath();
    }
    removeDeadPartials(cacheRoot);
    File partial = new File(cacheRoot, "." + target.getName() + "." + ProcessHandle.current().pid() + "."
        + UUID.randomUUID());
    try {
      checkVersion(remote, fs, version, "before");
      if (!FileUtil.copy(fs, remote, partial, false, fs.getConf())) {
        throw new IOException("copy of " + remote + " to " + partial + " failed");
      }
      checkVersion(remote, fs, version, "while");
      try {
        Files.move(partial.toPath(), target.toPath(), StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        // Another executor on this host renamed its complete copy into place first (rename(2) fails on a non-empty
        // target): use that one.
        if (!target.isDirectory()) {
          throw e;
        }
      }
    } finally {
      FileUtil.fullyDelete(partial);
    }
    return target.getPath();
  }

  private static void checkVersion(Path remote, FileSystem fs, String expected, String when) throws IOException {
    if (!version(remote, fs).equals(expected)) {
      throw new IOException("model directory " + remote + " changed " + when + " this task copied it, since the "
          + "job started: one job never mixes two models; run it again");
    }
  }

  /** Removes partial copies left by JVMs that no longer run (killed while copying). */
  private static void removeDeadPartials(File cacheRoot) {
    String[] names = cacheRoot.list();
    for (String name : names == null ? new String[0] : names) {
      Matcher m = PARTIAL.matcher(name);
      if (m.matches() && ProcessHandle.of(Long.parseLong(m.group(2))).isEmpty()) {
        FileUtil.fullyDelete(new File(cacheRoot, name));
      }
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
