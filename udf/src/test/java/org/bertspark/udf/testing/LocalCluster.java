package org.bertspark.udf.testing;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;

/**
 * A SparkSession on {@code local-cluster[2,1,1024]}: two executors, each its own JVM, as on a real cluster, so tests
 * see serialization, per-executor caches and classpath problems that {@code local[*]} hides.
 *
 * <p>Standalone workers start executors as {@code java -cp $SPARK_HOME/jars/*}, taking SPARK_HOME from the environment
 * of this JVM (Surefire sets it, see the pom). This class fills that folder with the test classpath: jars linked,
 * class folders packed as jars.
 */
public final class LocalCluster {
  public static final int EXECUTORS = 2;
  private static final String MASTER = "local-cluster[" + EXECUTORS + ",1,1024]";
  private static final long REGISTER_TIMEOUT_MS = TimeUnit.SECONDS.toMillis(120);

  private LocalCluster() {}

  /**
   * Starts the session with {@code conf} on top of the cluster settings and returns once both executors have
   * registered. The caller stops it.
   */
  public static SparkSession start(Map<String, String> conf) {
    if (SparkSession.getDefaultSession().isDefined()) {
      throw new IllegalStateException("a SparkSession is already running in this JVM; stop it first");
    }
    Path sparkHome = prepareSparkHome();
    SparkSession.Builder builder = SparkSession.builder()
        .master(MASTER)
        .appName("bert-spark-local-cluster")
        .config("spark.home", sparkHome.toString())
        // The launcher finds the Scala version from build folders unless told; a release has none.
        .config("spark.executorEnv.SPARK_SCALA_VERSION", "2.12")
        .config("spark.executorEnv.SPARK_LOCAL_IP", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4");
    // Spark prepends the Java 17 --add-opens list to these options itself (SparkContext.supplementJavaModuleOptions).
    String repo = System.getProperty("maven.repo.local");
    if (repo != null) {
      builder.config("spark.executor.extraJavaOptions", "-Dmaven.repo.local=" + repo);
    }
    conf.forEach(builder::config);
    SparkSession spark = builder.getOrCreate();
    try {
      awaitExecutors(spark);
    } catch (RuntimeException e) {
      spark.stop();
      throw e;
    }
    return spark;
  }

  private static void awaitExecutors(SparkSession spark) {
    long deadline = System.currentTimeMillis() + REGISTER_TIMEOUT_MS;
    // getExecutorInfos lists the driver too.
    while (spark.sparkContext().statusTracker().getExecutorInfos().length < EXECUTORS + 1) {
      if (System.currentTimeMillis() > deadline) {
        throw new IllegalStateException("executors did not register within " + REGISTER_TIMEOUT_MS
            + " ms; see their logs under " + System.getenv("SPARK_HOME") + "/work");
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for executors", e);
      }
    }
  }

  /** $SPARK_HOME (Surefire's environment) as a distribution of this JVM's classpath. */
  private static Path prepareSparkHome() {
    String home = System.getenv("SPARK_HOME");
    if (home == null || home.isEmpty()) {
      throw new IllegalStateException("SPARK_HOME is not set: Surefire sets it to target/spark-home for tests that "
          + "use LocalCluster (environmentVariables in the module's pom)");
    }
    Path sparkHome = Paths.get(home).toAbsolutePath();
    distribution(sparkHome, List.of(System.getProperty("java.class.path").split(File.pathSeparator)));
    return sparkHome;
  }

  /**
   * Makes {@code sparkHome} what a standalone worker takes for a binary Spark distribution: a RELEASE file, and jars/
   * holding {@code classpath} (jars linked, class folders packed as jars), replacing what jars/ held.
   */
  public static void distribution(Path sparkHome, List<String> classpath) {
    Path jars = sparkHome.resolve("jars");
    try {
      deleteRecursively(jars);
      Files.createDirectories(jars);
      Files.writeString(sparkHome.resolve("RELEASE"), "Spark test distribution for bert-spark\n");
      for (int i = 0; i < classpath.size(); i++) {
        Path entry = Paths.get(classpath.get(i)).toAbsolutePath();
        // The index keeps same-named entries (every module's target/classes) apart.
        String name = i + "-" + entry.getFileName();
        if (Files.isDirectory(entry)) {
          packJar(entry, jars.resolve(name + ".jar"));
        } else if (entry.toString().endsWith(".jar") && Files.isRegularFile(entry)) {
          Files.createSymbolicLink(jars.resolve(name), entry);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare SPARK_HOME " + sparkHome, e);
    }
  }

  private static void packJar(Path dir, Path jar) throws IOException {
    try (OutputStream out = Files.newOutputStream(jar);
        JarOutputStream zip = new JarOutputStream(out);
        Stream<Path> files = Files.walk(dir)) {
      for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        zip.putNextEntry(new JarEntry(dir.relativize(file).toString().replace(File.separatorChar, '/')));
        Files.copy(file, zip);
        zip.closeEntry();
      }
    }
  }

  private static void deleteRecursively(Path path) throws IOException {
    if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(path)) {
      for (Path p : (Iterable<Path>) walk.sorted((a, b) -> b.compareTo(a))::iterator) {
        Files.delete(p);
      }
    }
  }
}
