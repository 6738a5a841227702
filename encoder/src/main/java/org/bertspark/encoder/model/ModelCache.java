package org.bertspark.encoder.model;

import com.sun.security.auth.module.UnixSystem;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * This user's local copies of models kept elsewhere, because TensorFlow reads only local files: the built-in models
 * unpacked from their jars ({@link BuiltinModels}) and, in Spark, remote model directories (hdfs:, s3a:, …) copied
 * to each executor host. One folder per user and host: {@code $BERT_SPARK_CACHE}, else
 * {@code java.io.tmpdir/bert-spark-models-UID} (the numeric user id: a container's UID may have no passwd entry).
 *
 * <p>A copy is named {@code NAME-VERSION}, its version telling a replaced model from the one copied before. It is
 * written into a private staging folder {@code .NAME-VERSION.PID.RANDOM} and renamed into place atomically: no JVM
 * ever sees half a model, a failed copy is removed, and a killed one (its PID no longer runs) by the next copy. The
 * folder is created private (0700); one that is a link, another user's, or writable by others is refused: whoever
 * can write there chooses the model.
 */
public final class ModelCache {
  /** Writes a model's files into {@code staging}, an empty folder that becomes the cached copy once this returns. */
  @FunctionalInterface
  public interface Fetch {
    void into(Path staging) throws IOException;
  }

  private static final String ROOT_PREFIX = "bert-spark-models-";
  /** Staging folders: {@code .NAME-VERSION.PID.RANDOM}, so a later copy can tell a dead JVM's leftovers. */
  private static final Pattern STAGING = Pattern.compile("^\\.(.+)\\.(\\d+)\\.[0-9a-f-]+$");
  private static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rwx------");
  /** One fetch of a copy at a time in this JVM; other JVMs race on the rename. */
  private static final ConcurrentHashMap<Path, Object> FETCHING = new ConcurrentHashMap<>();

  private final Path root;
  private final int uid;

  /** The cache in {@code root}, trusted when it is this process's user's. */
  public ModelCache(Path root) {
    this(root, uid());
  }

  ModelCache(Path root, int uid) {
    this.root = root.toAbsolutePath();
    this.uid = uid;
  }

  /** {@code $BERT_SPARK_CACHE}, else {@code java.io.tmpdir/bert-spark-models-UID}. */
  public static ModelCache local() {
    String dir = System.getenv("BERT_SPARK_CACHE");
    int uid = uid();
    return new ModelCache(dir != null && !dir.isEmpty() ? Path.of(dir)
        : Path.of(System.getProperty("java.io.tmpdir"), ROOT_PREFIX + uid), uid);
  }

  /** This process's numeric user id, the owner of what it creates. */
  private static int uid() {
    return (int) new UnixSystem().getUid();
  }

  public Path root() {
    return root;
  }

  /** The copy {@code NAME-VERSION}, made by {@code fetch} if missing. */
  public Path get(String name, String version, Fetch fetch) throws IOException {
    trustRoot();
    Path target = root.resolve(name + "-" + version);
    synchronized (FETCHING.computeIfAbsent(target, t -> new Object())) {
      if (Files.isDirectory(target)) {
        return target; // only ever made complete, by the rename below
      }
      removeDeadStaging();
      Path staging = Files.createDirectory(root.resolve("." + target.getFileName() + "."
          + ProcessHandle.current().pid() + "." + UUID.randomUUID()));
      try {
        fetch.into(staging);
        try {
          Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
          // another JVM renamed its complete copy into place first (rename(2) fails on a non-empty target)
          if (!Files.isDirectory(target)) {
            throw e;
          }
        }
        return target;
      } finally {
        deleteRecursively(staging);
      }
    }
  }

  /** Creates the folder private to this user, or checks that the existing one is this user's own. */
  private void trustRoot() throws IOException {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      Files.createDirectories(root.getParent());
      try {
        Files.createDirectory(root, PosixFilePermissions.asFileAttribute(PRIVATE));
      } catch (FileAlreadyExistsException e) {
        // made by another JVM of this user a moment ago: checked below
      }
    }
    PosixFileAttributes attrs = Files.readAttributes(root, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    String fix = "; set BERT_SPARK_CACHE to a folder of your own";
    if (!attrs.isDirectory()) {
      throw new IllegalArgumentException("the model cache " + root + " is not a folder (a link?): it is not trusted"
          + fix);
    }
    int owner = (Integer) Files.getAttribute(root, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    if (owner != uid) {
      throw new IllegalArgumentException("the model cache " + root + " belongs to " + attrs.owner().getName()
          + " (uid " + owner + "), not to uid " + uid + ": it is not trusted" + fix);
    }
    if (!Collections.disjoint(attrs.permissions(),
        EnumSet.of(PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE))) {
      throw new IllegalArgumentException("the model cache " + root + " is writable by other users: it is not "
          + "trusted; make it private (chmod 700) or set BERT_SPARK_CACHE to a folder of your own");
    }
  }

  /** Removes staging folders of JVMs that no longer run (killed while copying). */
  private void removeDeadStaging() throws IOException {
    try (Stream<Path> files = Files.list(root)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Matcher m = STAGING.matcher(p.getFileName().toString());
        if (m.matches() && ProcessHandle.of(Long.parseLong(m.group(2))).isEmpty()) {
          deleteRecursively(p);
        }
      }
    }
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: a leftover staging folder wastes space but is never mistaken for a model
    }
  }
}
