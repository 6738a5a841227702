package org.bertspark.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.bertspark.encoder.EncoderCache;
import org.bertspark.encoder.EncoderOptions;
import org.bertspark.encoder.device.SessionConfig;
import org.bertspark.encoder.testing.TinyModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * num_threads 0 in real tasks on local[4] (four one-core slots, whatever this machine's cores): SQL's sources give
 * each task one slot's core; the job's, for a stage that leaves slots idle, share the idle slots' cores out.
 */
class TaskSlotsInSparkTest {
  @TempDir
  static Path tmp;
  private static SparkSession spark;
  private static EncoderSource sqlSource;

  @BeforeAll
  static void start() {
    spark = SparkSession.builder().master("local[4]").appName("task-slots").config("spark.ui.enabled", "false")
        .getOrCreate();
    EncoderOptions options = EncoderOptions.parse("model_dir=" + TinyModel.writeCheckpoint(tmp.resolve("model"), 5),
        EncoderOptions.defaults());
    assertEquals(0, options.numThreads());
    sqlSource = EncoderSource.of(spark, options);
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  @Test
  void sqlTasksGetOneSlotEach() {
    assertEquals(List.of(1, 1, 1, 1), threadsInTasks(sqlSource, 4));
  }

  @Test
  void jobStageOfOneTaskGetsEveryCore() {
    assertEquals(List.of(4), threadsInTasks(sqlSource.forTasks(spark.sparkContext(), 1), 1));
  }

  @Test
  void jobStageOfTwoTasksSharesTheCores() {
    assertEquals(List.of(2, 2), threadsInTasks(sqlSource.forTasks(spark.sparkContext(), 2), 2));
  }

  /** The threads of the encoder each of {@code tasks} tasks leases from {@code source}. */
  private static List<Integer> threadsInTasks(EncoderSource source, int tasks) {
    List<Integer> partitions = new ArrayList<>();
    for (int i = 0; i < tasks; i++) {
      partitions.add(i);
    }
    return JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(partitions, tasks).map(i -> {
      try (EncoderCache.Lease lease = source.acquire(1)) {
        return SessionConfig.threads(lease.encoder().options());
      }
    }).collect();
  }
}
