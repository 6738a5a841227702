package org.bertspark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shell scripts as a user runs them. submit.sh and conf/: the script is copied with conf/ into a bare project folder whose jar is up
 * to date (so it builds nothing), and runs a stand-in spark-submit or java that prints the arguments it got.
 */
class ScriptsTest {
  private static final Path PROJECT = Path.of("..").toAbsolutePath().normalize();

  @TempDir
  Path tmp;
  private Path root;
  private Path work;
  private Path sparkHome;
  private Path javaHome;

  private record Result(int exitCode, List<String> args, String stderr) {}

  @BeforeEach
  void project() throws IOException {
    root = Files.createDirectories(tmp.resolve("project"));
    Files.copy(PROJECT.resolve("submit.sh"), root.resolve("submit.sh"));
    Files.copy(PROJECT.resolve("pom.xml"), root.resolve("pom.xml"));
    Path conf = Files.createDirectories(root.resolve("conf"));
    try (Stream<Path> files = Files.list(PROJECT.resolve("conf"))) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.copy(f, conf.resolve(f.getFileName()));
      }
    }
    Path target = Files.createDirectories(root.resolve("job/target"));
    FileTime later = FileTime.fromMillis(System.currentTimeMillis() + 60_000);
    Files.setLastModifiedTime(Files.writeString(target.resolve("bert-spark.jar"), ""), later);
    Files.setLastModifiedTime(Files.writeString(target.resolve("spark-classpath.txt"), "spark.jar"), later);
    work = Files.createDirectories(tmp.resolve("work"));
    sparkHome = tmp.resolve("spark");
    javaHome = tmp.resolve("java");
    for (Path bin : List.of(sparkHome.resolve("bin/spark-submit"), javaHome.resolve("bin/java"))) {
      Files.createDirectories(bin.getParent());
      Files.writeString(bin, "#!/usr/bin/env bash\nprintf '%s\\n' \"$@\"\n");
      Files.setPosixFilePermissions(bin, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }

  private Result submit(boolean withSparkHome, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("bash", root.resolve("submit.sh").toString()));
    Collections.addAll(cmd, args);
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile());
    Map<String, String> env = pb.environment();
    env.remove("SPARK_HOME");
    if (withSparkHome) {
      env.put("SPARK_HOME", sparkHome.toString());
    }
    env.put("JAVA_HOME", javaHome.toString());
    Path out = tmp.resolve("stdout");
    Path err = tmp.resolve("stderr");
    int code = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start().waitFor();
    return new Result(code, Files.readAllLines(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  private static String after(List<String> args, String option) {
    assertEquals(1, Collections.frequency(args, option), option + " once in " + args);
    return args.get(args.indexOf(option) + 1);
  }

  private String logConf() {
    return "-Dlog4j2.configurationFile=file:" + root + "/conf/log4j2.properties";
  }

  @Test
  void driverJavaOptionsAreMergedWithOurs() throws Exception {
    Result r = submit(true, "--master", "local[2]", "--driver-java-options", "-Dfoo=1 -Dbar='a b'", "--",
        "--input", "in", "--output", "out");
    assertEquals(0, r.exitCode, r.stderr);
    assertEquals(logConf() + " -Dfoo=1 -Dbar='a b'", after(r.args, "--driver-java-options"));
    assertEquals("local[2]", after(r.args, "--master"));
    assertEquals(List.of("--input", "in", "--output", "out"), r.args.subList(r.args.size() - 4, r.args.size()));
  }

  @Test
  void extraJavaOptionsFromConfAreMergedWithOurs() throws Exception {
    Result r = submit(true, "--conf", "spark.driver.extraJavaOptions=-Dbaz=3", "--", "--input", "in", "--output",
        "out");
    assertEquals(0, r.exitCode, r.stderr);
    assertEquals(logConf() + " -Dbaz=3", after(r.args, "--driver-java-options"));
  }

  @Test
  void propertiesFileIsReadAsSparkReadsIt() throws Exception {
    Path props = Files.writeString(tmp.resolve("my.conf"), String.join("\n",
        "# spark.driver.memory 9g",
        "spark.driver.memory 1g",
        "spark.driver.memory=3g",
        "  spark.driver.extraJavaOptions : -Dq=\"x y\" \\",
        "      -Dr=2",
        "spark.master local[1]", ""));
    Result r = submit(false, "--properties-file", props.toString(), "--", "--input", "in", "--output", "out");
    assertEquals(0, r.exitCode, r.stderr);
    // Without SPARK_HOME the driver is this JVM: its heap and options are set on the java command line.
    int main = r.args.indexOf("org.apache.spark.deploy.SparkSubmit");
    List<String> jvm = r.args.subList(0, main);
    assertTrue(jvm.contains("-Xmx3g"), jvm.toString());
    assertFalse(jvm.contains("-Xmx1g"), jvm.toString());
    assertEquals(List.of(logConf(), "-Dq=x y", "-Dr=2"), jvm.subList(jvm.indexOf(logConf()), jvm.size() - 2));
    assertEquals(props.toString(), after(r.args, "--properties-file"));
    assertFalse(r.args.contains("--driver-java-options"), r.args.toString());
  }

  @Test
  void driverMemoryOptionWinsOverTheFile() throws Exception {
    Result r = submit(false, "--driver-memory=2g", "--", "--input", "in", "--output", "out");
    assertEquals(0, r.exitCode, r.stderr);
    assertTrue(r.args.contains("-Xmx2g"), r.args.toString());
    assertEquals(root + "/conf/spark-defaults.conf", after(r.args, "--properties-file"));
  }

  @Test
  void defaultRunNeverReplacesAFolderItDidNotWrite() throws Exception {
    Result fresh = submit(false);
    assertEquals(0, fresh.exitCode, fresh.stderr);
    assertEquals("errorifexists", after(fresh.args, "--mode"));
    assertEquals(work.resolve("out").toString(), after(fresh.args, "--output"));

    Path mine = Files.writeString(Files.createDirectories(work.resolve("out")).resolve("notes.txt"), "mine");
    Result refused = submit(false);
    assertEquals(2, refused.exitCode, refused.stderr);
    assertTrue(refused.stderr.contains("not replacing it"), refused.stderr);
    assertTrue(refused.args.isEmpty(), refused.args.toString());
    assertEquals("mine", Files.readString(mine));

    Files.delete(mine);
    Files.writeString(work.resolve("out").resolve(JobSummary.FILE_NAME), "{}");
    Result again = submit(false);
    assertEquals(0, again.exitCode, again.stderr);
    assertEquals("overwrite", after(again.args, "--mode"));
  }

  /** submit.sh connect: Spark Connect's server with our extensions, on loopback unless the user binds it elsewhere. */
  @Test
  void connectServesOnLoopbackWithOurExtensions() throws Exception {
    Files.writeString(root.resolve("job/target/spark-classpath.txt"),
        "/m2/org/apache/spark/spark-connect_2.13/4.2.0/spark-connect_2.13-4.2.0.jar:spark.jar");
    Result r = submit(false, "connect", "--master", "local[2]");
    assertEquals(0, r.exitCode, r.stderr);
    assertEquals("org.apache.spark.sql.connect.service.SparkConnectServer", after(r.args, "--class"));
    assertEquals(root + "/job/target/bert-spark.jar", r.args.get(r.args.size() - 1), "no application arguments");
    assertTrue(r.args.contains("spark.sql.extensions=org.bertspark.udf.BertExtensions"), r.args.toString());
    assertTrue(r.args.contains("spark.connect.grpc.binding.address=127.0.0.1"), r.args.toString());
    assertEquals("local[2]", after(r.args, "--master"));

    // spark-submit keeps the last --conf of a key: the user's
    Result wide = submit(false, "connect", "--conf", "spark.connect.grpc.binding.address=0.0.0.0");
    assertEquals(0, wide.exitCode, wide.stderr);
    assertTrue(wide.args.indexOf("spark.connect.grpc.binding.address=0.0.0.0")
        > wide.args.indexOf("spark.connect.grpc.binding.address=127.0.0.1"), wide.args.toString());
    Path props = Files.writeString(tmp.resolve("connect.conf"), "spark.connect.grpc.binding.address 10.0.0.1\n");
    Result fromFile = submit(false, "connect", "--properties-file", props.toString());
    assertEquals(0, fromFile.exitCode, fromFile.stderr);
    assertFalse(fromFile.args.contains("spark.connect.grpc.binding.address=127.0.0.1"), fromFile.args.toString());
  }

  @Test
  void connectOnTheSpark35BuildSaysWhatToBuild() throws Exception {
    Result r = submit(false, "connect");
    assertEquals(2, r.exitCode, r.stderr);
    assertTrue(r.stderr.contains("mvn -B -Pspark4 -DskipTests package"), r.stderr);
    assertTrue(r.args.isEmpty(), r.args.toString());
  }

  /** CUDA reads an empty CUDA_VISIBLE_DEVICES as no GPU, and stops at the first entry that is not a device. */
  @Test
  void gpuDiscoveryHonoursAnEmptyCudaVisibleDevices() throws Exception {
    assertEquals("{\"name\": \"gpu\", \"addresses\": []}", gpus(""));
    assertEquals("{\"name\": \"gpu\", \"addresses\": []}", gpus("-1"));
    assertEquals("{\"name\": \"gpu\", \"addresses\": [\"0\",\"1\"]}", gpus("3,5"));
    assertEquals("{\"name\": \"gpu\", \"addresses\": [\"0\"]}", gpus("2,-1,4"));
  }

  private String gpus(String visible) throws Exception {
    ProcessBuilder pb = new ProcessBuilder("bash", root.resolve("conf/getGpusResources.sh").toString());
    pb.environment().put("CUDA_VISIBLE_DEVICES", visible);
    Path out = tmp.resolve("gpus");
    assertEquals(0, pb.redirectOutput(out.toFile()).start().waitFor());
    return Files.readString(out).strip();
  }

  /** A normal user without the notebooks' packages is told what to install; nothing tries apt-get without rights. */
  @Test
  void notebookRunnerNamesMissingPackagesWhenItCannotInstall() throws Exception {
    Path bin = Files.createDirectories(tmp.resolve("user-bin"));
    for (String[] tool : new String[][] {{"id", "echo 1000"}, {"sudo", "echo sudo-called >&2; exit 1"},
        {"apt-get", "echo apt-get-called >&2; exit 1"}}) {
      Path f = Files.writeString(bin.resolve(tool[0]), "#!/usr/bin/env bash\n" + tool[1] + "\n");
      Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    ProcessBuilder pb = new ProcessBuilder("bash", PROJECT.resolve("notebooks/run-notebooks.sh").toString());
    pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
    pb.environment().put("PYTHON", "false"); // a Python without nbclient and the rest
    Path err = tmp.resolve("notebooks.err");
    int code = pb.redirectErrorStream(true).redirectOutput(err.toFile()).start().waitFor();
    String out = Files.readString(err);
    assertEquals(1, code, out);
    assertTrue(out.contains("apt-get install python3-nbclient"), out);
    assertFalse(out.contains("apt-get-called"), out);
  }

  /** Every property line of the shipped files has a key and a value (Spark reads "key1" alone as an empty value). */
  @Test
  void shippedPropertiesFilesHaveAValueOnEveryLine() throws IOException {
    try (Stream<Path> files = Files.list(PROJECT.resolve("conf"))) {
      for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".conf"))::iterator) {
        for (String line : Files.readAllLines(f)) {
          String l = line.strip();
          if (!l.isEmpty() && !l.startsWith("#")) {
            assertTrue(l.matches("spark\\.[\\w.\\-]+(\\s*[=:]\\s*|\\s+)\\S.*"), f.getFileName() + ": " + line);
          }
        }
      }
    }
  }
}
