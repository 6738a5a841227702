package org.bertspark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.bertspark.encoder.testing.TinyModel;
import org.bertspark.spark.EncodeCounts.Count;
import org.bertspark.udf.testing.LocalCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults in the middle of encoding, on two executor JVMs: an executor killed (SIGKILL, as the OOM killer or a lost
 * node would) and an exception in one task's first attempt. Spark retries; the output holds every input row exactly
 * once, with the vectors of a clean run, and the summary counts each row once. The faults come from
 * {@link FaultyFileSystem}, a test filesystem that the reading task trips over part-way through its file.
 */
class JobFaultTest {
  private static final int FILES = 4;
  private static final int ROWS_PER_FILE = 3000;
  private static final int ROWS = FILES * ROWS_PER_FILE;
  /** Past the line reader's first 64 KB buffer: about 1600 rows of the file are encoded when the fault hits. */
  private static final long FAULT_OFFSET = 80_000;
  private static final String FAULTY_FILE = "part-2";

  @TempDir
  static Path tmp;
  private static SparkSession spark;
  private static String model;
  private static String input;
  private static Map<String, float[]> clean;
  private static final AtomicInteger failedTasks = new AtomicInteger();

  @BeforeAll
  static void start() throws IOException {
    model = TinyModel.writeCheckpoint(tmp.resolve("model"), 23).toString();
    Path in = Files.createDirectories(tmp.resolve("in"));
    for (int f = 0; f < FILES; f++) {
      List<String> lines = new ArrayList<>(List.of("id,text"));
      for (int i = 0; i < ROWS_PER_FILE; i++) {
        int id = f * ROWS_PER_FILE + i;
        lines.add(id + ",sentence number " + id + " of the fault test " + "with more words ".repeat(id % 5));
      }
      Files.write(in.resolve("part-" + f + ".csv"), lines);
    }
    input = in.toString();
    spark = LocalCluster.start(Map.of("spark.locality.wait", "0"));
    spark.sparkContext().addSparkListener(new SparkListener() {
      @Override
      public void onTaskEnd(SparkListenerTaskEnd end) {
        if (!end.taskInfo().successful()) {
          failedTasks.incrementAndGet();
        }
      }
    });
    clean = vectors(run("clean"));
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  private static String run(String name) {
    String out = tmp.resolve("out-" + name).toString();
    JobSummary summary = BertEmbeddingJob.run(spark, JobOptions.parse("--input", input, "--input_format", "csv", "--output", out,
        "--model_dir", model, "--max_batch_size", "16"));
    assertEquals(ROWS, summary.inputRows(), "each row counted once, retried or not");
    assertEquals(ROWS, summary.count(Count.ENCODED));
    return out;
  }

  /** Output vectors by id, after checking every input id is there exactly once. */
  private static Map<String, float[]> vectors(String out) {
    List<Row> rows = spark.read().parquet(out).select("id", "embedding").collectAsList();
    Map<String, float[]> byId = new HashMap<>();
    for (Row row : rows) {
      List<Float> v = row.getList(1);
      float[] f = new float[v.size()];
      for (int i = 0; i < f.length; i++) {
        f[i] = v.get(i);
      }
      assertEquals(null, byId.put(row.getString(0), f), "id " + row.getString(0) + " written twice");
    }
    assertEquals(ROWS, byId.size(), "every row written");
    return byId;
  }

  private static void assertSameAsClean(String out) {
    Map<String, float[]> faulted = vectors(out);
    clean.forEach((id, expected) -> {
      float[] actual = faulted.get(id);
      assertEquals(expected.length, actual.length, id);
      for (int i = 0; i < expected.length; i++) {
        assertEquals(expected[i], actual[i], 1e-5f, "id " + id + " [" + i + "]");
      }
    });
  }

  @Test
  void executorKilledWhileEncoding() throws Exception {
    Path marker = tmp.resolve("hanging-executor.pid");
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    FaultyFileSystem.install(conf, FAULTY_FILE, FAULT_OFFSET, "hang", marker.toString());
    int failedBefore = failedTasks.get();
    try {
      CompletableFuture<String> job = CompletableFuture.supplyAsync(() -> run("killed"));
      long pid = awaitPid(marker, job);
      ProcessHandle executor = ProcessHandle.of(pid).orElseThrow();
      assertTrue(ProcessHandle.current().descendants().anyMatch(p -> p.pid() == pid),
          "pid " + pid + " is one of this cluster's executor JVMs");
      assertTrue(executor.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend"),
          executor.info().commandLine().orElse("?"));
      executor.destroyForcibly();
      String out = job.get(180, TimeUnit.SECONDS);
      awaitFailedTasks(failedBefore + 1);
      assertSameAsClean(out);
    } finally {
      FaultyFileSystem.uninstall(conf);
    }
  }

  @Test
  void exceptionInOneTaskIsRetried() throws InterruptedException {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    FaultyFileSystem.install(conf, FAULTY_FILE, FAULT_OFFSET, "throw", null);
    int failedBefore = failedTasks.get();
    try {
      String out = run("thrown");
      awaitFailedTasks(failedBefore + 1);
      assertSameAsClean(out);
      assertEquals(failedBefore + 1, failedTasks.get(), "one task attempt failed");
    } finally {
      FaultyFileSystem.uninstall(conf);
    }
  }

  /** Task-end events reach listeners asynchronously, after the job may have returned. */
  private static void awaitFailedTasks(int atLeast) throws InterruptedException {
    long deadline = System.currentTimeMillis() + TimeUnit.SECONDS.toMillis(10);
    while (failedTasks.get() < atLeast && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
    }
    assertTrue(failedTasks.get() >= atLeast, "a task attempt failed and was retried");
  }

  private static long awaitPid(Path marker, CompletableFuture<String> job) throws InterruptedException {
    long deadline = System.currentTimeMillis() + TimeUnit.SECONDS.toMillis(120);
    while (System.currentTimeMillis() < deadline) {
      long pid = FaultyFileSystem.markedPid(marker);
      if (pid > 0) {
        return pid;
      }
      if (job.isDone()) {
        throw new AssertionError("the job ended before the fault: " + job.join());
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no task reached byte " + FAULT_OFFSET + " of " + FAULTY_FILE);
  }
}
