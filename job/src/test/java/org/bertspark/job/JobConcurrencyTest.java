package org.bertspark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.bertspark.encoder.testing.TinyModel;
import org.bertspark.udf.testing.LocalCluster;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tasks sharing one executor's encoder give the vectors of one task alone, without deadlock, whatever the task
 * slots: local[4] against local[1], and two executor JVMs of two cores each running two tasks (task.cpus 1) or one
 * (task.cpus 2) at a time. Each task's encoder runs with the cores of its slot; an input of one partition runs as
 * one task with the idle slots' cores too.
 */
class JobConcurrencyTest {
  private static final int ROWS = 1200;
  private static final int PARTITIONS = 12;
  private static final long DEADLOCK_TIMEOUT_S = 180;

  @TempDir
  static Path tmp;
  private static String model;
  private static Map<Long, float[]> oneTask;

  @BeforeAll
  static void referenceFromOneTaskAtATime() {
    model = TinyModel.writeCheckpoint(tmp.resolve("model"), 31).toString();
    oneTask = encode("local-1", () -> local("local[1]"), PARTITIONS).vectors();
  }

  private static SparkSession local(String master) {
    return SparkSession.builder().master(master).appName("job-concurrency").config("spark.ui.enabled", "false")
        .getOrCreate();
  }

  /** A job's summary and its vectors by id. */
  private record Run(JobSummary summary, Map<Long, float[]> vectors) {}

  /** Writes the input in {@code files} files with a fresh session from {@code start}, runs the job. */
  private static Run encode(String name, Supplier<SparkSession> start, int files) {
    CompletableFuture<Run> run = CompletableFuture.supplyAsync(() -> {
      SparkSession spark = start.get();
      try {
        String in = tmp.resolve("in-" + name).toString();
        String out = tmp.resolve("out-" + name).toString();
        spark.range(0, ROWS, 1, files)
            .selectExpr("id", "concat('sentence ', id, repeat(' and more words', CAST(id % 7 AS INT))) AS text")
            .write().parquet(in);
        JobSummary summary = BertEmbeddingJob.run(spark, JobOptions.parse("--input", in, "--output", out, "--model_dir", model,
            "--max_batch_size", "8", "--max_seq_len", "NONE"));
        Map<Long, float[]> vectors = new HashMap<>();
        for (Row row : spark.read().parquet(out).collectAsList()) {
          List<Float> v = row.getList(row.fieldIndex("embedding"));
          float[] f = new float[v.size()];
          for (int i = 0; i < f.length; i++) {
            f[i] = v.get(i);
          }
          vectors.put(row.getLong(row.fieldIndex("id")), f);
        }
        return new Run(summary, vectors);
      } finally {
        spark.stop();
      }
    });
    try {
      return run.get(DEADLOCK_TIMEOUT_S, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError(name + " did not finish in " + DEADLOCK_TIMEOUT_S + " s: deadlock?", e);
    } catch (Exception e) {
      throw new AssertionError(name + " failed", e);
    }
  }

  /** The run's vectors are one task's; its tasks ran {@code threads} encoder threads each. */
  private static void assertRan(Run run, int threads) {
    assertEquals(threads, run.summary().threadsPerTask(), "threads per task");
    Map<Long, float[]> vectors = run.vectors();
    assertEquals(ROWS, vectors.size());
    oneTask.forEach((id, expected) -> {
      float[] actual = vectors.get(id);
      assertEquals(expected.length, actual.length, "id " + id);
      for (int i = 0; i < expected.length; i++) {
        assertEquals(expected[i], actual[i], 1e-5f, "id " + id + " [" + i + "]");
      }
    });
  }

  @Test
  void fourTasksSharingOneEncoder() {
    // local[4]: four one-core slots, whatever the machine's cores
    assertRan(encode("local-4", () -> local("local[4]"), PARTITIONS), 1);
  }

  @Test
  void oneFileTakesTheIdleSlotsCores() {
    Run run = encode("local-2-one-file", () -> local("local[2]"), 1);
    assertRan(run, 2);
    assertEquals(1, run.summary().tasks(), "tasks");
  }

  @Test
  void twoCoreExecutorsWithOneCpuPerTask() {
    assertRan(encode("cluster-task-cpus-1", () -> LocalCluster.start(Map.of(
        "spark.master", "local-cluster[2,2,1024]", "spark.executor.cores", "2", "spark.task.cpus", "1",
        "spark.locality.wait", "0")), PARTITIONS), 1);
  }

  @Test
  void twoCoreExecutorsWithTwoCpusPerTask() {
    assertRan(encode("cluster-task-cpus-2", () -> LocalCluster.start(Map.of(
        "spark.master", "local-cluster[2,2,1024]", "spark.executor.cores", "2", "spark.task.cpus", "2",
        "spark.locality.wait", "0")), PARTITIONS), 2);
  }
}
