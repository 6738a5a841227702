package org.bertspark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.bertspark.encoder.testing.TinyModel;
import org.bertspark.spark.EncodeCounts;
import org.bertspark.spark.EncodeCounts.Count;
import org.bertspark.udf.testing.AccumulatorUpdates;
import org.bertspark.udf.testing.LocalCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The job on two executor JVMs: one model load per executor, none on the driver, every row written. */
class JobClusterTest {
  private static final int ROWS = 600;
  private static final int FILES = 8;

  @TempDir
  Path tmp;

  @Test
  void oneModelLoadPerExecutorNoneOnTheDriver() throws Exception {
    String model = TinyModel.writeCheckpoint(tmp.resolve("model"), 7).toString();
    // No locality waits: every executor takes tasks as soon as it is free.
    SparkSession spark = LocalCluster.start(Map.of("spark.locality.wait", "0"));
    try {
      AccumulatorUpdates loads = AccumulatorUpdates.listen(spark.sparkContext(), JobCounters.COUNTS_NAME,
          counts -> ((EncodeCounts) counts).get(Count.MODEL_LOADS));
      String in = tmp.resolve("in").toString();
      String out = tmp.resolve("out").toString();
      spark.range(0, ROWS, 1, FILES).selectExpr("id", "concat('sentence number ', id, ' of the test') AS text")
          .write().parquet(in);

      JobSummary summary = BertEmbeddingJob.run(spark, JobOptions.parse(
          "--input", in, "--output", out, "--model_dir", model, "--max_batch_size", "16"));

      Dataset<Row> written = spark.read().parquet(out);
      assertEquals(ROWS, written.count());
      assertEquals(ROWS, written.select("id").distinct().count());
      assertEquals(ROWS, written.where("embedding IS NOT NULL").count());
      assertEquals(ROWS, summary.count(Count.ENCODED));

      Map<String, Long> byExecutor = loads.byExecutor();
      assertEquals(LocalCluster.EXECUTORS, byExecutor.size(), "both executors encoded: " + byExecutor);
      byExecutor.forEach((executor, n) -> assertEquals(1L, n, "model loads on executor " + executor));
      assertEquals(LocalCluster.EXECUTORS, summary.count(Count.MODEL_LOADS),
          "_SUMMARY.json's model loads: the executors' tasks', none outside them (the driver)");
    } finally {
      spark.stop();
    }
  }
}
