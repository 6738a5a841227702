package org.bertspark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.bertspark.encoder.BertEncoder;
import org.bertspark.encoder.Embeddings;
import org.bertspark.encoder.EncoderOptions;
import org.bertspark.encoder.testing.Inputs;
import org.bertspark.encoder.testing.TinyModel;
import org.bertspark.udf.testing.LocalCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job on a real Spark standalone cluster, as a user runs it: a master and two workers (Spark's own {@code Master}
 * and {@code Worker}, child JVMs on loopback, from the Spark jars of {@code target/spark-classpath.txt} as a
 * distribution would hold them, one core each), the job through {@code ./submit.sh} with
 * {@code conf/spark-defaults.standalone.conf} and the packed {@code bert-spark.jar}. One worker's executor JVM is killed
 * (SIGKILL) while it runs a task, after other tasks have committed; the output must still hold every input row exactly
 * once, with the encoder's vectors, and {@code _SUMMARY.json} count each row once.
 *
 * <p>Failsafe runs it after the jar is packed, in an execution of its own that {@code -DskipITs} does not skip (CI's
 * command), see job/pom.xml.
 */
class StandaloneClusterIT {
  private static final Path PROJECT = Path.of("..").toAbsolutePath().normalize();
  private static final Path SPARK_CLASSPATH = Path.of("target/spark-classpath.txt").toAbsolutePath();
  /** One task per file (spark.sql.files.maxPartitionBytes below): tasks to spare after the kill. */
  private static final int FILES = 12;
  private static final int ROWS_PER_FILE = 2500;
  private static final int ROWS = FILES * ROWS_PER_FILE;
  private static final int WORKERS = 2;
  /** About 2 minutes on 2 quiet cores; far more when other builds share them. */
  private static final long TIMEOUT_S = 480;
  private static final Pattern MASTER_URL = Pattern.compile("Starting Spark master at (spark://[\\w.-]+:\\d+)");
  private static final Pattern RUNNING = Pattern.compile("Running task (\\S+) in stage (\\S+) ");
  private static final Pattern FINISHED = Pattern.compile("Finished task (\\S+) in stage (\\S+) ");

  /** Kept when the test fails: the daemons' logs, the workers' folders (executor logs) and the driver's log. */
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path tmp;
  private final List<Process> daemons = new ArrayList<>();

  @AfterEach
  void stopCluster() {
    for (Process daemon : daemons) {
      List<ProcessHandle> children = daemon.descendants().toList();
      daemon.destroyForcibly();
      children.forEach(ProcessHandle::destroyForcibly);
    }
  }

  @Test
  void everyRowOnceWhenAnExecutorIsKilledMidRun() throws Exception {
    String model = TinyModel.writeCheckpoint(tmp.resolve("model"), 41).toString();
    Map<String, String> texts = writeInput(Files.createDirectories(tmp.resolve("in")));

    List<String> sparkJars = List.of(Files.readString(SPARK_CLASSPATH).strip().split(File.pathSeparator));
    Path sparkHome = tmp.resolve("spark-home");
    LocalCluster.distribution(sparkHome, sparkJars);
    String master = startMaster(sparkHome);
    List<Process> workers = new ArrayList<>();
    for (int w = 0; w < WORKERS; w++) {
      workers.add(startWorker(sparkHome, master, w));
    }
    for (int w = 0; w < WORKERS; w++) {
      awaitLog(tmp.resolve("worker-" + w + ".log"), Pattern.compile("Successfully registered with master"));
    }

    Path out = tmp.resolve("out");
    Path logs = Files.createDirectories(tmp.resolve("logs"));
    ProcessBuilder submit = new ProcessBuilder("./submit.sh",
        "--properties-file", "conf/spark-defaults.standalone.conf", "--master", master,
        // The file's executors are sized for real machines; these workers have one core and 1 GB each.
        "--conf", "spark.executor.cores=1", "--conf", "spark.executor.memory=640m",
        "--conf", "spark.ui.enabled=false",
        // One task per input file: Spark packs small files into one task per core otherwise.
        "--conf", "spark.sql.files.maxPartitionBytes=1m", "--",
        "--input", tmp.resolve("in").toString(), "--input_format", "csv", "--output", out.toString(),
        "--output_format", "json", "--model_dir", model, "--max_batch_size", "16")
        .directory(PROJECT.toFile())
        .redirectOutput(tmp.resolve("submit.out").toFile()).redirectError(tmp.resolve("submit.err").toFile());
    submit.environment().remove("SPARK_HOME"); // Spark from the Maven repository, as submit.sh runs it by default
    submit.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    submit.environment().put("BERT_SPARK_LOG_DIR", logs.toString());
    Process job = submit.start();
    daemons.add(job);

    killAnExecutorMidTask(workers, out, job);

    assertTrue(job.waitFor(TIMEOUT_S, TimeUnit.SECONDS), "the job did not end within " + TIMEOUT_S + " s");
    assertEquals(0, job.exitValue(), "submit.sh failed; its stderr:\n" + Files.readString(tmp.resolve("submit.err")));
    String driverLog = driverLog(logs);
    assertTrue(Pattern.compile("Lost task .*ExecutorLostFailure").matcher(driverLog).find(),
        "the driver lost a running task with the executor; its log: " + logs);
    assertTrue(Files.readString(tmp.resolve("master.log")).contains("Registered app"), "the job ran on " + master);

    Map<String, float[]> vectors = writtenOnce(out);
    assertEquals(texts.keySet(), vectors.keySet(), "every input row written");
    assertEncoderVectors(model, texts, vectors);

    JsonNode summary = new ObjectMapper().readTree(out.resolve(JobSummary.FILE_NAME).toFile());
    assertEquals(org.apache.spark.package$.MODULE$.SPARK_VERSION(), summary.get("spark_version").asText());
    assertEquals(ROWS, summary.get("input_rows").asLong(), "each row counted once, retried or not: " + summary);
    assertEquals(ROWS, summary.get("encoded").asLong(), summary.toString());
    assertEquals(0, summary.get("null").asLong(), summary.toString());
    assertEquals(0, summary.get("duplicates").asLong(), summary.toString());
    assertEquals(FILES, summary.get("tasks").asInt(), "one successful task per partition: " + summary);
    assertEquals(1, summary.get("threads_per_task").asInt(), "num_threads 0: the slot's one core: " + summary);
  }

  /** FILES CSV files of distinct sentences; the texts by id. */
  private static Map<String, String> writeInput(Path in) throws IOException {
    Map<String, String> texts = new HashMap<>();
    for (int f = 0; f < FILES; f++) {
      List<String> lines = new ArrayList<>(List.of("id,text"));
      for (int i = 0; i < ROWS_PER_FILE; i++) {
        String id = Integer.toString(f * ROWS_PER_FILE + i);
        String text = "sentence number " + id + " of the standalone test" + " with more words".repeat(i % 7);
        texts.put(id, text);
        lines.add(id + "," + text);
      }
      Files.write(in.resolve("part-" + f + ".csv"), lines);
    }
    return texts;
  }

  private String startMaster(Path sparkHome) throws Exception {
    Path log = tmp.resolve("master.log");
    daemon(sparkHome, log, "org.apache.spark.deploy.master.Master",
        "--host", "127.0.0.1", "--port", "0", "--webui-port", "0");
    return awaitLog(log, MASTER_URL).group(1);
  }

  private Process startWorker(Path sparkHome, String master, int n) throws Exception {
    Path log = tmp.resolve("worker-" + n + ".log");
    Process worker = daemon(sparkHome, log, "org.apache.spark.deploy.worker.Worker",
        "--host", "127.0.0.1", "--port", "0", "--webui-port", "0", "--cores", "1", "--memory", "1g",
        "--work-dir", Files.createDirectories(tmp.resolve("work-" + n)).toString(), master);
    return worker;
  }

  /** A Spark daemon JVM on Spark's jars; it launches executors from {@code sparkHome}, as a worker does. */
  private Process daemon(Path sparkHome, Path log, String mainClass, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(List.of(System.getProperty("java17.opens").split(" ")));
    command.addAll(List.of("-Xmx512m", "-cp", sparkHome.resolve("jars") + "/*", mainClass));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("SPARK_HOME", sparkHome.toString());
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    // The worker's launcher names the executor's jars by Scala version unless told (a release has one jars/ folder).
    String scalaVersion = scala.util.Properties.versionNumberString();
    pb.environment().put("SPARK_SCALA_VERSION", scalaVersion.substring(0, scalaVersion.lastIndexOf('.')));
    Process process = pb.start();
    daemons.add(process);
    return process;
  }

  /**
   * Waits until some task has committed its output and an executor runs a task (its log says it started one it has
   * not finished), then kills that executor's JVM.
   */
  private void killAnExecutorMidTask(List<Process> workers, Path out, Process job) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
    while (System.nanoTime() < deadline) {
      if (!job.isAlive() || Files.exists(out.resolve("_SUCCESS"))) {
        fail("the job ended before an executor could be killed mid-run; more rows needed. Its stderr:\n"
            + Files.readString(tmp.resolve("submit.err")));
      }
      if (committedTasks(out) > 0) {
        for (Process worker : workers) {
          Optional<ProcessHandle> executor = worker.descendants()
              .filter(p -> p.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend")).findFirst();
          if (executor.isPresent() && runsATask(executor.get())) {
            executor.get().destroyForcibly();
            executor.get().onExit().get(30, TimeUnit.SECONDS);
            return;
          }
        }
      }
      Thread.sleep(100);
    }
    fail("no executor was seen running a task within " + TIMEOUT_S + " s; see " + tmp);
  }

  /** Tasks whose output the committer has moved into the job's attempt folder, or into the output itself. */
  private static long committedTasks(Path out) throws IOException {
    long n = 0;
    for (Path dir : List.of(out.resolve("_temporary/0"), out)) {
      if (Files.isDirectory(dir)) {
        try (Stream<Path> files = Files.list(dir)) {
          n += files.filter(p -> p.getFileName().toString().matches("task_.*|part-.*")).count();
        }
      }
    }
    return n;
  }

  /**
   * Whether the executor has started a task it has not finished, by its log in the worker's folder for it
   * ({@code work-dir/app-id/executor-id/stderr}, its working directory).
   */
  private static boolean runsATask(ProcessHandle executor) throws IOException {
    Path stderr = Path.of("/proc/" + executor.pid() + "/cwd/stderr");
    if (!Files.isReadable(stderr)) {
      return false;
    }
    String log = Files.readString(stderr, StandardCharsets.UTF_8);
    List<String> running = new ArrayList<>();
    Matcher started = RUNNING.matcher(log);
    while (started.find()) {
      running.add(started.group(1) + "/" + started.group(2));
    }
    Matcher finished = FINISHED.matcher(log);
    while (finished.find()) {
      running.remove(finished.group(1) + "/" + finished.group(2));
    }
    return !running.isEmpty();
  }

  private static Matcher awaitLog(Path log, Pattern pattern) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      Matcher m = pattern.matcher(Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "");
      if (m.find()) {
        return m;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no '" + pattern + "' in " + log + " within 120 s:\n" + Files.readString(log));
  }

  private static String driverLog(Path logs) throws IOException {
    try (Stream<Path> files = Files.list(logs)) {
      List<Path> found = files.filter(p -> p.getFileName().toString().startsWith("job-")).toList();
      assertEquals(1, found.size(), "one driver log in " + logs + ": " + found);
      return Files.readString(found.get(0), StandardCharsets.UTF_8);
    }
  }

  /** The output's vectors by id, failing on an id written twice. */
  private static Map<String, float[]> writtenOnce(Path out) throws IOException {
    ObjectMapper json = new ObjectMapper();
    Map<String, float[]> byId = new HashMap<>();
    List<Path> parts;
    try (Stream<Path> files = Files.list(out)) {
      parts = files.filter(p -> p.getFileName().toString().startsWith("part-")).toList();
    }
    for (Path part : parts) {
      for (String line : Files.readAllLines(part, StandardCharsets.UTF_8)) {
        JsonNode row = json.readTree(line);
        JsonNode embedding = row.get("embedding");
        float[] v = new float[embedding.size()];
        for (int i = 0; i < v.length; i++) {
          v[i] = (float) embedding.get(i).asDouble();
        }
        String id = row.get("id").asText();
        assertEquals(null, byId.put(id, v), "row " + id + " written twice");
      }
    }
    return byId;
  }

  /** The vectors are what the encoder itself gives for each row's text, opened here, outside Spark. */
  private static void assertEncoderVectors(String model, Map<String, String> texts, Map<String, float[]> vectors) {
    List<String> ids = new ArrayList<>(texts.keySet());
    Embeddings expected;
    try (BertEncoder encoder = BertEncoder.open(EncoderOptions.parse(Map.of("model_dir", model)))) {
      expected = encoder.encode(Inputs.texts(ids.stream().map(texts::get).toList()));
    }
    for (int r = 0; r < ids.size(); r++) {
      float[] want = expected.get(r).vector();
      float[] got = vectors.get(ids.get(r));
      assertEquals(want.length, got.length, "row " + ids.get(r));
      for (int i = 0; i < want.length; i++) {
        assertEquals(want[i], got[i], 1e-5f * Math.max(1, Math.abs(want[i])), "row " + ids.get(r) + " [" + i + "]");
      }
    }
  }
}
